//! exact simulator (being written).
