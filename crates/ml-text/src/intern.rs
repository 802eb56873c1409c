//! A string interner for the counting hot loop: terms get dense ids `0, 1, 2, ...` in
//! order of first appearance, their bytes are stored back to back in one arena, and an
//! open-addressing table of ids finds a term by hash.
//!
//! Compared with a `HashMap<Box<str>, usize>`, interning a new term allocates nothing
//! (the arena grows geometrically), and each term's hash is stored, so merging one
//! interner into another and growing the table never hash a string again.

/// Marks an empty slot of the table (and bounds the number of terms).
const EMPTY: u32 = u32::MAX;

/// The hash of a term: an FxHash-style multiply-rotate over 8-byte words with a final
/// avalanche, so the low bits (the slot) depend on every byte.
///
/// Words are loaded without copying into a padded buffer (a short term as two
/// overlapping halves, the tail of a long one as its last eight bytes), which keeps the
/// usual 2- to 8-byte word free of a `memcpy` call.
///
/// Hash flooding is not a concern for a batch computation over the caller's own
/// documents, and no result depends on the hash (the vocabulary is sorted before use).
///
/// Returned with the `key` of the term's slot (see [`Slot`]): a short term's key is
/// the word its hash is made of.
#[inline]
fn hash_and_key(bytes: &[u8]) -> (u64, u64) {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mix = |h: u64, word: u64| (h ^ word).wrapping_mul(K).rotate_left(26);
    // Final avalanche (from splitmix64).
    let avalanche = |mut h: u64| {
        h ^= h >> 30;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    };
    let n = bytes.len();
    if n <= 8 {
        let word = short_word(bytes);
        (avalanche(mix(n as u64, word)), word)
    } else {
        let mut h = n as u64;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            h = mix(h, word_at(chunk, 0));
        }
        if !chunks.remainder().is_empty() {
            h = mix(h, word_at(bytes, n - 8));
        }
        let h = avalanche(h);
        (h, h)
    }
}

/// The eight bytes of `bytes` from `at` (which must leave eight), little-endian.
#[inline]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// At most eight bytes as one word; for a given length, different bytes give different
/// words (every byte is read: the first and last four, or for fewer than four, the
/// first, middle and last).
#[inline]
fn short_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    if n >= 4 {
        let half = |at: usize| {
            u64::from(u32::from_le_bytes([
                bytes[at],
                bytes[at + 1],
                bytes[at + 2],
                bytes[at + 3],
            ]))
        };
        half(0) | (half(n - 4) << 32)
    } else if n > 0 {
        u64::from(bytes[0]) | (u64::from(bytes[n / 2]) << 8) | (u64::from(bytes[n - 1]) << 16)
    } else {
        0
    }
}

/// One slot of the open-addressing table. A term of at most eight bytes (most words)
/// is stored whole in `key`, so finding it reads nothing but the slot; a longer term
/// keeps its hash there and is confirmed against the arena.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// [`short_word`] of a term of up to eight bytes, the hash of a longer one.
    key: u64,
    /// The term's id, [`EMPTY`] for an empty slot.
    id: u32,
    /// The term's length in bytes, saturated at `u32::MAX` (longer terms are compared
    /// in full anyway).
    len: u32,
}

const EMPTY_SLOT: Slot = Slot {
    key: 0,
    id: EMPTY,
    len: 0,
};

/// The `key` of a term's slot, from its hash.
#[inline]
fn slot_key(bytes: &[u8], hash: u64) -> u64 {
    if bytes.len() <= 8 {
        short_word(bytes)
    } else {
        hash
    }
}

/// A length as kept in a slot.
#[inline]
fn slot_len(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.len()).unwrap_or(u32::MAX)
}

/// Interned terms with dense ids (fewer than `u32::MAX`: the slots keep ids in 32 bits,
/// which halves the table and keeps it in cache).
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    /// Every term's bytes, back to back.
    arena: String,
    /// Term `i` is `arena[bounds[i]..bounds[i + 1]]` (`bounds[0] = 0`).
    bounds: Vec<usize>,
    /// The hash of every term.
    hashes: Vec<u64>,
    /// Open-addressing table with linear probing, a power of two long and at most three
    /// quarters full.
    slots: Vec<Slot>,
}

impl Interner {
    /// An empty interner.
    pub(crate) fn new() -> Self {
        Self::with_capacity(32)
    }

    /// An empty interner with room for about `terms` terms before its table grows.
    pub(crate) fn with_capacity(terms: usize) -> Self {
        let slots = (terms + terms / 3 + 1)
            .clamp(64, 1 << 24)
            .next_power_of_two();
        Self {
            arena: String::with_capacity(8 * terms),
            bounds: {
                let mut bounds = Vec::with_capacity(terms + 1);
                bounds.push(0);
                bounds
            },
            hashes: Vec::with_capacity(terms),
            slots: vec![EMPTY_SLOT; slots],
        }
    }

    /// The first eight bytes of term `id`, big-endian and zero-padded: comparing these
    /// orders terms as comparing the strings does, except that equal keys need the full
    /// comparison.
    #[inline]
    pub(crate) fn prefix_key(&self, id: usize) -> u64 {
        let bytes = self.bytes(id);
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

    /// The bytes of term `id` (without the character-boundary checks of
    /// [`term`](Self::term)).
    #[inline]
    fn bytes(&self, id: usize) -> &[u8] {
        &self.arena.as_bytes()[self.bounds[id]..self.bounds[id + 1]]
    }

    /// The stored hash of term `id`.
    #[inline]
    pub(crate) fn hash_of(&self, id: usize) -> u64 {
        self.hashes[id]
    }

    /// The id of `term`, if interned.
    #[inline]
    pub(crate) fn get(&self, term: &str) -> Option<usize> {
        let (hash, key) = hash_and_key(term.as_bytes());
        self.find(term.as_bytes(), hash, key).ok()
    }

    /// The id of `term`, interning it if new.
    #[inline]
    pub(crate) fn intern(&mut self, term: &str) -> usize {
        let (hash, key) = hash_and_key(term.as_bytes());
        match self.find(term.as_bytes(), hash, key) {
            Ok(id) => id,
            Err(slot) => self.insert(term, hash, slot),
        }
    }

    /// As [`intern`](Self::intern), with the hash already known.
    ///
    /// # Panics
    /// On the `u32::MAX`-th distinct term.
    #[inline]
    pub(crate) fn intern_hashed(&mut self, term: &str, hash: u64) -> usize {
        match self.find(term.as_bytes(), hash, slot_key(term.as_bytes(), hash)) {
            Ok(id) => id,
            Err(slot) => self.insert(term, hash, slot),
        }
    }

    /// Adds a new term at the empty slot `slot`.
    #[inline(never)]
    fn insert(&mut self, term: &str, hash: u64, slot: usize) -> usize {
        let id = self.hashes.len();
        let id32 = match u32::try_from(id) {
            Ok(id32) if id32 != EMPTY => id32,
            _ => panic!("an interner holds fewer than {EMPTY} terms"),
        };
        self.arena.push_str(term);
        self.bounds.push(self.arena.len());
        self.hashes.push(hash);
        self.slots[slot] = Slot {
            key: slot_key(term.as_bytes(), hash),
            id: id32,
            len: slot_len(term.as_bytes()),
        };
        if 4 * self.hashes.len() > 3 * self.slots.len() {
            self.grow();
        }
        id
    }

    /// `Ok(id)` of `term` (of hash `hash` and slot key `key`), or `Err(slot)`: the empty
    /// slot where it would go.
    ///
    /// Always inlined: it runs once per token, and as a call it spent about a third of
    /// its time saving and restoring registers.
    #[inline(always)]
    fn find(&self, term: &[u8], hash: u64, key: u64) -> Result<usize, usize> {
        let len = slot_len(term);
        let mask = self.slots.len() - 1;
        let mut i = (hash as usize) & mask;
        loop {
            let slot = self.slots[i];
            if slot.id == EMPTY {
                return Err(i);
            }
            if slot.key == key
                && slot.len == len
                && (term.len() <= 8 || self.bytes(slot.id as usize) == term)
            {
                return Ok(slot.id as usize);
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table and re-inserts every id by its stored hash.
    fn grow(&mut self) {
        let n_slots = self.slots.len() * 2;
        let mask = n_slots - 1;
        let mut slots = vec![EMPTY_SLOT; n_slots];
        for (id, &hash) in self.hashes.iter().enumerate() {
            let mut i = (hash as usize) & mask;
            while slots[i].id != EMPTY {
                i = (i + 1) & mask;
            }
            let bytes = self.bytes(id);
            // Ids fit in `u32`: `insert` checked them.
            slots[i] = Slot {
                key: slot_key(bytes, hash),
                id: id as u32,
                len: slot_len(bytes),
            };
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
    fn terms_of_every_length_are_told_apart() {
        // Terms that differ in one byte, at every position and length around the
        // eight-byte inline key, and long terms sharing their first and last bytes.
        let mut words = Vec::new();
        for len in 0..20 {
            for pos in 0..len {
                let mut w = vec![b'a'; len];
                w[pos] = b'b';
                words.push(String::from_utf8(w).unwrap());
            }
            words.push("a".repeat(len));
        }
        words.push(format!("x{}y", "m".repeat(30)));
        words.push(format!("x{}y", "n".repeat(30)));
        let mut t = Interner::with_capacity(2);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.intern(w), i, "{w:?}");
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(w), Some(i));
            assert_eq!(t.intern_hashed(w, t.hash_of(i)), i);
        }
        assert_eq!(t.get("aaaaaaaaaaaaaaaaaaaaa"), None);
        assert_eq!(t.get("zz"), None);
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
