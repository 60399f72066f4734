//! A log file followed live: `GET /logs/events` sends each line of the file as a raw `line`
//! event whose id is its line number, so a client that reconnects with `Last-Event-ID: n`
//! continues with line `n + 1`: nothing missed, nothing twice, and no server-side state per
//! client (the file itself is the replay log).
//!
//! A first visit (no `Last-Event-ID`) starts with the last [`BACKLOG`] lines, as `tail` does.

#[path = "tail.rs"]
pub mod tail;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use std::path::PathBuf;
use std::sync::Arc;
use tidings::openapi::DocumentedError;
use tidings::{sse_events, sse_handler, Error, LastEventId, Message, Sender, SseApi};
use utoipa_axum::routes;

/// How many of the last lines a first visit gets.
pub const BACKLOG: usize = 100;

/// What the log stream sends.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent {
    /// A line of the log file, as written, without its line end. Its id is its line number
    /// (from 1).
    #[sse(raw)]
    Line(String),
    /// The file is another than the one the client followed (a new log after a restart, or
    /// one truncated): its lines so far are not this file's. The new file's lines follow.
    Reset,
}

/// The state of the service: the file it follows.
#[derive(Clone)]
pub struct Logs {
    path: Arc<PathBuf>,
}

/// Why a log stream did not start, or stopped.
#[derive(Debug)]
pub enum LogsError {
    /// `Last-Event-ID` is not a line number.
    NotALineNumber(String),
    /// The log file cannot be read.
    Unreadable(std::io::Error),
    /// The stream broke.
    Send(Error),
}

impl From<std::io::Error> for LogsError {
    fn from(e: std::io::Error) -> Self {
        LogsError::Unreadable(e)
    }
}

impl From<Error> for LogsError {
    fn from(e: Error) -> Self {
        LogsError::Send(e)
    }
}

impl IntoResponse for LogsError {
    fn into_response(self) -> Response {
        let (status, reason) = match self {
            LogsError::NotALineNumber(id) => (
                StatusCode::BAD_REQUEST,
                format!("Last-Event-ID `{id}` is not a line number"),
            ),
            LogsError::Unreadable(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the log file cannot be read: {e}"),
            ),
            LogsError::Send(e) => return e.into_response(),
        };
        (status, Json(serde_json::json!({ "error": reason }))).into_response()
    }
}

/// The API document lists the `400` of a bad `Last-Event-ID` and the `500` of an unreadable
/// file, with their JSON bodies.
impl DocumentedError for LogsError {
    fn responses(doc: &mut tidings::openapi::OperationDoc) {
        let reason = || {
            schemars::json_schema!({
                "type": "object",
                "properties": { "error": { "type": "string" } },
                "required": ["error"]
            })
        };
        doc.response(
            "400",
            tidings::openapi::Response::new("`Last-Event-ID` is not a line number.")
                .with_content("application/json", reason()),
        );
        doc.response(
            "500",
            tidings::openapi::Response::new("The log file cannot be read.")
                .with_content("application/json", reason()),
        );
        doc.only_error_statuses(&[500], Error::responses);
    }
}

/// The line number a reconnecting client saw last, if it sent one.
fn last_line(last: &LastEventId) -> Result<Option<u64>, LogsError> {
    last.as_deref()
        .map(|id| {
            id.parse()
                .map_err(|_| LogsError::NotALineNumber(id.to_owned()))
        })
        .transpose()
}

/// The log file's lines, live.
///
/// Each line is a `line` event whose id is its line number. With `Last-Event-ID: n`, the stream
/// goes on from line `n + 1`; without, it starts with the last 100 lines. Then it follows the
/// file as lines are written. When the file holds fewer than `n` lines (a new log after a
/// restart, or one truncated), the stream starts with `reset`, then as for a first visit.
#[sse_handler(get, "/logs/events", tag = "logs")]
pub async fn log_lines(
    State(logs): State<Logs>,
    last: LastEventId,
    tx: Sender<LogEvent>,
) -> Result<(), LogsError> {
    let mut after = last_line(&last)?;
    if let Some(seen) = after {
        if seen > tail::LogLines::open(&logs.path).await?.written().await? {
            tx.send(LogEvent::Reset).await?;
            after = None;
        }
    }
    let mut lines = tail::LogLines::open(&logs.path).await?;
    if after.is_none() {
        for (number, line) in lines.last_written(BACKLOG).await? {
            tx.send(Message::new(LogEvent::Line(line)).id(number))
                .await?;
        }
    }
    let after = after.unwrap_or(0);
    loop {
        let (number, line) = lines.next().await?;
        if number > after {
            tx.send(Message::new(LogEvent::Line(line)).id(number))
                .await?;
        }
    }
}

/// The logs page: the file's last lines, then each new one as it is written.
#[utoipa::path(get, path = "/", responses(
    (status = 200, description = "The page (HTML).", content_type = "text/html", body = String)
))]
async fn page() -> Html<&'static str> {
    Html(include_str!("index.html"))
}

/// The whole API: the stream and the page, one document of both (`/openapi.json`) and its
/// page (`/docs`). Triggering `shutdown` ends every open stream, so a graceful shutdown
/// completes.
pub fn api(shutdown: tidings::Shutdown) -> SseApi<Logs> {
    SseApi::stateful("Logs", "1.0.0")
        .tag("logs", "A log file, followed live.")
        .handler(log_lines)
        .routes(routes!(page))
        .serve_openapi_json("/openapi.json")
        .serve_docs("/docs")
        .shutdown(shutdown)
}

/// The whole service, following the file at `path`: the stream and the browser page.
pub fn app(path: PathBuf, shutdown: tidings::Shutdown) -> Router {
    api(shutdown).into_router().with_state(Logs {
        path: Arc::new(path),
    })
}
