//! The hub's event ids: two decimal numbers joined by `-`, ordered as a pair.
//!
//! The in-process hub writes `{epoch}-{seq}` (a random epoch per topic, then a sequence number);
//! the Redis hub writes the stream entry id, `{milliseconds}-{seq}`. Both read the same, so one
//! parser serves both, and an id from elsewhere is recognised as foreign rather than misread.

use std::fmt;

/// An event id as the hub orders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key {
    pub(crate) high: u64,
    pub(crate) low: u64,
}

impl Key {
    /// Reads an id the hub wrote. Anything else (another format, leading zeros, a sign,
    /// overflow) is `None`: a client's `Last-Event-ID` is untrusted input.
    pub(crate) fn parse(text: &str) -> Option<Key> {
        let (high, low) = text.split_once('-')?;
        Some(Key {
            high: canonical_number(high)?,
            low: canonical_number(low)?,
        })
    }

    /// The id as the wire carries it.
    pub(crate) fn event_id(self) -> crate::wire::EventId {
        crate::wire::EventId::new(self.to_string()).expect("digits and a dash fit an `id:` field")
    }
}

/// A decimal number written the way `Display` writes it, so each id has exactly one spelling.
fn canonical_number(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical {
        text.parse().ok()
    } else {
        None
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.high, self.low)
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn ids_round_trip() {
        for key in [
            Key { high: 0, low: 0 },
            Key {
                high: 1_700_000_000_000,
                low: 3,
            },
            Key {
                high: u64::MAX,
                low: u64::MAX,
            },
        ] {
            assert_eq!(Key::parse(&key.to_string()), Some(key));
        }
    }

    #[test]
    fn anything_else_is_not_an_id() {
        for text in [
            "",
            "-",
            "1",
            "1-",
            "-1",
            "01-2",
            "1-02",
            "+1-2",
            "1-2-3",
            "1 -2",
            "a-b",
            "18446744073709551616-0",
            "１-2",
        ] {
            assert_eq!(Key::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn ids_order_as_pairs() {
        assert!(Key::parse("9-5").unwrap() < Key::parse("10-0").unwrap());
        assert!(Key::parse("10-0").unwrap() < Key::parse("10-1").unwrap());
    }
}
