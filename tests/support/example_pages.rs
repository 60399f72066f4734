//! What every example's test checks besides its streams: the page, the API document and its
//! docs page are served, and the document describes the example's events.

use http::StatusCode;
use serde_json::Value;
use tidings::testing::TestClient;

/// `/` is the example's page, as HTML; `/openapi.json` and `/docs` are served beside it.
pub async fn assert_serves_page_and_docs(client: &TestClient) {
    let page = client.get("/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = page.text().await.unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(
        html.contains("<script"),
        "the page is self-contained: {html}"
    );

    let document = client.get("/openapi.json").await;
    assert_eq!(document.status(), StatusCode::OK);
    let document: Value = serde_json::from_str(&document.text().await.unwrap()).unwrap();
    assert_eq!(document["openapi"], "3.2.0");

    let docs = client.get("/docs").await;
    assert_eq!(docs.status(), StatusCode::OK);
}

/// The titles of the events the operation `method path` of `document` streams, in document
/// order, with whether each ends the stream. (A stream of one event type has that event's
/// schema as its `itemSchema`, without a `oneOf`.)
pub fn streamed_events(document: &Value, path: &str, method: &str) -> Vec<(String, bool)> {
    let operation = &document["paths"][path][method];
    let items = &operation["responses"]["200"]["content"]["text/event-stream"]["itemSchema"];
    let branches = match items.get("oneOf") {
        Some(branches) => branches.as_array().unwrap().clone(),
        None => vec![items.clone()],
    };
    branches
        .iter()
        .map(|branch| {
            let title = branch["title"].as_str();
            let title = title.unwrap_or_else(|| panic!("no event at {method} {path}: {operation}"));
            (title.to_owned(), branch["x-ends-stream"] == true)
        })
        .collect()
}

/// Every route each example serves, as `METHOD /path`: what its API document and its docs page
/// must list (tests/example_documents.rs, tests/browser_examples.rs).
pub mod routes {
    pub const CHAT: &[&str] = &[
        "GET /",
        "GET /rooms/{room}/events",
        "POST /rooms/{room}/messages",
    ];
    pub const STOCKS: &[&str] = &["GET /", "GET /stocks", "GET /stocks/{symbol}/events"];
    pub const DASHBOARD: &[&str] = &["GET /", "GET /metrics", "GET /prometheus"];
    pub const LLM: &[&str] = &["GET /", "GET /page.js", "POST /complete"];
    pub const LOGS: &[&str] = &["GET /", "GET /logs/events"];
}
