//! A live dashboard: one stream, `GET /metrics`, sends a snapshot of the service's metrics every
//! period, read fresh at each tick (`Sender::every`, a polling producer). Nothing is pushed by
//! the metrics themselves: the stream samples them, as a dashboard does.
//!
//! The metrics: uptime, a made-up CPU load (a smooth curve, so the page has something to
//! move), the requests the service has answered (counted by a middleware), and how many
//! dashboards are watching (counted by a guard each stream holds, released when its client
//! leaves).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tidings::{sse_events, sse_handler, Error, Sender, SseApi};
use utoipa_axum::routes;

/// How often `main.rs` has the page updated.
pub const PERIOD: Duration = Duration::from_secs(1);

/// A snapshot of the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metrics {
    /// Seconds since the service started.
    pub uptime_seconds: u64,
    /// The CPU load, in percent (made up: a smooth curve over time).
    pub cpu_percent: f64,
    /// Requests answered since the service started, this stream's own included.
    pub requests: u64,
    /// Dashboards watching now, this one included.
    pub viewers: u64,
}

/// What the dashboard stream sends.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
pub enum DashboardEvent {
    /// The metrics now; one every period.
    Metrics(Metrics),
}

/// The state of the service: when it started, its counters, and how often streams sample them.
#[derive(Clone)]
pub struct Dashboard {
    /// tidings' own counters in Prometheus' text format, when the process installed the
    /// recorder (`main.rs` does; the tests do not).
    prometheus: Option<PrometheusHandle>,
    started: Instant,
    requests: Arc<AtomicU64>,
    viewers: Arc<AtomicU64>,
    period: Duration,
}

impl Dashboard {
    fn new(period: Duration, prometheus: Option<PrometheusHandle>) -> Self {
        Dashboard {
            prometheus,
            started: Instant::now(),
            requests: Arc::default(),
            viewers: Arc::default(),
            period,
        }
    }

    fn snapshot(&self) -> Metrics {
        let uptime = self.started.elapsed();
        Metrics {
            uptime_seconds: uptime.as_secs(),
            cpu_percent: fake_cpu_load(uptime),
            requests: self.requests.load(Ordering::Relaxed),
            viewers: self.viewers.load(Ordering::Relaxed),
        }
    }

    /// Counts a viewer until the returned guard is dropped: when its client leaves, the
    /// handler's future is dropped, and the guard with it.
    fn watch(&self) -> Viewer {
        self.viewers.fetch_add(1, Ordering::Relaxed);
        Viewer(self.viewers.clone())
    }
}

struct Viewer(Arc<AtomicU64>);

impl Drop for Viewer {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A load between 0 and 100 % that drifts like a busy machine's: a slow wave and a faster
/// ripple, rounded to one decimal.
fn fake_cpu_load(uptime: Duration) -> f64 {
    let t = uptime.as_secs_f64();
    let load = 45.0 + 30.0 * (t / 20.0).sin() + 10.0 * (t * 1.3).sin();
    (load.clamp(0.0, 100.0) * 10.0).round() / 10.0
}

/// Counts every request the service answers, streams included.
async fn count_requests(
    State(dashboard): State<Dashboard>,
    request: Request,
    next: Next,
) -> Response {
    dashboard.requests.fetch_add(1, Ordering::Relaxed);
    next.run(request).await
}

/// Live metrics of the service.
///
/// Sends a `metrics` snapshot at once, then one every period, until the client leaves.
#[sse_handler(get, "/metrics", tag = "dashboard", errors(500))]
pub async fn metrics(
    State(dashboard): State<Dashboard>,
    tx: Sender<DashboardEvent>,
) -> Result<(), Error> {
    let _viewer = dashboard.watch();
    tx.every(dashboard.period, || {
        let snapshot = DashboardEvent::Metrics(dashboard.snapshot());
        async move { Ok(Some(snapshot)) }
    })
    .await
}

/// The dashboard page: the numbers of the `metrics` stream, live.
#[utoipa::path(get, path = "/", responses(
    (status = 200, description = "The page (HTML).", content_type = "text/html", body = String)
))]
async fn page() -> Html<&'static str> {
    Html(include_str!("index.html"))
}

/// tidings' own counters (open streams, events and bytes sent, ...), for Prometheus to scrape.
///
/// At `/prometheus`, since the dashboard's own stream is at `/metrics`.
#[utoipa::path(get, path = "/prometheus", tag = "dashboard", responses(
    (status = 200, description = "The counters, in Prometheus' text format.",
        content_type = "text/plain", body = String),
    (status = 404, description = "The service runs without a metrics recorder.",
        content_type = "text/plain", body = String)
))]
async fn prometheus(
    State(dashboard): State<Dashboard>,
) -> Result<String, (StatusCode, &'static str)> {
    match &dashboard.prometheus {
        Some(prometheus) => Ok(prometheus.render()),
        None => Err((
            StatusCode::NOT_FOUND,
            "this service runs without a metrics recorder",
        )),
    }
}

/// The whole API: the stream, the counters and the page, one document of them all
/// (`/openapi.json`) and its page (`/docs`). Triggering `shutdown` ends every open stream, so
/// a graceful shutdown completes.
pub fn api(shutdown: tidings::Shutdown) -> SseApi<Dashboard> {
    SseApi::stateful("Dashboard", "1.0.0")
        .tag("dashboard", "Live metrics of the service.")
        .handler(metrics)
        .routes(routes!(prometheus))
        .routes(routes!(page))
        .serve_openapi_json("/openapi.json")
        .serve_docs("/docs")
        .shutdown(shutdown)
}

/// The whole service: the metrics stream and the browser page, every request counted. Streams
/// send a snapshot every `period`. `/prometheus` answers `404`: see [`app_with_prometheus`].
pub fn app(period: Duration, shutdown: tidings::Shutdown) -> Router {
    service(Dashboard::new(period, None), shutdown)
}

/// [`app`], with tidings' counters at `/prometheus` as the recorder `prometheus` renders them.
pub fn app_with_prometheus(
    period: Duration,
    prometheus: PrometheusHandle,
    shutdown: tidings::Shutdown,
) -> Router {
    service(Dashboard::new(period, Some(prometheus)), shutdown)
}

fn service(dashboard: Dashboard, shutdown: tidings::Shutdown) -> Router {
    api(shutdown)
        .into_router()
        .layer(middleware::from_fn_with_state(
            dashboard.clone(),
            count_requests,
        ))
        .with_state(dashboard)
}
