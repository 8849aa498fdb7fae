//! afas simulator (being written).
