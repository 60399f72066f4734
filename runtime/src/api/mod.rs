//! [`SseApi`]: the builder that routes stream handlers, and serves their API document.

pub mod codegen;
mod docs_routes;
mod handler;
mod meta;
pub mod openapi;

use std::time::Duration;

pub use handler::SseHandler;
pub use meta::HandlerMeta;
use openapi::{
    ApiLimits, DocSettings, DocumentError, ForeignDoc, HandlerDocs, OpenApi, OpenApiVersion,
    Operation,
};

use crate::stream::{KeepAlive, Shutdown, StallWatch, StreamConfig, StreamLimits};
use crate::wire::SseEvents;

type RouteFactory<S> = Box<dyn FnOnce(&StreamConfig) -> axum::routing::MethodRouter<S> + Send>;

/// A set of stream handlers and the settings they run with; becomes an axum [`Router`].
///
/// Handlers are registered explicitly. API-wide settings apply to every handler, whatever the
/// order of the calls; a handler's own `keep_alive` overrides the API's interval.
///
/// ```
/// use std::time::Duration;
/// use axum::extract::Path;
/// use tidings::{sse_events, sse_handler, KeepAlive, Sender, SseApi};
///
/// #[sse_events]
/// enum Greeting { Hello(String) }
///
/// /// Greets someone, once.
/// #[sse_handler(get, "/hello/{name}")]
/// async fn hello(Path(name): Path<String>, tx: Sender<Greeting>) {
///     let _ = tx.send(Greeting::Hello(name)).await;
/// }
///
/// let app: axum::Router = SseApi::new("Greeter", "1.0.0")
///     .handler(hello)
///     .keep_alive(KeepAlive::comment(Duration::from_secs(20)))
///     .into_router();
/// ```
///
/// [`Router`]: axum::Router
pub struct SseApi<S = ()> {
    title: String,
    version: String,
    config: StreamConfig,
    handlers: Vec<(HandlerDocs, RouteFactory<S>)>,
    /// Plain routes ([`SseApi::routes`]), by path.
    plain_routes: Vec<(String, axum::routing::MethodRouter<S>)>,
    docs: DocSettings,
    /// What other tools describe ([`SseApi::merge_openapi`], [`SseApi::routes`]).
    foreign: ForeignDoc,
    /// The most streams of the API open at once, over all its handlers.
    max_streams: Option<usize>,
    openapi_json_path: Option<String>,
    docs_page_path: Option<String>,
    /// Whether [`SseApi::shutdown`] gave a signal: without one, no `on_shutdown` event is sent.
    has_shutdown: bool,
}

impl SseApi {
    /// An API with no handlers yet, whose handlers need no router state; `title` and `version`
    /// describe it in its documentation.
    ///
    /// For handlers that extract axum's `State`, start with [`SseApi::stateful`] instead.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        SseApi::stateful(title, version)
    }
}

impl<S> SseApi<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// An API whose handlers share router state `S`, which axum's `State<S>` extractor reads;
    /// the router it becomes takes the state with axum's [`Router::with_state`].
    ///
    /// `S` is inferred from that call, or named: `SseApi::<AppState>::stateful(..)`.
    ///
    /// ```
    /// use axum::extract::State;
    /// use tidings::{sse_events, sse_handler, Sender, SseApi};
    ///
    /// #[derive(Clone)]
    /// struct AppState { greeting: String }
    ///
    /// #[sse_events]
    /// enum Greeting { Hello(String) }
    ///
    /// #[sse_handler(get, "/hello")]
    /// async fn hello(State(state): State<AppState>, tx: Sender<Greeting>) {
    ///     let _ = tx.send(Greeting::Hello(state.greeting)).await;
    /// }
    ///
    /// let app: axum::Router = SseApi::stateful("Greeter", "1.0.0")
    ///     .handler(hello)
    ///     .into_router()
    ///     .with_state(AppState { greeting: "hi".into() });
    /// ```
    ///
    /// [`Router::with_state`]: axum::Router::with_state
    pub fn stateful(title: impl Into<String>, version: impl Into<String>) -> Self {
        SseApi {
            title: title.into(),
            version: version.into(),
            config: StreamConfig::default(),
            handlers: Vec::new(),
            plain_routes: Vec::new(),
            docs: DocSettings::default(),
            foreign: ForeignDoc::default(),
            max_streams: None,
            openapi_json_path: None,
            docs_page_path: None,
            has_shutdown: false,
        }
    }

    /// Registers a handler made by `#[sse_handler]` at its method and path.
    ///
    /// # Panics
    ///
    /// At this call, naming both handlers, if a handler registered before serves the same
    /// method and path, or a path that differs only in its parameters' names (axum could route
    /// neither, and the API document could describe only one).
    #[track_caller]
    pub fn handler<H, M>(mut self, handler: H) -> Self
    where
        H: SseHandler<S, M>,
    {
        let meta = H::meta();
        if let Some((earlier, _)) = self
            .handlers
            .iter()
            .find(|(docs, _)| routes_conflict(&docs.meta, &meta))
        {
            panic!(
                "handler `{}` ({} {}) conflicts with handler `{}` ({} {}), registered before: \
                 two handlers cannot serve the same method and path, and one path cannot be \
                 written with two sets of parameter names",
                meta.operation_id,
                meta.method,
                meta.path,
                earlier.meta.operation_id,
                earlier.meta.method,
                earlier.meta.path,
            );
        }
        let (keep_alive, headers, max_streams) = (meta.keep_alive, meta.headers, meta.max_streams);
        let max_age = meta.max_age;
        let name = meta.operation_id;
        let route: RouteFactory<S> = Box::new(move |api: &StreamConfig| {
            let config = StreamConfig {
                handler: name,
                keep_alive: keep_alive.resolve(&api.keep_alive),
                headers,
                limits: api.limits.with_handler(max_streams),
                max_age: max_age.or(api.max_age),
                ..api.clone()
            };
            handler.method_router(config)
        });
        self.handlers.push((
            HandlerDocs::new(
                meta,
                H::document,
                H::Events::EVENTS,
                H::Events::data_schemas,
            ),
            route,
        ));
        self
    }

    /// The keep-alive of every handler that does not set its own (default: a comment every 15 s).
    pub fn keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.config.keep_alive = keep_alive;
        self
    }

    /// How long a handler may go without its first event before the response head is sent
    /// anyway, so that a browser's `onopen` fires promptly (default: 100 ms).
    pub fn open_deadline(mut self, deadline: Duration) -> Self {
        self.config.open_deadline = deadline;
        self
    }

    /// How many events may be buffered per stream before `send` waits (default: 64).
    pub fn buffer(mut self, events: usize) -> Self {
        self.config.buffer = events.max(1);
        self
    }

    /// How long a stream may wait with an event ready that its client does not take, before it
    /// ends (default: 30 s, [`StreamConfig::DEFAULT_STALL_DEADLINE`]; a stalled stream ends
    /// within a quarter of the deadline after it, as one task looks over all the API's streams
    /// four times per deadline). The handler is dropped
    /// and the stream's place under `max_streams` given back; over HTTP/2 the stream is reset,
    /// over HTTP/1.1 its connection is closed when hyper next writes to it.
    ///
    /// This is the stream's own guard, on any protocol: over HTTP/2, flow control stops a
    /// stream's writes before its socket fills, so a client that opens many streams and reads
    /// none of them is never seen by the socket ([`WriteDeadline`](crate::WriteDeadline)). A
    /// client that reads, however slowly, is not affected, and an idle stream is not stalled:
    /// only an event (or keep-alive) waiting to be taken counts. `None` turns it off.
    pub fn stall_deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.config.stall = deadline.into().map(StallWatch::new);
        self
    }

    /// How long each stream lasts at most (no limit by default); a handler's own
    /// `#[sse_handler(.., max_age = "30m")]` comes first. A stream that reaches it ends, with
    /// its handler's `on_max_age` event if it has one, and a `retry:` hint of
    /// [`StreamConfig::AGE_RETRY`](crate::codegen::StreamConfig::AGE_RETRY) (1 s), so that its
    /// client reconnects, maybe to another instance, and resumes with its `Last-Event-ID`.
    /// Each stream's age is shortened by up to a tenth at random, so that streams opened
    /// together do not all end together.
    ///
    /// This lets load balancers and serverless platforms with a request time limit drain an
    /// instance, and spreads long-lived clients over new instances. The API document says so
    /// on every operation it applies to.
    pub fn max_stream_age(mut self, age: Duration) -> Self {
        self.config.max_age = Some(age);
        self
    }

    /// At most `streams` streams of this API open at once, over all its handlers; one more is
    /// refused with `503 Service Unavailable` and `Retry-After`, before its handler runs. A
    /// handler can have a cap of its own too: `#[sse_handler(.., max_streams = 100)]`. No cap by
    /// default.
    ///
    /// `0` refuses every stream: a value read from configuration can close the API's streams
    /// this way. (In the attribute, where the number is written in the code, `max_streams = 0`
    /// is a compile error instead, being surely a mistake.)
    ///
    /// A browser's `EventSource` does not retry after a `503`: its `onerror` sees
    /// `readyState == CLOSED`, and the page decides when to open a new one. tidings' client
    /// waits the `Retry-After` and reconnects.
    pub fn max_streams(mut self, streams: usize) -> Self {
        self.max_streams = Some(streams);
        self
    }

    /// Ends every open stream when `shutdown` is triggered; see [`Shutdown`]. A handler's
    /// `on_shutdown` event is sent only then: without this signal, [`into_router`] logs a
    /// warning for each handler that sets one.
    ///
    /// [`into_router`]: SseApi::into_router
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.config.shutdown = shutdown;
        self.has_shutdown = true;
        self
    }

    /// The API's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The API's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The metadata of every registered handler, in registration order.
    pub fn handlers(&self) -> impl Iterator<Item = &HandlerMeta> {
        self.handlers.iter().map(|(docs, _)| &docs.meta)
    }

    /// A longer description of the API, for its document's `info`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.docs.description = Some(description.into());
        self
    }

    /// Adds a server (a base URL) to the document.
    pub fn server(mut self, url: impl Into<String>, description: Option<&str>) -> Self {
        self.docs.servers.push(openapi::Server {
            url: url.into(),
            description: description.map(str::to_owned),
        });
        self
    }

    /// Describes a tag that handlers use (`#[sse_handler(.., tag = "chat")]`).
    pub fn tag(mut self, name: impl Into<String>, description: impl Into<String>) -> Self {
        let name = name.into();
        self.docs.tags.retain(|t| t.name != name);
        self.docs.tags.push(openapi::Tag {
            name,
            description: Some(description.into()),
        });
        self
    }

    /// Writes OpenAPI 3.1 instead of 3.2: each stream's event schema goes under the media
    /// type's `schema`, since 3.1 has no `itemSchema`.
    pub fn openapi_version(mut self, version: OpenApiVersion) -> Self {
        self.docs.version = version;
        self
    }

    /// Edits the operation `operation_id` after it is built: for what the framework cannot know,
    /// such as a header a custom extractor reads.
    ///
    /// ```
    /// # use tidings::{sse_events, sse_handler, Sender, SseApi};
    /// use tidings::openapi::{Parameter, ParameterIn};
    /// # #[sse_events] enum Tick { Tick }
    /// # #[sse_handler(get, "/ticks")] async fn ticks(tx: Sender<Tick>) {}
    /// let api: SseApi = SseApi::new("Clock", "1").handler(ticks).describe_operation("ticks", |op| {
    ///     op.parameters.push(Parameter {
    ///         name: "X-Tenant".into(),
    ///         location: ParameterIn::Header,
    ///         description: None,
    ///         required: true,
    ///         schema: schemars::json_schema!({ "type": "string" }),
    ///         extra: Default::default(),
    ///     });
    /// });
    /// let op = &api.openapi().paths["/ticks"].operations["get"];
    /// assert_eq!(op.parameters[0].name, "X-Tenant");
    /// ```
    pub fn describe_operation(
        mut self,
        operation_id: impl Into<String>,
        describe: impl Fn(&mut Operation) + Send + Sync + 'static,
    ) -> Self {
        self.docs
            .describe
            .push((operation_id.into(), Box::new(describe)));
        self
    }

    /// Serves the OpenAPI document as JSON at `path` (for example `/openapi.json`).
    pub fn serve_openapi_json(mut self, path: impl Into<String>) -> Self {
        self.openapi_json_path = Some(path.into());
        self
    }

    /// Serves a self-contained HTML page documenting the API at `path` (for example `/docs`).
    pub fn serve_docs(mut self, path: impl Into<String>) -> Self {
        self.docs_page_path = Some(path.into());
        self
    }

    /// The OpenAPI document of every registered handler, and of the routes other tools
    /// describe (`SseApi::routes`, feature `utoipa`, and [`SseApi::merge_openapi`]).
    ///
    /// # Panics
    ///
    /// If an operation another tool describes is also a stream handler's, or a schema another
    /// tool names is not the schema tidings made under that name; the message says which.
    pub fn openapi(&self) -> OpenApi {
        let handlers: Vec<HandlerDocs> = self.handlers.iter().map(|(d, _)| d.clone()).collect();
        let limits = ApiLimits {
            max_streams: self.max_streams,
            max_stream_age: self.config.max_age,
        };
        let mut doc = openapi::build(&self.title, &self.version, &self.docs, limits, &handlers);
        if let Err(error) = self.foreign.add_to(&mut doc) {
            panic!("{error}");
        }
        doc
    }

    /// Adds the operations, schemas and tags of an OpenAPI document another tool made to this
    /// API's document and docs page: for the plain routes beside the streams (the `POST` that
    /// publishes to a hub, say), so one document describes the whole service. Route those
    /// handlers yourself, on the router this API becomes (or use `SseApi::routes`, feature `utoipa`, which
    /// does both for utoipa).
    ///
    /// Takes anything that serializes to an OpenAPI 3.x document: utoipa's
    /// `#[derive(OpenApi)]` (`ApiDoc::openapi()`), aide's `OpenApi`, or JSON. Its `paths`,
    /// `components/schemas` and `tags` are added; the rest (`info`, `servers`) is this API's.
    /// What tidings does not model is kept as it came (`security`, `example`, `x-`
    /// extensions).
    ///
    /// ```
    /// use serde_json::json;
    /// use tidings::SseApi;
    ///
    /// let api: SseApi = SseApi::new("Shop", "1").merge_openapi(json!({
    ///     "openapi": "3.1.0",
    ///     "info": { "title": "ignored", "version": "0" },
    ///     "paths": { "/health": { "get": {
    ///         "operationId": "health",
    ///         "responses": { "204": { "description": "The shop is up." } }
    ///     } } }
    /// }))?;
    /// let doc = api.openapi();
    /// assert_eq!(doc.paths["/health"].operations["get"].operation_id.as_deref(), Some("health"));
    /// # Ok::<(), tidings::openapi::DocumentError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A part of the document is not OpenAPI ([`DocumentError::Unreadable`], with a JSON
    /// pointer to it), or it describes an operation or a schema name that a document added
    /// before describes differently. Nothing is added then.
    pub fn merge_openapi(mut self, document: impl serde::Serialize) -> Result<Self, DocumentError> {
        let document = serde_json::to_value(document).map_err(|e| DocumentError::Unreadable {
            at: String::new(),
            reason: e.to_string(),
        })?;
        self.foreign.add(&document)?;
        Ok(self)
    }

    /// Routes plain handlers that utoipa describes, and puts their operations (and the schemas
    /// they use) in this API's document and docs page: give it what utoipa-axum's `routes!`
    /// makes of handlers with `#[utoipa::path]`, as you would give it to utoipa-axum's
    /// `OpenApiRouter::routes`.
    ///
    /// ```
    /// use axum::{extract::Path, http::StatusCode, Json};
    /// use tidings::SseApi;
    /// use utoipa_axum::routes;
    ///
    /// #[derive(serde::Deserialize, utoipa::ToSchema)]
    /// struct Post {
    ///     /// What to say.
    ///     text: String,
    /// }
    ///
    /// /// Posts a message to a room.
    /// #[utoipa::path(
    ///     post,
    ///     path = "/rooms/{room}/messages",
    ///     params(("room" = String, Path, description = "The room.")),
    ///     request_body = Post,
    ///     responses((status = 204, description = "Posted."))
    /// )]
    /// async fn post_message(Path(room): Path<String>, Json(post): Json<Post>) -> StatusCode {
    ///     StatusCode::NO_CONTENT
    /// }
    ///
    /// let api: SseApi = SseApi::new("Chat", "1").routes(routes!(post_message));
    /// let doc = api.openapi();
    /// let op = &doc.paths["/rooms/{room}/messages"].operations["post"];
    /// assert_eq!(op.summary.as_deref(), Some("Posts a message to a room."));
    /// assert!(doc.components.schemas.contains_key("Post"));
    /// let app: axum::Router = api.into_router(); // routes POST /rooms/{room}/messages
    /// ```
    ///
    /// # Panics
    ///
    /// At this call, if the operation or a schema name is already described differently by
    /// an earlier call or [`SseApi::merge_openapi`] (see [`DocumentError`]).
    #[cfg(feature = "utoipa")]
    #[track_caller]
    pub fn routes(mut self, routes: utoipa_axum::router::UtoipaMethodRouter<S>) -> Self {
        let (schemas, paths, method_router) = routes;
        let schemas: serde_json::Map<String, serde_json::Value> = schemas
            .into_iter()
            .map(|(name, schema)| {
                (
                    name,
                    serde_json::to_value(schema).expect("a schema serializes"),
                )
            })
            .collect();
        let document = serde_json::json!({
            "paths": paths,
            "components": { "schemas": schemas },
        });
        if let Err(error) = self.foreign.add(&document) {
            panic!("{error}");
        }
        for path in paths.paths.keys() {
            self.plain_routes
                .push((path.clone(), method_router.clone()));
        }
        self
    }

    /// The OpenAPI document as JSON.
    pub fn openapi_json(&self) -> serde_json::Value {
        serde_json::to_value(self.openapi()).expect("a document serializes")
    }

    /// Writes the OpenAPI document to the file at `path` (indented JSON, ending with a newline),
    /// without serving anything: for a build step, such as generating the typed TypeScript
    /// client (`npx tidings-ts openapi.json -o src/api.ts`) from a program or test that builds
    /// the same `SseApi` as the server.
    ///
    /// ```
    /// use tidings::{sse_events, sse_handler, Sender, SseApi};
    ///
    /// #[sse_events]
    /// enum Tick { Tick(u64) }
    ///
    /// /// Counts.
    /// #[sse_handler(get, "/ticks")]
    /// async fn ticks(tx: Sender<Tick>) {
    ///     let _ = tx.send(Tick::Tick(1)).await;
    /// }
    ///
    /// # let dir = std::env::temp_dir().join(format!("tidings-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("openapi.json");
    /// SseApi::new("Ticker", "1.0.0").handler(ticks).write_openapi_json(&path)?;
    /// # assert!(std::fs::read_to_string(&path)?.contains("\"operationId\": \"ticks\""));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The file cannot be written (its folder is missing, or it is not writable).
    pub fn write_openapi_json(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        let mut text =
            serde_json::to_string_pretty(&self.openapi()).expect("a document serializes");
        text.push('\n');
        std::fs::write(path, text)
    }

    /// The router serving every handler. Add state with `.with_state(..)`, and other routes with
    /// axum's own methods.
    ///
    /// # Metrics
    ///
    /// tidings counts through the [`metrics`] facade. Install any recorder (for example
    /// `metrics-exporter-prometheus`) to read the counts; with none installed, counting costs
    /// nothing. Each series is registered here, at zero and with its description, so that a
    /// dashboard sees every one from the start: install the recorder before calling this.
    ///
    /// | name | kind | what |
    /// | --- | --- | --- |
    /// | `tidings_streams_live` | gauge | streams open now |
    /// | `tidings_events_sent_total` | counter | events (and comments) written to streams |
    /// | `tidings_bytes_sent_total` | counter | bytes written to streams, keep-alives included |
    /// | `tidings_streams_rejected_total` | counter | streams refused with `503` by a cap on open streams |
    /// | `tidings_streams_stalled_total` | counter | streams ended because their client took nothing for the stall deadline |
    /// | `tidings_hub_subscribers_dropped_total` | counter | hub subscribers dropped for falling too far behind |
    ///
    /// # Panics
    ///
    /// As axum's `Router::route` does, when two handlers share a method and path.
    pub fn into_router(self) -> axum::Router<S> {
        if !self.has_shutdown {
            warn_of_farewells_never_sent(&self.handlers);
        }
        crate::stream::metrics::register();
        crate::hub::metrics::register();
        let document = (self.openapi_json_path.is_some() || self.docs_page_path.is_some())
            .then(|| self.openapi());
        let config = StreamConfig {
            limits: StreamLimits::api(self.max_streams),
            ..self.config
        };
        let mut router = self
            .handlers
            .into_iter()
            .fold(axum::Router::new(), |router, (docs, route)| {
                router.route(docs.meta.path, route(&config))
            });
        for (path, route) in self.plain_routes {
            router = router.route(&path, route);
        }
        if let Some(document) = document {
            if let Some(path) = &self.openapi_json_path {
                let json = serde_json::to_string_pretty(&document).expect("a document serializes");
                router = router.route(path, docs_routes::json_route(json));
            }
            if let Some(path) = &self.docs_page_path {
                router = router.route(path, docs_routes::html_route(openapi::docs_html(&document)));
            }
        }
        router
    }
}

/// Whether axum could not route both: the same path shape (parameter names aside) with the same
/// method, or written with different parameter names at all.
fn routes_conflict(a: &HandlerMeta, b: &HandlerMeta) -> bool {
    let shape = |path: &str| -> Vec<String> {
        path.split('/')
            .map(|segment| {
                if segment.starts_with('{') && segment.ends_with('}') {
                    // `{id}` and `{*rest}` are different kinds of parameter; names do not count.
                    if segment.starts_with("{*") {
                        "{*}"
                    } else {
                        "{}"
                    }
                    .to_owned()
                } else {
                    segment.to_owned()
                }
            })
            .collect()
    };
    shape(a.path) == shape(b.path) && (a.method == b.method || a.path != b.path)
}

/// A handler's `on_shutdown` event is sent when the API's [`Shutdown`] is triggered; an API
/// without one never sends it, and `axum::serve`'s graceful shutdown then waits for streams
/// that do not end. Said once, when the router is built.
fn warn_of_farewells_never_sent<S>(handlers: &[(HandlerDocs, RouteFactory<S>)]) {
    for (docs, _) in handlers {
        if docs.meta.farewell.is_some() {
            tracing::warn!(
                handler = docs.meta.operation_id,
                "the handler sets `on_shutdown`, but its API has no shutdown signal, so that event \
                 is never sent: give the API the signal that ends `axum::serve` with \
                 `SseApi::shutdown(..)`"
            );
        }
    }
}
