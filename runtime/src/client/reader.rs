//! [`EventReader`]: a body's chunks in, its events and how it ended out, in stream order. The
//! one place that drives a [`Decoder`] for the streams of this module, in-process or over HTTP.

use std::collections::VecDeque;
use std::time::Duration;

use super::decoder::{Decoder, RawEvent};
use super::error::BoxError;
use super::error::ClientError;

/// What an [`EventReader`] gives next.
#[derive(Debug)]
pub(crate) enum Read {
    /// The next event of the body.
    Event(RawEvent),
    /// The body failed ([`ClientError::Limit`] or [`ClientError::Transport`]): given once,
    /// after the events completed before the failure, then the reader reads as ended.
    Failed(ClientError),
    /// The body is over: every event and any failure has been given.
    Ended,
}

/// Decodes one body after another; the callers only move bytes in and items out.
#[derive(Debug)]
pub(crate) struct EventReader {
    decoder: Decoder,
    /// Where `Decoder::feed` appends, drained into `ready` at once (kept for its allocation).
    completed: Vec<RawEvent>,
    ready: VecDeque<RawEvent>,
    /// A failure to give once the events completed before it are out.
    failure: Option<ClientError>,
    /// No more bytes come from this body.
    ended: bool,
}

impl EventReader {
    pub(crate) fn new(decoder: Decoder) -> Self {
        EventReader {
            decoder,
            completed: Vec::new(),
            ready: VecDeque::new(),
            failure: None,
            ended: false,
        }
    }

    /// Takes what the body yielded: a chunk, a transport error, or its end (`None`).
    pub(crate) fn take<B, E>(&mut self, item: Option<Result<B, E>>)
    where
        B: AsRef<[u8]>,
        E: Into<BoxError>,
    {
        match item {
            Some(Ok(chunk)) => {
                let fed = self.decoder.feed(chunk.as_ref(), &mut self.completed);
                // On a limit error the events completed before the offending line are in
                // `completed` too: they go out first.
                self.ready.extend(self.completed.drain(..));
                if let Err(limit) = fed {
                    self.fail(ClientError::Limit(limit));
                }
            }
            Some(Err(error)) => self.fail(ClientError::Transport(error.into())),
            None => {
                // An unfinished event is discarded; the stream is over.
                self.decoder.finish();
                self.ended = true;
            }
        }
    }

    fn fail(&mut self, error: ClientError) {
        self.failure = Some(error);
        self.ended = true;
    }

    /// What to give next; `None` when the body has to be read further first.
    pub(crate) fn next(&mut self) -> Option<Read> {
        if let Some(event) = self.ready.pop_front() {
            return Some(Read::Event(event));
        }
        if let Some(failure) = self.failure.take() {
            return Some(Read::Failed(failure));
        }
        self.ended.then_some(Read::Ended)
    }

    /// Readies the reader for the next body (a reconnection): a new stream for the decoder,
    /// which keeps the last event id and `retry` in force. Only the reconnecting client reads
    /// more than one body.
    #[cfg(any(feature = "client", test))]
    pub(crate) fn restart(&mut self) {
        self.decoder.finish();
        self.ended = false;
    }

    /// The last event id in force, as a reconnection sends it.
    pub(crate) fn last_event_id(&self) -> &str {
        self.decoder.last_event_id()
    }

    /// The last `retry` the server asked for, across bodies.
    pub(crate) fn retry(&self) -> Option<Duration> {
        self.decoder.retry()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Chunk = Option<Result<&'static str, std::io::Error>>;

    fn drain(reader: &mut EventReader) -> Vec<String> {
        std::iter::from_fn(|| reader.next())
            .map(|read| match read {
                Read::Event(event) => event.data,
                Read::Failed(ClientError::Limit(_)) => "<limit>".into(),
                Read::Failed(ClientError::Transport(e)) => format!("<transport: {e}>"),
                Read::Failed(other) => panic!("unexpected failure {other}"),
                Read::Ended => "<end>".into(),
            })
            .take_while(|item| item != "<end>")
            .collect()
    }

    #[test]
    fn asks_for_bytes_until_the_body_ends() {
        let mut reader = EventReader::new(Decoder::new());
        assert!(reader.next().is_none());
        reader.take::<_, std::io::Error>(Some(Ok("data: a\n\ndata: b")));
        assert!(matches!(reader.next(), Some(Read::Event(e)) if e.data == "a"));
        assert!(reader.next().is_none());
        reader.take::<&str, std::io::Error>(None);
        assert!(matches!(reader.next(), Some(Read::Ended)));
        assert!(matches!(reader.next(), Some(Read::Ended)));
    }

    #[test]
    fn events_before_a_limit_in_the_same_chunk_come_first_then_the_failure_once() {
        let mut reader = EventReader::new(Decoder::with_max_line_len(16));
        let chunk: Chunk = Some(Ok("data: a\n\ndata: b\n\ndata: far too long a line"));
        reader.take(chunk);
        assert_eq!(drain(&mut reader), ["a", "b", "<limit>"]);
        assert!(matches!(reader.next(), Some(Read::Ended)));
    }

    #[test]
    fn a_transport_error_comes_after_the_events_before_it() {
        let mut reader = EventReader::new(Decoder::new());
        reader.take::<_, std::io::Error>(Some(Ok("data: a\n\n")));
        reader.take::<&str, _>(Some(Err(std::io::Error::other("reset"))));
        assert_eq!(drain(&mut reader), ["a", "<transport: reset>"]);
    }

    #[test]
    fn a_restart_reads_a_new_body_with_the_id_and_retry_in_force() {
        let mut reader = EventReader::new(Decoder::new().with_last_event_id("1"));
        let first: Chunk = Some(Ok("retry: 50\nid: 2\ndata: a\n\ndata: cut"));
        reader.take(first);
        reader.take::<&str, _>(Some(Err(std::io::Error::other("reset"))));
        assert_eq!(drain(&mut reader), ["a", "<transport: reset>"]);

        reader.restart();
        assert!(
            reader.next().is_none(),
            "a restarted reader waits for bytes"
        );
        // A new stream: its BOM is dropped, the unfinished event of the last body is gone.
        reader.take::<_, std::io::Error>(Some(Ok("\u{FEFF}data: b\n\n")));
        match reader.next() {
            Some(Read::Event(event)) => {
                assert_eq!((event.data.as_str(), event.id.as_str()), ("b", "2"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(reader.last_event_id(), "2");
        assert_eq!(reader.retry(), Some(Duration::from_millis(50)));
    }
}
