//! Shared, immutable bytes: one frame's bytes, or a part of them.
//!
//! A frame is made once and then only read: by the events that saw it, by
//! the device that receives it and by the parsed view of what it carries
//! (an echo's data, a datagram's payload, the frame inside a VXLAN
//! packet). [`Bytes`] lets all of them hold the same allocation, as the
//! kernel's skb is handed on rather than copied: cloning or slicing is a
//! reference count, never a copy.

use core::fmt;
use core::ops::{Deref, Range};
use std::rc::Rc;

/// Bytes shared by reference count; a clone or a [`Bytes::slice`] shares
/// the same allocation. Compares and prints as its contents.
#[derive(Clone)]
pub struct Bytes {
    buf: Rc<[u8]>,
    start: u32,
    end: u32,
}

impl Bytes {
    /// `range` of these bytes (clamped to them), sharing the allocation.
    pub fn slice(&self, range: Range<usize>) -> Bytes {
        let len = self.len();
        let end = range.end.min(len);
        let start = range.start.min(end);
        // Both fit in u32: they are at most `len`, which does.
        Bytes {
            buf: Rc::clone(&self.buf),
            start: self.start + start as u32,
            end: self.start + end as u32,
        }
    }

    /// Where these bytes are, to tell apart two that share nothing from
    /// two views of the same bytes: the address of the first byte and the
    /// length.
    pub fn identity(&self) -> (usize, usize) {
        (self.as_ptr() as usize, self.len())
    }
}

impl Deref for Bytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.buf
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

impl From<Rc<[u8]>> for Bytes {
    fn from(buf: Rc<[u8]>) -> Bytes {
        // A frame is at most 64 KiB; anything longer is cut to what u32 holds.
        let end = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        Bytes { buf, start: 0, end }
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        Bytes::from(Rc::<[u8]>::from(v))
    }
}

impl From<&[u8]> for Bytes {
    fn from(v: &[u8]) -> Bytes {
        Bytes::from(Rc::<[u8]>::from(v))
    }
}

impl FromIterator<u8> for Bytes {
    fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Bytes {
        Bytes::from(iter.into_iter().collect::<Vec<u8>>())
    }
}

impl Default for Bytes {
    fn default() -> Bytes {
        Bytes::from(&[][..])
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Bytes) -> bool {
        **self == **other
    }
}

impl Eq for Bytes {}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_share_and_compare_by_contents() {
        let b = Bytes::from(vec![1u8, 2, 3, 4, 5]);
        let s = b.slice(1..4);
        assert_eq!(&*s, &[2, 3, 4]);
        assert_eq!(s.identity().0, b.identity().0 + 1);
        assert_eq!(s.slice(1..10), Bytes::from(vec![3u8, 4]));
        let (from, to) = (5, 2);
        assert_eq!(s.slice(from..to), Bytes::default());
        assert_eq!(Bytes::from(vec![2u8, 3, 4]), s);
        assert_eq!(format!("{s:?}"), "[2, 3, 4]");
    }
}
