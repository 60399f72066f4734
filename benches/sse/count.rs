//! Counting events in a body that arrives in pieces, so every client can check it received the
//! number of events it asked for (a benchmark that silently measures nothing is a bug).
//!
//! Every event of the benchmark has an `event:` line before its one `data:` line, so `\ndata:`
//! occurs once per event; keep-alive comments (`:\n\n`) are counted with `\n:`. The search is
//! memchr's SIMD `memmem`, so counting costs the client little next to reading the socket.

use memchr::memmem::Finder;

/// Occurrences of a short needle in a byte stream fed slice by slice, including those split
/// across two slices.
pub struct Occurrences {
    finder: Finder<'static>,
    /// The last `needle.len() - 1` bytes seen: a match split across slices starts in them.
    tail: Vec<u8>,
    count: u64,
}

impl Occurrences {
    pub fn new(needle: &'static [u8]) -> Self {
        Occurrences {
            finder: Finder::new(needle),
            tail: Vec::with_capacity(2 * needle.len()),
            count: 0,
        }
    }

    /// Events: the `data:` line each has.
    pub fn events() -> Self {
        Self::new(b"\ndata:")
    }

    /// Comment lines, as keep-alives send them. A chunked HTTP/1.1 body puts the chunk size's
    /// `\r\n` before each, so this also counts them in a body read raw.
    pub fn comments() -> Self {
        Self::new(b"\n:")
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let keep = self.finder.needle().len() - 1;
        // Matches that start in the tail and end in `bytes`: the tail and the head of `bytes` are
        // each shorter than the needle, so every match in the two joined is one of those.
        self.tail.extend_from_slice(&bytes[..bytes.len().min(keep)]);
        self.count += self.finder.find_iter(&self.tail).count() as u64;
        self.count += self.finder.find_iter(bytes).count() as u64;
        if bytes.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&bytes[bytes.len() - keep..]);
        } else {
            let drop = self.tail.len().saturating_sub(keep);
            self.tail.drain(..drop);
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}
