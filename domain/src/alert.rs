//! Contact and lifecycle alerts (being written).
