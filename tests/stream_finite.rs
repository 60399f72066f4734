//! Streams that end: a variant marked `#[sse(end)]` is the stream's final event. The server
//! ends the stream after it, tidings' client stops for good after it, and the API document says
//! which event it is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tidings_test_support::openapi_checks;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use tidings::client::EventSource;
use tidings::testing::TestClient;
use tidings::{sse_events, sse_handler, Error, Sender, SseApi};
use tidings_test_support::serve;

/// A completion, streamed.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
enum Completion {
    /// A piece of the answer.
    #[sse(raw)]
    Token(String),
    /// The answer is complete.
    #[sse(end)]
    Done,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Prompt {
    words: u32,
}

/// How many completions were started.
#[derive(Clone, Default)]
struct Started(Arc<AtomicUsize>);

/// Completes a prompt, word by word.
#[sse_handler(post, "/complete")]
async fn complete(
    State(started): State<Started>,
    tx: Sender<Completion>,
    Json(prompt): Json<Prompt>,
) -> Result<(), Error> {
    started.0.fetch_add(1, Ordering::SeqCst);
    for n in 0..prompt.words {
        tx.send(Completion::Token(format!("word{n} "))).await?;
    }
    tx.send(Completion::Done).await?;
    // Whatever comes after the final event goes nowhere.
    let _ = tx.send(Completion::Token("too late".into())).await;
    tokio::time::sleep(Duration::from_secs(3_600)).await;
    Ok(())
}

/// Completes the default prompt.
#[sse_handler(get, "/complete")]
async fn complete_get(State(started): State<Started>, tx: Sender<Completion>) -> Result<(), Error> {
    started.0.fetch_add(1, Ordering::SeqCst);
    tx.send(Completion::Token("hello".into())).await?;
    tx.send(Completion::Done).await?;
    tokio::time::sleep(Duration::from_secs(3_600)).await;
    Ok(())
}

fn api() -> SseApi<Started> {
    SseApi::stateful("Completions", "1")
        .handler(complete)
        .handler(complete_get)
}

fn expected(words: u32) -> Vec<Completion> {
    let mut events: Vec<_> = (0..words)
        .map(|n| Completion::Token(format!("word{n} ")))
        .collect();
    events.push(Completion::Done);
    events
}

#[tokio::test]
async fn the_server_ends_the_stream_after_its_final_event() {
    let started = Started::default();
    let client = TestClient::new(api().into_router().with_state(started.clone()));
    let stream = client
        .post_json("/complete", &serde_json::json!({ "words": 3 }))
        .await;
    // `collect` reads to the end of the stream: it ends right after `done`, although the
    // handler goes on.
    assert_eq!(stream.collect::<Completion>().await.unwrap(), expected(3));
}

#[tokio::test]
async fn the_reconnecting_client_stops_for_good_after_the_final_event() {
    let started = Started::default();
    let server = serve(api().into_router().with_state(started.clone())).await;
    for source in [
        EventSource::post(format!("http://{}/complete", server.addr))
            .json(&serde_json::json!({ "words": 2 })),
        // A GET reconnects when a stream ends, but not after its final event.
        EventSource::get(format!("http://{}/complete", server.addr)),
    ] {
        let before = started.0.load(Ordering::SeqCst);
        let source = source.initial_retry(Duration::from_millis(10));
        let handle = source.handle();
        let mut events = source.typed::<Completion>();
        let mut got = Vec::new();
        while let Some(event) = futures::StreamExt::next(&mut events).await {
            got.push(event.unwrap().event);
        }
        assert_eq!(got.last(), Some(&Completion::Done));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            started.0.load(Ordering::SeqCst),
            before + 1,
            "requested again"
        );
        assert_eq!(handle.reconnects(), 0);
    }
}

#[test]
fn the_api_document_says_which_event_is_final() {
    let doc = api().openapi_json();
    let branches = doc["paths"]["/complete"]["post"]["responses"]["200"]["content"]
        ["text/event-stream"]["itemSchema"]["oneOf"]
        .as_array()
        .unwrap()
        .clone();
    let done = branches.iter().find(|b| b["title"] == "Done").unwrap();
    assert_eq!(done["x-ends-stream"], true);
    let description = done["description"].as_str().unwrap();
    assert!(
        description.starts_with("The answer is complete."),
        "{description}"
    );
    assert!(description.contains("final event"), "{description}");
    let token = branches.iter().find(|b| b["title"] == "Token").unwrap();
    assert!(token.get("x-ends-stream").is_none());
    // The annotation keeps the document valid for independent validators.
    openapi_checks::assert_valid_openapi(&openapi_checks::write_doc("finite.openapi.json", &doc));
}
