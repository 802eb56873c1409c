//! Turning one document into its terms: lowercasing as Python's `str.lower`, tokenising
//! as scikit-learn's `(?u)\b\w\w+\b`, dropping stop words and joining word n-grams.
//!
//! Everything here works on borrowed slices of one reusable per-thread buffer, so the hot
//! loop allocates nothing per token: a term reaches the caller as a `&str` that lives
//! until the next term.
//!
//! # Agreement with Python
//!
//! - Word characters are ASCII letters, digits and `_`, plus the non-ASCII code points
//!   of [`tables::WORD_RANGES`], which lists exactly what Python's `re` matches with `\w`
//!   (Python 3.11, Unicode 14.0). Combining marks are *not* word characters, as in
//!   Python: `"cafe\u{301}"` gives the token `"cafe"`, and Devanagari words split at
//!   their vowel signs. (Rust's `char::is_alphanumeric` would keep many marks.)
//! - Lowercasing is Rust's `str::to_lowercase`, which agrees with Python's `str.lower`
//!   on every character Python 3.11 knows, including the context-dependent final sigma
//!   and `İ` → `i̇`. Characters newer than Python's Unicode data that Rust would
//!   lowercase into a word character are left as they are (Python leaves them alone, and
//!   they separate tokens either way).

use super::StopWords;
use super::intern::Interner;
use super::tables;

/// ASCII word characters: letters, digits and underscore.
const ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// Whether Python's `re` matches `c` with `\w` (in a `str` pattern).
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        return ASCII_WORD[cp as usize];
    }
    let idx = tables::WORD_RANGES.partition_point(|&(lo, _)| lo <= cp);
    idx > 0 && cp <= tables::WORD_RANGES[idx - 1].1
}

/// A character that Python keeps as it is under `str.lower` but Rust would lowercase
/// into a word character: it is not a word character itself, yet its Rust lowercase
/// contains one (only letters newer than Python's Unicode data qualify).
fn keeps_case(c: char) -> bool {
    !is_word_char(c) && c.to_lowercase().any(is_word_char)
}

/// Writes the lowercase of `doc` (Python's `str.lower`) into `out`, replacing its
/// contents.
pub(crate) fn lowercase_into(doc: &str, out: &mut String) {
    out.clear();
    if doc.is_ascii() {
        out.push_str(doc);
        out.make_ascii_lowercase();
        return;
    }
    if !doc.contains('Σ') {
        // Without a capital sigma (whose lowercase depends on its neighbours), Rust's
        // `str::to_lowercase` is the lowercase of each character in turn; most
        // non-ASCII characters of real text (`£`, `…`, emoji) are their own lowercase,
        // and only the others need the check for Python's older data.
        let mut rest = doc;
        while !rest.is_empty() {
            // A run of ASCII in one go, then one other character.
            let ascii = rest
                .bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len());
            let (run, tail) = rest.split_at(ascii);
            let from = out.len();
            out.push_str(run);
            if let Some(pushed) = out.get_mut(from..) {
                pushed.make_ascii_lowercase();
            }
            let mut chars = tail.chars();
            let Some(c) = chars.next() else { break };
            rest = chars.as_str();
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) if l == c => out.push(c),
                _ if keeps_case(c) => out.push(c),
                _ => out.extend(c.to_lowercase()),
            }
        }
        return;
    }
    // Lowercase whole segments (so the final-sigma rule sees its context) between the
    // rare characters that must keep their case.
    let mut start = 0;
    for (i, c) in doc.char_indices() {
        if !c.is_ascii() && keeps_case(c) {
            if let Some(segment) = doc.get(start..i) {
                out.push_str(&segment.to_lowercase());
            }
            out.push(c);
            start = i + c.len_utf8();
        }
    }
    if let Some(segment) = doc.get(start..) {
        out.push_str(&segment.to_lowercase());
    }
}

/// Byte classes for the token scanner: an ASCII separator, an ASCII word character, or
/// a byte of a multi-byte character (decoded and looked up in the word table).
const SEPARATOR: u8 = 0;
const WORD: u8 = 1;
const MULTI_BYTE: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut table = [MULTI_BYTE; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = if ASCII_WORD[b] { WORD } else { SEPARATOR };
        b += 1;
    }
    table
};

/// [`ASCII_WORD`] over every byte value (false from 0x80), for indexing by byte.
const ASCII_WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = ASCII_WORD[b];
        b += 1;
    }
    table
};

/// Whether the character at byte `i` of `text` (a character boundary) is a word
/// character, and its width in bytes; for a multi-byte character.
#[cold]
fn multi_byte_at(text: &str, i: usize) -> (bool, usize) {
    match text.get(i..).and_then(|rest| rest.chars().next()) {
        Some(c) => (is_word_char(c), c.len_utf8()),
        // Unreachable: `i` always sits on a character boundary inside `text`.
        None => (false, text.len() - i),
    }
}

/// Calls `f(start, end)` with the byte range of every token of `text`: every maximal
/// run of two or more word characters (scikit-learn's `(?u)\b\w\w+\b`), left to right.
///
/// ASCII bytes are classified by one table lookup; only a multi-byte character is
/// decoded.
#[inline]
pub(crate) fn for_each_token(text: &str, mut f: impl FnMut(usize, usize)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    if text.is_ascii() {
        // Most documents: one byte is one character, so a run of word bytes is a token
        // when it is two bytes long, and no byte needs decoding.
        loop {
            while i < n && !ASCII_WORD_BYTE[usize::from(bytes[i])] {
                i += 1;
            }
            if i >= n {
                return;
            }
            let start = i;
            while i < n && ASCII_WORD_BYTE[usize::from(bytes[i])] {
                i += 1;
            }
            if i - start >= 2 {
                f(start, i);
            }
        }
    }
    'tokens: loop {
        // Skip to the next word character.
        let start = loop {
            if i >= n {
                break 'tokens;
            }
            match BYTE_CLASS[usize::from(bytes[i])] {
                SEPARATOR => i += 1,
                WORD => break i,
                _ => {
                    let (word, width) = multi_byte_at(text, i);
                    if word {
                        break i;
                    }
                    i += width;
                }
            }
        };
        // The run of word characters from `start`, counted in characters.
        let mut chars = 0usize;
        while i < n {
            match BYTE_CLASS[usize::from(bytes[i])] {
                WORD => i += 1,
                SEPARATOR => break,
                _ => {
                    let (word, width) = multi_byte_at(text, i);
                    if !word {
                        break;
                    }
                    i += width;
                }
            }
            chars += 1;
        }
        if chars >= 2 {
            f(start, i);
        }
    }
}

/// The per-call form of the analyzer settings: the stop-word set is built once per
/// `fit` or `transform` call and shared (read-only) by every thread.
#[derive(Debug)]
pub(crate) struct Analyzer {
    lowercase: bool,
    min_n: usize,
    max_n: usize,
    stop: Option<Interner>,
}

/// Buffers reused from one document to the next by one thread.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    lower: String,
    spans: Vec<(usize, usize)>,
    gram: String,
}

impl Analyzer {
    /// Prepares the analyzer; `min_n` and `max_n` must have been validated
    /// (`1 <= min_n <= max_n`).
    pub(crate) fn new(lowercase: bool, min_n: usize, max_n: usize, stop: &StopWords) -> Self {
        let set = |words: &mut dyn Iterator<Item = &str>| {
            let mut set = Interner::new();
            for w in words {
                set.intern(w);
            }
            set
        };
        let stop = match stop {
            StopWords::None => None,
            StopWords::English => Some(set(&mut tables::ENGLISH_STOP_WORDS.iter().copied())),
            StopWords::Custom(words) => Some(set(&mut words.iter().map(String::as_str))),
        };
        Self {
            lowercase,
            min_n: min_n.max(1),
            max_n,
            stop,
        }
    }

    /// Calls `f` with every term of `doc`: its tokens without stop words, then their
    /// n-grams for every n in the n-gram range, each n-gram joined by single spaces (the
    /// order of scikit-learn's analyzer).
    pub(crate) fn for_each_term(&self, doc: &str, scratch: &mut Scratch, mut f: impl FnMut(&str)) {
        let Scratch { lower, spans, gram } = scratch;
        let text: &str = if self.lowercase {
            lowercase_into(doc, lower);
            lower
        } else {
            doc
        };
        let slice = |(a, b): (usize, usize)| text.get(a..b).unwrap_or_default();
        if self.max_n == 1 && self.stop.is_none() {
            for_each_token(text, |a, b| f(slice((a, b))));
            return;
        }
        spans.clear();
        for_each_token(text, |a, b| {
            let keep = match &self.stop {
                Some(stop) => stop.get(slice((a, b))).is_none(),
                None => true,
            };
            if keep {
                spans.push((a, b));
            }
        });
        for n in self.min_n..=self.max_n.min(spans.len()) {
            if n == 1 {
                for &span in spans.iter() {
                    f(slice(span));
                }
                continue;
            }
            for window in spans.windows(n) {
                gram.clear();
                for (k, &span) in window.iter().enumerate() {
                    if k > 0 {
                        gram.push(' ');
                    }
                    gram.push_str(slice(span));
                }
                f(gram);
            }
        }
    }

    /// The terms of `doc`, as owned strings (for tests and the public `analyze`).
    pub(crate) fn terms(&self, doc: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(doc, &mut Scratch::default(), |t| out.push(t.to_owned()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_token(text, |a, b| out.push(&text[a..b]));
        out
    }

    #[test]
    fn tokens_are_runs_of_two_or_more_word_chars() {
        assert_eq!(
            tokens("a bc, d_e 9 99 café x"),
            vec!["bc", "d_e", "99", "café"]
        );
        assert_eq!(tokens(""), Vec::<&str>::new());
        assert_eq!(tokens("ab"), vec!["ab"]);
        // A combining acute accent is not a word character in Python.
        assert_eq!(tokens("cafe\u{301}s"), vec!["cafe"]);
    }

    #[test]
    fn word_table_is_sorted_and_disjoint() {
        for w in tables::WORD_RANGES.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0);
        }
        assert!(is_word_char('é') && is_word_char('〨') && is_word_char('_'));
        assert!(!is_word_char('\u{301}') && !is_word_char('£') && !is_word_char(' '));
    }

    #[test]
    fn ascii_and_general_scanners_agree() {
        // The same text with and without a non-ASCII character far from any token takes
        // both paths of the scanner.
        let text = "a bc,d_e 9 99x__ yz! q";
        let with_other = format!("{text} \u{2026}");
        assert_eq!(tokens(text), tokens(&with_other));
        assert_eq!(tokens(text), vec!["bc", "d_e", "99x__", "yz"]);
    }

    #[test]
    fn lowercase_by_character_equals_lowercase_of_the_string() {
        let mut out = String::new();
        for doc in [
            "£5 FREE Ünïcödé ÀÉÎ",
            "Ǆ ǅ ǆ ẞ ﬀ",
            "ΑΒΓ abc \u{2026} İSTANBUL",
        ] {
            lowercase_into(doc, &mut out);
            assert_eq!(out, doc.to_lowercase(), "{doc}");
        }
    }

    #[test]
    fn lowercase_follows_python() {
        let mut out = String::new();
        lowercase_into("ΟΔΟΣ Σ ABC", &mut out);
        assert_eq!(out, "\u{3bf}\u{3b4}\u{3bf}\u{3c2} \u{3c3} abc");
        lowercase_into("İ", &mut out);
        assert_eq!(out, "i\u{307}");
        // U+A7CB is unassigned in Python 3.11's data: it keeps its case.
        lowercase_into("A\u{A7CB}B", &mut out);
        assert_eq!(out, "a\u{A7CB}b");
    }

    #[test]
    fn ngrams_after_stop_words() {
        let stop = StopWords::Custom(vec!["the".to_owned()]);
        let a = Analyzer::new(true, 1, 2, &stop);
        assert_eq!(a.terms("The cat, THE hat"), vec!["cat", "hat", "cat hat"]);
        let a = Analyzer::new(true, 2, 3, &StopWords::None);
        assert_eq!(a.terms("a bb cc dd"), vec!["bb cc", "cc dd", "bb cc dd"]);
        assert!(a.terms("bb").is_empty());
    }
}
