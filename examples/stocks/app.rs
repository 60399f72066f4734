//! Live stock prices: each symbol is a topic of a [`Hub`], and `GET /stocks/{symbol}/events`
//! follows one. A browser that reconnects with its `Last-Event-ID` gets the prices it missed
//! from the hub's replay window; when they are no longer kept, a `reset` tells it its chart has
//! a gap, and live prices follow.

#[path = "ticker.rs"]
pub mod ticker;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tidings::hub::{Hub, Resume};
use tidings::openapi::DocumentedError;
use tidings::{sse_events, sse_handler, Error, LastEventId, Sender, SseApi};
use utoipa_axum::routes;

/// The symbols traded; each is a topic of the hub.
pub const SYMBOLS: &[&str] = &["ACME", "GLOBEX", "INITECH"];

/// How many prices each symbol keeps for clients that reconnect (`main.rs` builds its hub with
/// it).
pub const REPLAY: usize = 100;
/// How many of the newest prices a first visit starts with: a chart that is not empty.
pub const HISTORY: usize = 60;

/// How often `main.rs` has the ticker publish a price for every symbol.
pub const PERIOD: Duration = Duration::from_millis(700);

/// A symbol's price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Quote {
    /// The stock's symbol.
    pub symbol: String,
    /// The price, in dollars and whole cents.
    pub price: f64,
}

/// What happens to one symbol.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
pub enum StockEvent {
    /// A new price.
    Price(Quote),
    /// The prices since the client's `Last-Event-ID` are no longer kept (a symbol keeps only
    /// its latest prices, and a restart forgets them): the client's history has a gap, so it
    /// should start its chart over. Sent without an id; live prices follow.
    Reset,
}

/// Why a price stream did not start.
#[derive(Debug)]
pub enum StocksError {
    /// No stock has that symbol.
    UnknownSymbol(String),
    /// The hub or the stream failed.
    Tidings(Error),
}

impl From<Error> for StocksError {
    fn from(e: Error) -> Self {
        StocksError::Tidings(e)
    }
}

impl IntoResponse for StocksError {
    fn into_response(self) -> Response {
        match self {
            StocksError::UnknownSymbol(symbol) => (
                StatusCode::NOT_FOUND,
                Json(serde_json::json!({ "error": format!("no stock with symbol `{symbol}`") })),
            )
                .into_response(),
            StocksError::Tidings(e) => e.into_response(),
        }
    }
}

/// What the API document says `StocksError` answers: `404`, and the hub's and sender's.
impl DocumentedError for StocksError {
    fn responses(doc: &mut tidings::openapi::OperationDoc) {
        doc.response(
            "404",
            tidings::openapi::Response::new("No stock has that symbol.").with_content(
                "application/json",
                schemars::json_schema!({
                    "type": "object",
                    "properties": { "error": { "type": "string" } },
                    "required": ["error"]
                }),
            ),
        );
        Error::responses(doc);
    }
}

/// The state of the service: the hub that carries each symbol's prices.
#[derive(Clone)]
pub struct Market {
    hub: Hub<StockEvent>,
}

/// The symbol named `name`, or the `404` to answer.
fn symbol(name: &str) -> Result<&'static str, StocksError> {
    SYMBOLS
        .iter()
        .copied()
        .find(|symbol| *symbol == name)
        .ok_or_else(|| StocksError::UnknownSymbol(name.to_owned()))
}

/// Live prices of one stock.
///
/// A first visit gets the newest prices kept (up to 60, for the chart), then live prices. A reconnection with `Last-Event-ID` gets the prices it
/// missed, then live ones; when they are no longer kept, `reset`, then live prices.
#[sse_handler(get, "/stocks/{symbol}/events", tag = "stocks", errors(404, 503, 500))]
pub async fn stock_events(
    Path(name): Path<String>,
    State(market): State<Market>,
    last: LastEventId,
    tx: Sender<StockEvent>,
) -> Result<(), StocksError> {
    let symbol = symbol(&name)?;
    let subscription = market
        .hub
        .subscribe_with_history(symbol, &last, HISTORY)
        .await?;
    if subscription.resume() == Resume::TooOld {
        tx.send(StockEvent::Reset).await?;
    }
    // Missed prices, then live ones. It returns when the hub drops a client too slow to keep
    // up: the stream ends, and the browser reconnects and resumes from its last id.
    tx.forward(subscription).await?;
    Ok(())
}

/// The symbols with a price stream, for the page's picker.
#[utoipa::path(get, path = "/stocks", tag = "stocks", responses(
    (status = 200, description = "Every symbol, in the page's order.", body = [String],
        example = json!(["ACME", "GLOBEX", "INITECH"]))
))]
async fn symbols() -> Json<&'static [&'static str]> {
    Json(SYMBOLS)
}

/// The stocks page: a chart per symbol, the last prices first, then live.
#[utoipa::path(get, path = "/", responses(
    (status = 200, description = "The page (HTML).", content_type = "text/html", body = String)
))]
async fn page() -> Html<&'static str> {
    Html(include_str!("index.html"))
}

/// The whole API: the price streams, the list of symbols and the page, one document of them
/// all (`/openapi.json`) and its page (`/docs`). Triggering `shutdown` ends every open stream,
/// so a graceful shutdown completes.
pub fn api(shutdown: tidings::Shutdown) -> SseApi<Market> {
    SseApi::stateful("Stocks", "1.0.0")
        .tag("stocks", "Live prices, one stream per symbol.")
        .handler(stock_events)
        .routes(routes!(symbols))
        .routes(routes!(page))
        .serve_openapi_json("/openapi.json")
        .serve_docs("/docs")
        .shutdown(shutdown)
}

/// The whole service over `hub`. Prices come from whoever publishes to `hub`
/// ([`ticker::run`] in `main.rs`).
pub fn app(hub: Hub<StockEvent>, shutdown: tidings::Shutdown) -> Router {
    api(shutdown).into_router().with_state(Market { hub })
}
