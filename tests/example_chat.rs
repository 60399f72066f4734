//! The chat example, in-process through `tidings::testing`: the welcome, joins, posting through
//! the hub, resumption after `Last-Event-ID` (exactly the missed events, in order, once), the
//! `history_lost` event when they cannot be replayed, the bot's streamed reply, and a real error
//! status for an unknown room.

use tidings_examples::chat;

use axum::body::Body;
use axum::Router;
use chat::{ChatEvent, User};
use http::{Request, StatusCode};
use tidings::hub::Hub;
use tidings::testing::{TestClient, TestStream};
use tidings::Shutdown;
use tower::ServiceExt;

/// The hub `main.rs` builds.
fn hub() -> Hub<ChatEvent> {
    Hub::builder().replay(chat::REPLAY).build()
}

/// The app over `hub`, as a router (for posts, whose JSON answer is read whole) and as a
/// client (for streams).
fn app(hub: &Hub<ChatEvent>) -> (Router, TestClient) {
    let router = chat::app(hub.clone(), Shutdown::new());
    (router.clone(), TestClient::new(router))
}

/// Posts `text` as `user` to `room`; returns the status and the body.
async fn try_post(router: &Router, room: &str, user: &str, text: &str) -> (StatusCode, String) {
    let body = serde_json::json!({ "user": user, "text": text }).to_string();
    let request = Request::post(format!("/rooms/{room}/messages"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// Posts `text` as `user` to `#general`; returns the id the message got.
async fn post(router: &Router, user: &str, text: &str) -> String {
    let (status, body) = try_post(router, "general", user, text).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = body["id"].as_str().expect("the id is a string").to_owned();
    assert_eq!(body, serde_json::json!({ "id": id }));
    assert!(!id.is_empty());
    id
}

/// Opens `#general` as `name`, resuming after `last` if given.
async fn open(client: &TestClient, name: &str, last: Option<&str>) -> TestStream {
    let mut request = Request::get(format!("/rooms/general/events?name={name}"));
    if let Some(last) = last {
        request = request.header("last-event-id", last);
    }
    let stream = client.request(request.body(Body::empty()).unwrap()).await;
    assert_eq!(stream.status(), StatusCode::OK);
    stream
}

/// The next `n` events as `(id in force, event)`; an event sent without an id at the start of
/// a connection has the id `""`.
async fn next_events(stream: &mut TestStream, n: usize) -> Vec<(String, ChatEvent)> {
    let mut events = Vec::new();
    while events.len() < n {
        let typed = stream
            .next::<ChatEvent>()
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("the stream ended after {events:?}"));
        events.push((typed.id, typed.event));
    }
    events
}

fn welcome(name: &str) -> (String, ChatEvent) {
    let text =
        format!("Welcome to #general, {name}. Write `/bot <question>` to get a streamed answer.");
    (String::new(), ChatEvent::Notice(text))
}

fn joined(name: &str) -> ChatEvent {
    ChatEvent::UserJoined(User { name: name.into() })
}

fn posted(user: &str, text: &str) -> ChatEvent {
    ChatEvent::Posted {
        user: user.into(),
        text: text.into(),
        reply_to: None,
    }
}

fn entry(id: &str, event: ChatEvent) -> (String, ChatEvent) {
    (id.to_owned(), event)
}

#[tokio::test]
async fn a_first_visit_gets_the_welcome_and_its_own_join_then_live_events() {
    let hub = hub();
    let (router, client) = app(&hub);
    // Posted before ann came: a first visit (no `Last-Event-ID`) is live only.
    let before = post(&router, "bob", "before you came").await;

    let mut ann = open(&client, "ann", None).await;
    let first = next_events(&mut ann, 2).await;
    assert_eq!(first[0], welcome("ann"));
    assert_eq!(first[1].1, joined("ann"));
    let ann_joined = &first[1].0;
    assert!(!ann_joined.is_empty() && *ann_joined != before, "{first:?}");

    let hi = post(&router, "bob", "hi").await;
    assert_ne!(hi, *ann_joined);
    assert_eq!(
        next_events(&mut ann, 1).await,
        [entry(&hi, posted("bob", "hi"))]
    );
}

#[tokio::test]
async fn a_reconnect_with_the_last_seen_id_gets_exactly_what_it_missed_in_order_once() {
    let hub = hub();
    let (router, client) = app(&hub);
    let mut ann = open(&client, "ann", None).await;
    next_events(&mut ann, 2).await;
    let one = post(&router, "bob", "one").await;
    assert_eq!(
        next_events(&mut ann, 1).await,
        [entry(&one, posted("bob", "one"))]
    );
    drop(ann); // the connection drops

    let two = post(&router, "bob", "two").await;
    let mut carl = open(&client, "carl", None).await;
    let carl_first = next_events(&mut carl, 2).await;
    assert_eq!(carl_first[0], welcome("carl"));
    assert_eq!(carl_first[1].1, joined("carl"));
    let carl_joined = carl_first[1].0.clone();
    let three = post(&router, "bob", "three").await;

    // The browser reconnects with the id of the last event it saw.
    let mut ann = open(&client, "ann", Some(&one)).await;
    assert_eq!(
        next_events(&mut ann, 4).await,
        [
            welcome("ann"),
            entry(&two, posted("bob", "two")),
            entry(&carl_joined, joined("carl")),
            entry(&three, posted("bob", "three")),
        ]
    );
    // Then live, with nothing repeated at the seam.
    let four = post(&router, "bob", "four").await;
    assert_eq!(
        next_events(&mut ann, 1).await,
        [entry(&four, posted("bob", "four"))]
    );
    // A reconnection is not announced again: carl saw no second join of ann's.
    assert_eq!(
        next_events(&mut carl, 2).await,
        [
            entry(&three, posted("bob", "three")),
            entry(&four, posted("bob", "four")),
        ]
    );
}

/// After `history_lost`: posts a live message, reads up to it, and checks that what came is
/// exactly the live message, or exactly what the room still keeps and then the live message.
///
/// Which of the two is the hub's to decide, and the in-process hub is not consistent about it
/// yet: its documentation says "`Resume::TooOld`, then live", but an id that sorts before the
/// room's window (older than the window, or from another epoch that happens to be smaller) has
/// the window replayed first, while a larger or malformed one gets live events only.
async fn then_live(
    router: &Router,
    stream: &mut TestStream,
    kept: &[(String, ChatEvent)],
    text: &str,
) {
    let live_id = post(router, "bob", text).await;
    let live = entry(&live_id, posted("bob", text));
    let mut got = Vec::new();
    while got.last() != Some(&live) && got.len() <= kept.len() {
        got.extend(next_events(stream, 1).await);
    }
    let with_kept: Vec<_> = kept.iter().cloned().chain([live.clone()]).collect();
    assert!(
        got == [live] || got == with_kept,
        "after history_lost: {got:?}; kept: {kept:?}"
    );
}

#[tokio::test]
async fn a_reconnect_with_an_unknown_or_garbage_id_gets_history_lost_then_live_events() {
    // An id from before a restart (another hub), from another room, of the hand-written
    // history the hub replaced, and one that is no id at all.
    let (previous_run, _) = app(&hub());
    let from_a_previous_run = post(&previous_run, "bob", "gone").await;
    let (other_room, _) = app(&hub());
    let (status, body) = try_post(&other_room, "rust", "bob", "elsewhere").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let from_another_room: serde_json::Value = serde_json::from_str(&body).unwrap();
    let from_another_room = from_another_room["id"].as_str().unwrap().to_owned();

    for last in [
        from_a_previous_run.as_str(),
        from_another_room.as_str(),
        "2",
        "garbage",
    ] {
        let hub = hub();
        let (router, client) = app(&hub);
        let kept = post(&router, "bob", "kept").await;
        let mut ann = open(&client, "ann", Some(last)).await;
        assert_eq!(
            next_events(&mut ann, 2).await,
            [welcome("ann"), (String::new(), ChatEvent::HistoryLost)],
            "Last-Event-ID: {last}"
        );
        // Live events follow; ann is not announced (she was here, with an id).
        then_live(
            &router,
            &mut ann,
            &[entry(&kept, posted("bob", "kept"))],
            "live",
        )
        .await;
    }
}

#[tokio::test]
async fn a_reconnect_older_than_the_replay_window_gets_history_lost_then_live_events() {
    let hub = Hub::builder().replay(2).build();
    let (router, client) = app(&hub);
    let seen = post(&router, "bob", "the last one ann saw").await;
    post(&router, "bob", "trimmed").await;
    let kept_1 = post(&router, "bob", "kept 1").await;
    let kept_2 = post(&router, "bob", "kept 2").await;
    let mut ann = open(&client, "ann", Some(&seen)).await;
    assert_eq!(
        next_events(&mut ann, 2).await,
        [welcome("ann"), (String::new(), ChatEvent::HistoryLost)]
    );
    let kept = [
        entry(&kept_1, posted("bob", "kept 1")),
        entry(&kept_2, posted("bob", "kept 2")),
    ];
    then_live(&router, &mut ann, &kept, "live").await;
}

/// The bot's reply as it streams: `(tokens with their ids, the final post's id and event)`.
async fn bot_reply(stream: &mut TestStream) -> (Vec<(String, String)>, (String, ChatEvent)) {
    let mut tokens = Vec::new();
    loop {
        match next_events(stream, 1).await.pop().unwrap() {
            (id, ChatEvent::BotToken(token)) => tokens.push((id, token)),
            answer @ (_, ChatEvent::Posted { .. }) => return (tokens, answer),
            other => panic!("unexpected {other:?} after {tokens:?}"),
        }
    }
}

const REPLY: &str = "You asked: why SSE?\nHere is my answer, streamed token by token.";

#[tokio::test]
async fn the_bot_streams_its_reply_token_by_token_then_posts_it_in_reply() {
    let hub = hub();
    let (router, client) = app(&hub);
    let mut ann = open(&client, "ann", None).await;
    next_events(&mut ann, 2).await;
    let question = post(&router, "ann", "/bot why SSE?").await;
    assert_eq!(
        next_events(&mut ann, 1).await,
        [entry(&question, posted("ann", "/bot why SSE?"))]
    );

    let (tokens, (answer_id, answer)) = bot_reply(&mut ann).await;
    let streamed: String = tokens.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(streamed, REPLY);
    assert_eq!(tokens.len(), REPLY.split_inclusive(' ').count());
    assert_eq!(
        answer,
        ChatEvent::Posted {
            user: "bot".into(),
            text: REPLY.into(),
            reply_to: Some(question.clone()),
        }
    );
    // Every token went through the hub: each has an id of its own.
    let mut ids: Vec<&str> = tokens.iter().map(|(id, _)| id.as_str()).collect();
    ids.extend([question.as_str(), answer_id.as_str()]);
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "{tokens:?}");
}

#[tokio::test]
async fn a_member_who_drops_mid_reply_gets_the_rest_of_the_bots_reply() {
    let hub = hub();
    let (router, client) = app(&hub);
    let mut ann = open(&client, "ann", None).await;
    next_events(&mut ann, 2).await;
    let question = post(&router, "ann", "/bot why SSE?").await;
    next_events(&mut ann, 1).await;
    let before = next_events(&mut ann, 2).await;
    drop(ann);

    let mut ann = open(&client, "ann", Some(&before[1].0)).await;
    assert_eq!(next_events(&mut ann, 1).await, [welcome("ann")]);
    let (after, (_, answer)) = bot_reply(&mut ann).await;
    let streamed: String = before
        .iter()
        .map(|(_, event)| match event {
            ChatEvent::BotToken(token) => token.clone(),
            other => panic!("not a token: {other:?}"),
        })
        .chain(after.into_iter().map(|(_, token)| token))
        .collect();
    assert_eq!(streamed, REPLY);
    assert_eq!(
        answer,
        ChatEvent::Posted {
            user: "bot".into(),
            text: REPLY.into(),
            reply_to: Some(question),
        }
    );
}

#[tokio::test]
async fn an_unknown_room_is_a_404_with_a_reason_and_creates_no_topic() {
    let hub = hub();
    let (router, client) = app(&hub);
    let stream = client.get("/rooms/nowhere/events?name=ann").await;
    assert_eq!(stream.status(), StatusCode::NOT_FOUND);
    assert_eq!(stream.headers()["content-type"], "application/json");

    assert_eq!(
        try_post(&router, "nowhere", "bob", "hello?").await,
        (
            StatusCode::NOT_FOUND,
            r#"{"error":"no room named `nowhere`"}"#.to_owned()
        )
    );
    assert_eq!(hub.stats().topics, 0, "{:?}", hub.stats());
}

#[tokio::test]
async fn a_message_without_text_is_a_422_with_a_reason_and_publishes_nothing() {
    let hub = hub();
    let (router, _) = app(&hub);
    for text in ["", "   "] {
        assert_eq!(
            try_post(&router, "general", "bob", text).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                r#"{"error":"a message needs some text"}"#.to_owned()
            )
        );
    }
    assert_eq!(hub.stats().retained_events, 0, "{:?}", hub.stats());
}
