//! Invalid-file corpus tests (being written).
