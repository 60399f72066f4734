//! The docs page in a real browser (headless Chromium, driven by playwright-core): its table of
//! contents links every operation; a GET stream's console shows its events one line each and
//! its request as a curl line while connected; a long stream's console keeps the newest event in
//! view and the last 500, resumes after the server cuts it with `Last-Event-ID`, reconnects by
//! itself after the stream's `retry:` delay when asked to, and says when the stream completed;
//! a POST stream's console starts from an example body; and a plain JSON route, added to the
//! document with `SseApi::merge_openapi`, is sent from its console, which shows the status and
//! JSON body. Keeps a screenshot under `target/browser-screenshots/`.

use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Path as UrlPath, Query};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use tidings::{sse_events, sse_handler, LastEventId, Message, Sender, SseApi};
use tidings_test_support::{browser, chromium, screenshot, serve};

#[derive(serde::Serialize, Deserialize, schemars::JsonSchema)]
struct Headline {
    feed: String,
    n: u32,
}

/// What a feed publishes.
#[sse_events(rename_all = "snake_case")]
enum FeedEvent {
    /// A headline of the feed.
    Headline(Headline),
}

#[derive(Deserialize, schemars::JsonSchema)]
struct From {
    /// The first headline to send.
    from: u32,
}

/// Headlines of one feed, from `from` on; then it stays open.
#[sse_handler(get, "/feeds/{feed}/events")]
async fn feed_events(
    UrlPath(feed): UrlPath<String>,
    Query(start): Query<From>,
    _last: LastEventId,
    tx: Sender<FeedEvent>,
) {
    for n in start.from..start.from + 3 {
        let headline = Headline {
            feed: feed.clone(),
            n,
        };
        let _ = tx
            .send(Message::new(FeedEvent::Headline(headline)).id(n))
            .await;
    }
    tx.closed().await;
}

/// A completion, streamed.
#[sse_events(rename_all = "snake_case")]
enum Completion {
    /// A word of it.
    #[sse(raw)]
    Token(String),
    /// It is complete.
    #[sse(end)]
    Done,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Prompt {
    /// How many words to complete.
    words: u32,
}

/// Completes a prompt word by word.
#[sse_handler(post, "/complete")]
async fn complete(tx: Sender<Completion>, Json(prompt): Json<Prompt>) {
    for n in 0..prompt.words {
        let _ = tx.send(Completion::Token(format!("word{n}"))).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = tx.send(Completion::Done).await;
}

/// How many ticks a first visit to `/count` gets: more than the 500 a console keeps.
const TICKS: u32 = 520;

/// The last ids the connections to `/count` sent, in order (`None` for a first visit).
static RESUMED_AFTER: Mutex<Vec<Option<String>>> = Mutex::new(Vec::new());

/// A count that the server cuts.
#[sse_events(rename_all = "snake_case")]
enum Count {
    /// The next number.
    Tick(u32),
    /// The stream resumed after the id the client sent.
    Resumed {
        /// The `Last-Event-ID` the server received.
        after: String,
    },
    /// Counted enough.
    #[sse(end)]
    Over,
}

/// Counts to 520, with a `retry:` of 300 ms, and ends: a cut, since `tick` is no final event.
/// Each reconnection gets one `resumed` event saying which id it sent, then is cut again; the
/// one after id 523 gets `over`.
#[sse_handler(get, "/count")]
async fn count(last: LastEventId, tx: Sender<Count>) {
    RESUMED_AFTER
        .lock()
        .unwrap()
        .push(last.as_deref().map(str::to_owned));
    let after = last.as_deref().map(|id| id.parse::<u32>().unwrap());
    match after {
        None => {
            let retry = Duration::from_millis(300);
            let _ = tx
                .send(Message::new(Count::Tick(1)).id(1).retry(retry))
                .await;
            for n in 2..=TICKS {
                let _ = tx.send(Message::new(Count::Tick(n)).id(n)).await;
            }
        }
        Some(after) if after < TICKS + 3 => {
            let resumed = Count::Resumed {
                after: after.to_string(),
            };
            let _ = tx.send(Message::new(resumed).id(after + 1)).await;
        }
        Some(_) => {
            let _ = tx.send(Count::Over).await;
        }
    }
}

#[derive(Deserialize)]
struct NewMessage {
    text: String,
}

#[derive(Deserialize)]
struct Format {
    format: Option<String>,
}

/// A plain JSON route beside the streams, described by `plain_route_document`.
async fn post_message(
    UrlPath(room): UrlPath<String>,
    Query(format): Query<Format>,
    Json(message): Json<NewMessage>,
) -> (StatusCode, Json<serde_json::Value>) {
    let posted = json!({ "id": 7, "room": room, "text": message.text, "format": format.format });
    (StatusCode::CREATED, Json(posted))
}

/// `POST /rooms/{room}/messages` as another tool (or a person) would describe it, for
/// `SseApi::merge_openapi`.
fn plain_route_document() -> serde_json::Value {
    json!({
        "paths": { "/rooms/{room}/messages": { "post": {
        "operationId": "post_message",
        "summary": "Posts a message to a room.",
        "description": "The message is **kept**: see [the spec](https://example.com/spec).",
        "parameters": [
            { "name": "room", "in": "path", "required": true, "description": "The room.",
              "schema": { "type": "string", "examples": ["lobby"] } },
            { "name": "format", "in": "query", "description": "How `text` is written.",
              "schema": { "type": "string", "enum": ["plain", "markdown"] } }
        ],
        "requestBody": { "required": true, "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/NewMessage" }
        } } },
        "responses": {
            "201": { "description": "Posted.", "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Posted" }
            } } },
            "422": { "description": "The body is not a message.",
                     "content": { "text/plain": { "schema": { "type": "string" } } } }
        }
        } } },
        "components": { "schemas": {
            "NewMessage": {
                "type": "object",
                "required": ["text"],
                "properties": { "text": { "type": "string", "description": "What to say." } }
            },
            "Posted": {
                "type": "object",
                "required": ["id", "room", "text"],
                "properties": {
                    "id": { "type": "integer", "format": "uint64", "minimum": 0 },
                    "room": { "type": "string" },
                    "text": { "type": "string" },
                    "format": { "type": ["string", "null"], "enum": ["plain", "markdown", null] }
                }
            }
        } }
    })
}

#[tokio::test]
async fn the_docs_page_lists_every_operation_and_its_consoles_stream_resume_and_send() {
    let Some(chromium) = chromium() else {
        return;
    };
    let api = SseApi::new("Console", "1")
        .handler(feed_events)
        .handler(complete)
        .handler(count)
        .merge_openapi(plain_route_document())
        .expect("the plain route's document is added")
        .serve_docs("/docs");
    let app = api
        .into_router()
        .route("/rooms/{room}/messages", post(post_message));
    let server = serve(app).await;
    let screenshot = screenshot("docs-console");
    let base = format!("http://{}", server.addr);
    let shown = browser(
        &chromium,
        "browser_docs_console.mjs",
        &[base.as_ref(), screenshot.as_ref()],
    )
    .await;

    assert_eq!(shown["errors"], json!([]), "no script error");
    assert_eq!(
        shown["consoleErrors"],
        json!([]),
        "no failed resource either (the page declares its favicon)"
    );

    // The contents link each operation's section, then the schemas.
    assert_eq!(shown["toc"], shown["sections"]);
    assert_eq!(shown["toc"].as_array().unwrap().len(), 4, "{shown}");
    assert!(shown["schemaLinks"].as_u64().unwrap() >= 3, "{shown}");

    // One compact line per event: name, id, and the JSON data on one line.
    let feed = shown["feed"]["rows"].as_array().unwrap();
    assert_eq!(feed.len(), 3, "{feed:?}");
    for (row, n) in feed.iter().zip(2..) {
        assert_eq!(row["name"], "headline");
        assert_eq!(row["id"], format!("id {n}"));
        assert_eq!(
            row["data"],
            format!(r#"{{ "feed": "news & weather", "n": {n} }}"#)
        );
        assert!(row["height"].as_f64().unwrap() < 30.0, "one line: {row}");
    }
    assert_eq!(shown["feed"]["count"], "3 events");
    // While connected, the exact request and its curl line are in view.
    let url = format!("{base}/feeds/news%20%26%20weather/events?from=2");
    assert_eq!(shown["feed"]["line"], format!("GET {url}"));
    assert_eq!(
        shown["feed"]["curl"],
        format!("curl -N -H 'Accept: text/event-stream' '{url}'")
    );
    assert_eq!(shown["feed"]["curlVisible"], true);

    // 520 ticks, then the server cuts the stream: the last 500 are kept, the newest in view.
    let cut = &shown["count"]["cut"];
    assert_eq!(cut["rows"], 500, "{cut}");
    assert_eq!(cut["first"], "id 21");
    assert_eq!(cut["last"], "id 520");
    assert_eq!(cut["atBottom"], true, "{cut}");
    assert_eq!(cut["count"], "520 events");
    assert_eq!(cut["dropped"], "(20 older dropped: the last 500 are kept)");
    assert_eq!(cut["status"], "disconnected: the server ended the stream");
    assert_eq!(cut["resumeVisible"], true);
    // Resume sent the last id; the reader had scrolled up, so the list stayed where they were.
    let resumed = &shown["count"]["resumed"];
    assert_eq!(resumed["data"], r#"{ "after": "520" }"#);
    assert_eq!(resumed["scrollTop"], 0);
    // Reconnecting by itself after the stream's 300 ms `retry:`, until the final event.
    let done = &shown["count"]["done"];
    assert_eq!(
        done["last"],
        json!([
            r#"resumed { "after": "520" }"#,
            r#"resumed { "after": "521" }"#,
            r#"resumed { "after": "522" }"#,
            "over"
        ])
    );
    assert_eq!(
        done["status"],
        "completed: the stream ended after its final event “over”"
    );
    assert_eq!(done["resumeVisible"], false);
    assert!(
        done["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "disconnected: the server ended the stream; reconnecting in 0.3 s"),
        "{done}"
    );
    assert_eq!(
        *RESUMED_AFTER.lock().unwrap(),
        [None, Some("520"), Some("521"), Some("522"), Some("523")].map(|id| id.map(str::to_owned))
    );

    // The POST stream starts from a body built from its schema.
    let completion = &shown["complete"];
    assert_eq!(completion["example"], "{\n  \"words\": 0\n}");
    assert_eq!(
        completion["names"],
        json!(["token", "token", "token", "done"])
    );
    assert_eq!(
        completion["status"],
        "completed: the stream ended after its final event “done”"
    );
    assert_eq!(
        completion["curl"],
        format!(
            "curl -N -X POST -H 'Accept: text/event-stream' -H 'Content-Type: application/json' \
             --data '{{\"words\":3}}' '{base}/complete'"
        )
    );

    // The plain JSON route: its inputs offer the documented values, and Send shows the answer.
    let message = &shown["message"];
    assert_eq!(message["placeholder"], "lobby");
    assert_eq!(message["options"], json!(["(none)", "plain", "markdown"]));
    assert_eq!(message["example"], "{\n  \"text\": \"string\"\n}");
    assert_eq!(message["buttons"], json!(["Copy", "Send"]));
    assert_eq!(
        message["curl"],
        format!(
            "curl -X POST -H 'Accept: application/json' -H 'Content-Type: application/json' \
             --data '{{\"text\":\"it'\\''s me\"}}' '{base}/rooms/lobby/messages?format=markdown'"
        )
    );
    assert_eq!(message["code"], "201 Created");
    assert_eq!(message["type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({ "id": 7, "room": "lobby", "text": "it's me", "format": "markdown" })
    );
    assert!(
        message["body"].as_str().unwrap().contains("\n  \"id\": 7"),
        "pretty"
    );
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 0);
}
