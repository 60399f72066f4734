//! The stocks example, in-process: a stream follows one symbol's topic on the hub; a
//! reconnection gets exactly the prices it missed; an id the hub cannot resume from gets
//! `reset`, then live prices; an unknown symbol is a `404` before any event; the ticker feeds
//! every symbol.

use tidings_examples::stocks as app;
use tidings_test_support::example_pages;

use app::{Quote, StockEvent};
use example_pages::{assert_serves_page_and_docs, streamed_events};
use http::StatusCode;
use std::time::Duration;
use tidings::hub::Hub;
use tidings::testing::{TestClient, TestStream};
use tidings::Shutdown;

fn hub() -> Hub<StockEvent> {
    Hub::builder().replay(app::REPLAY).build()
}

fn client(hub: &Hub<StockEvent>) -> TestClient {
    TestClient::new(app::app(hub.clone(), Shutdown::new()))
}

fn price(symbol: &str, price: f64) -> StockEvent {
    StockEvent::Price(Quote {
        symbol: symbol.to_owned(),
        price,
    })
}

/// Publishes `price` for `symbol`; returns its id.
async fn publish(hub: &Hub<StockEvent>, symbol: &str, dollars: f64) -> String {
    let id = hub.publish(symbol, price(symbol, dollars)).await.unwrap();
    id.as_str().to_owned()
}

/// The next `n` events as `(id, event)`.
async fn next_events(stream: &mut TestStream, n: usize) -> Vec<(String, StockEvent)> {
    let mut events = Vec::new();
    while events.len() < n {
        let typed = stream.next::<StockEvent>().await.unwrap();
        let typed = typed.unwrap_or_else(|| panic!("the stream ended after {events:?}"));
        events.push((typed.id, typed.event));
    }
    events
}

#[tokio::test]
async fn a_subscriber_gets_the_prices_of_its_symbol_only() {
    let hub = hub();
    let client = client(&hub);
    let mut acme = client.get("/stocks/ACME/events").await;
    assert_eq!(acme.status(), StatusCode::OK);

    let first = publish(&hub, "ACME", 101.5).await;
    publish(&hub, "GLOBEX", 42.0).await;
    let second = publish(&hub, "ACME", 101.75).await;
    assert_eq!(
        next_events(&mut acme, 2).await,
        [
            (first, price("ACME", 101.5)),
            (second, price("ACME", 101.75))
        ]
    );
}

#[tokio::test]
async fn a_first_visit_starts_with_the_newest_prices_kept_so_its_chart_is_not_empty() {
    let hub = hub();
    let client = client(&hub);
    let mut ids = Vec::new();
    for n in 0..app::HISTORY + 5 {
        ids.push(publish(&hub, "ACME", 100.0 + n as f64).await);
    }
    let mut acme = client.get("/stocks/ACME/events").await;
    let first = next_events(&mut acme, app::HISTORY).await;
    assert_eq!(first[0], (ids[5].clone(), price("ACME", 105.0)));
    assert_eq!(
        first[app::HISTORY - 1],
        (ids[app::HISTORY + 4].clone(), price("ACME", 164.0))
    );
    let live = publish(&hub, "ACME", 99.0).await;
    assert_eq!(
        next_events(&mut acme, 1).await,
        [(live, price("ACME", 99.0))]
    );
}

#[tokio::test]
async fn a_reconnect_with_the_last_seen_id_gets_exactly_the_prices_it_missed_then_live() {
    let hub = hub();
    let client = client(&hub);
    let mut acme = client.get("/stocks/ACME/events").await;
    let seen = publish(&hub, "ACME", 100.0).await;
    assert_eq!(
        next_events(&mut acme, 1).await,
        [(seen.clone(), price("ACME", 100.0))]
    );
    drop(acme); // the connection drops

    let missed_1 = publish(&hub, "ACME", 100.5).await;
    publish(&hub, "INITECH", 7.0).await;
    let missed_2 = publish(&hub, "ACME", 99.25).await;
    let mut acme = client.resume("/stocks/ACME/events", &seen).await;
    assert_eq!(
        next_events(&mut acme, 2).await,
        [
            (missed_1, price("ACME", 100.5)),
            (missed_2, price("ACME", 99.25))
        ]
    );
    let live = publish(&hub, "ACME", 98.0).await;
    assert_eq!(
        next_events(&mut acme, 1).await,
        [(live, price("ACME", 98.0))]
    );
}

#[tokio::test]
async fn a_reconnect_the_hub_cannot_resume_gets_reset_then_live_prices() {
    let hub = hub();
    let client = client(&hub);
    publish(&hub, "GLOBEX", 40.0).await;
    let mut globex = client.resume("/stocks/GLOBEX/events", "not-an-id").await;
    assert_eq!(
        next_events(&mut globex, 1).await,
        [(String::new(), StockEvent::Reset)]
    );
    let live = publish(&hub, "GLOBEX", 41.0).await;
    assert_eq!(
        next_events(&mut globex, 1).await,
        [(live, price("GLOBEX", 41.0))]
    );
}

#[tokio::test]
async fn an_unknown_symbol_is_a_404_with_a_reason_and_creates_no_topic() {
    let hub = hub();
    let refused = client(&hub).get("/stocks/NOPE/events").await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(refused.headers()["content-type"], "application/json");
    assert_eq!(
        refused.text().await.unwrap(),
        r#"{"error":"no stock with symbol `NOPE`"}"#
    );
    assert_eq!(hub.stats().topics, 0, "{:?}", hub.stats());
}

#[tokio::test]
async fn the_ticker_publishes_prices_in_cents_to_every_symbol() {
    let hub = hub();
    let client = client(&hub);
    let mut streams = Vec::new();
    for symbol in app::SYMBOLS {
        streams.push((
            symbol,
            client.get(&format!("/stocks/{symbol}/events")).await,
        ));
    }
    let ticker = tokio::spawn(app::ticker::run(hub.clone(), Duration::from_millis(5)));
    for (symbol, stream) in &mut streams {
        for (id, event) in next_events(stream, 3).await {
            let StockEvent::Price(quote) = event else {
                panic!("not a price: {event:?}");
            };
            assert_eq!(quote.symbol, **symbol);
            assert!(quote.price >= 0.01, "{quote:?}");
            assert_eq!(quote.price, (quote.price * 100.0).round() / 100.0);
            assert!(!id.is_empty());
        }
    }
    ticker.abort();
}

#[tokio::test]
async fn the_symbols_are_listed_for_the_picker() {
    let listed = client(&hub()).get("/stocks").await.text().await.unwrap();
    assert_eq!(listed, r#"["ACME","GLOBEX","INITECH"]"#);
}

#[tokio::test]
async fn the_api_document_describes_the_price_stream_its_reset_and_the_404() {
    let document = app::api(Shutdown::new()).openapi_json();
    let path = "/stocks/{symbol}/events";
    assert_eq!(
        streamed_events(&document, path, "get"),
        [("Price".to_owned(), false), ("Reset".to_owned(), false)]
    );
    let operation = &document["paths"][path]["get"];
    assert!(
        operation["responses"]["404"]["content"]["application/json"].is_object(),
        "{operation}"
    );
}

#[tokio::test]
async fn the_page_and_docs_are_served() {
    assert_serves_page_and_docs(&client(&hub())).await;
}
