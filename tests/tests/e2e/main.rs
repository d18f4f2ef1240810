mod access;
mod fixtures;
mod http;
mod live;
mod schema;
mod store;
