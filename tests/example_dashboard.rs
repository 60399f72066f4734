//! The dashboard example, in-process: the stream samples the metrics every period (short
//! here), counts requests through its middleware and viewers through each stream's guard.

use tidings_examples::dashboard as app;
use tidings_test_support::example_pages;

use app::{DashboardEvent, Metrics};
use example_pages::{assert_serves_page_and_docs, streamed_events};
use http::StatusCode;
use std::time::Duration;
use tidings::testing::{TestClient, TestStream};
use tidings::Shutdown;

fn client() -> TestClient {
    TestClient::new(app::app(Duration::from_millis(10), Shutdown::new()))
}

async fn next_metrics(stream: &mut TestStream) -> Metrics {
    match stream.next::<DashboardEvent>().await.unwrap() {
        Some(typed) => {
            let DashboardEvent::Metrics(metrics) = typed.event;
            metrics
        }
        None => panic!("the metrics stream ended"),
    }
}

#[tokio::test]
async fn the_stream_sends_metrics_with_every_request_counted_and_its_viewer() {
    let client = client();
    for _ in 0..2 {
        assert_eq!(client.get("/").await.status(), StatusCode::OK);
    }
    let mut stream = client.get("/metrics").await;
    assert_eq!(stream.status(), StatusCode::OK);

    let snapshots = [
        next_metrics(&mut stream).await,
        next_metrics(&mut stream).await,
        next_metrics(&mut stream).await,
    ];
    for metrics in &snapshots {
        // The two page loads and this stream; nothing else happened meanwhile.
        assert_eq!(metrics.requests, 3, "{snapshots:?}");
        assert_eq!(metrics.viewers, 1, "{snapshots:?}");
        assert!((0.0..=100.0).contains(&metrics.cpu_percent), "{metrics:?}");
        assert_eq!(
            metrics.cpu_percent,
            (metrics.cpu_percent * 10.0).round() / 10.0
        );
    }
    assert!(snapshots[0].uptime_seconds <= snapshots[2].uptime_seconds);
}

#[tokio::test]
async fn a_viewer_counts_while_its_stream_is_open() {
    let client = client();
    let mut first = client.get("/metrics").await;
    assert_eq!(next_metrics(&mut first).await.viewers, 1);
    let mut second = client.get("/metrics").await;
    assert_eq!(next_metrics(&mut second).await.viewers, 2);
    assert_eq!(next_metrics(&mut second).await.requests, 2);

    // Dropping a stream drops its handler and the guard it holds; snapshots already queued
    // may still say 2, the next ones say 1 (the client's timeout bounds the wait).
    drop(first);
    while next_metrics(&mut second).await.viewers != 1 {}
}

#[tokio::test]
async fn the_api_document_describes_the_metrics_stream() {
    let document = app::api(Shutdown::new()).openapi_json();
    assert_eq!(
        streamed_events(&document, "/metrics", "get"),
        [("Metrics".to_owned(), false)]
    );
    let metrics = &document["components"]["schemas"]["Metrics"]["properties"];
    for field in ["uptime_seconds", "cpu_percent", "requests", "viewers"] {
        assert!(metrics[field].is_object(), "no {field} in {metrics}");
    }
}

#[tokio::test]
async fn the_page_and_docs_are_served() {
    assert_serves_page_and_docs(&client()).await;
}
