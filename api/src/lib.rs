//! Bangfu's server: the event store, the in-memory projection, GraphQL, sign-in (`signin`) and the CLI.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod graphql;
pub mod http;
pub mod idempotency;
pub mod signin;
pub mod store;
