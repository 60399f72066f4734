//! A made-up market: every period, each symbol's price takes a small random step, published to
//! the symbol's topic on the hub.

use super::{Quote, StockEvent, SYMBOLS};
use std::time::Duration;
use tidings::hub::Hub;

/// Where the prices start, one per symbol of [`SYMBOLS`].
const OPENING: [f64; 3] = [101.25, 42.50, 7.25];

/// Publishes a price for every symbol every `period`, forever.
pub async fn run(hub: Hub<StockEvent>, period: Duration) {
    let mut prices = OPENING;
    let mut random = Random::seeded();
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        for (symbol, price) in SYMBOLS.iter().zip(&mut prices) {
            // A step of up to 1 % either way, in whole cents, never below a cent.
            let step = *price * 0.01 * (random.unit() * 2.0 - 1.0);
            *price = (((*price + step) * 100.0).round() / 100.0).max(0.01);
            let quote = Quote {
                symbol: (*symbol).to_owned(),
                price: *price,
            };
            if let Err(e) = hub.publish(symbol, StockEvent::Price(quote)).await {
                tracing::warn!(symbol, error = %e, "a price could not be published");
            }
        }
    }
}

/// xorshift64: plenty for a made-up market, and no dependency.
struct Random(u64);

impl Random {
    fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Random(u64::from(nanos) | 1)
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
