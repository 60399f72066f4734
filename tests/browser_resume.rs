//! In a real browser (headless Chromium): a newcomer asks the hub for the newest events of a
//! room (`Hub::subscribe_with_history`), and a page whose `EventSource` gave up after a `503`
//! (browsers do not retry one) resumes exactly where it was with `?lastEventId=`, which
//! `LastEventId` reads when the header is absent.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use tidings::hub::Hub;
use tidings::{sse_events, sse_handler, LastEventId, Sender, SseApi};
use tidings_test_support::{browser, chromium, screenshot, serve};

#[sse_events(rename_all = "snake_case")]
enum Room {
    /// A message, numbered.
    Note(u32),
}

#[derive(Clone)]
struct Service {
    hub: Hub<Room>,
    /// While set, streams are refused with `503` (a server at its cap, or draining).
    refusing: Arc<AtomicBool>,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Asked {
    /// How many past notes a newcomer wants.
    #[serde(default)]
    history: usize,
}

#[sse_handler(get, "/notes")]
async fn notes(
    State(service): State<Service>,
    Query(asked): Query<Asked>,
    last: LastEventId,
    tx: Sender<Room>,
) -> Result<(), Response> {
    if service.refusing.load(Ordering::SeqCst) {
        return Err((http::StatusCode::SERVICE_UNAVAILABLE, "draining").into_response());
    }
    let subscription = service
        .hub
        .subscribe_with_history("room", &last, asked.history.min(100))
        .await
        .map_err(IntoResponse::into_response)?;
    tx.forward(subscription)
        .await
        .map_err(IntoResponse::into_response)
}

async fn publish(State(service): State<Service>, Path(n): Path<u32>) {
    service.hub.publish("room", Room::Note(n)).await.unwrap();
}

async fn refuse(State(service): State<Service>, Path(refusing): Path<bool>) {
    service.refusing.store(refusing, Ordering::SeqCst);
}

const PAGE: &str = r#"<!doctype html><meta charset="utf-8"><body><script>
// The first `count` notes of a new EventSource on `url`, with their ids; or, if the browser
// gives up on it (a 503), what it got before.
function notes(url, count) {
  return new Promise((done) => {
    const source = new EventSource(url);
    const got = [];
    source.addEventListener("note", (e) => {
      got.push({ id: e.lastEventId, n: Number(e.data) });
      if (got.length === count) { source.close(); done({ got }); }
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) done({ gaveUp: true, got });
    };
  });
}
const post = (path) => fetch(path, { method: "POST" });
(async () => {
  for (const n of [0, 1, 2, 3, 4]) await post(`/publish/${n}`);
  const newcomer = await notes("/notes?history=3", 3);
  const lastId = newcomer.got[newcomer.got.length - 1].id;
  await post("/refusing/true");
  const refused = await notes("/notes", 1);
  for (const n of [5, 6]) await post(`/publish/${n}`);
  await post("/refusing/false");
  const resumed = await notes(`/notes?lastEventId=${encodeURIComponent(lastId)}`, 2);
  window.testResult = { newcomer, refused, resumed };
  document.body.textContent = JSON.stringify(window.testResult);
})();
</script>"#;

#[tokio::test]
async fn a_newcomer_gets_history_and_a_page_that_gave_up_resumes_with_the_query() {
    let Some(chromium) = chromium() else {
        return;
    };
    let service = Service {
        hub: Hub::builder().build(),
        refusing: Arc::default(),
    };
    let app = SseApi::stateful("Room", "1")
        .handler(notes)
        .into_router()
        .route("/", axum::routing::get(|| async { Html(PAGE) }))
        .route("/publish/{n}", post(publish))
        .route("/refusing/{refusing}", post(refuse))
        .with_state(service);
    let server = serve(app).await;
    let url = format!("http://{}/", server.addr);
    let shot = screenshot("resume");
    let shown = browser(
        &chromium,
        "browser_page.mjs",
        &[url.as_ref(), shot.as_ref()],
    )
    .await;
    let result = &shown["result"];
    let numbers = |part: &str| -> Vec<u64> {
        result[part]["got"]
            .as_array()
            .unwrap_or_else(|| panic!("{shown}"))
            .iter()
            .map(|note| note["n"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(numbers("newcomer"), [2, 3, 4], "{shown}");
    assert_eq!(result["refused"]["gaveUp"], true, "{shown}");
    assert_eq!(numbers("resumed"), [5, 6], "{shown}");
    // The console reports the refused stream and the missing favicon; no script failed.
    let errors = shown["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .all(|e| e.as_str().unwrap().starts_with("Failed to load resource")),
        "{shown}"
    );
}
