//! Response headers a handler declares and sets before its first event: they reach the
//! response head and the API document; an undeclared name, an invalid value or a header set
//! after the head went out is a typed error, never a silent drop.

use tidings_test_support::openapi_checks;

use std::time::Duration;

use axum::http::StatusCode;
use tidings::testing::TestClient;
use tidings::{sse_events, sse_handler, Error, HeaderError, Sender, SseApi};

#[sse_events(rename_all = "snake_case")]
#[derive(Debug, PartialEq)]
enum Job {
    Done,
    /// What a handler saw, for the test to check.
    #[sse(raw)]
    Saw(String),
}

/// Reports on one job.
#[sse_handler(
    post,
    "/jobs",
    headers(
        "X-Job-Id" = "The id of the job this stream reports on.",
        "cache-control" = "`no-store`: a job's report is never cached."
    )
)]
async fn job(tx: Sender<Job>) -> Result<(), Error> {
    tx.set_header("x-job-id", "7")?;
    tx.set_header("Cache-Control", "no-store")?;
    let undeclared = tx.set_header("x-other", "1").unwrap_err();
    assert_eq!(
        undeclared,
        HeaderError::Undeclared {
            name: "x-other".into()
        }
    );
    assert!(undeclared.to_string().contains("headers(\"x-other\""));
    let invalid = tx.set_header("x-job-id", "7\r\nx-injected: 1").unwrap_err();
    assert!(matches!(invalid, HeaderError::InvalidValue { .. }));
    let _ = tx.send(Job::Done).await;
    Ok(())
}

#[tokio::test]
async fn declared_headers_set_before_the_first_event_reach_the_head() {
    let client = TestClient::new(SseApi::new("t", "1").handler(job).into_router());
    let stream = client
        .request(
            axum::http::Request::post("/jobs")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(stream.status(), StatusCode::OK);
    let headers = stream.headers();
    assert_eq!(headers["x-job-id"], "7");
    assert_eq!(
        headers["cache-control"], "no-store",
        "the handler's replaces the default"
    );
    assert_eq!(headers["content-type"], "text/event-stream");
    assert!(!headers.contains_key("x-injected"));
    assert_eq!(stream.collect::<Job>().await.unwrap(), [Job::Done]);
}

/// Sets its header only after its first event has gone out.
#[sse_handler(get, "/late", headers("x-late" = "Never set in time."))]
async fn late(tx: Sender<Job>) {
    let _ = tx.send(Job::Done).await;
    // Give the server the turn in which it sends the head.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let refused = tx.set_header("x-late", "1");
    let _ = tx.send(Job::Saw(format!("{refused:?}"))).await;
}

#[tokio::test]
async fn a_header_set_after_the_head_went_out_is_refused() {
    let client = TestClient::new(SseApi::new("t", "1").handler(late).into_router());
    let stream = client.get("/late").await;
    assert!(!stream.headers().contains_key("x-late"));
    let refused = Err::<(), _>(HeaderError::HeadSent {
        name: "x-late".into(),
    });
    assert_eq!(
        stream.collect::<Job>().await.unwrap(),
        [Job::Done, Job::Saw(format!("{refused:?}"))]
    );
}

#[test]
fn declared_headers_are_documented_on_the_stream_response() {
    let doc = SseApi::new("t", "1").handler(job).openapi_json();
    let headers = &doc["paths"]["/jobs"]["post"]["responses"]["200"]["headers"];
    assert_eq!(
        headers["x-job-id"]["description"],
        "The id of the job this stream reports on."
    );
    assert_eq!(headers["x-job-id"]["schema"]["type"], "string");
    assert!(headers["cache-control"].is_object());
    let path = openapi_checks::write_doc("response_headers", &doc);
    openapi_checks::assert_valid_openapi(&path);

    let page = tidings::openapi::docs_html(&SseApi::new("t", "1").handler(job).openapi());
    assert!(
        page.contains("<code>x-job-id</code> The id of the job this stream reports on."),
        "the docs page lists the header"
    );
}
