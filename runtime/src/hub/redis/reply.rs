//! Reading Redis' replies: stream entries as the hub writes them, from `XRANGE`, `XREVRANGE`
//! and `XREAD`, in RESP2 or RESP3.

use redis::Value;

use super::super::id::Key;

/// One stream entry as the hub writes it.
pub(super) struct Entry {
    pub(super) key: Key,
    pub(super) seq: u64,
    pub(super) body: Vec<u8>,
}

/// `XREAD`'s reply: `nil`, or per stream its key and entries (an array in RESP2, a map in
/// RESP3).
pub(super) fn parse_read_reply(reply: Value) -> Vec<(String, Vec<Entry>)> {
    let streams: Vec<(Value, Value)> = match reply {
        Value::Array(streams) => streams
            .into_iter()
            .filter_map(|stream| match stream {
                Value::Array(pair) if pair.len() == 2 => {
                    let mut pair = pair.into_iter();
                    Some((pair.next()?, pair.next()?))
                }
                _ => None,
            })
            .collect(),
        Value::Map(streams) => streams,
        _ => Vec::new(),
    };
    streams
        .into_iter()
        .filter_map(|(key, entries)| Some((text(key)?, parse_entries(entries)?)))
        .collect()
}

/// A list of stream entries, as `XRANGE`, `XREVRANGE` and `XREAD` give them.
pub(super) fn parse_entries(reply: Value) -> Option<Vec<Entry>> {
    match reply {
        Value::Array(entries) => entries.into_iter().map(parse_entry).collect(),
        Value::Nil => Some(Vec::new()),
        _ => None,
    }
}

fn parse_entry(entry: Value) -> Option<Entry> {
    let Value::Array(parts) = entry else {
        return None;
    };
    let mut parts = parts.into_iter();
    let key = Key::parse(&text(parts.next()?)?)?;
    let fields: Vec<Value> = match parts.next()? {
        Value::Array(fields) => fields,
        Value::Map(fields) => fields.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => return None,
    };
    let (mut seq, mut body) = (None, None);
    let mut fields = fields.into_iter();
    while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
        match text(name)?.as_str() {
            "s" => seq = text(value)?.parse().ok(),
            "e" => body = bytes(value),
            _ => {}
        }
    }
    Some(Entry {
        key,
        seq: seq?,
        body: body?,
    })
}

fn bytes(value: Value) -> Option<Vec<u8>> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.into_bytes()),
        _ => None,
    }
}

fn text(value: Value) -> Option<String> {
    String::from_utf8(bytes(value)?).ok()
}
