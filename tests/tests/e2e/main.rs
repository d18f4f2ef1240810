mod fixtures;
mod http;
mod store;
