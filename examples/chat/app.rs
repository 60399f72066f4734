//! The chat service: rooms, their event streams, and a bot that streams its replies token by
//! token. `main.rs` serves it; the integration tests include this file to test the same app.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tidings::{sse_events, sse_handler, LastEventId, Message, SendError, Sender, SseApi};
use tokio::sync::broadcast;

/// A member of a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct User {
    /// The name the member chose.
    pub name: String,
}

/// Everything that happens in a chat room.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    // Not named `message`: browsers deliver an event named `message` to `onmessage`, where
    // the default event already goes.
    /// A message was posted.
    Posted {
        /// Who posted it.
        user: String,
        /// What they wrote.
        text: String,
        /// The id of the message this one answers, if any.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        reply_to: Option<u64>,
    },
    /// Someone entered the room.
    UserJoined(User),
    /// A piece of the bot's reply, streamed as it is written: raw text, not JSON.
    #[sse(raw)]
    BotToken(String),
    /// A notice for everyone, sent without an `event:` line so `onmessage` receives it.
    #[sse(default)]
    Notice(String),
    /// The backlog has been replayed; everything after this is live.
    CaughtUp,
}

/// What went wrong before a stream started.
#[derive(Debug)]
pub enum ChatError {
    /// There is no room of that name.
    NoSuchRoom(String),
    /// The stream broke.
    Send(SendError),
}

impl From<SendError> for ChatError {
    fn from(e: SendError) -> Self {
        ChatError::Send(e)
    }
}

impl IntoResponse for ChatError {
    fn into_response(self) -> Response {
        match self {
            ChatError::NoSuchRoom(room) => (
                StatusCode::NOT_FOUND,
                Json(serde_json::json!({ "error": format!("no room named `{room}`") })),
            )
                .into_response(),
            ChatError::Send(e) => e.into_response(),
        }
    }
}

/// What the API document says `ChatError` answers.
impl tidings::openapi::DocumentedError for ChatError {
    fn responses(doc: &mut tidings::openapi::OperationDoc) {
        doc.response(
            "404",
            tidings::openapi::Response::new("There is no room of that name.").with_content(
                "application/json",
                schemars::json_schema!({
                    "type": "object",
                    "properties": { "error": { "type": "string" } },
                    "required": ["error"]
                }),
            ),
        );
    }
}

/// How many messages a room keeps for members who reconnect.
const HISTORY: usize = 100;

/// One room: its history (for `Last-Event-ID` resumption) and its live channel.
struct Room {
    history: Vec<(u64, ChatEvent)>,
    next_id: u64,
    live: broadcast::Sender<(Option<u64>, ChatEvent)>,
}

impl Room {
    fn new() -> Self {
        Room {
            history: Vec::new(),
            next_id: 1,
            live: broadcast::channel(256).0,
        }
    }

    /// Stores a message in the history under a new id and publishes it.
    fn post(&mut self, event: ChatEvent) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.history.push((id, event.clone()));
        if self.history.len() > HISTORY {
            self.history.remove(0);
        }
        let _ = self.live.send((Some(id), event));
        id
    }

    /// Publishes an event that is not kept (joins, bot tokens).
    fn announce(&self, event: ChatEvent) {
        let _ = self.live.send((None, event));
    }
}

/// The rooms of the service.
#[derive(Clone)]
pub struct ChatHub {
    rooms: Arc<Mutex<HashMap<String, Room>>>,
}

impl ChatHub {
    /// A hub with the rooms `general` and `rust`.
    pub fn new() -> Self {
        let mut rooms = HashMap::new();
        let mut general = Room::new();
        general.post(ChatEvent::Posted {
            user: "tidings".into(),
            text: "Welcome! Write `/bot <question>` to get a streamed answer.".into(),
            reply_to: None,
        });
        rooms.insert("general".to_owned(), general);
        rooms.insert("rust".to_owned(), Room::new());
        ChatHub {
            rooms: Arc::new(Mutex::new(rooms)),
        }
    }

    fn with_room<T>(&self, room: &str, f: impl FnOnce(&mut Room) -> T) -> Option<T> {
        self.rooms.lock().unwrap().get_mut(room).map(f)
    }
}

impl Default for ChatHub {
    fn default() -> Self {
        ChatHub::new()
    }
}

/// Who is connecting.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Who {
    /// The name to join under.
    pub name: String,
}

/// Live events of one room.
///
/// Replays the messages after `Last-Event-ID` (all of them on a first visit), marks the end of
/// the backlog with `caught_up`, then streams what happens live.
#[sse_handler(get, "/rooms/{room}/events", tag = "chat")]
pub async fn room_events(
    Path(room): Path<String>,
    Query(who): Query<Who>,
    State(hub): State<ChatHub>,
    last: LastEventId,
    tx: Sender<ChatEvent>,
) -> Result<(), ChatError> {
    let after: u64 = last.as_deref().and_then(|id| id.parse().ok()).unwrap_or(0);
    // Subscribe before reading the backlog, under the same lock, so nothing falls in between.
    let (backlog, mut live) = hub
        .with_room(&room, |r| {
            let backlog: Vec<_> = r
                .history
                .iter()
                .filter(|(id, _)| *id > after)
                .cloned()
                .collect();
            (backlog, r.live.subscribe())
        })
        .ok_or_else(|| ChatError::NoSuchRoom(room.clone()))?;

    tx.send(ChatEvent::Notice(format!(
        "Welcome to #{room}, {}.",
        who.name
    )))
    .await?;
    for (id, event) in backlog {
        tx.send(Message::new(event).id(id.to_string())).await?;
    }
    tx.send(ChatEvent::CaughtUp).await?;
    hub.with_room(&room, |r| {
        r.announce(ChatEvent::UserJoined(User { name: who.name }))
    });

    loop {
        match live.recv().await {
            Ok((Some(id), event)) => tx.send(Message::new(event).id(id.to_string())).await?,
            Ok((None, event)) => tx.send(event).await?,
            // Too slow for the room: end the stream; the browser reconnects with Last-Event-ID
            // and gets the missed messages from the history.
            Err(broadcast::error::RecvError::Lagged(_)) => return Ok(()),
            Err(broadcast::error::RecvError::Closed) => return Ok(()),
        }
    }
}

/// A message to post.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Post {
    /// Who posts it.
    pub user: String,
    /// The text; `/bot <question>` asks the bot.
    pub text: String,
}

async fn post_message(
    Path(room): Path<String>,
    State(hub): State<ChatHub>,
    Json(post): Json<Post>,
) -> Result<Json<serde_json::Value>, ChatError> {
    let question = post.text.strip_prefix("/bot ").map(str::to_owned);
    let event = ChatEvent::Posted {
        user: post.user,
        text: post.text,
        reply_to: None,
    };
    let id = hub
        .with_room(&room, |r| r.post(event))
        .ok_or_else(|| ChatError::NoSuchRoom(room.clone()))?;
    if let Some(question) = question {
        tokio::spawn(bot_reply(hub, room, id, question));
    }
    Ok(Json(serde_json::json!({ "id": id })))
}

/// The bot "thinks" like a language model: its reply arrives token by token, then whole.
async fn bot_reply(hub: ChatHub, room: String, question_id: u64, question: String) {
    let reply = format!("You asked: {question}\nHere is my answer, streamed token by token.");
    for token in reply.split_inclusive(' ') {
        tokio::time::sleep(Duration::from_millis(30)).await;
        hub.with_room(&room, |r| r.announce(ChatEvent::BotToken(token.to_owned())));
    }
    hub.with_room(&room, |r| {
        r.post(ChatEvent::Posted {
            user: "bot".into(),
            text: reply,
            reply_to: Some(question_id),
        })
    });
}

/// The streams of the service, their API document (`/openapi.json`) and its page (`/docs`).
/// Triggering `shutdown` ends every open stream, so a graceful shutdown completes.
pub fn api(shutdown: tidings::Shutdown) -> SseApi<ChatHub> {
    SseApi::new("Chat", "1.0.0")
        .tag("chat", "Chat rooms and their live events.")
        .handler(room_events)
        .openapi_json("/openapi.json")
        .docs("/docs")
        .shutdown(shutdown)
}

/// The whole service: the streams, the posting endpoint and the browser page.
pub fn app(hub: ChatHub, shutdown: tidings::Shutdown) -> Router {
    let streams = api(shutdown).into_router();
    Router::new()
        .route("/", get(|| async { Html(include_str!("index.html")) }))
        .route("/rooms/{room}/messages", post(post_message))
        .merge(streams)
        .with_state(hub)
}
