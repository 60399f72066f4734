//! Every variant kind and several handlers, in a crate that denies warnings and missing docs.
#![deny(warnings, missing_docs)]

use axum::extract::{Path, Query, State};
use axum::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings::{sse_events, sse_handler, LastEventId, Error, Sender, SseApi};

/// A user.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct User {
    /// Their name.
    pub name: String,
}

/// A page of items.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
}

/// The events of a room.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    /// Someone said something.
    Message {
        /// Who.
        #[serde(rename = "u")]
        user: String,
        /// What.
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Someone arrived.
    UserJoined(User),
    /// A page of users.
    Users(Page<User>),
    /// A token of a reply.
    #[sse(raw)]
    Token(String),
    /// Keeps idle clients informed.
    #[sse(rename = "ping")]
    Tick,
    /// Plain text for `onmessage`.
    #[sse(default, raw)]
    Note(String),
}

/// The query of `room_events`.
#[derive(Debug, Deserialize)]
pub struct Filter {
    /// Only from this user.
    pub from: Option<String>,
}

/// A question for `ask`.
#[derive(Debug, Deserialize)]
pub struct Question {
    /// The text.
    pub text: String,
}

/// The app's state.
#[derive(Debug, Clone, Default)]
pub struct AppState {
    /// Its name.
    pub name: String,
}

/// Streams a room's events.
///
/// Starts after `Last-Event-ID`.
#[sse_handler(get, "/rooms/{room}/events", tag = "rooms", keep_alive = "15s")]
pub async fn room_events(
    State(state): State<AppState>,
    Path(room): Path<String>,
    tx: Sender<ChatEvent>,
    Query(filter): Query<Filter>,
    LastEventId(last): LastEventId,
) -> Result<(), Error> {
    let _ = (state, room, filter, last);
    tx.send(ChatEvent::Tick).await
}

/// Answers a question, streaming tokens.
#[sse_handler(
    post,
    "/ask",
    tags("llm", "chat"),
    operation_id = "askQuestion",
    keep_alive = "off",
    deprecated
)]
pub async fn ask(tx: Sender<ChatEvent>, Json(question): Json<Question>) {
    let _ = tx.send(ChatEvent::Token(question.text)).await;
}

/// Ticks.
#[sse_handler("/ticks")]
pub async fn ticks(tx: Sender<ChatEvent>) {
    let _ = tx.send(ChatEvent::Tick).await;
}

/// Refuses unless asked nicely, before any event.
#[sse_handler(get, "/maybe/{please}")]
pub async fn maybe(
    Path(please): Path<bool>,
    tx: Sender<ChatEvent>,
) -> Result<(), impl axum::response::IntoResponse> {
    if !please {
        return Err((axum::http::StatusCode::FORBIDDEN, "say please"));
    }
    let _ = tx.send(ChatEvent::Tick).await;
    Ok(())
}

fn main() {
    let _app: axum::Router = SseApi::<AppState>::stateful("Chat", "1.0.0")
        .handler(room_events)
        .handler(ask)
        .handler(ticks)
        .handler(maybe)
        .into_router()
        .with_state(AppState::default());
}
