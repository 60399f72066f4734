//! [`SseApi`]: the builder that routes stream handlers.

use std::time::Duration;

use crate::handler::{HandlerMeta, SseHandler, StreamConfig};
use crate::keep_alive::KeepAlive;
use crate::shutdown::Shutdown;

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
    handlers: Vec<(HandlerMeta, RouteFactory<S>)>,
}

impl<S> SseApi<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// An API with no handlers yet; `title` and `version` describe it in its documentation.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        SseApi {
            title: title.into(),
            version: version.into(),
            config: StreamConfig::default(),
            handlers: Vec::new(),
        }
    }

    /// Registers a handler made by `#[sse_handler]` at its method and path.
    pub fn handler<H, M>(mut self, handler: H) -> Self
    where
        H: SseHandler<S, M>,
    {
        let meta = H::meta();
        let keep_alive = meta.keep_alive;
        let route: RouteFactory<S> = Box::new(move |api: &StreamConfig| {
            let config = StreamConfig {
                keep_alive: keep_alive.resolve(&api.keep_alive),
                ..api.clone()
            };
            handler.method_router(config)
        });
        self.handlers.push((meta, route));
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

    /// Ends every open stream when `shutdown` is triggered; see [`Shutdown`].
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.config.shutdown = shutdown;
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
        self.handlers.iter().map(|(meta, _)| meta)
    }

    /// The router serving every handler. Add state with `.with_state(..)`, and other routes with
    /// axum's own methods.
    ///
    /// # Panics
    ///
    /// As axum's `Router::route` does, when two handlers share a method and path.
    pub fn into_router(self) -> axum::Router<S> {
        let config = self.config;
        self.handlers
            .into_iter()
            .fold(axum::Router::new(), |router, (meta, route)| {
                router.route(meta.path, route(&config))
            })
    }
}
