//! The docs page's live console in a real browser (headless Chromium, driven by playwright-core):
//! it connects to a GET stream with path and query parameters and to a POST stream with a JSON
//! body, and shows their events as they arrive. Keeps a screenshot under
//! `target/browser-screenshots/`.

use std::time::Duration;

use axum::extract::{Path as UrlPath, Query};
use axum::Json;
use serde::Deserialize;
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

#[tokio::test]
async fn the_docs_console_shows_the_events_of_a_get_and_a_post_stream() {
    let Some(chromium) = chromium() else {
        return;
    };
    let api = SseApi::new("Console", "1")
        .handler(feed_events)
        .handler(complete)
        .serve_docs("/docs");
    let server = serve(api.into_router()).await;
    let screenshot = screenshot("docs-console");
    let base = format!("http://{}", server.addr);
    let shown = browser(
        &chromium,
        "browser_docs_console.mjs",
        &[base.as_ref(), screenshot.as_ref()],
    )
    .await;

    assert_eq!(shown["errors"], serde_json::json!([]), "no script error");
    assert_eq!(
        shown["consoleErrors"],
        serde_json::json!([]),
        "no failed resource either (the page declares its favicon)"
    );
    let feed: Vec<&str> = shown["feedEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(feed.len(), 3, "{feed:?}");
    for (event, n) in feed.iter().zip(2..) {
        assert!(
            event.starts_with(&format!("event: headline · id: {n}")),
            "{event}"
        );
        // The path parameter reached the handler whole, and the data is pretty-printed.
        assert!(event.contains("\"feed\": \"news & weather\""), "{event}");
        assert!(event.contains(&format!("\"n\": {n}")), "{event}");
    }
    assert_eq!(shown["feedCount"], "3 events");

    let completion: Vec<&str> = shown["completeEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(completion.len(), 4, "{completion:?}");
    assert!(completion[0].starts_with("event: token") && completion[0].contains("word0"));
    assert!(completion[3].starts_with("event: done"));
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 0);
}
