//! The application: the event store plus the in-memory state folded from it.
//! (skeleton: being written by the lead; the public surface below is stable)

use crate::store::EventStore;
use std::sync::Arc;

#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: EventStore,
}

impl App {
    /// Folds the log into memory and starts following it.
    pub async fn start(store: EventStore) -> anyhow::Result<App> {
        Ok(App { inner: Arc::new(Inner { store }) })
    }

    pub fn store(&self) -> &EventStore {
        &self.inner.store
    }
}
