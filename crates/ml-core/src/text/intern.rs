//! A string interner for the counting hot loop: terms get dense ids `0, 1, 2, ...` in
//! order of first appearance, their bytes are stored back to back in one arena, and an
//! open-addressing table of ids finds a term by hash.
//!
//! Compared with a `HashMap<Box<str>, usize>`, interning a new term allocates nothing
//! (the arena grows geometrically), and each term's hash is stored, so merging one
//! interner into another and growing the table never hash a string again.

/// Marks an empty slot of the table.
const EMPTY: usize = usize::MAX;

/// The hash of a term: an FxHash-style multiply-rotate over 8-byte words with a final
/// avalanche, so the low bits (the slot) depend on every byte.
///
/// Hash flooding is not a concern for a batch computation over the caller's own
/// documents, and no result depends on the hash (the vocabulary is sorted before use).
#[inline]
pub(crate) fn hash_str(s: &str) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let bytes = s.as_bytes();
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(26);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(26);
    }
    // Final avalanche (from splitmix64).
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Interned terms with dense ids.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    /// Every term's bytes, back to back.
    arena: String,
    /// Term `i` is `arena[bounds[i]..bounds[i + 1]]` (`bounds[0] = 0`).
    bounds: Vec<usize>,
    /// The hash of every term.
    hashes: Vec<u64>,
    /// Open-addressing table (a power of two long, at most half full) of
    /// `(hash, term id)`, the hash beside the id so that a probe rarely leaves the slot.
    slots: Vec<(u64, usize)>,
}

impl Interner {
    /// An empty interner.
    pub(crate) fn new() -> Self {
        Self::with_capacity(32)
    }

    /// An empty interner with room for about `terms` terms before its table grows.
    pub(crate) fn with_capacity(terms: usize) -> Self {
        let slots = (2 * terms).clamp(64, 1 << 24).next_power_of_two();
        Self {
            arena: String::new(),
            bounds: vec![0],
            hashes: Vec::new(),
            slots: vec![(0, EMPTY); slots],
        }
    }

    /// The first eight bytes of term `id`, big-endian and zero-padded: comparing these
    /// orders terms as comparing the strings does, except that equal keys need the full
    /// comparison.
    #[inline]
    pub(crate) fn prefix_key(&self, id: usize) -> u64 {
        let bytes = self.term(id).as_bytes();
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        u64::from_be_bytes(word)
    }

    /// Number of terms.
    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether no term has been interned.
    pub(crate) fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The term of id `id` (`id < len()`).
    #[inline]
    pub(crate) fn term(&self, id: usize) -> &str {
        self.arena
            .get(self.bounds[id]..self.bounds[id + 1])
            .unwrap_or_default()
    }

    /// The stored hash of term `id`.
    #[inline]
    pub(crate) fn hash_of(&self, id: usize) -> u64 {
        self.hashes[id]
    }

    /// The id of `term`, if interned.
    #[inline]
    pub(crate) fn get(&self, term: &str) -> Option<usize> {
        self.find(term, hash_str(term)).ok()
    }

    /// The id of `term`, interning it if new.
    #[inline]
    pub(crate) fn intern(&mut self, term: &str) -> usize {
        self.intern_hashed(term, hash_str(term))
    }

    /// As [`intern`](Self::intern), with the hash already known.
    #[inline]
    pub(crate) fn intern_hashed(&mut self, term: &str, hash: u64) -> usize {
        match self.find(term, hash) {
            Ok(id) => id,
            Err(slot) => {
                let id = self.hashes.len();
                self.arena.push_str(term);
                self.bounds.push(self.arena.len());
                self.hashes.push(hash);
                self.slots[slot] = (hash, id);
                if 2 * self.hashes.len() > self.slots.len() {
                    self.grow();
                }
                id
            }
        }
    }

    /// `Ok(id)` of `term`, or `Err(slot)`: the empty slot where it would go.
    #[inline]
    fn find(&self, term: &str, hash: u64) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = (hash as usize) & mask;
        loop {
            let (h, id) = self.slots[i];
            if id == EMPTY {
                return Err(i);
            }
            if h == hash && self.term(id).as_bytes() == term.as_bytes() {
                return Ok(id);
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table and re-inserts every id by its stored hash.
    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        let mask = len - 1;
        let mut slots = vec![(0, EMPTY); len];
        for (id, &hash) in self.hashes.iter().enumerate() {
            let mut i = (hash as usize) & mask;
            while slots[i].1 != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = (hash, id);
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_stable() {
        let mut t = Interner::new();
        let words: Vec<String> = (0..1000).map(|i| format!("w{}", i * 7919 % 1000)).collect();
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.intern(w), i);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.intern(w), i);
            assert_eq!(t.get(w), Some(i));
            assert_eq!(t.term(i), w);
        }
        assert_eq!(t.get("absent"), None);
        assert_eq!(t.intern(""), 1000);
        assert_eq!(t.term(1000), "");
        assert_eq!(t.len(), 1001);
    }

    #[test]
    fn prefix_keys_order_like_strings() {
        let words = [
            "",
            "a",
            "a\0",
            "a\0b",
            "ab",
            "abcdefgh",
            "abcdefghi",
            "abcdefgi",
            "é",
            "z",
        ];
        let mut t = Interner::with_capacity(4);
        let ids: Vec<usize> = words.iter().map(|w| t.intern(w)).collect();
        for &a in &ids {
            for &b in &ids {
                let by_key = t.prefix_key(a).cmp(&t.prefix_key(b));
                let by_str = t.term(a).cmp(t.term(b));
                assert!(by_key == by_str || by_key == std::cmp::Ordering::Equal);
            }
        }
    }
}
