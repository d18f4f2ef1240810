//! Decisions (being written).
pub struct Decision;
