//! Rankings (being written).
