//! [`RawEvents`]: an [`EventSource`]'s stream across its connections, and the state machine
//! behind it ([`Connection`]): connect, read, and on a break wait and connect again.

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::backoff::Backoff;
use super::handle::{DisconnectReason, Shared};
use super::request::{Body, Refused, Request};
use super::{EventSource, EventSourceHandle};
use crate::client::decoder::{Decoder, RawEvent};
use crate::client::error::ClientError;
use crate::client::reader::{EventReader, Read};
use crate::client::typed::TypedEvents;

/// The raw events of an [`EventSource`], across reconnections.
pub struct RawEvents {
    inner: BoxStream<'static, Result<RawEvent, ClientError>>,
    handle: EventSourceHandle,
}

impl RawEvents {
    pub(super) fn new(source: EventSource) -> Self {
        let handle = source.handle();
        let inner = match Connection::new(source) {
            Ok(connection) => futures::stream::unfold(connection, |mut connection| async move {
                let item = connection.next().await?;
                Some((item, connection))
            })
            .boxed(),
            // Nothing to send: the reason is the only item.
            Err(invalid) => futures::stream::once(async { Err(invalid) }).boxed(),
        };
        RawEvents { inner, handle }
    }

    /// A handle to force reconnections and count them.
    pub fn handle(&self) -> EventSourceHandle {
        self.handle.clone()
    }
}

impl std::fmt::Debug for RawEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawEvents").finish_non_exhaustive()
    }
}

impl Stream for RawEvents {
    type Item = Result<RawEvent, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<E> TypedEvents<RawEvents, E> {
    /// A handle to force reconnections and count them.
    pub fn handle(&self) -> EventSourceHandle {
        self.get_ref().handle()
    }
}

/// An open response being read.
struct Open {
    body: Body,
    /// Whether this connection delivered an event (which resets the backoff).
    delivered: bool,
}

/// The state of one `EventSource` stream across its connections.
struct Connection {
    request: Request,
    shared: Arc<Shared>,
    read_timeout: Duration,
    reconnect_on_end: bool,
    open: Option<Open>,
    /// Reads every body in turn, so the last event id and `retry` carry over reconnections.
    reader: EventReader,
    backoff: Backoff,
    /// Set once the first attempt is made: the next ones are reconnections.
    attempted: bool,
    /// A restart was asked for: reconnect without waiting.
    restarting: bool,
    done: bool,
}

impl Connection {
    /// The stream `source` describes, or why its request cannot be sent.
    fn new(source: EventSource) -> Result<Self, ClientError> {
        let EventSource {
            client,
            method,
            url,
            headers,
            body,
            read_timeout,
            initial_retry,
            max_retry,
            last_event_id,
            max_line_len,
            reconnect_on_end,
            error,
            shared,
        } = source;
        let url = url.map_err(ClientError::InvalidRequest)?;
        if let Some(error) = error {
            return Err(ClientError::InvalidRequest(error));
        }
        let decoder = Decoder::with_max_line_len(max_line_len).with_last_event_id(last_event_id);
        Ok(Connection {
            request: Request::new(client, method, url, headers, body, read_timeout),
            shared,
            read_timeout,
            reconnect_on_end,
            open: None,
            reader: EventReader::new(decoder),
            backoff: Backoff::new(initial_retry, max_retry),
            attempted: false,
            restarting: false,
            done: false,
        })
    }

    /// The next item of the stream; `None` once it has ended for good.
    async fn next(&mut self) -> Option<Result<RawEvent, ClientError>> {
        while !self.done {
            if let Some(read) = self.reader.next() {
                if let Some(item) = self.settle(read) {
                    return Some(item);
                }
            } else if self.open.is_none() {
                if let Err(error) = self.connect().await {
                    self.stop();
                    return Some(Err(error));
                }
            } else {
                self.read().await;
            }
        }
        None
    }

    /// What the stream yields for what the reader gave, if anything: an event, or a final
    /// error; the end or break of a body leads to a reconnection (or the stream's end).
    fn settle(&mut self, read: Read) -> Option<Result<RawEvent, ClientError>> {
        match read {
            Read::Event(event) => {
                if let Some(open) = &mut self.open {
                    open.delivered = true;
                }
                return Some(Ok(event));
            }
            Read::Failed(ClientError::Transport(e)) => {
                tracing::warn!(url = %self.request.log_url(), "the event stream broke, will reconnect: {e}");
                self.disconnect(DisconnectReason::Broken(e.to_string()));
            }
            // A line over the cap: a reconnection would read it again.
            Read::Failed(error) => {
                self.stop();
                return Some(Err(error));
            }
            Read::Ended if self.reconnect_on_end => {
                tracing::debug!(url = %self.request.log_url(), "the event stream ended, will reconnect");
                self.disconnect(DisconnectReason::Ended);
            }
            Read::Ended => {
                tracing::debug!(url = %self.request.log_url(), "the event stream ended; not reconnecting");
                self.stop();
            }
        }
        None
    }

    /// Opens the stream, after the wait if this is a reconnection. A refusal to retry leaves
    /// it closed for the next round; `Err` is final.
    async fn connect(&mut self) -> Result<(), ClientError> {
        if std::mem::replace(&mut self.attempted, true) {
            self.wait().await;
            self.shared.reconnecting();
        }
        let send = self.request.send(self.reader.last_event_id());
        let restart = self.shared.restart.notified();
        let sent = tokio::select! {
            biased;
            () = restart => None,
            sent = send => Some(sent),
        };
        let url = self.request.log_url();
        match sent {
            Some(Ok(body)) => {
                self.shared.opened(self.reader.last_event_id());
                let delivered = false;
                self.open = Some(Open { body, delivered });
            }
            Some(Err(Refused::Transient(reason, retry_after))) => {
                tracing::warn!(%url, "event stream connection failed, will retry: {reason}");
                self.shared
                    .disconnected(DisconnectReason::ConnectFailed(reason));
                self.backoff.refused(retry_after);
            }
            Some(Err(Refused::End)) => {
                tracing::debug!(%url, "the server ended the event stream with 204 No Content");
                self.stop();
            }
            Some(Err(Refused::Fatal(error))) => return Err(error),
            None => {
                tracing::debug!(%url, "restarting the event stream");
                self.shared.disconnected(DisconnectReason::Restarted);
                self.restarting = true;
            }
        }
        Ok(())
    }

    /// Reads the next chunk of the open body into the reader, unless a restart or the read
    /// timeout comes first (then the connection is dropped, to reconnect).
    async fn read(&mut self) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let read = tokio::time::timeout(self.read_timeout, open.body.next());
        let restart = self.shared.restart.notified();
        let chunk = tokio::select! {
            biased;
            () = restart => None,
            chunk = read => Some(chunk),
        };
        match chunk {
            Some(Ok(item)) => self.reader.take(item),
            Some(Err(_elapsed)) => {
                tracing::warn!(
                    url = %self.request.log_url(),
                    "nothing arrived on the event stream for {:?}, reconnecting",
                    self.read_timeout
                );
                self.disconnect(DisconnectReason::ReadTimeout(self.read_timeout));
            }
            None => {
                tracing::debug!(url = %self.request.log_url(), "restarting the event stream");
                self.restarting = true;
                self.disconnect(DisconnectReason::Restarted);
            }
        }
    }

    /// Drops the current connection for `reason`, to connect again.
    fn disconnect(&mut self, reason: DisconnectReason) {
        self.shared.disconnected(reason);
        if let Some(open) = self.open.take() {
            self.backoff.closed(open.delivered);
        }
        self.reader.restart();
    }

    /// Ends the stream for good, dropping any connection.
    fn stop(&mut self) {
        self.open = None;
        self.done = true;
    }

    /// Waits before a reconnection, unless a restart cuts the wait short.
    async fn wait(&mut self) {
        if std::mem::take(&mut self.restarting) {
            self.backoff.reset();
            return;
        }
        let delay = self.backoff.delay(self.reader.retry());
        tracing::debug!(url = %self.request.log_url(), ?delay, "waiting before reconnecting");
        let restart = self.shared.restart.notified();
        tokio::select! {
            biased;
            () = restart => self.backoff.reset(),
            () = tokio::time::sleep(delay) => {}
        }
    }
}
