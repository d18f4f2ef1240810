//! Rubric engine (being written).
