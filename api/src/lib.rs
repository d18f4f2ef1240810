//! Bangfu's server: the event store, the state folded from it, GraphQL over HTTP, sign-in
//! and the CLI. The rules themselves live in the `domain` crate.
//!
//! # Layout
//!
//! | module | its job |
//! |---|---|
//! | [`cli`] | `bangfu serve`, `migrate`, `token`, `demo`, `export-schema`, `import people`, `export-events`, `import-events` |
//! | [`config`] | one typed configuration: defaults, then `BANGFU_*`, then flags |
//! | [`http`] | the HTTP shell: the accept loop and its limits, the GraphQL routes and negotiation, GraphiQL, sockets, one `HttpError` for every hand-built refusal |
//! | [`signin`] | who is calling: Bangfu's HS256 tokens and the school's OIDC behind one `TokenVerifier`, CAS sign-in and single logout, key files, TLS |
//! | [`graphql`] | the schema, one file per area (people, pairings, contacts, assessments, rankings, alerts …), merged in `graphql/mod.rs` |
//! | [`app`] | the core: the state folded from the log (from a snapshot on), `execute` (decide → apply → commit, in groups, by one writer), the follower that applies other instances' appends, the snapshots |
//! | [`store`] | the append-only event log on SQLite or PostgreSQL, idempotency and version checks inside the serialized append |
//! | [`idempotency`] | a key and the fingerprint of the input it was first used with |
//! | [`error`] | `ApiError`, mapped once to a GraphQL error with `extensions.code` |
//! | [`demo`] | `bangfu demo`: a small college recorded through the API |
//! | [`imports`] | files in: the roster import (XLSX or CSV into one batch of registrations) and its template |
//! | [`backup`] | the whole log as NDJSON, out (`export-events`) and into an empty database (`import-events`) |
//! | [`telemetry`] | the metrics' names and their Prometheus recorder, bounded labels, the log format |
//! | [`reminders`] | reminders that reach people: channels (secrets beside the log), the outbox, the senders (WeCom, DingTalk, webhooks, SMTP), the digest and mentors' emails, `serve`'s schedule |
//! | [`exports`] | files out: 附件一, 附件二 as XLSX, the archive box as a streamed ZIP, and the signed links to them |
//!
//! Dependencies run one way: `cli` → `http` → `graphql` → `app` → `store`; `signin` is
//! asked by `http` and `graphql` for the caller, and `app` knows only the caller's id.
//! `backup` is `cli`'s over `store` alone; `telemetry` depends on nothing of Bangfu's, and
//! every layer records its metrics through it.
//!
//! # A command's path: `recordContact`
//!
//! 1. `http/graphql.rs` reads the body, `signin::Authenticator` turns the bearer token into
//!    an `Actor`, and the schema runs the request; `graphql/limits.rs` has bounded the
//!    document before validation.
//! 2. `graphql/contacts.rs` `record_contact`: its guard asks `domain::access` for
//!    `KeepPairing(pairing)`; the input becomes a `domain::decide::RecordContact`.
//! 3. `graphql/context.rs` `run`: text checked, the idempotency fingerprint taken, then
//!    `App::execute(subject, key, decide)`.
//! 4. `app/mod.rs` `execute` queues the command for the writer (`app/writer.rs`), which
//!    takes every command queued meanwhile as one group: one store transaction
//!    (`store::Group`: the append lock, the head read once), then for each command
//!    `domain::decide::record_contact` against the state the ones before it left (pure:
//!    refuses with a field, or returns a `ContactRecorded` at a stream version), its events
//!    staged and applied (`State::apply`); one commit (one fsync), then each answer.
//! 5. Back in `contacts.rs`, the contact is read from the state and returned; every
//!    subscriber hears the event (`App::appended`).
//!
//! # A query's path: `contactAlerts`
//!
//! `graphql/alerts.rs` `contact_alerts`: guard `ReadScope(scope)`, then one read of the
//! state and `domain::alert::contact_alerts(state, scope, as_of, min)` (pure: the
//! cadence windows, vacations, the ordering), a page of it, each alert's `pairing` built by
//! `Pairing::get`, which judges the caller's right once. The `contactAlerts` subscription
//! runs the same function on every appended event and every 30 s, and pushes what changed.

pub mod app;
pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod exports;
pub mod graphql;
pub mod http;
pub mod idempotency;
pub mod imports;
pub mod reminders;
pub mod signin;
pub mod store;
pub mod telemetry;
