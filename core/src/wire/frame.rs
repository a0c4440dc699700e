//! Ethernet frames (being written).
