//! P1 and P5, throughput: events per second through one stream and through four at once, as
//! fast as the client reads, over HTTP/1.1 (P1: tidings, axum's two ways, the ceiling) and
//! over h2c (P5: tidings and axum; the ceiling speaks only HTTP/1.1).
//!
//! The servers are [`crate::streams`] in one child process. Each round opens fresh connections
//! (HTTP/1.1: one per stream; HTTP/2: one connection carrying all the streams), reads every
//! stream to its end and checks it got every event; round 0 warms up and is not counted. The
//! contenders take turns within a round, in reverse order every other round, so drift in the
//! machine's load falls on all of them.

use crate::child::Server;
use crate::client::{connect_h2, drain_h2, drain_http1, Reading};
use crate::report::{median, print_targets, ratio, with_commas, Verdict};
use crate::Options;
use std::net::SocketAddr;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq)]
pub enum Protocol {
    Http1,
    H2c,
}

struct Contender {
    name: &'static str,
    path: &'static str,
    /// Served on the ceiling's own port.
    ceiling: bool,
}

const TIDINGS: usize = 0;
const AXUM_ITER: usize = 1;
const AXUM_CHANNEL: usize = 2;
const CEILING: usize = 3;

const CONTENDERS: [Contender; 4] = [
    Contender {
        name: "tidings Sender",
        path: "/tidings",
        ceiling: false,
    },
    Contender {
        name: "axum Sse, stream::iter",
        path: "/axum-iter",
        ceiling: false,
    },
    Contender {
        name: "axum Sse, task + mpsc",
        path: "/axum-channel",
        ceiling: false,
    },
    Contender {
        name: "ceiling (raw socket writer)",
        path: "/ceiling",
        ceiling: true,
    },
];

/// The targets: tidings against axum's best case, and against the ceiling.
const TARGET_HTTP1_VS_AXUM: f64 = 2.0;
const TARGET_HTTP1_VS_CEILING: f64 = 0.5;
const TARGET_H2_VS_AXUM: f64 = 1.5;

pub fn run(options: &Options, protocol: Protocol) -> Vec<Verdict> {
    let events = options.scale(200_000, 2_000);
    let rounds = options.rounds(7);
    let (key, title, contenders) = match protocol {
        Protocol::Http1 => ("P1", "HTTP/1.1", &CONTENDERS[..]),
        Protocol::H2c => ("P5", "h2c", &CONTENDERS[..CEILING]),
    };
    let server = Server::start(&["streams"]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "==== {key}: throughput over {}, events/s as fast as the client reads",
        match protocol {
            Protocol::Http1 => "HTTP/1.1",
            Protocol::H2c => "HTTP/2 (h2c, prior knowledge)",
        }
    );

    let mut verdicts = Vec::new();
    // The parsing client first: it is what users see, and what the targets are read from.
    for (reading, streams) in [Reading::Parse, Reading::Count]
        .into_iter()
        .flat_map(|reading| [(reading, 1), (reading, 4)])
    {
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
        for round in 0..=rounds {
            let mut order: Vec<usize> = (0..contenders.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for c in order {
                let contender = &contenders[c];
                let addr = server.addrs()[usize::from(contender.ceiling)];
                let path = format!("{}?events={events}", contender.path);
                let rate =
                    runtime.block_on(measure(protocol, addr, &path, streams, events, reading));
                if round > 0 {
                    rates[c].push(rate);
                }
            }
        }

        println!(
            "\n{key}, {streams} stream(s) x {} events, {}, median of {rounds} round(s) after a warm-up round",
            with_commas(events as usize),
            reading.name()
        );
        println!(
            "{:<28} {:>11} {:>11} {:>13} {:>10}   rounds (k events/s)",
            "contender", "k events/s", "/ axum iter", "/ axum mpsc", "/ ceiling"
        );
        let medians: Vec<f64> = rates.iter().map(|r| median(r.clone())).collect();
        let ceiling = medians.get(CEILING).copied().unwrap_or(f64::NAN);
        for (c, contender) in contenders.iter().enumerate() {
            let rounds: Vec<String> = rates[c].iter().map(|r| format!("{:.0}", r / 1e3)).collect();
            println!(
                "{:<28} {:>11.0} {:>11} {:>13} {:>10}   {}",
                contender.name,
                medians[c] / 1e3,
                ratio(medians[c], medians[AXUM_ITER]),
                ratio(medians[c], medians[AXUM_CHANNEL]),
                ratio(medians[c], ceiling),
                rounds.join(" ")
            );
        }

        if reading == Reading::Count {
            continue; // for comparison with earlier runs and with the server alone
        }
        let scenario = format!("{key} {title}, {streams} stream(s), {}", reading.name());
        let vs_axum = medians[TIDINGS] / medians[AXUM_ITER];
        match protocol {
            Protocol::Http1 => {
                verdicts.push(Verdict::at_least(
                    &scenario,
                    "tidings / axum stream::iter",
                    vs_axum,
                    TARGET_HTTP1_VS_AXUM,
                    "x",
                ));
                verdicts.push(Verdict::at_least(
                    &scenario,
                    "tidings / ceiling",
                    medians[TIDINGS] / ceiling,
                    TARGET_HTTP1_VS_CEILING,
                    "x",
                ));
            }
            Protocol::H2c => verdicts.push(Verdict::at_least(
                &scenario,
                "tidings / axum stream::iter",
                vs_axum,
                TARGET_H2_VS_AXUM,
                "x",
            )),
        }
    }
    print_targets(&verdicts);
    verdicts
}

/// Reads `streams` whole streams of `events` events at once; returns events per second.
async fn measure(
    protocol: Protocol,
    addr: SocketAddr,
    path: &str,
    streams: usize,
    events: u64,
    reading: Reading,
) -> f64 {
    let start = Instant::now();
    let mut readers = Vec::with_capacity(streams);
    match protocol {
        Protocol::Http1 => {
            for _ in 0..streams {
                let path = path.to_owned();
                readers.push(tokio::spawn(async move {
                    drain_http1(addr, &path, reading).await
                }));
            }
        }
        Protocol::H2c => {
            let connection = connect_h2(addr).await;
            for _ in 0..streams {
                let (connection, path) = (connection.clone(), path.to_owned());
                readers.push(tokio::spawn(async move {
                    drain_h2(connection, &path, reading).await
                }));
            }
        }
    }
    for reader in readers {
        let received = reader
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{path}: the stream failed: {e}"));
        assert_eq!(received, events, "{path}: events received");
    }
    (streams as u64 * events) as f64 / start.elapsed().as_secs_f64()
}
