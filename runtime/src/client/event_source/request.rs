//! One attempt to open the stream: the request, sent identically each time, and what the
//! response head means (a body to read, a reason to try again, or a reason to stop).

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use std::time::Duration;

use crate::client::content_type::is_event_stream;
use crate::client::error::ClientError;

/// The body of a response that opened the stream.
pub(super) type Body = BoxStream<'static, reqwest::Result<Bytes>>;

/// How an attempt to open the stream failed.
pub(super) enum Refused {
    /// Try again later; `Some` holds a `Retry-After` delay.
    Transient(String, Option<Duration>),
    /// `204`: the server wants the client to stop.
    End,
    /// Stop with this error.
    Fatal(ClientError),
}

/// A checked request: its URL parsed, its headers valid.
pub(super) struct Request {
    client: reqwest::Client,
    method: Method,
    url: reqwest::Url,
    headers: HeaderMap,
    body: Option<Bytes>,
    /// Also bounds the wait for the response head.
    read_timeout: Duration,
}

impl Request {
    pub(super) fn new(
        client: reqwest::Client,
        method: Method,
        url: reqwest::Url,
        mut headers: HeaderMap,
        body: Option<Bytes>,
        read_timeout: Duration,
    ) -> Self {
        // What a browser sends, unless the user chose otherwise.
        for (name, value) in [
            (header::ACCEPT, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ] {
            if !headers.contains_key(&name) {
                headers.insert(name, HeaderValue::from_static(value));
            }
        }
        Request {
            client,
            method,
            url,
            headers,
            body,
            read_timeout,
        }
    }

    /// The URL for logs, without credentials, query or fragment (they may hold secrets).
    pub(super) fn log_url(&self) -> String {
        let url = &self.url;
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!(
            "{}://{}{port}{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.path()
        )
    }

    /// Sends the request, with `Last-Event-ID: last_event_id` unless it is empty, and judges
    /// the response head.
    pub(super) async fn send(&self, last_event_id: &str) -> Result<Body, Refused> {
        let mut request = self
            .client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        if !last_event_id.is_empty() {
            match HeaderValue::from_bytes(last_event_id.as_bytes()) {
                Ok(value) => request = request.header("last-event-id", value),
                Err(_) => tracing::warn!(
                    id = %last_event_id,
                    "the last event id cannot be sent as a header; reconnecting without it"
                ),
            }
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        match tokio::time::timeout(self.read_timeout, request.send()).await {
            Err(_) => {
                let reason = format!("no response within {:?}", self.read_timeout);
                Err(Refused::Transient(reason, None))
            }
            Ok(Err(e)) => Err(unanswered(e)),
            Ok(Ok(response)) => judge(response, self.read_timeout).await,
        }
    }
}

/// What a request that got no response means for the stream.
fn unanswered(error: reqwest::Error) -> Refused {
    if error.is_builder() {
        Refused::Fatal(ClientError::InvalidRequest(error.into()))
    } else if error.is_redirect() {
        // Trying again would go round the same way.
        Refused::Fatal(ClientError::Redirect(error.into()))
    } else {
        Refused::Transient(error.to_string(), None)
    }
}

/// What a response head means for the stream (reading, from a refusal, the reason it gives).
async fn judge(response: reqwest::Response, patience: Duration) -> Result<Body, Refused> {
    let status = response.status();
    if status == StatusCode::NO_CONTENT {
        return Err(Refused::End);
    }
    if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        let retry_after = retry_after(response.headers());
        return Err(Refused::Transient(format!("status {status}"), retry_after));
    }
    if !status.is_success() {
        let refused = ClientError::refused(status, response.bytes_stream(), patience).await;
        return Err(Refused::Fatal(refused));
    }
    let content_type = response.headers().get(header::CONTENT_TYPE);
    if !content_type.is_some_and(is_event_stream) {
        let content_type = content_type.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        return Err(Refused::Fatal(ClientError::NotEventStream { content_type }));
    }
    Ok(response.bytes_stream().boxed())
}

/// A `Retry-After` in seconds (the HTTP-date form is not honoured).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}
