//! The chat example, in-process through `tidings::testing`: history replay, resumption after
//! `Last-Event-ID`, and a real error status for an unknown room.

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod chat;

use axum::body::Body;
use chat::{ChatEvent, ChatHub, User};
use http::{Request, StatusCode};
use tidings::testing::TestClient;
use tidings::Shutdown;

fn client() -> TestClient {
    TestClient::new(chat::app(ChatHub::new(), Shutdown::new()))
}

fn welcome() -> ChatEvent {
    ChatEvent::Posted {
        user: "tidings".into(),
        text: "Welcome! Write `/bot <question>` to get a streamed answer.".into(),
        reply_to: None,
    }
}

async fn post(client: &TestClient, user: &str, text: &str) {
    let body = serde_json::json!({ "user": user, "text": text }).to_string();
    let request = Request::post("/rooms/general/messages")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(client.request(request).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_first_visit_replays_the_history_then_goes_live() {
    let client = client();
    let mut stream = client.get("/rooms/general/events?name=ann").await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(
        stream.take::<ChatEvent>(4).await.unwrap(),
        [
            ChatEvent::Notice("Welcome to #general, ann.".into()),
            welcome(),
            ChatEvent::CaughtUp,
            ChatEvent::UserJoined(User { name: "ann".into() }),
        ]
    );
    post(&client, "bob", "hi").await;
    let live = stream.next::<ChatEvent>().await.unwrap().unwrap();
    assert_eq!(live.id, "2");
    assert_eq!(
        live.event,
        ChatEvent::Posted {
            user: "bob".into(),
            text: "hi".into(),
            reply_to: None
        }
    );
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_gets_only_what_it_missed() {
    let client = client();
    post(&client, "bob", "missed one").await;
    post(&client, "bob", "missed two").await;
    let request = Request::get("/rooms/general/events?name=ann")
        .header("last-event-id", "2")
        .body(Body::empty())
        .unwrap();
    let mut stream = client.request(request).await;
    let events = stream.take::<ChatEvent>(3).await.unwrap();
    assert_eq!(
        events[1..],
        [
            ChatEvent::Posted {
                user: "bob".into(),
                text: "missed two".into(),
                reply_to: None
            },
            ChatEvent::CaughtUp,
        ]
    );
}

#[tokio::test]
async fn an_unknown_room_is_a_404_with_a_reason() {
    let stream = client().get("/rooms/nowhere/events?name=ann").await;
    assert_eq!(stream.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        stream.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
}
