//! The logs example, in-process, over a log file the test writes: each line is an event whose
//! id is its line number; a reconnect with `Last-Event-ID: n` gets exactly the lines after `n`,
//! then the lines written later (or, when the file holds fewer than `n` lines, `reset` and the
//! new file); a line being written is sent only once it is complete.

use tidings_examples::logs as app;
use tidings_test_support::example_pages;

use app::LogEvent;
use example_pages::{assert_serves_page_and_docs, streamed_events};
use http::StatusCode;
use std::io::Write;
use std::path::PathBuf;
use tidings::testing::{TestClient, TestStream};
use tidings::Shutdown;

/// A log file of its own for each test, removed when the test ends.
struct LogFile(PathBuf);

impl LogFile {
    /// A file holding `lines`.
    fn new(test: &str, lines: &[&str]) -> Self {
        let name = format!("tidings-example-logs-{}-{test}.log", std::process::id());
        let path = std::env::temp_dir().join(name);
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        std::fs::write(&path, text).unwrap();
        LogFile(path)
    }

    fn append(&self, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.0)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    /// The logs app following this file.
    fn client(&self) -> TestClient {
        TestClient::new(app::app(self.0.clone(), Shutdown::new()))
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The next `n` lines as `(id, text)`.
async fn next_lines(stream: &mut TestStream, n: usize) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    while lines.len() < n {
        let typed = stream.next::<LogEvent>().await.unwrap();
        let typed = typed.unwrap_or_else(|| panic!("the stream ended after {lines:?}"));
        let LogEvent::Line(text) = typed.event else {
            panic!("a line, not {:?}", typed.event);
        };
        lines.push((typed.id, text));
    }
    lines
}

fn numbered(lines: &[(u64, &str)]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|(n, text)| (n.to_string(), (*text).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_reconnect_after_line_n_gets_exactly_the_lines_after_it_then_new_ones() {
    let log = LogFile::new("resume", &["one", "two", "three", "four", "five"]);
    let client = log.client();
    let mut stream = client.resume("/logs/events", "2").await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(
        next_lines(&mut stream, 3).await,
        numbered(&[(3, "three"), (4, "four"), (5, "five")])
    );
    log.append("six\r\n");
    assert_eq!(next_lines(&mut stream, 1).await, numbered(&[(6, "six")]));
}

#[tokio::test]
async fn a_reconnect_after_more_lines_than_the_file_holds_gets_reset_then_the_new_file() {
    // The page saw 13 lines of the log before the server restarted with a new one.
    let log = LogFile::new("replaced", &["new one", "new two"]);
    let client = log.client();
    let mut stream = client.resume("/logs/events", "13").await;
    let reset = stream.next::<LogEvent>().await.unwrap().unwrap();
    assert_eq!(reset.event, LogEvent::Reset);
    assert_eq!(
        next_lines(&mut stream, 2).await,
        numbered(&[(1, "new one"), (2, "new two")])
    );
    log.append("new three\n");
    assert_eq!(
        next_lines(&mut stream, 1).await,
        numbered(&[(3, "new three")])
    );
}

#[tokio::test]
async fn a_first_visit_starts_with_the_lines_written_so_far() {
    let log = LogFile::new("first-visit", &["one", "", "three"]);
    let client = log.client();
    let mut stream = client.get("/logs/events").await;
    assert_eq!(
        next_lines(&mut stream, 3).await,
        numbered(&[(1, "one"), (2, ""), (3, "three")])
    );
}

#[tokio::test]
async fn a_first_visit_to_a_long_log_starts_with_its_last_lines() {
    let lines: Vec<String> = (1..=app::BACKLOG + 5)
        .map(|n| format!("line {n}"))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let log = LogFile::new("long", &lines);
    let client = log.client();
    let mut stream = client.get("/logs/events").await;
    let first = next_lines(&mut stream, 1).await;
    assert_eq!(first, [("6".to_owned(), "line 6".to_owned())]);
    let rest = next_lines(&mut stream, app::BACKLOG - 1).await;
    assert_eq!(rest.last().unwrap().0, (app::BACKLOG + 5).to_string());
}

#[tokio::test]
async fn a_line_being_written_is_sent_once_complete() {
    let log = LogFile::new("partial", &["one"]);
    let client = log.client();
    let mut stream = client.resume("/logs/events", "1").await;
    log.append("two, half");
    // Several polls of the file go by with nothing to send.
    let quiet = tokio::time::timeout(app::tail::POLL * 3, stream.next::<LogEvent>()).await;
    assert!(quiet.is_err(), "sent before its line end: {quiet:?}");
    log.append(" and whole\n");
    assert_eq!(
        next_lines(&mut stream, 1).await,
        numbered(&[(2, "two, half and whole")])
    );
}

#[tokio::test]
async fn a_last_event_id_that_is_not_a_line_number_is_a_400_with_a_reason() {
    let log = LogFile::new("bad-id", &["one"]);
    let client = log.client();
    let refused = client.resume("/logs/events", "abc").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.text().await.unwrap(),
        r#"{"error":"Last-Event-ID `abc` is not a line number"}"#
    );
}

#[tokio::test]
async fn a_missing_log_file_is_a_500_with_a_reason() {
    let path = std::env::temp_dir().join("tidings-example-logs-no-such-file.log");
    let client = TestClient::new(app::app(path, Shutdown::new()));
    let refused = client.get("/logs/events").await;
    assert_eq!(refused.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
    let reason = body["error"].as_str().unwrap();
    assert!(
        reason.starts_with("the log file cannot be read: "),
        "{reason}"
    );
}

#[tokio::test]
async fn the_api_document_describes_the_line_stream_and_its_errors() {
    let document = app::api(Shutdown::new()).openapi_json();
    assert_eq!(
        streamed_events(&document, "/logs/events", "get"),
        [("Line".to_owned(), false), ("Reset".to_owned(), false)]
    );
    let operation = &document["paths"]["/logs/events"]["get"];
    let parameters = operation["parameters"].as_array().unwrap();
    assert!(
        parameters.iter().any(|p| p["name"] == "Last-Event-ID"),
        "{operation}"
    );
    for status in ["400", "500"] {
        assert!(
            operation["responses"][status]["content"]["application/json"].is_object(),
            "{status}: {operation}"
        );
    }
}

#[tokio::test]
async fn the_page_and_docs_are_served() {
    let log = LogFile::new("page", &[]);
    assert_serves_page_and_docs(&log.client()).await;
}
