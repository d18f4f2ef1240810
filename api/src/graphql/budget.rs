//! What the operations of one HTTP request share: one complexity budget, one count of
//! writes, one record of the screenings already logged as read. A JSON batch of
//! [`crate::http::MAX_BATCH`] operations therefore costs what one operation may cost, not
//! twenty times it, and reading a screening in every operation of a batch logs one read.
//!
//! The server puts one [`Budget`] into every request of a batch (`BatchRequest::data`);
//! a request that arrives without one (a socket's operation, a test calling the schema)
//! gets its own in [`super::limits::Limits`].

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The most mutation fields (each one write) one HTTP request may run: an offline phone
/// sending its queue as aliases fits; 300 aliased writes holding the log do not.
pub const MAX_WRITES: usize = 50;

#[derive(Clone)]
pub struct Budget(Arc<Shared>);

struct Shared {
    complexity_left: AtomicUsize,
    writes_left: AtomicUsize,
    screenings_read: Mutex<HashSet<Uuid>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget(Arc::new(Shared {
            complexity_left: AtomicUsize::new(super::paging::MAX_COMPLEXITY),
            writes_left: AtomicUsize::new(MAX_WRITES),
            screenings_read: Mutex::new(HashSet::new()),
        }))
    }
}

impl Budget {
    /// Takes `complexity` from what is left; `false` (and nothing taken) when it exceeds it.
    pub fn spend_complexity(&self, complexity: usize) -> bool {
        take(&self.0.complexity_left, complexity)
    }

    /// Takes `writes` from what is left; `false` (and nothing taken) when it exceeds it.
    pub fn spend_writes(&self, writes: usize) -> bool {
        take(&self.0.writes_left, writes)
    }

    /// Whether this is the first read of `person`'s screening under this budget (and
    /// remembers it).
    pub fn first_screening_read(&self, person: Uuid) -> bool {
        self.reads().insert(person)
    }

    /// A subscription pushes answers for as long as it lives: each push is a new read.
    pub fn forget_screening_reads(&self) {
        self.reads().clear();
    }

    fn reads(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        // The set holds plain ids: a panic elsewhere cannot leave it half-written.
        self.0
            .screenings_read
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn take(left: &AtomicUsize, amount: usize) -> bool {
    left.fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| left.checked_sub(amount))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_shares_one_budget() {
        let budget = Budget::default();
        let copy = budget.clone();
        assert!(budget.spend_complexity(15_000));
        // 15,000 + 6,000 > 20,000: the second operation of the batch is refused …
        assert!(!copy.spend_complexity(6_000));
        // … and took nothing, so a smaller one still fits.
        assert!(copy.spend_complexity(5_000));
        assert!(!budget.spend_writes(MAX_WRITES + 1));
        assert!(budget.spend_writes(MAX_WRITES));
        assert!(!copy.spend_writes(1));
    }

    #[test]
    fn a_screening_read_is_logged_once_per_budget_and_again_after_forgetting() {
        let budget = Budget::default();
        let person = Uuid::nil();
        assert!(budget.first_screening_read(person));
        assert!(!budget.clone().first_screening_read(person));
        budget.forget_screening_reads();
        assert!(budget.first_screening_read(person));
    }
}
