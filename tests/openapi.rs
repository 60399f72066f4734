//! OpenAPI generation, through handlers and event enums written by hand exactly as
//! `#[sse_events]` and `#[sse_handler]` expand them (their `document` hook calls
//! `document_input!` / `document_error!` as the macro does), so these tests hold whatever the
//! macros' state. `openapi_chat.rs` checks the same through the real macros and the chat example.

use tidings_test_support::openapi_checks;

use axum::extract::{Path, Query, State};
use axum::routing::MethodRouter;
use axum::Json;
use openapi_checks::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::process::Command;
use tidings::codegen::{
    DataWriter, EventInfo, EventName, HandlerMeta, PayloadKind, SseHandler, StreamConfig,
};
use tidings::openapi::{DocumentedError, OpenApiVersion, OperationDoc, ParameterIn};
use tidings::{EncodeError, LastEventId, Message, Sender, SseApi, SseEvents};
use tidings_test_support::{get, serve};

/// A member of a room.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(example = User { name: "ada".into() })]
pub struct User {
    /// The name the member chose.
    pub name: String,
}

mod other {
    /// Another `User`, in another module: must not overwrite the first in `components`.
    #[derive(serde::Serialize, schemars::JsonSchema)]
    pub struct User {
        /// A numeric id.
        pub id: u64,
    }
}

/// A message was posted (the helper type `#[sse_events]` makes of a struct variant).
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "FeedEventPosted")]
pub struct Posted {
    /// Who posted it.
    pub user: String,
    /// What they wrote.
    pub text: String,
    /// The id of the message this one answers, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reply_to: Option<u64>,
}

/// What happens in a room.
pub enum FeedEvent {
    Posted(Posted),
    UserJoined(User),
    BotToken(String),
    Notice(String),
    CaughtUp,
}

impl SseEvents for FeedEvent {
    const EVENTS: &'static [EventInfo] = &[
        EventInfo {
            name: Some(EventName::checked("posted")),
            variant: "Posted",
            payload: PayloadKind::Json,
            description: Some("A message was posted."),
            ends_stream: false,
        },
        EventInfo {
            name: Some(EventName::checked("user_joined")),
            variant: "UserJoined",
            payload: PayloadKind::Json,
            description: Some("Someone entered the room."),
            ends_stream: false,
        },
        EventInfo {
            name: Some(EventName::checked("bot_token")),
            variant: "BotToken",
            payload: PayloadKind::Raw,
            description: Some("A piece of the bot's reply: raw text, not JSON."),
            ends_stream: false,
        },
        EventInfo {
            name: None,
            variant: "Notice",
            payload: PayloadKind::Json,
            description: Some("A notice for everyone, sent without an `event:` line."),
            ends_stream: false,
        },
        EventInfo {
            name: Some(EventName::checked("caught_up")),
            variant: "CaughtUp",
            payload: PayloadKind::Empty,
            description: Some("The backlog has been replayed."),
            ends_stream: false,
        },
    ];

    fn event_index(&self) -> usize {
        match self {
            FeedEvent::Posted(_) => 0,
            FeedEvent::UserJoined(_) => 1,
            FeedEvent::BotToken(_) => 2,
            FeedEvent::Notice(_) => 3,
            FeedEvent::CaughtUp => 4,
        }
    }

    fn write_data(&self, data: &mut DataWriter<'_>) -> Result<(), EncodeError> {
        match self {
            FeedEvent::Posted(p) => data.json(p),
            FeedEvent::UserJoined(u) => data.json(u),
            FeedEvent::BotToken(t) => {
                data.text(t);
                Ok(())
            }
            FeedEvent::Notice(n) => data.json(n),
            FeedEvent::CaughtUp => {
                data.empty();
                Ok(())
            }
        }
    }

    fn data_schemas(g: &mut schemars::SchemaGenerator) -> Vec<Option<schemars::Schema>> {
        vec![
            Some(g.subschema_for::<Posted>()),
            Some(g.subschema_for::<User>()),
            None,
            Some(g.subschema_for::<String>()),
            None,
        ]
    }
}

/// Other users, to show that same-named types are kept apart.
pub enum Directory {
    Found(other::User),
    Member(User),
}

impl SseEvents for Directory {
    const EVENTS: &'static [EventInfo] = &[
        EventInfo {
            name: Some(EventName::checked("found")),
            variant: "Found",
            payload: PayloadKind::Json,
            description: None,
            ends_stream: false,
        },
        EventInfo {
            name: Some(EventName::checked("member")),
            variant: "Member",
            payload: PayloadKind::Json,
            description: None,
            ends_stream: false,
        },
    ];
    fn event_index(&self) -> usize {
        match self {
            Directory::Found(_) => 0,
            Directory::Member(_) => 1,
        }
    }
    fn write_data(&self, data: &mut DataWriter<'_>) -> Result<(), EncodeError> {
        match self {
            Directory::Found(u) => data.json(u),
            Directory::Member(u) => data.json(u),
        }
    }
    fn data_schemas(g: &mut schemars::SchemaGenerator) -> Vec<Option<schemars::Schema>> {
        vec![
            Some(g.subschema_for::<other::User>()),
            Some(g.subschema_for::<User>()),
        ]
    }
}

/// Who is connecting.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Who {
    /// The name to join under.
    pub name: String,
    /// How many backlog messages to replay.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// What went wrong before a stream started.
#[derive(Debug)]
pub enum FeedError {
    NoSuchRoom(String),
}

/// The body of an error response.
#[derive(Serialize, JsonSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}

impl axum::response::IntoResponse for FeedError {
    fn into_response(self) -> axum::response::Response {
        let FeedError::NoSuchRoom(room) = self;
        let body = ErrorBody {
            error: format!("no room named `{room}`"),
        };
        (http::StatusCode::NOT_FOUND, Json(body)).into_response()
    }
}

impl DocumentedError for FeedError {
    fn responses(doc: &mut OperationDoc) {
        doc.json_response::<ErrorBody>("404", "There is no room of that name.");
    }
}

/// An extractor tidings knows nothing about.
pub struct Unknown;

/// The finite feed: a notice, the backlog, `caught_up`, a join, a post and a few bot tokens.
pub async fn room_feed(
    room: String,
    who: Who,
    last: LastEventId,
    tx: Sender<FeedEvent>,
) -> Result<(), FeedError> {
    if room == "missing" {
        return Err(FeedError::NoSuchRoom(room));
    }
    let after: u64 = last.as_deref().and_then(|id| id.parse().ok()).unwrap_or(0);
    let _ = tx
        .send(FeedEvent::Notice(format!(
            "Welcome to #{room}, {}.",
            who.name
        )))
        .await;
    for id in (after + 1)..=3 {
        let post = Posted {
            user: "tidings".into(),
            text: format!("message {id}\nwith two lines"),
            reply_to: (id > 1).then(|| id - 1),
        };
        let _ = tx.send(Message::new(FeedEvent::Posted(post)).id(id)).await;
    }
    let _ = tx.send(FeedEvent::CaughtUp).await;
    let _ = tx
        .send(FeedEvent::UserJoined(User { name: who.name }))
        .await;
    for token in ["Hello ", "there,\n", "friend."] {
        let _ = tx.send(FeedEvent::BotToken(token.into())).await;
    }
    Ok(())
}

/// The handler type `#[sse_handler(get, "/rooms/{room}/feed", tag = "chat")]` makes.
pub struct RoomFeed;

impl SseHandler<(), ()> for RoomFeed {
    type Events = FeedEvent;

    fn meta() -> HandlerMeta {
        HandlerMeta {
            method: http::Method::GET,
            path: "/rooms/{room}/feed",
            path_params: &["room"],
            operation_id: "room_feed",
            summary: Some("A finite feed of one room."),
            description: Some("Replays the messages after `Last-Event-ID`, then ends."),
            tags: &["chat"],
            deprecated: false,
            keep_alive: Default::default(),
            headers: &[],
            max_streams: None,
            farewell: None,
            max_age: None,
            age_farewell: None,
            error_event: false,
        }
    }

    fn method_router(self, config: StreamConfig) -> MethodRouter<()> {
        axum::routing::get(
            move |Path(room): Path<String>, Query(who): Query<Who>, last: LastEventId| async move {
                tidings::codegen::serve(config, move |tx| room_feed(room, who, last, tx)).await
            },
        )
    }

    fn document(doc: &mut OperationDoc) {
        tidings::codegen::document_input!(doc, Path<String>);
        tidings::codegen::document_input!(doc, Query<Who>);
        tidings::codegen::document_input!(doc, State<()>);
        tidings::codegen::document_input!(doc, LastEventId);
        tidings::codegen::document_input!(doc, Unknown);
        tidings::codegen::document_error!(doc, FeedError);
    }
}

/// A second handler over two path params, a JSON body and an undocumented error type.
pub struct Lookup;

/// Path params as a struct.
#[derive(Deserialize, JsonSchema)]
pub struct LookupPath {
    /// The organisation.
    pub org: String,
    /// The team number.
    pub team: u32,
}

#[derive(Deserialize, JsonSchema)]
pub struct Filter {
    pub prefix: String,
}

impl SseHandler<(), ()> for Lookup {
    type Events = Directory;

    fn meta() -> HandlerMeta {
        HandlerMeta {
            method: http::Method::POST,
            path: "/orgs/{org}/teams/{team}/lookup/{page}",
            path_params: &["org", "team", "page"],
            operation_id: "lookup",
            summary: Some("Looks users up."),
            description: None,
            tags: &["directory"],
            deprecated: true,
            keep_alive: Default::default(),
            headers: &[],
            max_streams: None,
            farewell: None,
            max_age: None,
            age_farewell: None,
            error_event: false,
        }
    }

    fn method_router(self, config: StreamConfig) -> MethodRouter<()> {
        axum::routing::post(move || async move {
            tidings::codegen::serve(config, move |tx: Sender<Directory>| async move {
                let _ = tx.send(Directory::Found(other::User { id: 1 })).await;
                let _ = tx.send(Directory::Member(User { name: "bo".into() })).await;
            })
            .await
        })
    }

    fn document(doc: &mut OperationDoc) {
        tidings::codegen::document_input!(doc, Path<LookupPath>);
        tidings::codegen::document_input!(doc, Json<Filter>);
        tidings::codegen::document_error!(doc, std::io::Error);
    }
}

fn api() -> SseApi {
    SseApi::new("Feed", "1.0.0")
        .description("Finite room feeds, for the OpenAPI tests.")
        .server("http://localhost:3000", Some("local"))
        .tag("chat", "Rooms and their events.")
        .handler(RoomFeed)
        .handler(Lookup)
        .serve_openapi_json("/openapi.json")
        .serve_docs("/docs")
}

fn document() -> Value {
    api().openapi_json()
}

#[test]
fn document_matches_its_snapshot() {
    assert_snapshot("feed.openapi.json", &document());
}

#[test]
fn document_is_openapi_3_2_with_info_servers_and_tags() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.2.0");
    assert_eq!(
        doc["info"],
        json!({ "title": "Feed", "version": "1.0.0", "description": "Finite room feeds, for the OpenAPI tests." })
    );
    assert_eq!(
        doc["servers"],
        json!([{ "url": "http://localhost:3000", "description": "local" }])
    );
    assert_eq!(
        doc["tags"],
        json!([{ "name": "chat", "description": "Rooms and their events." }, { "name": "directory" }])
    );
}

#[test]
fn operation_carries_meta_parameters_and_responses() {
    let doc = document();
    let op = &doc["paths"]["/rooms/{room}/feed"]["get"];
    assert_eq!(op["operationId"], "room_feed");
    assert_eq!(op["summary"], "A finite feed of one room.");
    assert_eq!(op["tags"], json!(["chat"]));
    assert!(op.get("deprecated").is_none());
    assert_eq!(
        op["parameters"],
        json!([
            { "name": "room", "in": "path", "required": true, "schema": { "type": "string" } },
            { "name": "limit", "in": "query", "description": "How many backlog messages to replay.",
              "schema": { "type": "integer", "format": "uint32", "minimum": 0 } },
            { "name": "name", "in": "query", "description": "The name to join under.", "required": true,
              "schema": { "type": "string" } },
            { "name": "lastEventId", "in": "query",
              "description": "Stands in for `Last-Event-ID` when the header is absent: a page that opens a new `EventSource` (after a `503`, which browsers do not retry, or a reload) resumes with `?lastEventId=` and the last id it received.",
              "schema": { "type": "string", "maxLength": 1024 } },
            { "name": "Last-Event-ID", "in": "header",
              "description": "The id of the last event a reconnecting client received; the stream resumes after it.",
              "schema": { "type": "string", "maxLength": 1024 } },
        ])
    );
    assert_eq!(
        op["responses"]["404"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/ErrorBody" })
    );
    let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["200", "400", "404", "500"]);
}

#[test]
fn struct_path_json_body_unknown_error_and_deprecated() {
    let doc = document();
    let op = &doc["paths"]["/orgs/{org}/teams/{team}/lookup/{page}"]["post"];
    assert_eq!(op["deprecated"], true);
    let params: Vec<(&str, &str)> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    assert_eq!(
        params,
        [("org", "path"), ("team", "path"), ("page", "path")]
    );
    assert_eq!(op["parameters"][0]["description"], "The organisation.");
    assert_eq!(op["parameters"][1]["schema"]["type"], "integer");
    // `page` has no schema from `Path<LookupPath>`: still a string parameter.
    assert_eq!(op["parameters"][2]["schema"], json!({ "type": "string" }));
    assert_eq!(
        op["requestBody"],
        json!({ "required": true, "content": { "application/json": { "schema": {
            "type": "object", "properties": { "prefix": { "type": "string" } }, "required": ["prefix"]
        } } } })
    );
    assert!(op["responses"]["default"]["content"].is_null());
    assert!(op["responses"]["415"].is_object());
}

#[test]
fn probes_document_known_extractors_and_skip_others() {
    let mut doc = OperationDoc::new(&["a", "b"]);
    tidings::codegen::document_input!(&mut doc, Path<(String, u64)>);
    tidings::codegen::document_input!(&mut doc, Unknown);
    tidings::codegen::document_input!(&mut doc, State<String>);
    tidings::codegen::document_input!(&mut doc, Option<Query<Filter>>);
    tidings::codegen::document_input!(&mut doc, Path<NotASchema>);
    let params: Vec<_> = doc
        .parameters()
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.location,
                p.required,
                p.schema.as_value().clone(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("a", ParameterIn::Path, true, json!({ "type": "string" })),
            (
                "b",
                ParameterIn::Path,
                true,
                json!({ "type": "integer", "format": "uint64", "minimum": 0 })
            ),
            (
                "prefix",
                ParameterIn::Query,
                false,
                json!({ "type": "string" })
            ),
        ]
    );
    let mut doc = OperationDoc::new(&[]);
    tidings::codegen::document_error!(&mut doc, FeedError);
    assert_eq!(doc.responses().keys().collect::<Vec<_>>(), ["404"]);
    let mut doc = OperationDoc::new(&[]);
    tidings::codegen::document_error!(&mut doc, NotASchema);
    assert_eq!(doc.responses().keys().collect::<Vec<_>>(), ["default"]);
}

/// Implements nothing tidings knows.
pub struct NotASchema;

#[test]
fn item_schema_has_one_branch_per_event() {
    let doc = document();
    let items = item_schema(&doc, "/rooms/{room}/feed");
    let branches = items["oneOf"].as_array().unwrap();
    assert_eq!(branches.len(), 5);
    assert_eq!(
        branches[0],
        json!({
            "title": "Posted",
            "description": "A message was posted.",
            "type": "object",
            "properties": {
                "event": { "const": "posted" },
                "data": { "type": "string", "contentMediaType": "application/json",
                          "contentSchema": { "$ref": "#/components/schemas/FeedEventPosted" } },
                "id": { "type": "string" },
                "retry": { "type": "integer", "minimum": 0 },
            },
            "required": ["event", "data"],
        })
    );
    assert_eq!(
        branches[1]["examples"],
        json!([{ "event": "user_joined", "data": "{\"name\":\"ada\"}" }])
    );
    assert_eq!(
        branches[2]["properties"]["data"],
        json!({ "type": "string" })
    );
    assert_eq!(branches[3]["required"], json!(["data"]));
    assert_eq!(
        branches[3]["properties"]["event"],
        json!({ "const": "message" })
    );
    assert_eq!(
        branches[4]["properties"]["data"],
        json!({ "type": "string", "const": "" })
    );
}

#[test]
fn payload_schemas_are_shared_and_same_named_types_kept_apart() {
    let doc = document();
    let names: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names, ["ErrorBody", "FeedEventPosted", "User", "User2"]);
    assert_eq!(
        doc["components"]["schemas"]["User"]["properties"]["name"]["type"],
        "string"
    );
    assert_eq!(
        doc["components"]["schemas"]["User2"]["properties"]["id"]["type"],
        "integer"
    );
    let lookup = item_schema(&doc, "/orgs/{org}/teams/{team}/lookup/{page}");
    // Both operations reference the one `User`.
    assert_eq!(
        lookup["oneOf"][1]["properties"]["data"]["contentSchema"],
        json!({ "$ref": "#/components/schemas/User" })
    );
    assert_eq!(
        lookup["oneOf"][0]["properties"]["data"]["contentSchema"],
        json!({ "$ref": "#/components/schemas/User2" })
    );
}

#[test]
fn openapi_3_1_puts_the_event_schema_under_schema() {
    let doc = api().openapi_version(OpenApiVersion::V3_1).openapi_json();
    assert_eq!(doc["openapi"], "3.1.1");
    let media = &doc["paths"]["/rooms/{room}/feed"]["get"]["responses"]["200"]["content"]
        ["text/event-stream"];
    assert!(media.get("itemSchema").is_none());
    assert_eq!(
        media["schema"],
        *item_schema(&document(), "/rooms/{room}/feed")
    );
    assert_valid_openapi(&write_doc("feed.openapi-3.1.json", &doc));
}

#[test]
fn describe_operation_adds_what_extractors_cannot() {
    let doc = api()
        .describe_operation("lookup", |op| op.summary = Some("Changed by hand.".into()))
        .openapi();
    let op = &doc.paths["/orgs/{org}/teams/{team}/lookup/{page}"].operations["post"];
    assert_eq!(op.summary.as_deref(), Some("Changed by hand."));
}

#[tokio::test]
async fn serves_the_document_and_a_docs_page() {
    let server = serve(api().into_router()).await;
    let mut json = get(server.addr, "/openapi.json", &[]).await;
    assert_eq!(json.header("content-type"), Some("application/json"));
    let body = json.read_to_end().await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), document());

    let mut html = get(server.addr, "/docs", &[]).await;
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = html.read_to_end().await;
    for expected in [
        "<code>/rooms/{room}/feed</code>",
        "<code>event: posted</code>",
        "(default event: no event field)",
        "A piece of the bot&#39;s reply: raw text, not JSON.",
        "<code>Last-Event-ID</code>",
        "<h3>FeedEventPosted</h3>",
    ] {
        assert!(
            page.contains(expected),
            "the docs page lacks {expected}:\n{page}"
        );
    }
    // Self-contained: its one script is inline, and nothing is loaded from anywhere else (its
    // favicon is an empty `data:` URL, so the browser asks for no /favicon.ico).
    assert_eq!(page.matches("<script>").count(), 1);
    let links = page.replace(r#"<link rel="icon" href="data:,">"#, "");
    assert!(
        !page.contains("<script src") && !links.contains("<link"),
        "{page}"
    );
    assert!(page
        .contains("<form class=\"console\" data-method=\"GET\" data-path=\"/rooms/{room}/feed\">"));
}

#[tokio::test]
async fn every_sent_event_validates_against_its_schemas() {
    let server = serve(api().into_router()).await;
    let body = get(server.addr, "/rooms/general/feed?name=ada", &[])
        .await
        .read_to_end()
        .await;
    let items = parse_items(&body);
    let matched = validate_items(&document(), "/rooms/{room}/feed", &items).unwrap();
    assert_eq!(
        matched,
        [
            "Notice",
            "Posted",
            "Posted",
            "Posted",
            "CaughtUp",
            "UserJoined",
            "BotToken",
            "BotToken",
            "BotToken"
        ]
    );
    // And the check bites: a payload or an event name the schema does not allow is rejected.
    let mut wrong = items.clone();
    wrong[1]["data"] = json!("{\"user\":1,\"text\":\"x\"}");
    assert!(validate_items(&document(), "/rooms/{room}/feed", &wrong).is_err());
    wrong = items.clone();
    wrong[0]["event"] = json!("posted");
    assert!(validate_items(&document(), "/rooms/{room}/feed", &wrong).is_err());
    wrong = items.clone();
    wrong[4]["data"] = json!("x");
    assert!(validate_items(&document(), "/rooms/{room}/feed", &wrong).is_err());
}

#[test]
fn independent_validators_accept_the_document_and_reject_broken_ones() {
    assert_valid_openapi(&write_doc("feed.openapi.json", &document()));
    for (name, broken) in broken_variants(&document(), "/rooms/{room}/feed") {
        let file = write_doc(&format!("broken-{name}.json"), &broken);
        if let Some((ok, out)) = redocly_lint(&file) {
            assert!(!ok, "redocly accepts {name}:\n{out}");
        }
        if let Some((ok, out)) = spec_validator(&file) {
            assert!(!ok, "openapi-spec-validator accepts {name}:\n{out}");
        }
    }
}

#[test]
fn merges_into_a_utoipa_document() {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::{InfoBuilder, OpenApiBuilder, PathsBuilder, ResponseBuilder};
    let theirs = OpenApiBuilder::new()
        .info(InfoBuilder::new().title("Shop").version("2.0.0").build())
        .servers(Some(vec![utoipa::openapi::server::Server::new(
            "http://localhost:8080",
        )]))
        .paths(
            PathsBuilder::new().path(
                "/health",
                PathItem::new(
                    HttpMethod::Get,
                    OperationBuilder::new()
                        .operation_id(Some("health"))
                        .summary(Some("Whether the shop is up."))
                        .response("200", ResponseBuilder::new().description("Up.").build())
                        .build(),
                ),
            ),
        )
        .build();
    let mut merged = serde_json::to_value(&theirs).unwrap();
    tidings::openapi::merge_into(&mut merged, &api().openapi());
    assert_eq!(merged["openapi"], "3.2.0");
    assert_eq!(merged["info"]["title"], "Shop");
    assert_eq!(merged["paths"]["/health"]["get"]["operationId"], "health");
    assert_eq!(
        merged["paths"]["/rooms/{room}/feed"]["get"]["operationId"],
        "room_feed"
    );
    assert!(merged["components"]["schemas"]["FeedEventPosted"].is_object());
    assert_valid_openapi(&write_doc("merged.openapi.json", &merged));
}

/// RFC 7386 merge patch.
fn json_patch_merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(patch) => {
            if !target.is_object() {
                *target = json!({});
            }
            let target = target.as_object_mut().unwrap();
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    json_patch_merge(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// schemathesis against the live server, with the served document; then our own stream
/// validator (Python `jsonschema`, Draft 2020-12) on real streamed events, and the wrong-schema
/// fixtures that must make it fail.
#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_and_the_python_stream_validator_accept_live_streams() {
    let Some(python) = tool(PYTHON, PY_HINT) else {
        return;
    };
    let server = serve(api().into_router()).await;
    let base = format!("http://{}", server.addr);
    // schemathesis keeps its cache in `.schemathesis/` of its working directory.
    std::fs::create_dir_all(root().join("target/openapi")).unwrap();
    tokio::task::spawn_blocking(move || {
        let schemathesis = root().join("target/openapi-venv/bin/schemathesis");
        let (ok, out) = run(Command::new(&schemathesis)
            .arg("run")
            .arg(format!("{base}/openapi.json"))
            .args([
                "--checks",
                "all",
                "--max-examples",
                "20",
                "--include-path",
                "/rooms/{room}/feed",
            ])
            .args([
                "--exclude-checks",
                "unsupported_method,positive_data_acceptance",
            ])
            .env("NO_COLOR", "1")
            .current_dir(root().join("target/openapi")));
        assert!(ok, "schemathesis failed:\n{out}");
        // schemathesis 4 checks each streamed event against `itemSchema` (its check ST108),
        // `contentSchema` included: with either wrong schema, it must fail.
        for fixture in ["wrong_event_name.json", "wrong_user_schema.json"] {
            let patch = root().join("tests/python/fixtures").join(fixture);
            let patch: Value =
                serde_json::from_str(&std::fs::read_to_string(patch).unwrap()).unwrap();
            let mut doc = document();
            json_patch_merge(&mut doc, &patch);
            let file = write_doc(&format!("schemathesis-{fixture}"), &doc);
            let (ok, out) = run(Command::new(&schemathesis)
                .arg("run")
                .arg(&file)
                .args(["--url", &base, "--checks", "all", "--max-examples", "5"])
                .args([
                    "--include-path",
                    "/rooms/{room}/feed",
                    "--phases",
                    "fuzzing",
                ])
                .args([
                    "--exclude-checks",
                    "unsupported_method,positive_data_acceptance",
                ])
                .env("NO_COLOR", "1")
                .current_dir(root().join("target/openapi")));
            assert!(
                !ok && out.contains("SSE event violates schema"),
                "schemathesis accepts the stream against {fixture}:\n{out}"
            );
        }

        let validator = root().join("tests/python/validate_stream.py");
        let stream = format!("{base}/rooms/general/feed?name=ada");
        let doc = format!("{base}/openapi.json");
        let (ok, out) = run(Command::new(&python).arg(&validator).args([
            &doc,
            &stream,
            "/rooms/{room}/feed",
            "--min-events",
            "9",
        ]));
        assert!(ok, "the stream validator rejects the live stream:\n{out}");
        for fixture in ["wrong_user_schema.json", "wrong_event_name.json"] {
            let patch = root().join("tests/python/fixtures").join(fixture);
            let (ok, out) = run(Command::new(&python)
                .arg(&validator)
                .args([&doc, &stream, "/rooms/{room}/feed", "--patch"])
                .arg(&patch));
            assert!(
                !ok,
                "the validator accepts a stream against {fixture}:\n{out}"
            );
            assert!(out.contains("INVALID"), "{out}");
        }
    })
    .await
    .unwrap();
}
