//! Trace events (being written).
