//! `error_event`: an error after the stream started ends it with a typed event (its schema is
//! the enum's; the API document says so); before the first event the error is still its own
//! response.

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;
use tidings::testing::TestClient;
use tidings::{sse_events, sse_handler, Error, Sender, SseApi};
use tidings_test_support::LogCapture;

#[sse_events(rename_all = "snake_case")]
#[derive(Debug, PartialEq)]
enum Job {
    /// Progress, in percent.
    Progress(u32),
    /// The job failed; the stream ends.
    #[sse(raw, end)]
    Failed(String),
}

#[derive(Debug)]
enum JobError {
    NotFound,
    Crashed(&'static str),
    Send(Error),
}

impl From<Error> for JobError {
    fn from(e: Error) -> Self {
        JobError::Send(e)
    }
}

impl IntoResponse for JobError {
    fn into_response(self) -> Response {
        match self {
            JobError::NotFound => (StatusCode::NOT_FOUND, "no such job").into_response(),
            JobError::Crashed(why) => (StatusCode::INTERNAL_SERVER_ERROR, why).into_response(),
            JobError::Send(e) => e.into_response(),
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Which {
    job: u32,
}

/// Reports a job's progress.
#[sse_handler(get, "/job", error_event = |error: &JobError| Job::Failed(format!("{error:?}")))]
async fn job(Query(which): Query<Which>, tx: Sender<Job>) -> Result<(), JobError> {
    if which.job == 0 {
        return Err(JobError::NotFound);
    }
    tx.send(Job::Progress(50)).await?;
    if which.job == 8 {
        // Fail only once the response is streaming, not in the poll that sent the first event.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err(JobError::Crashed("the disk is full"))
}

fn client() -> TestClient {
    TestClient::new(SseApi::new("t", "1").handler(job).into_router())
}

#[tokio::test]
async fn an_error_after_the_first_event_ends_the_stream_with_its_event() {
    let events = client()
        .get("/job?job=7")
        .await
        .collect::<Job>()
        .await
        .unwrap();
    assert_eq!(
        events,
        [
            Job::Progress(50),
            Job::Failed("Crashed(\"the disk is full\")".into())
        ]
    );
}

/// The log of a late error names the handler and gives the error's text (its response body),
/// not only a status: nothing else tells the operator what failed.
#[tokio::test]
async fn an_error_after_the_first_event_is_logged_with_its_handler_and_its_text() {
    let logs = LogCapture::start();
    for number in [7, 8] {
        let events = client()
            .get(&format!("/job?job={number}"))
            .await
            .collect::<Job>()
            .await
            .unwrap();
        assert_eq!(events.len(), 2, "{events:?}");
    }
    let logged = logs.lines();
    let late: Vec<&String> = logged
        .iter()
        .filter(|line| line.contains("after the stream had started"))
        .collect();
    assert_eq!(late.len(), 2, "{logged:?}");
    for line in late {
        assert!(line.contains("handler=job"), "{line}");
        assert!(line.contains("status=500"), "{line}");
        assert!(line.contains("error=the disk is full"), "{line}");
    }
}

#[tokio::test]
async fn an_error_before_the_first_event_is_still_its_own_response() {
    let refused = client().get("/job?job=0").await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(refused.text().await.unwrap(), "no such job");
}

#[test]
fn the_document_says_an_error_ends_the_stream_with_an_event() {
    let doc = SseApi::new("t", "1").handler(job).openapi_json();
    let description = doc["paths"]["/job"]["get"]["description"].as_str().unwrap();
    assert!(
        description.contains("If the handler fails after the stream started, the stream ends with the event its error becomes."),
        "{description}"
    );
}

/// A job started with a POST that fails once it has started.
#[sse_handler(post, "/jobs", error_event = |error: &JobError| Job::Failed(format!("{error:?}")))]
async fn start_job(
    axum::extract::State(posts): axum::extract::State<
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
    >,
    tx: Sender<Job>,
) -> Result<(), JobError> {
    posts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    tx.send(Job::Progress(50)).await?;
    Err(JobError::Crashed("the disk is full"))
}

/// A client told to reconnect whenever a response ends (a POST subscription) still stops for
/// good at the event an error became: the failed job is not started again.
#[tokio::test]
async fn a_client_that_reconnects_on_end_stops_at_the_error_event_and_posts_once() {
    use futures::StreamExt;
    let posts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let router = SseApi::stateful("t", "1")
        .handler(start_job)
        .into_router()
        .with_state(posts.clone());
    let server = tidings_test_support::serve(router).await;
    let mut events = tidings::client::EventSource::post(format!("http://{}/jobs", server.addr))
        .body("{}")
        .initial_retry(std::time::Duration::from_millis(10))
        .reconnect_on_end(true)
        .typed::<Job>();
    let mut received = Vec::new();
    let until_end = async {
        while let Some(event) = events.next().await {
            received.push(event.unwrap().event);
        }
    };
    tokio::time::timeout(tidings_test_support::PATIENCE, until_end)
        .await
        .expect("the client went on after the error event");
    assert_eq!(
        received,
        [
            Job::Progress(50),
            Job::Failed("Crashed(\"the disk is full\")".into())
        ]
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        posts.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the job was posted again"
    );
}
