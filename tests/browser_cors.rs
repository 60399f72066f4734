//! A page on another origin receives a stream through `tower_http::cors::CorsLayer`, in a real
//! browser (headless Chromium): with `CorsLayer::permissive()` without credentials, with the
//! origin named for `withCredentials`, and refused (as the README warns) when a wildcard meets
//! credentials.

use axum::response::Html;
use axum::routing::get;
use tidings::{sse_events, sse_handler, Sender, SseApi};
use tidings_test_support::{browser, chromium, screenshot, serve};
use tower_http::cors::CorsLayer;

#[sse_events(rename_all = "snake_case")]
enum Step {
    Step(u32),
}

/// Two steps, then it stays open.
#[sse_handler(get, "/steps")]
async fn steps(tx: Sender<Step>) {
    let _ = tx.send(Step::Step(1)).await;
    let _ = tx.send(Step::Step(2)).await;
    tx.closed().await;
}

/// The page: opens each stream of `streams` (a JSON array of `[label, url, withCredentials]`)
/// and reports the data it got from each, or that the browser refused it.
const PAGE: &str = r#"<!doctype html><meta charset="utf-8"><body><script>
function listen(url, withCredentials) {
  return new Promise((done) => {
    const source = new EventSource(url, { withCredentials });
    const got = [];
    source.addEventListener("step", (e) => {
      got.push(e.data);
      if (got.length === 2) { source.close(); done(got); }
    });
    source.onerror = () => { source.close(); done("refused"); };
  });
}
(async () => {
  const result = {};
  for (const [label, url, withCredentials] of STREAMS) {
    result[label] = await listen(url, withCredentials);
  }
  document.body.textContent = JSON.stringify(result);
  window.testResult = result;
})();
</script>"#;

#[tokio::test]
async fn a_page_on_another_origin_receives_events_through_cors() {
    let Some(chromium) = chromium() else {
        return;
    };
    let stream = || SseApi::new("t", "1").handler(steps).into_router();
    let anyone = serve(stream().layer(CorsLayer::permissive())).await;
    // The page's origin is only known once it listens: bind it first, name it, then serve.
    let page_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let page_origin = format!("http://{}", page_listener.local_addr().unwrap());
    let named = CorsLayer::new()
        .allow_origin(page_origin.parse::<http::HeaderValue>().unwrap())
        .allow_credentials(true);
    let with_credentials = serve(stream().layer(named)).await;

    let streams = serde_json::json!([
        ["anyone", format!("http://{}/steps", anyone.addr), false],
        [
            "named",
            format!("http://{}/steps", with_credentials.addr),
            true
        ],
        [
            "wildcardWithCredentials",
            format!("http://{}/steps", anyone.addr),
            true
        ],
    ]);
    let page = PAGE.replace("STREAMS", &streams.to_string());
    let page_server = tokio::spawn(async move {
        let app = axum::Router::new().route("/", get(move || async move { Html(page) }));
        axum::serve(page_listener, app).await.unwrap();
    });

    let shot = screenshot("cors");
    let shown = browser(
        &chromium,
        "browser_page.mjs",
        &[page_origin.as_ref(), shot.as_ref()],
    )
    .await;
    page_server.abort();
    let result = &shown["result"];
    assert_eq!(result["anyone"], serde_json::json!(["1", "2"]), "{shown}");
    assert_eq!(result["named"], serde_json::json!(["1", "2"]), "{shown}");
    assert_eq!(result["wildcardWithCredentials"], "refused", "{shown}");
}
