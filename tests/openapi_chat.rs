//! OpenAPI of the chat example, through the real `#[sse_events]` and `#[sse_handler]` macros:
//! the snapshot, the independent validators, and every event the example really sends checked
//! against its schemas. Parameters, `Last-Event-ID` and error responses appear only once the
//! macro generates the `document` hook (`document_input!` / `document_error!`).

use tidings_examples::chat as app;
use tidings_test_support::openapi_checks;

use openapi_checks::*;
use serde_json::{json, Value};
use tidings_test_support::{get, request, serve, PATIENCE};

/// The chat example's stream API document, from the same builder its `app()` serves.
fn chat_document() -> Value {
    app::api(tidings::Shutdown::new()).openapi_json()
}

#[test]
fn chat_document_matches_its_snapshot() {
    assert_snapshot("chat.openapi.json", &chat_document());
}

#[test]
fn chat_document_passes_the_independent_validators() {
    assert_valid_openapi(&write_doc("chat.openapi.json", &chat_document()));
}

#[test]
fn chat_operation_documents_its_extractors_and_error() {
    let doc = chat_document();
    let op = &doc["paths"]["/rooms/{room}/events"]["get"];
    assert_eq!(op["operationId"], "room_events");
    assert_eq!(op["tags"], json!(["chat"]));
    assert_eq!(op["summary"], "Live events of one room.");
    let params: Vec<(&str, &str, bool)> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["in"].as_str().unwrap(),
                p["required"] == true,
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("room", "path", true),
            ("name", "query", true),
            ("lastEventId", "query", false),
            ("Last-Event-ID", "header", false)
        ]
    );
    let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
    // 400 from `LastEventId`, 404 from `ChatError`, 503 from the hub inside it, 500 for a panic.
    assert_eq!(statuses, ["200", "400", "404", "500", "503"], "{op}");
    assert_eq!(
        op["responses"]["404"]["description"],
        "There is no room of that name."
    );
}

#[test]
fn chat_events_have_one_branch_each() {
    let doc = chat_document();
    let items = item_schema(&doc, "/rooms/{room}/events");
    let titles: Vec<&str> = items["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Posted", "UserJoined", "BotToken", "Notice", "HistoryLost"]
    );
    let names: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert!(names.iter().any(|n| *n == "User"), "{names:?}");
}

/// Reads chunks into `body` until it contains `needle`.
async fn read_until(
    stream: &mut tidings_test_support::OpenStream,
    body: &mut String,
    needle: &str,
) {
    while !body.contains(needle) {
        let chunk = stream.next_chunk().await.expect("the stream goes on");
        body.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

/// Joins a room, posts a `/bot` question, and validates every event that arrives (a notice,
/// the join, the question, the bot's raw tokens and its final post), and those of a reconnection
/// whose history is lost (a notice, `history_lost`), with the `jsonschema` crate against
/// `itemSchema` and each payload's `contentSchema`.
#[tokio::test]
async fn every_event_the_chat_sends_validates_against_its_schemas() {
    let hub = tidings::hub::Hub::builder().replay(app::REPLAY).build();
    let server = serve(app::app(hub, tidings::Shutdown::new())).await;
    let mut stream = get(server.addr, "/rooms/general/events?name=ada", &[]).await;
    let mut body = String::new();
    read_until(&mut stream, &mut body, "event:user_joined").await;
    let lost = &[("last-event-id", "garbage")];
    let mut reconnected = get(server.addr, "/rooms/general/events?name=bo", lost).await;
    let mut reconnected_body = String::new();
    read_until(
        &mut reconnected,
        &mut reconnected_body,
        "event:history_lost",
    )
    .await;
    while !reconnected_body.ends_with("\n\n") {
        let chunk = reconnected.next_chunk().await.expect("the stream goes on");
        reconnected_body.push_str(std::str::from_utf8(&chunk).unwrap());
    }

    let post = http::Request::post(format!("http://{}/rooms/general/messages", server.addr))
        .header("host", "test")
        .header("content-type", "application/json")
        .body(r#"{"user":"ada","text":"/bot why?"}"#.to_owned())
        .unwrap();
    let posted = request(server.addr, post).await;
    assert_eq!(posted.head.status, 200);
    tokio::time::timeout(PATIENCE, read_until(&mut stream, &mut body, "\"reply_to\""))
        .await
        .expect("the bot's reply in time");
    while !body.ends_with("\n\n") {
        let chunk = stream.next_chunk().await.expect("the stream goes on");
        body.push_str(std::str::from_utf8(&chunk).unwrap());
    }

    let mut items = parse_items(&body);
    items.extend(parse_items(&reconnected_body));
    let matched = validate_items(&chat_document(), "/rooms/{room}/events", &items).unwrap();
    for title in ["Notice", "Posted", "HistoryLost", "UserJoined", "BotToken"] {
        assert!(
            matched.iter().any(|m| m == title),
            "no {title} in {matched:?}"
        );
    }
}

#[test]
fn the_docs_page_shows_event_payloads_with_their_fields_not_references() {
    let html = tidings::openapi::docs_html(&app::api(tidings::Shutdown::new()).openapi());
    let events = &html[html.find("<h3>Events</h3>").expect("an events section")..];
    let events = &events[..events.find("</section>").unwrap()];
    assert!(!events.contains("$ref"), "{events}");
    // `posted`'s data: the fields of its struct, with their descriptions.
    for field in [
        "&quot;user&quot;",
        "&quot;text&quot;",
        "&quot;reply_to&quot;",
        "Who posted it.",
    ] {
        assert!(events.contains(field), "{field} missing from {events}");
    }
}

/// The posting route is described by utoipa and joined to the document: schemathesis sends it
/// valid and broken posts (bad rooms, bodies that are not JSON, not a `Post`, not JSON at all)
/// on a live server, and every answer must be one the document lists, with a body that matches
/// its schema.
#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_accepts_the_plain_routes_live() {
    if tool(PYTHON, PY_HINT).is_none() {
        return;
    }
    let hub = tidings::hub::Hub::builder().replay(app::REPLAY).build();
    let server = serve(app::app(hub, tidings::Shutdown::new())).await;
    let base = format!("http://{}", server.addr);
    std::fs::create_dir_all(root().join("target/openapi")).unwrap();
    let (ok, out) = tokio::task::spawn_blocking(move || {
        run(
            std::process::Command::new(root().join("target/openapi-venv/bin/schemathesis"))
                .arg("run")
                .arg(format!("{base}/openapi.json"))
                .args(["--checks", "all", "--max-examples", "30"])
                .args([
                    "--include-path",
                    "/rooms/{room}/messages",
                    "--include-path",
                    "/",
                ])
                // A made-up room is rightly a `404`, so valid-looking data is not always accepted.
                .args([
                    "--exclude-checks",
                    "unsupported_method,positive_data_acceptance",
                ])
                .env("NO_COLOR", "1")
                .current_dir(root().join("target/openapi")),
        )
    })
    .await
    .unwrap();
    assert!(ok, "schemathesis failed:\n{out}");
    // `/` and `POST /rooms/{room}/messages`: the posting route was tested, not filtered out.
    assert!(
        out.contains("Tested: 2"),
        "schemathesis did not test both routes:\n{out}"
    );
}
