//! Interop with a client nobody here wrote: the npm `eventsource` package, connected to the chat
//! example over a real socket, receives every event kind with the right type, data and
//! lastEventId, and, when the server ends its stream, reconnects on its own with
//! `Last-Event-ID` and gets exactly what it missed.

use tidings_examples::chat;

use serde::Deserialize;
use std::path::Path;
use std::process::Stdio;
use tidings::hub::Hub;
use tidings_test_support::{js_dependency, serve, PATIENCE};
use tokio::io::{AsyncBufReadExt, BufReader};

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

fn script(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/js")
        .join(name)
}

const WELCOME: &str =
    "\"Welcome to #general, node. Write `/bot <question>` to get a streamed answer.\"";

#[tokio::test]
async fn the_npm_eventsource_client_receives_every_event_kind() {
    if !js_dependency("eventsource") {
        return;
    }
    let hub: Hub<chat::ChatEvent> = Hub::builder().replay(chat::REPLAY).build();
    let server = serve(chat::app(hub, tidings::Shutdown::new())).await;
    let output = tokio::process::Command::new("node")
        .arg(script("eventsource_client.mjs"))
        .arg(format!("http://{}", server.addr))
        .output()
        .await
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "node client failed: {stderr}");
    let (responses, events): (Vec<Received>, Vec<Received>) = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .partition(|r: &Received| r.r#type == "response");

    // The id the hub gave the question, as the POST answered it.
    let [response] = &responses[..] else {
        panic!("one response: {responses:?}")
    };
    let response: serde_json::Value = serde_json::from_str(&response.data).unwrap();
    let question = response["id"].as_str().unwrap();
    let joined = &events[1].last_event_id;
    assert_eq!(
        events[..3],
        [
            // The default event has no `event:` line: EventSource reports it as "message".
            // It has no id either. (This client reports each event's own id as `lastEventId`,
            // where browsers report the persisted one; it still sends the persisted id when it
            // reconnects.)
            received("message", WELCOME, ""),
            received("user_joined", r#"{"name":"node"}"#, joined),
            received(
                "posted",
                r#"{"user":"node","text":"/bot why SSE?"}"#,
                question
            ),
        ]
    );
    let (tokens, answer) = events[3..].split_at(events.len() - 4);
    assert!(tokens.iter().all(|t| t.r#type == "bot_token"), "{tokens:?}");
    let streamed: String = tokens.iter().map(|t| t.data.as_str()).collect();
    let expected = "You asked: why SSE?\nHere is my answer, streamed token by token.";
    // Raw text with a line break travels as two `data:` lines and arrives whole.
    assert_eq!(streamed, expected);
    let answered = &answer[0].last_event_id;
    assert_eq!(
        answer,
        [received(
            "posted",
            &format!(
                r#"{{"user":"bot","text":{},"reply_to":"{question}"}}"#,
                serde_json::to_string(expected).unwrap()
            ),
            answered
        )]
    );
    // Every event of the room came with an id of its own, from the hub.
    let mut ids: Vec<&str> = events[1..].iter().map(|e| &*e.last_event_id).collect();
    assert!(ids.iter().all(|id| !id.is_empty()), "{events:?}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), events.len() - 1, "{events:?}");
}

/// The hub drops a subscriber that falls behind (here: more than one event); the client's
/// `EventSource` reconnects by itself with the id of the last event it got, as a browser does,
/// and the chat replays what it missed.
#[tokio::test]
async fn the_npm_eventsource_client_reconnects_and_gets_exactly_what_it_missed() {
    if !js_dependency("eventsource") {
        return;
    }
    let hub: Hub<chat::ChatEvent> = Hub::builder()
        .replay(chat::REPLAY)
        .subscriber_queue(1)
        .build();
    let server = serve(chat::app(hub.clone(), tidings::Shutdown::new())).await;
    let mut node = tokio::process::Command::new("node")
        .arg(script("eventsource_reconnect.mjs"))
        .arg(format!("http://{}", server.addr))
        .arg("missed 5")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let mut events = Vec::new();
    let mut next = async || -> Received {
        let line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .expect("the client's next line in time")
            .unwrap()
            .expect("the client goes on");
        serde_json::from_str(&line).unwrap()
    };
    while events
        .last()
        .is_none_or(|e: &Received| e.r#type != "user_joined")
    {
        events.push(next().await);
    }
    let joined = events[2].last_event_id.clone();
    assert_eq!(
        events,
        [
            received("open", "", ""),
            received("message", WELCOME, ""),
            received("user_joined", r#"{"name":"node"}"#, &joined),
        ]
    );

    // Five events at once, without yielding to the server's tasks (this test runs them on its
    // one thread): the client is five behind, more than its queue of one, and is dropped.
    let mut missed = Vec::new();
    for n in 1..=5 {
        let event = chat::ChatEvent::Posted {
            user: "bob".into(),
            text: format!("missed {n}"),
            reply_to: None,
        };
        missed.push(hub.publish("general", event).await.unwrap());
    }

    let mut after = Vec::new();
    while after.len() < 8 {
        after.push(next().await);
    }
    let mut expected = vec![
        received("error", "", ""),
        received("open", "", ""),
        received("message", WELCOME, ""),
    ];
    expected.extend(missed.iter().enumerate().map(|(n, id)| {
        let data = format!(r#"{{"user":"bob","text":"missed {}"}}"#, n + 1);
        received("posted", &data, id.as_str())
    }));
    assert_eq!(after, expected);
    let status = tokio::time::timeout(PATIENCE, node.wait())
        .await
        .expect("the client exits in time")
        .unwrap();
    assert!(status.success());
    assert_eq!(hub.stats().dropped_subscribers, 1);
}
