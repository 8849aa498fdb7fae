//! twinfield simulator (being written).
