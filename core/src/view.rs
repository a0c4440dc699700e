//! State views (being written).
