//! What `#[sse_events]` generates: names, wire bytes, schemas and decoding.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings::codegen::{DecodeEventsOwned, PayloadKind};
use tidings::{
    sse_events, sse_handler, DecodeError, DecodeEvents, Message, Sender, SseApi, SseEvents,
};
use tidings_test_support::{get, serve};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct User {
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Page<T> {
    items: Vec<T>,
}

/// The events of a chat room.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
enum ChatEvent {
    /// Someone said something.
    ///
    /// Sent to everyone in the room.
    Message {
        /// Who said it.
        #[serde(rename = "u")]
        user: String,
        /// What they said, unless it was removed.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        text: Option<String>,
    },
    /// Someone arrived.
    UserJoined(User),
    /// Everyone present.
    Users(Page<User>),
    /// One token of a reply, as text.
    #[sse(raw)]
    Token(String),
    #[sse(rename = "ping")]
    Tick,
    /// Plain text for `onmessage`.
    #[sse(default, raw)]
    Note(String),
}

fn names<E: SseEvents>() -> Vec<Option<&'static str>> {
    E::EVENTS
        .iter()
        .map(|e| e.name.map(|n| n.as_str()))
        .collect()
}

macro_rules! rename_all_case {
    ($($rule:literal => $name:literal),* $(,)?) => {{
        let mut checked = 0;
        $({
            #[sse_events(rename_all = $rule)]
            enum Events {
                UserJoined,
            }
            assert_eq!(names::<Events>(), [Some($name)], "rule {}", $rule);
            checked += 1;
        })*
        checked
    }};
}

#[test]
fn rename_all_renames_like_serde() {
    let checked = rename_all_case!(
        "lowercase" => "userjoined",
        "UPPERCASE" => "USERJOINED",
        "PascalCase" => "UserJoined",
        "camelCase" => "userJoined",
        "snake_case" => "user_joined",
        "SCREAMING_SNAKE_CASE" => "USER_JOINED",
        "kebab-case" => "user-joined",
        "SCREAMING-KEBAB-CASE" => "USER-JOINED",
    );
    assert_eq!(checked, 8);

    #[sse_events]
    enum Unrenamed {
        UserJoined,
    }
    assert_eq!(names::<Unrenamed>(), [Some("UserJoined")]);
}

#[test]
fn events_list_names_kinds_and_docs_in_order() {
    assert_eq!(
        names::<ChatEvent>(),
        [
            Some("message"),
            Some("user_joined"),
            Some("users"),
            Some("token"),
            Some("ping"),
            None
        ]
    );
    let kinds: Vec<_> = ChatEvent::EVENTS.iter().map(|e| e.payload).collect();
    use PayloadKind::*;
    assert_eq!(kinds, [Json, Json, Json, Raw, Empty, Raw]);
    let variants: Vec<_> = ChatEvent::EVENTS.iter().map(|e| e.variant).collect();
    assert_eq!(
        variants,
        ["Message", "UserJoined", "Users", "Token", "Tick", "Note"]
    );
    assert_eq!(
        ChatEvent::EVENTS[0].description,
        Some("Someone said something.\n\nSent to everyone in the room.")
    );
    assert_eq!(ChatEvent::EVENTS[4].description, None);
    assert_eq!(ChatEvent::Tick.event_name(), Some("ping"));
    assert_eq!(ChatEvent::Note("x".into()).event_name(), None);
    assert_eq!(ChatEvent::Tick.event_info().variant, "Tick");
}

#[sse_handler(get, "/all")]
async fn all_kinds(tx: Sender<ChatEvent>) {
    let events = [
        ChatEvent::Message {
            user: "ann".into(),
            text: Some("hi\nthere".into()),
        },
        ChatEvent::Message {
            user: "bob".into(),
            text: None,
        },
        ChatEvent::UserJoined(User { name: "cy".into() }),
        ChatEvent::Users(Page {
            items: vec![User { name: "dee".into() }],
        }),
        ChatEvent::Token("two\nlines".into()),
        ChatEvent::Tick,
        ChatEvent::Note("plain".into()),
    ];
    for event in events {
        tx.send(event).await.unwrap();
    }
    tx.send(Message::new(ChatEvent::Tick).id(7)).await.unwrap();
}

#[tokio::test]
async fn every_kind_of_variant_on_the_wire() {
    let server = serve(SseApi::new("t", "1").handler(all_kinds).into_router()).await;
    let body = get(server.addr, "/all", &[]).await.read_to_end().await;
    assert_eq!(
        body,
        concat!(
            "event:message\ndata:{\"u\":\"ann\",\"text\":\"hi\\nthere\"}\n\n",
            "event:message\ndata:{\"u\":\"bob\"}\n\n",
            "event:user_joined\ndata:{\"name\":\"cy\"}\n\n",
            "event:users\ndata:{\"items\":[{\"name\":\"dee\"}]}\n\n",
            "event:token\ndata:two\ndata:lines\n\n",
            "event:ping\ndata:\n\n",
            "data:plain\n\n",
            "event:ping\ndata:\nid:7\n\n",
        )
    );
}

#[test]
fn struct_variant_schema_has_field_docs_and_renames() {
    let mut generator = schemars::SchemaGenerator::default();
    let schemas = ChatEvent::data_schemas(&mut generator);
    assert_eq!(schemas.len(), 6);
    let [message, joined, users, token, tick, note] = &schemas[..] else {
        unreachable!()
    };
    assert!(token.is_none() && tick.is_none() && note.is_none());
    assert_eq!(joined.as_ref().unwrap().as_value()["$ref"], "#/$defs/User");
    assert!(users.is_some());
    assert_eq!(
        message.as_ref().unwrap().as_value()["$ref"],
        "#/$defs/ChatEventMessage"
    );
    let definitions = generator.definitions();
    let message = &definitions["ChatEventMessage"];
    assert_eq!(message["properties"]["u"]["description"], "Who said it.");
    assert_eq!(
        message["properties"]["text"]["description"],
        "What they said, unless it was removed."
    );
    assert!(message["properties"].get("user").is_none());
    assert_eq!(message["required"], serde_json::json!(["u"]));
    assert!(message["description"]
        .as_str()
        .unwrap()
        .contains("Sent to everyone in the room."));
}

#[test]
fn decoding_round_trips_every_kind() {
    let cases = [
        (
            Some("message"),
            r#"{"u":"ann","text":"hi"}"#,
            ChatEvent::Message {
                user: "ann".into(),
                text: Some("hi".into()),
            },
        ),
        (
            Some("message"),
            r#"{"u":"bob"}"#,
            ChatEvent::Message {
                user: "bob".into(),
                text: None,
            },
        ),
        (
            Some("user_joined"),
            r#"{"name":"cy"}"#,
            ChatEvent::UserJoined(User { name: "cy".into() }),
        ),
        (
            Some("users"),
            r#"{"items":[]}"#,
            ChatEvent::Users(Page { items: vec![] }),
        ),
        (
            Some("token"),
            "two\nlines",
            ChatEvent::Token("two\nlines".into()),
        ),
        (Some("ping"), "", ChatEvent::Tick),
        (Some("ping"), "ignored", ChatEvent::Tick),
        (None, "plain", ChatEvent::Note("plain".into())),
    ];
    for (name, data, expected) in cases {
        assert_eq!(
            ChatEvent::decode(name, data).unwrap(),
            expected,
            "{name:?} {data:?}"
        );
    }
}

#[test]
fn default_event_also_answers_to_message_when_no_variant_is_named_so() {
    #[sse_events]
    #[derive(Debug, PartialEq)]
    enum Feed {
        #[sse(default)]
        Text(String),
        Other,
    }
    assert_eq!(Feed::decode(None, "\"a\"").unwrap(), Feed::Text("a".into()));
    assert_eq!(
        Feed::decode(Some("message"), "\"a\"").unwrap(),
        Feed::Text("a".into())
    );
    assert_eq!(Feed::decode(Some("Other"), "").unwrap(), Feed::Other);
}

#[test]
fn decode_errors_name_the_problem() {
    match ChatEvent::decode(Some("nope"), "{}") {
        Err(DecodeError::UnknownEvent(Some(name))) => assert_eq!(name, "nope"),
        other => panic!("{other:?}"),
    }
    match ChatEvent::decode(Some("user_joined"), "{\"nom\":1}") {
        Err(DecodeError::InvalidData { event, .. }) => {
            assert_eq!(event.as_deref(), Some("user_joined"))
        }
        other => panic!("{other:?}"),
    }
    match ChatEvent::decode(Some("message"), "{\"text\":\"no user\"}") {
        Err(DecodeError::InvalidData { event, source }) => {
            assert_eq!(event.as_deref(), Some("message"));
            assert!(source.to_string().contains("missing field `u`"), "{source}");
        }
        other => panic!("{other:?}"),
    }

    #[sse_events]
    #[derive(Debug)]
    enum Named {
        Only,
    }
    match Named::decode(None, "") {
        Err(DecodeError::UnknownEvent(None)) => {}
        other => panic!("{other:?}"),
    }
}

/// Serializable and documented, but not deserializable.
#[derive(Debug, Serialize, JsonSchema)]
struct ServerOnly {
    secret: u32,
}

#[sse_events]
enum ServerOnlyEvents {
    Sent(ServerOnly),
    Both { left: ServerOnly, right: u8 },
}

#[sse_handler(get, "/server-only")]
async fn server_only(tx: Sender<ServerOnlyEvents>) {
    tx.send(ServerOnlyEvents::Sent(ServerOnly { secret: 1 }))
        .await
        .unwrap();
    tx.send(ServerOnlyEvents::Both {
        left: ServerOnly { secret: 2 },
        right: 3,
    })
    .await
    .unwrap();
}

/// Whether `T` decodes, answered at compile time (inherent consts win over trait consts when
/// their bounds hold).
struct Decodes<T>(T);
trait DoesNotDecode {
    const DECODES: bool = false;
}
impl<T> DoesNotDecode for Decodes<T> {}
impl<T: DecodeEventsOwned> Decodes<T> {
    const DECODES: bool = true;
}

#[tokio::test]
async fn payloads_without_deserialize_still_stream_but_do_not_decode() {
    const { assert!(!<Decodes<ServerOnlyEvents>>::DECODES) };
    const { assert!(<Decodes<ChatEvent>>::DECODES) };
    let server = serve(SseApi::new("t", "1").handler(server_only).into_router()).await;
    let body = get(server.addr, "/server-only", &[])
        .await
        .read_to_end()
        .await;
    assert_eq!(
        body,
        "event:Sent\ndata:{\"secret\":1}\n\nevent:Both\ndata:{\"left\":{\"secret\":2},\"right\":3}\n\n"
    );
}

/// An enum that derives serde itself keeps its serde attributes and its own serialization.
#[sse_events]
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type")]
enum Tagged {
    Moved {
        #[serde(rename = "X")]
        x: i32,
    },
}

#[test]
fn enums_with_their_own_serde_derives_keep_both_behaviours() {
    let event = Tagged::Moved { x: 3 };
    assert_eq!(
        serde_json::to_string(&event).unwrap(),
        r#"{"type":"Moved","X":3}"#
    );
    assert_eq!(Tagged::decode(Some("Moved"), r#"{"X":3}"#).unwrap(), event);
}
