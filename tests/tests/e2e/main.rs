mod access;
mod fixtures;
mod hostile;
mod http;
mod live;
mod schema;
mod sso;
mod store;
