//! In a real browser (headless Chromium): why serving over HTTP/2 matters for event streams. One
//! page opens ten `EventSource`s to one origin. Over HTTPS with HTTP/2 (`TlsListener`, a
//! certificate made for the run) all ten receive events on one connection; over HTTP/1.1 only
//! six do, the browser's limit of connections per origin, and the others wait.

use axum::response::Html;
use tidings::{SseApi, TlsListener, WriteDeadline};
use tidings_test_support::http_version::greet;
use tidings_test_support::{browser, chromium, screenshot, TestCertificate};

/// Opens ten streams, waits three seconds, and reports which received their first event, with
/// the HTTP version each request came in and the protocol the page itself came over.
const PAGE: &str = r#"<!doctype html><meta charset="utf-8"><body><script>
const versions = Array(10).fill(null);
for (let n = 0; n < 10; n++) {
  const source = new EventSource(`/streams/${n}`);
  source.addEventListener("version", (e) => { versions[n] = e.data; });
}
setTimeout(() => {
  const page = performance.getEntriesByType("navigation")[0].nextHopProtocol;
  window.testResult = { versions, page, received: versions.filter((v) => v !== null).length };
  document.body.textContent = JSON.stringify(window.testResult);
}, 3000);
</script>"#;

fn app() -> axum::Router {
    SseApi::new("Greetings", "1")
        .handler(greet)
        .into_router()
        .route("/", axum::routing::get(|| async { Html(PAGE) }))
}

async fn open_ten(url: &str, name: &str, insecure: bool) -> Option<serde_json::Value> {
    let chromium = chromium()?;
    let shot = screenshot(name);
    let mut args: Vec<&std::ffi::OsStr> = vec![url.as_ref(), shot.as_ref()];
    if insecure {
        args.push("--insecure".as_ref());
    }
    Some(browser(&chromium, "browser_page.mjs", &args).await)
}

#[tokio::test]
async fn over_https_with_http2_ten_streams_to_one_origin_all_receive_events() {
    let certificate = TestCertificate::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tls = TlsListener::from_pem(
        listener,
        certificate.certificate.as_bytes(),
        certificate.key.as_bytes(),
    )
    .unwrap();
    tokio::spawn(async move { axum::serve(WriteDeadline::new(tls), app()).await });
    let Some(shown) = open_ten(
        &format!("https://127.0.0.1:{}/", addr.port()),
        "http2-ten-streams",
        true,
    )
    .await
    else {
        return;
    };
    let result = &shown["result"];
    assert_eq!(result["page"], "h2", "{shown}");
    assert_eq!(result["received"], 10, "{shown}");
    assert!(
        result["versions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v == "HTTP/2.0"),
        "{shown}"
    );
}

#[tokio::test]
async fn over_http1_only_six_of_ten_streams_to_one_origin_receive_events() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(WriteDeadline::new(listener), app()).await });
    let Some(shown) = open_ten(&format!("http://{addr}/"), "http1-ten-streams", false).await else {
        return;
    };
    let result = &shown["result"];
    assert_eq!(result["page"], "http/1.1", "{shown}");
    assert_eq!(
        result["received"], 6,
        "the browser's six connections per origin: {shown}"
    );
}
