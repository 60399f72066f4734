//! Interop with a client nobody here wrote: the npm `eventsource` package, connected to the chat
//! example over a real socket, receives every event kind with the right type, data and
//! lastEventId.

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod chat;

use serde::Deserialize;
use std::path::Path;
use tidings_test_support::{js_dependency, serve};

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Received {
    r#type: String,
    data: String,
    last_event_id: String,
}

fn received(r#type: &str, data: &str, last_event_id: &str) -> Received {
    Received {
        r#type: r#type.into(),
        data: data.into(),
        last_event_id: last_event_id.into(),
    }
}

#[tokio::test]
async fn the_npm_eventsource_client_receives_every_event_kind() {
    if !js_dependency("eventsource") {
        return;
    }
    let server = serve(chat::app(chat::ChatHub::new(), tidings::Shutdown::new())).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/eventsource_client.mjs");
    let output = tokio::process::Command::new("node")
        .arg(script)
        .arg(format!("http://{}", server.addr))
        .output()
        .await
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "node client failed: {stderr}");
    let events: Vec<Received> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();

    assert_eq!(
        events[..5],
        [
            // The default event has no `event:` line: EventSource reports it as "message".
            received("message", "\"Welcome to #general, node.\"", ""),
            received(
                "posted",
                r#"{"user":"tidings","text":"Welcome! Write `/bot <question>` to get a streamed answer."}"#,
                "1"
            ),
            // A unit variant: empty data, still dispatched. (This client reports each event's
            // own id as `lastEventId`, where browsers report the persisted one; it still sends
            // the persisted id when it reconnects.)
            received("caught_up", "", ""),
            received("user_joined", r#"{"name":"node"}"#, ""),
            received("posted", r#"{"user":"node","text":"/bot why SSE?"}"#, "2"),
        ]
    );
    let (tokens, answer) = events[5..].split_at(events.len() - 6);
    assert!(tokens
        .iter()
        .all(|t| t.r#type == "bot_token" && t.last_event_id.is_empty()));
    let streamed: String = tokens.iter().map(|t| t.data.as_str()).collect();
    let expected = "You asked: why SSE?\nHere is my answer, streamed token by token.";
    // Raw text with a line break travels as two `data:` lines and arrives whole.
    assert_eq!(streamed, expected);
    assert_eq!(
        answer,
        [received(
            "posted",
            &format!(
                r#"{{"user":"bot","text":{},"reply_to":2}}"#,
                serde_json::to_string(expected).unwrap()
            ),
            "3"
        )]
    );
}
