//! Every route of every example is in its API document: each app routes only what its `SseApi`
//! describes (streams with `.handler`, plain routes with `.routes`), and each plain `GET` that
//! needs no parameter answers with a status and a content type its document lists.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use tidings::hub::Hub;
use tidings::testing::TestClient;
use tidings::Shutdown;
use tidings_examples::{chat, dashboard, llm, logs, stocks};
use tidings_test_support::example_pages::routes;

/// Every operation of `document`, as `METHOD /path`.
fn operations(document: &Value) -> BTreeSet<String> {
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect()
}

/// Whether the `200` of the operation is an event stream (read elsewhere, not here).
fn is_stream(operation: &Value) -> bool {
    operation["responses"]["200"]["content"]
        .get("text/event-stream")
        .is_some()
}

async fn check(name: &str, client: TestClient, routes: &[&str]) {
    let document: Value =
        serde_json::from_str(&client.get("/openapi.json").await.text().await.unwrap()).unwrap();
    let expected: BTreeSet<String> = routes.iter().map(|route| (*route).to_owned()).collect();
    assert_eq!(
        operations(&document),
        expected,
        "{name}: the document's operations"
    );
    for route in routes {
        let (method, path) = route.split_once(' ').unwrap();
        let method = method.to_lowercase();
        let operation = &document["paths"][path][&method];
        let needs_input = operation["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["required"] == true));
        if method != "get" || needs_input || is_stream(operation) {
            continue;
        }
        let response = client.get(path).await;
        let status = response.status().as_str().to_owned();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let documented = &operation["responses"][&status];
        assert!(
            documented.is_object(),
            "{name}: GET {path} answered {status}, which its document does not list"
        );
        let media_types: Vec<&String> = documented["content"].as_object().unwrap().keys().collect();
        assert!(
            media_types
                .iter()
                .any(|media| content_type.starts_with(media.as_str())),
            "{name}: GET {path} answered {content_type}; the document lists {media_types:?}"
        );
    }
}

#[tokio::test]
async fn every_route_of_every_example_is_in_its_document() {
    let chat_hub = Hub::builder().replay(chat::REPLAY).build();
    check(
        "chat",
        TestClient::new(chat::app(chat_hub, Shutdown::new())),
        routes::CHAT,
    )
    .await;
    check(
        "stocks",
        TestClient::new(stocks::app(Hub::builder().build(), Shutdown::new())),
        routes::STOCKS,
    )
    .await;
    check(
        "dashboard",
        TestClient::new(dashboard::app(Duration::from_secs(1), Shutdown::new())),
        routes::DASHBOARD,
    )
    .await;
    check(
        "llm",
        TestClient::new(llm::app(Shutdown::new())),
        routes::LLM,
    )
    .await;
    let log = std::env::temp_dir().join(format!("tidings-doc-log-{}", std::process::id()));
    std::fs::write(&log, "a line\n").unwrap();
    check(
        "logs",
        TestClient::new(logs::app(log.clone(), Shutdown::new())),
        routes::LOGS,
    )
    .await;
    std::fs::remove_file(log).unwrap();
}
