//! What `#[sse_handler]` generates: metadata, and routes that really serve over axum.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use tidings::client::ClientError;
use tidings::codegen::{KeepAliveSetting, SseHandler};
use tidings::testing::TestError;
use tidings::{sse_events, sse_handler, Error, LastEventId, Sender, SseApi};
use tidings_test_support::{get, request, serve};

#[sse_events(rename_all = "snake_case")]
#[derive(Debug)]
enum Feed {
    Line(String),
    Done,
}

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

#[derive(Deserialize)]
struct Filter {
    n: u32,
}

/// Streams a room.
///
/// Resumes after `Last-Event-ID`.
/// Second line of the description.
#[sse_handler(
    get,
    "/rooms/{room}/users/{user}",
    tag = "rooms",
    tags("chat"),
    keep_alive = "500ms"
)]
async fn room_feed(
    State(state): State<AppState>,
    Path((room, user)): Path<(String, u32)>,
    tx: Sender<Feed>,
    Query(filter): Query<Filter>,
    LastEventId(last): LastEventId,
) -> Result<(), Error> {
    let line = format!(
        "{} {room} {user} n={} last={last:?}",
        state.greeting, filter.n
    );
    tx.send(Feed::Line(line)).await?;
    tx.send(Feed::Done).await
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Prompt {
    text: String,
}

#[sse_handler(
    post,
    "/ask",
    operation_id = "askQuestion",
    keep_alive = "off",
    deprecated
)]
async fn ask(tx: Sender<Feed>, Json(prompt): Json<Prompt>) {
    let _ = tx.send(Feed::Line(prompt.text.to_uppercase())).await;
}

#[sse_handler("/bare")]
async fn bare(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Done).await;
}

#[sse_handler(get, "/refuse/{code}")]
async fn refuse(Path(code): Path<u16>, tx: Sender<Feed>) -> Result<(), (StatusCode, String)> {
    let _ = &tx;
    Err((
        StatusCode::from_u16(code).unwrap(),
        format!("refused with {code}"),
    ))
}

#[test]
fn meta_comes_from_the_attribute_and_doc_comment() {
    let meta = <room_feed as SseHandler<AppState, _>>::meta();
    assert_eq!(meta.method, http::Method::GET);
    assert_eq!(meta.path, "/rooms/{room}/users/{user}");
    assert_eq!(meta.path_params, ["room", "user"]);
    assert_eq!(meta.operation_id, "room_feed");
    assert_eq!(meta.summary, Some("Streams a room."));
    assert_eq!(
        meta.description,
        Some("Resumes after `Last-Event-ID`.\nSecond line of the description.")
    );
    assert_eq!(meta.tags, ["rooms", "chat"]);
    assert!(!meta.deprecated);
    assert_eq!(
        meta.keep_alive,
        KeepAliveSetting::Every(Duration::from_millis(500))
    );

    let meta = <ask as SseHandler<(), _>>::meta();
    assert_eq!(meta.method, http::Method::POST);
    assert_eq!(meta.operation_id, "askQuestion");
    assert_eq!(meta.summary, None);
    assert_eq!(meta.description, None);
    assert!(meta.deprecated);
    assert_eq!(meta.keep_alive, KeepAliveSetting::Off);

    let meta = <bare as SseHandler<(), ()>>::meta();
    assert_eq!(meta.method, http::Method::GET);
    assert_eq!(meta.path_params, [] as [&str; 0]);
    assert_eq!(meta.keep_alive, KeepAliveSetting::Inherit);
}

#[tokio::test]
async fn extractors_in_any_order_around_the_sender() {
    let app = SseApi::<AppState>::stateful("t", "1")
        .handler(room_feed)
        .handler(bare)
        .into_router()
        .with_state(AppState { greeting: "hi" });
    let server = serve(app).await;
    let mut stream = get(
        server.addr,
        "/rooms/lobby/users/7?n=3",
        &[("last-event-id", "41")],
    )
    .await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(
        stream.read_to_end().await,
        "event:line\ndata:\"hi lobby 7 n=3 last=Some(\\\"41\\\")\"\n\nevent:done\ndata:\n\n"
    );
    let body = get(server.addr, "/bare", &[]).await.read_to_end().await;
    assert_eq!(body, "event:done\ndata:\n\n");
}

#[tokio::test]
async fn a_rejected_extractor_is_an_http_error() {
    let app = SseApi::<AppState>::stateful("t", "1")
        .handler(room_feed)
        .into_router()
        .with_state(AppState { greeting: "hi" });
    let server = serve(app).await;
    let stream = get(server.addr, "/rooms/lobby/users/not-a-number?n=3", &[]).await;
    assert_eq!(stream.head.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn post_handler_takes_a_json_body_last() {
    let server = serve(SseApi::new("t", "1").handler(ask).into_router()).await;
    let req = http::Request::post(format!("http://{}/ask", server.addr))
        .header("host", "test")
        .header("content-type", "application/json")
        .body(r#"{"text":"why"}"#.to_owned())
        .unwrap();
    let mut stream = request(server.addr, req).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.read_to_end().await, "event:line\ndata:\"WHY\"\n\n");

    let get_instead = get(server.addr, "/ask", &[]).await;
    assert_eq!(get_instead.head.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn an_error_before_the_first_event_is_the_response() {
    let server = serve(SseApi::new("t", "1").handler(refuse).into_router()).await;
    let mut stream = get(server.addr, "/refuse/403", &[]).await;
    assert_eq!(stream.head.status, StatusCode::FORBIDDEN);
    assert_eq!(stream.read_to_end().await, "refused with 403");
}

#[tokio::test]
async fn the_function_stays_callable_as_an_associated_fn() {
    // The struct is Copy + Debug, and the function is still there under its own name.
    let handler = bare;
    assert_eq!(format!("{handler:?}"), "bare");
    let _future = bare::bare;
}

/// Sends only: of what `Error` documents, only its `500` can happen here.
#[sse_handler(get, "/send-only", errors(500))]
async fn send_only(tx: Sender<Feed>) -> Result<(), Error> {
    tx.send(Feed::Done).await
}

/// Subscribes to a hub (not here, for brevity): every status of `Error` is documented.
#[sse_handler(get, "/everything")]
async fn everything(tx: Sender<Feed>) -> Result<(), Error> {
    tx.send(Feed::Done).await
}

/// Lists a status its error type does not describe.
#[sse_handler(get, "/gone", errors(410, 500))]
async fn gone(tx: Sender<Feed>) -> Result<(), Error> {
    tx.send(Feed::Done).await
}

#[test]
fn errors_narrows_what_an_error_type_documents_to_the_handlers_own_statuses() {
    let doc = SseApi::new("t", "1")
        .handler(everything)
        .handler(send_only)
        .handler(gone)
        .openapi_json();
    let codes = |path: &str| -> Vec<String> {
        let responses = doc["paths"][path]["get"]["responses"].as_object().unwrap();
        responses.keys().cloned().collect()
    };
    assert_eq!(codes("/everything"), ["200", "400", "500", "503"]);
    assert_eq!(codes("/send-only"), ["200", "500"]);
    assert_eq!(codes("/gone"), ["200", "410", "500"]);
    let gone_response = &doc["paths"]["/gone"]["get"]["responses"]["410"];
    assert_eq!(gone_response["description"], "Gone");
}

/// An error type whose own `500` is JSON.
struct JsonError;

impl axum::response::IntoResponse for JsonError {
    fn into_response(self) -> axum::response::Response {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({})),
        )
            .into_response()
    }
}

impl tidings::openapi::DocumentedError for JsonError {
    fn responses(doc: &mut tidings::openapi::OperationDoc) {
        doc.response(
            "500",
            tidings::openapi::Response::new("The store failed.").with_content(
                "application/json",
                schemars::json_schema!({ "type": "object" }),
            ),
        );
    }
}

#[sse_handler(get, "/json-error")]
async fn json_error(tx: Sender<Feed>) -> Result<(), JsonError> {
    let _ = tx.send(Feed::Done).await;
    Ok(())
}

#[test]
fn an_error_documents_its_500_and_a_panic_adds_to_an_error_types_own_500() {
    let doc = SseApi::new("t", "1")
        .handler(send_only)
        .handler(json_error)
        .openapi_json();
    let responses = &doc["paths"]["/send-only"]["get"]["responses"];
    let codes: Vec<_> = responses.as_object().unwrap().keys().cloned().collect();
    assert_eq!(codes, ["200", "500"], "no bare `default`: {responses}");
    let description = responses["500"]["description"].as_str().unwrap();
    assert!(
        description.starts_with("The stream could not start"),
        "{description}"
    );
    assert!(description.ends_with("Or: The handler panicked before its first event."));
    assert!(responses["500"]["content"]["text/plain"].is_object());

    // The panic's text body is listed beside the error type's JSON one, not instead of it.
    let json = &doc["paths"]["/json-error"]["get"]["responses"]["500"];
    assert_eq!(
        json["description"],
        "The store failed. Or: The handler panicked before its first event."
    );
    let media: Vec<_> = json["content"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(media, ["application/json", "text/plain"]);
}

#[sse_handler(get, "/rooms/{room}/feed")]
async fn first_feed(Path(room): Path<String>, tx: Sender<Feed>) {
    let _ = tx.send(Feed::Line(room)).await;
}

#[sse_handler(get, "/rooms/{name}/feed")]
async fn renamed_feed(Path(name): Path<String>, tx: Sender<Feed>) {
    let _ = tx.send(Feed::Line(name)).await;
}

#[sse_handler(post, "/rooms/{room}/feed")]
async fn posted_feed(Path(room): Path<String>, tx: Sender<Feed>) {
    let _ = tx.send(Feed::Line(room)).await;
}

/// Registers `second` after `first`; returns the panic's message and where it pointed.
fn register_twice<A, B, MA, MB>(first: A, second: B) -> Option<(String, String)>
where
    A: SseHandler<(), MA> + std::panic::UnwindSafe,
    B: SseHandler<(), MB> + std::panic::UnwindSafe,
{
    let location = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = location.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Some(at) = info.location() {
            *seen.lock().unwrap() = format!("{}:{}", at.file(), at.line());
        }
    }));
    let registered =
        std::panic::catch_unwind(|| SseApi::new("t", "1").handler(first).handler(second));
    std::panic::set_hook(previous);
    let message = registered.err()?.downcast::<String>().unwrap();
    let location = location.lock().unwrap().clone();
    Some((*message, location))
}

#[test]
fn two_handlers_on_one_route_are_refused_where_the_second_is_registered_naming_both() {
    // A path that differs only in its parameter's name is the same route to axum.
    let (message, location) =
        register_twice(first_feed, renamed_feed).expect("the second registration is refused");
    assert!(
        message.contains("`renamed_feed` (GET /rooms/{name}/feed)"),
        "{message}"
    );
    assert!(
        message.contains("`first_feed` (GET /rooms/{room}/feed)"),
        "{message}"
    );
    assert!(
        location.starts_with("tests/handler_macro.rs:"),
        "{location}"
    );
    let (message, _) = register_twice(first_feed, first_feed).expect("refused");
    assert!(message
        .contains("`first_feed` (GET /rooms/{room}/feed) conflicts with handler `first_feed`"));

    // The same path with another method is a second operation, served and documented.
    assert!(register_twice(first_feed, posted_feed).is_none());
    let api = SseApi::new("t", "1")
        .handler(first_feed)
        .handler(posted_feed);
    let doc = api.openapi_json();
    let methods: Vec<_> = doc["paths"]["/rooms/{room}/feed"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(methods, ["get", "post"]);
    let _ = SseApi::new("t", "1")
        .handler(first_feed)
        .handler(posted_feed)
        .into_router();
}

#[sse_handler(get, "/files/{*path}")]
async fn file_feed(Path(path): Path<String>, tx: Sender<Feed>) {
    let _ = tx.send(Feed::Line(path)).await;
}

#[tokio::test]
async fn a_wildcard_route_is_a_valid_openapi_path_template_and_still_routes() {
    let api = SseApi::new("t", "1").handler(file_feed);
    let doc = api.openapi_json();
    let paths: Vec<_> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(paths, ["/files/{path}"]);
    let parameters = &doc["paths"]["/files/{path}"]["get"]["parameters"];
    assert_eq!(parameters[0]["name"], "path");
    assert_eq!(parameters[0]["in"], "path");
    assert_eq!(parameters[0]["required"], true);
    let description = parameters[0]["description"].as_str().unwrap();
    assert!(description.contains("rest of the path"), "{description}");

    let server = serve(SseApi::new("t", "1").handler(file_feed).into_router()).await;
    let text = get(server.addr, "/files/a/b.txt", &[])
        .await
        .read_until("a/b.txt")
        .await;
    assert!(text.contains("data:\"a/b.txt\"\n"), "{text}");
}

/// An error type whose own `422` is JSON.
struct Rejected;

impl axum::response::IntoResponse for Rejected {
    fn into_response(self) -> axum::response::Response {
        let body = Json(serde_json::json!({ "error": "empty prompt" }));
        (StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
    }
}

impl tidings::openapi::DocumentedError for Rejected {
    fn responses(doc: &mut tidings::openapi::OperationDoc) {
        doc.response(
            "422",
            tidings::openapi::Response::new("The prompt is empty.").with_content(
                "application/json",
                schemars::json_schema!({ "type": "object" }),
            ),
        );
    }
}

#[sse_handler(post, "/complete")]
async fn complete(tx: Sender<Feed>, Json(prompt): Json<Prompt>) -> Result<(), Rejected> {
    if prompt.text.is_empty() {
        return Err(Rejected);
    }
    let _ = tx.send(Feed::Line(prompt.text)).await;
    Ok(())
}

#[tokio::test]
async fn an_error_types_422_is_documented_beside_the_json_extractors_own() {
    let doc = SseApi::new("t", "1").handler(complete).openapi_json();
    let unprocessable = &doc["paths"]["/complete"]["post"]["responses"]["422"];
    let media: Vec<_> = unprocessable["content"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(media, ["application/json", "text/plain"], "{unprocessable}");
    assert_eq!(
        unprocessable["description"],
        "The request body does not match its schema. Or: The prompt is empty."
    );

    // And the server does send both.
    let server = serve(SseApi::new("t", "1").handler(complete).into_router()).await;
    for (body, media) in [
        (r#"{"text":""}"#, "application/json"),
        (r#"{"txt":1}"#, "text/plain"),
    ] {
        let http_request = http::Request::post(format!("http://{}/complete", server.addr))
            .header("host", "test")
            .header("content-type", "application/json")
            .body(body.to_owned())
            .unwrap();
        let response = request(server.addr, http_request).await;
        assert_eq!(
            response.head.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        assert!(
            response.header("content-type").unwrap().starts_with(media),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_test_client_posts_json_and_reads_an_error_responses_body() {
    let router = SseApi::new("t", "1").handler(complete).into_router();
    let client = tidings::testing::TestClient::new(router);
    let mut accepted = client
        .post_json("/complete", &serde_json::json!({ "text": "hi" }))
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(accepted.next_raw().await.unwrap().unwrap().data, r#""hi""#);

    let rejected = client
        .post_json("/complete", &serde_json::json!({ "text": "" }))
        .await;
    assert_eq!(rejected.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        rejected.text().await.unwrap(),
        r#"{"error":"empty prompt"}"#
    );
}

/// Reading events from a response that is not a stream fails as a client would, with the
/// status and the error's body, instead of finding no events.
#[tokio::test]
async fn the_test_client_reports_a_refused_stream_instead_of_no_events() {
    let router = SseApi::new("t", "1")
        .handler(complete)
        .into_router()
        .route("/plain", axum::routing::get(|| async { "plain text" }));
    let client = tidings::testing::TestClient::new(router);

    let rejected = client
        .post_json("/complete", &serde_json::json!({ "text": "" }))
        .await;
    match rejected.collect::<Feed>().await {
        Err(TestError::Client(ClientError::Status { status, body })) => {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(body, r#"{"error":"empty prompt"}"#);
        }
        other => panic!("expected the 422, got {other:?}"),
    }
    match client.get("/nowhere").await.take::<Feed>(1).await {
        Err(TestError::Client(ClientError::Status { status, .. })) => {
            assert_eq!(status, StatusCode::NOT_FOUND)
        }
        other => panic!("expected the 404, got {other:?}"),
    }
    let mut plain = client.get("/plain").await;
    assert!(matches!(
        plain.next_raw().await,
        Err(TestError::Client(ClientError::NotEventStream { .. }))
    ));
    assert!(plain.next_raw().await.unwrap().is_none(), "reported once");
}
