//! Per-namespace, per-bridge and per-wire state, made on first use and
//! found by index: a topology's ids are dense, so a vector of optional
//! boxes is both smaller than a hash map for the few that run and one
//! bounds check to reach (`vec![None; n]` is a zeroed allocation, so a
//! 10,000-node topology pays nothing for the nodes a probe never visits).

/// State of type `V`, for ids `0..n`, each made when first asked for.
#[derive(Debug, Clone)]
pub(crate) struct Slots<V> {
    slots: Vec<Option<Box<V>>>,
}

impl<V> Default for Slots<V> {
    fn default() -> Self {
        Slots { slots: Vec::new() }
    }
}

impl<V> Slots<V> {
    /// Room for ids `0..n` (more are still accepted: the table grows).
    pub fn with_len(n: usize) -> Self {
        let mut slots = Vec::new();
        slots.resize_with(n, || None);
        Slots { slots }
    }

    pub fn get(&self, k: usize) -> Option<&V> {
        self.slots.get(k)?.as_deref()
    }

    /// The state of `k`, made by `make` if it has none yet.
    pub fn get_or_insert_with(&mut self, k: usize, make: impl FnOnce() -> V) -> &mut V {
        if k >= self.slots.len() {
            self.slots.resize_with(k + 1, || None);
        }
        self.slots[k].get_or_insert_with(|| Box::new(make()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_on_first_use_and_found_again() {
        let mut s: Slots<Vec<u8>> = Slots::with_len(2);
        assert!(s.get(1).is_none());
        s.get_or_insert_with(1, || vec![7]).push(8);
        assert_eq!(s.get(1), Some(&vec![7, 8]));
        // `make` is not called again for a slot that has its state.
        s.get_or_insert_with(1, || unreachable!()).push(9);
        assert_eq!(s.get(1), Some(&vec![7, 8, 9]));
        // Beyond the size given: the table grows.
        s.get_or_insert_with(5, Vec::new);
        assert!(s.get(5).is_some() && s.get(4).is_none() && s.get(99).is_none());
    }
}
