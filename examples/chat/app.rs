//! The chat service: rooms, their event streams, and a bot that streams its replies token by
//! token. A [`Hub`] carries each room's events, so a member whose connection drops gets what it
//! missed when its browser reconnects. `main.rs` serves it; the integration tests include this
//! file to test the same app.
//!
//! What goes through the hub, and so gets an id and a place in the room's replay window, is
//! everything a member who was away should still see when it comes back, in the order it
//! happened:
//! - `posted`: the messages, the reason resumption exists;
//! - `user_joined`: who arrived meanwhile is part of the room's story. It is published once per
//!   visit, when the client comes without a `Last-Event-ID`; the member receives its own join,
//!   so from then on its browser has an id and a reconnection is not announced again;
//! - `bot_token`: the bot's reply streams to everyone as it is written; a member who drops in
//!   the middle of it gets the rest on reconnect, not half a sentence. Each token takes a slot of
//!   the window (a reply is about a dozen of the room's [`REPLAY`]).
//!
//! Besides, everything a stream carries after the welcome has to come from the hub: an event
//! with an id of its own would move the browser's `Last-Event-ID` off the hub's ids, and a
//! second channel for "live only" events would be a second fan-out with its own order.
//!
//! Not through the hub: `notice` (the welcome, for this connection only) and `history_lost`
//! (about this client's own gap). The stream sends them without an id, which leaves the
//! browser's last event id as it was.
//!
//! A first visit (no `Last-Event-ID`) gets live events only: the hub replays to clients that
//! resume, not to newcomers.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tidings::hub::{Hub, Resume};
use tidings::{sse_events, sse_handler, Error, EventId, LastEventId, Sender, SseApi};
use utoipa::ToSchema;
use utoipa_axum::routes;

/// The rooms of the service; each is a topic of the hub.
pub const ROOMS: &[&str] = &["general", "rust"];

/// How many events each room keeps for members who reconnect (`main.rs` builds its hub with it).
pub const REPLAY: usize = 100;

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
        reply_to: Option<String>,
    },
    /// Someone entered the room.
    UserJoined(User),
    /// A piece of the bot's reply, streamed as it is written: raw text, not JSON.
    #[sse(raw)]
    BotToken(String),
    /// A notice for this member (the welcome), sent without an `event:` line so `onmessage`
    /// receives it, and without an id.
    #[sse(default)]
    Notice(String),
    /// What happened since the member's `Last-Event-ID` can no longer be replayed (a room keeps
    /// only its latest events, and a restart forgets them): older messages are unavailable.
    /// Sent without an id; live events follow.
    HistoryLost,
    // No "caught up" marker: the hub goes from replay to live events with no seam a handler
    // can see, so there is no honest place to send one.
}

/// What went wrong before a stream started, or with a post.
#[derive(Debug)]
pub enum ChatError {
    /// There is no room of that name.
    NoSuchRoom(String),
    /// A message without text (or only spaces).
    EmptyMessage,
    /// A post whose body is not a [`Post`] in JSON: axum's own rejection, answered in the same
    /// JSON shape as the other errors.
    BadPost(JsonRejection),
    /// The hub or the stream failed.
    Tidings(Error),
}

/// The body of every error the chat answers itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
}

impl From<Error> for ChatError {
    fn from(e: Error) -> Self {
        ChatError::Tidings(e)
    }
}

impl IntoResponse for ChatError {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            ChatError::NoSuchRoom(room) => {
                (StatusCode::NOT_FOUND, format!("no room named `{room}`"))
            }
            ChatError::EmptyMessage => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "a message needs some text".to_owned(),
            ),
            ChatError::BadPost(rejection) => (rejection.status(), rejection.body_text()),
            ChatError::Tidings(e) => return e.into_response(),
        };
        (status, Json(ErrorBody { error })).into_response()
    }
}

/// What the API document says `ChatError` answers: `404`, and the hub's `503` and `500`.
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
        Error::responses(doc);
    }
}

/// The state of the service: its rooms, and the hub that carries their events.
#[derive(Clone)]
pub struct Chat {
    hub: Hub<ChatEvent>,
    rooms: &'static [&'static str],
}

impl Chat {
    /// The rooms `general` and `rust`, their events carried by `hub`.
    pub fn new(hub: Hub<ChatEvent>) -> Self {
        Chat { hub, rooms: ROOMS }
    }

    /// The room named `name`, or the `404` to answer. The name comes from the client's URL:
    /// checking it before subscribing keeps a client from making topics of its own, which the
    /// hub would hold until evicted, up to its `max_topics` (then refusing everyone's).
    fn room(&self, name: &str) -> Result<&'static str, ChatError> {
        self.rooms
            .iter()
            .copied()
            .find(|room| *room == name)
            .ok_or_else(|| ChatError::NoSuchRoom(name.to_owned()))
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
/// Starts with a welcome `notice`. A first visit (no `Last-Event-ID`) announces the member with
/// `user_joined` and gets live events. A reconnection with `Last-Event-ID` gets every event it
/// missed, in order and once, then live events; when they are no longer kept, `history_lost`,
/// then live events.
#[sse_handler(get, "/rooms/{room}/events", tag = "chat", errors(404, 503, 500))]
pub async fn room_events(
    Path(room): Path<String>,
    Query(who): Query<Who>,
    State(chat): State<Chat>,
    last: LastEventId,
    tx: Sender<ChatEvent>,
) -> Result<(), ChatError> {
    let room = chat.room(&room)?;
    let subscription = chat.hub.subscribe(room, &last).await?;
    let resume = subscription.resume();
    if resume == Resume::Fresh {
        // After subscribing, so the member receives its own join: its id is where the browser
        // resumes from if the connection drops.
        let joined = ChatEvent::UserJoined(User {
            name: who.name.clone(),
        });
        chat.hub.publish(room, joined).await?;
    }
    tx.send(ChatEvent::Notice(format!(
        "Welcome to #{room}, {}. Write `/bot <question>` to get a streamed answer.",
        who.name
    )))
    .await?;
    if resume == Resume::TooOld {
        tx.send(ChatEvent::HistoryLost).await?;
    }
    // What was missed, then live. It returns when the hub drops a member too slow to keep up:
    // the stream ends, and the browser reconnects and resumes from its last id.
    tx.forward(subscription).await?;
    Ok(())
}

/// A message to post.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Post {
    /// Who posts it.
    #[schema(example = "ada")]
    pub user: String,
    /// The text; `/bot <question>` asks the bot.
    #[schema(example = "/bot what is a hub?")]
    pub text: String,
}

/// A posted message.
#[derive(Debug, Serialize, ToSchema)]
pub struct Posted {
    /// The id of its `posted` event: the room's streams carry it in their `id:` field.
    pub id: String,
}

/// Posts a message to a room.
///
/// Every member's stream receives it as a `posted` event. A message starting with `/bot `
/// asks the bot, whose answer streams to the room as `bot_token` events, then arrives whole.
#[utoipa::path(
    post,
    path = "/rooms/{room}/messages",
    tag = "chat",
    params(("room" = String, Path, description = "The room: `general` or `rust`.", example = "general")),
    request_body = Post,
    responses(
        (status = 200, description = "Posted.", body = Posted),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 404, description = "There is no room of that name.", body = ErrorBody),
        (status = 415, description = "The body is not sent as `application/json`.", body = ErrorBody),
        (status = 422, description = "The message has no text, or the body is not a `Post`.", body = ErrorBody),
        (status = 503, description = "The hub is full: try again after `Retry-After` seconds.",
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again."))),
        (status = 500, description = "The hub failed.")
    )
)]
async fn post_message(
    Path(room): Path<String>,
    State(chat): State<Chat>,
    post: Result<Json<Post>, JsonRejection>,
) -> Result<Json<Posted>, ChatError> {
    let Json(post) = post.map_err(ChatError::BadPost)?;
    let room = chat.room(&room)?;
    if post.text.trim().is_empty() {
        return Err(ChatError::EmptyMessage);
    }
    let question = post.text.strip_prefix("/bot ").map(str::to_owned);
    let event = ChatEvent::Posted {
        user: post.user,
        text: post.text,
        reply_to: None,
    };
    let id = chat.hub.publish(room, event).await?;
    if let Some(question) = question {
        tokio::spawn(bot_reply(chat.hub.clone(), room, id.clone(), question));
    }
    Ok(Json(Posted {
        id: id.as_str().to_owned(),
    }))
}

/// The bot "thinks" like a language model: its reply arrives token by token, then whole.
async fn bot_reply(
    hub: Hub<ChatEvent>,
    room: &'static str,
    question_id: EventId,
    question: String,
) {
    let reply = format!("You asked: {question}\nHere is my answer, streamed token by token.");
    for token in reply.split_inclusive(' ') {
        tokio::time::sleep(Duration::from_millis(30)).await;
        if let Err(e) = hub
            .publish(room, ChatEvent::BotToken(token.to_owned()))
            .await
        {
            tracing::warn!(room, error = %e, "the bot's reply could not be published");
            return;
        }
    }
    let answer = ChatEvent::Posted {
        user: "bot".into(),
        text: reply,
        reply_to: Some(question_id.as_str().to_owned()),
    };
    if let Err(e) = hub.publish(room, answer).await {
        tracing::warn!(room, error = %e, "the bot's reply could not be published");
    }
}

/// The chat page: pick a room, read it live, post to it.
#[utoipa::path(get, path = "/", responses(
    (status = 200, description = "The page (HTML).", content_type = "text/html", body = String)
))]
async fn page() -> Html<&'static str> {
    Html(include_str!("index.html"))
}

/// The whole API: the streams, the posting endpoint and the page, one document of them all
/// (`/openapi.json`) and its page (`/docs`). Triggering `shutdown` ends every open stream, so
/// a graceful shutdown completes.
pub fn api(shutdown: tidings::Shutdown) -> SseApi<Chat> {
    SseApi::stateful("Chat", "1.0.0")
        .tag("chat", "Chat rooms and their live events.")
        .handler(room_events)
        .routes(routes!(post_message))
        .routes(routes!(page))
        .serve_openapi_json("/openapi.json")
        .serve_docs("/docs")
        .shutdown(shutdown)
}

/// The whole service over `hub` (in-process or shared).
pub fn app(hub: Hub<ChatEvent>, shutdown: tidings::Shutdown) -> Router {
    api(shutdown).into_router().with_state(Chat::new(hub))
}
