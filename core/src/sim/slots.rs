//! Per-namespace, per-bridge and per-wire state, made on first use and
//! found by index: a topology's ids are dense, so an index vector beside
//! the states made so far is cheaper to reach than a hash map, and costs
//! nothing for the ids never visited (it is made zeroed, in one go).

/// State of type `V`, for ids `0..n`, each made when first asked for.
#[derive(Debug, Clone)]
pub(crate) struct Slots<V> {
    /// For each id, 0 if it has no state yet, else its position in `items`
    /// plus one. Plain numbers: made zeroed and dropped without a walk, so
    /// a simulation of 10,000 namespaces that visits ten pays for ten.
    index: Vec<u32>,
    items: Vec<V>,
}

impl<V> Default for Slots<V> {
    fn default() -> Self {
        Slots {
            index: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<V> Slots<V> {
    /// Room for ids `0..n` (more are still accepted: the table grows).
    pub fn with_len(n: usize) -> Self {
        Slots {
            index: vec![0; n],
            items: Vec::new(),
        }
    }

    pub fn get(&self, k: usize) -> Option<&V> {
        let at = *self.index.get(k)?;
        self.items.get((at as usize).checked_sub(1)?)
    }

    /// The state of `k`, made by `make` if it has none yet.
    pub fn get_or_insert_with(&mut self, k: usize, make: impl FnOnce() -> V) -> &mut V {
        if k >= self.index.len() {
            self.index.resize(k + 1, 0);
        }
        let at = match self.index[k] {
            0 => {
                self.items.push(make());
                self.index[k] = self.items.len() as u32;
                self.items.len() - 1
            }
            at => at as usize - 1,
        };
        &mut self.items[at]
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
