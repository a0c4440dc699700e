//! Scenario tests (being written).
