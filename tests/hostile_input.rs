//! Hostile input against a real server: each request gets a clean 4xx (or its connection is
//! closed), never a panic, and the server goes on serving streams afterwards.

use axum::extract::{Path, Query};
use axum::Json;
use http::StatusCode;
use tidings::{sse_events, sse_handler, LastEventId, Sender, SseApi};
use tidings_test_support::{get, request, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[sse_events(rename_all = "snake_case")]
enum Echo {
    #[sse(raw)]
    Said(String),
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Page {
    page: u32,
}

/// Echoes its path, query and last event id.
#[sse_handler(get, "/rooms/{room}/events")]
async fn room_events(
    Path(room): Path<String>,
    Query(page): Query<Page>,
    last: LastEventId,
    tx: Sender<Echo>,
) {
    let said = format!("{room} {} {:?}", page.page, last.as_deref());
    let _ = tx.send(Echo::Said(said)).await;
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Prompt {
    #[allow(dead_code)]
    text: String,
}

/// Takes a JSON prompt.
#[sse_handler(post, "/complete")]
async fn complete(tx: Sender<Echo>, Json(_prompt): Json<Prompt>) {
    let _ = tx.send(Echo::Said("ok".into())).await;
}

fn app() -> axum::Router {
    SseApi::new("t", "1")
        .handler(room_events)
        .handler(complete)
        .into_router()
}

async fn post(addr: std::net::SocketAddr, content_type: &str, body: String) -> StatusCode {
    let request = http::Request::post(format!("http://{addr}/complete"))
        .header("host", "test")
        .header("content-type", content_type)
        .body(body)
        .unwrap();
    request_status(addr, request).await
}

async fn request_status(addr: std::net::SocketAddr, sent: http::Request<String>) -> StatusCode {
    request(addr, sent).await.head.status
}

/// Sends `bytes` on a new connection and returns everything the server answers until it closes
/// the connection (within 5 s).
async fn raw(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    let mut connection = tokio::net::TcpStream::connect(addr).await.unwrap();
    connection.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let read = connection.read_to_end(&mut answer);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), read)
        .await
        .expect("the server closes a connection it cannot serve");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn hostile_requests_get_clean_client_errors_and_the_server_goes_on() {
    let server = serve(app()).await;
    let addr = server.addr;

    // Last-Event-ID: too long, or not UTF-8.
    let long = "9".repeat(100_000);
    let too_long = get(addr, "/rooms/a/events?page=1", &[("last-event-id", &long)]).await;
    assert_eq!(too_long.head.status, StatusCode::BAD_REQUEST);
    let not_utf8 = http::Request::get(format!("http://{addr}/rooms/a/events?page=1"))
        .header("host", "test")
        .header(
            "last-event-id",
            http::HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        )
        .body(String::new())
        .unwrap();
    assert_eq!(
        request_status(addr, not_utf8).await,
        StatusCode::BAD_REQUEST
    );

    // Absurd path and query parameters.
    let huge_segment = "r".repeat(64 * 1024);
    let huge = format!("GET /rooms/{huge_segment}/events?page=1 HTTP/1.1\r\nhost: t\r\n\r\n");
    let answer = raw(addr, huge.as_bytes()).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer:.80}"
    );
    for query in [
        "",
        "?page=-1",
        "?page=99999999999999999999",
        "?page=%ZZ",
        "?page=1&page=2",
    ] {
        let status = get(addr, &format!("/rooms/a/events{query}"), &[])
            .await
            .head
            .status;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::OK,
            "{query}: {status}"
        );
    }
    let percent = get(addr, "/rooms/%FF%FE/events?page=1", &[]).await;
    assert_eq!(
        percent.head.status,
        StatusCode::BAD_REQUEST,
        "a path that is not UTF-8"
    );

    // Bodies: malformed, wrong type, wrong media type, too large.
    assert_eq!(
        post(addr, "application/json", "{\"text\":".into()).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(addr, "application/json", "{\"text\": 5}".into()).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post(addr, "text/plain", "{\"text\":\"hi\"}".into()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let huge_body = format!("{{\"text\":\"{}\"}}", "x".repeat(3 * 1024 * 1024));
    assert_eq!(
        post(addr, "application/json", huge_body).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Methods the route does not serve, and one that does not exist.
    for method in ["PUT", "DELETE", "PATCH", "BREW"] {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("http://{addr}/rooms/a/events?page=1"))
            .header("host", "test")
            .body(String::new())
            .unwrap();
        assert_eq!(
            request_status(addr, request).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }

    // Garbage instead of HTTP: the connection answers 400 or closes, and nothing else breaks.
    let answer = raw(addr, b"\x00\x01\x02 not http\r\n\r\n").await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );

    // After all that, streams work as before.
    let mut fine = get(
        addr,
        "/rooms/lobby/events?page=2",
        &[("last-event-id", "41")],
    )
    .await;
    assert_eq!(fine.head.status, StatusCode::OK);
    assert_eq!(
        fine.read_to_end().await,
        "event:said\ndata:lobby 2 Some(\"41\")\n\n"
    );
}
