//! The workload's randomness, deterministic so every run builds the same log.

use chrono::{NaiveDate, TimeDelta};
use uuid::Uuid;

/// A small deterministic generator (xorshift64*).
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    /// A version-7 id at `millis` (Unix milliseconds), as the API and the store hand out:
    /// ids made later sort later.
    pub fn uuid_at(&mut self, millis: u64) -> Uuid {
        let r = self.next_u64().to_le_bytes();
        let q = self.next_u64().to_le_bytes();
        let bytes = [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], q[0], q[1]];
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }
    pub fn day_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = (to - from).num_days().max(0) as u64;
        from + TimeDelta::days(self.below(days + 1) as i64)
    }
}
