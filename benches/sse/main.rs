//! The server benchmark program: tidings against axum 0.8's own `Sse` (and, for throughput, a
//! raw socket writer as the ceiling), every scenario of BENCHMARKS.md in one run.
//!
//! `cargo bench --bench sse` runs everything; `-- --quick` is a smoke run of seconds with small
//! counts (CI runs it so the program cannot rot; its figures mean nothing); `-- --scenario P1,P3`
//! picks scenarios, `-- --only A2,C` parts of them; `-- --rounds N` sets the rounds of every
//! scenario picked.
//!
//! - P1 throughput over HTTP/1.1, one stream and four ([`throughput`]).
//! - P2 hub fan-out: 10,000 subscribers at 10 events/s ([`hub_fanout`]).
//! - P3 encoding cost per event, in process, no socket ([`encoding`]).
//! - P4 10,000 idle streams with keep-alive on, over HTTP/1.1 and over h2c ([`idle`]).
//! - P5 throughput over HTTP/2 (h2c, prior knowledge) ([`throughput`]).
//!
//! These machines are shared and noisy, so every scenario alternates its contenders round by
//! round in the same run and reports medians and ratios; each prints its targets (issues #9, #18)
//! as met or missed, and the program repeats them all at the end. Nothing here asserts a timing:
//! a client that did not receive every event it asked for fails the run, a slow one does not.
//!
//! One harness for all of it, hand-written (alternating rounds, medians, `black_box`) rather than
//! criterion: the socket scenarios need a server child process and their own rounds anyway, and
//! one program keeps every figure comparable and in one output.
//!
//! The servers run in a child process, this same binary re-executed with `--serve ...`
//! ([`child`]), so their CPU time and memory can be read from `/proc` apart from the client's.

mod child;
mod client;
mod count;
mod encoding;
mod hub_fanout;
mod idle;
mod payload;
mod procfs;
mod report;
mod streams;
mod throughput;

use report::Verdict;

/// What the command line asked for.
pub struct Options {
    pub quick: bool,
    rounds: Option<usize>,
    scenarios: Option<Vec<String>>,
    /// `--only A2,C`: of a scenario's parts (P2's A, A2, B, C), only these.
    parts: Option<Vec<String>>,
}

impl Options {
    fn parse(args: &[String]) -> Options {
        Options {
            quick: args.iter().any(|a| a == "--quick"),
            rounds: flag_value(args, "--rounds").map(|n| n.parse().expect("--rounds N")),
            scenarios: flag_value(args, "--scenario")
                .map(|list| list.split(',').map(|s| s.trim().to_uppercase()).collect()),
            parts: flag_value(args, "--only")
                .map(|list| list.split(',').map(|s| s.trim().to_uppercase()).collect()),
        }
    }

    /// The full run's figure, or the quick run's.
    pub fn scale<T>(&self, full: T, quick: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// Measured rounds per contender: `--rounds`, else the scenario's own default (1 if quick).
    pub fn rounds(&self, full: usize) -> usize {
        self.rounds.unwrap_or(self.scale(full, 1)).max(1)
    }

    /// Whether `--only` leaves in the part `key` of a scenario.
    pub fn wants_part(&self, key: &str) -> bool {
        self.parts
            .as_ref()
            .is_none_or(|list| list.iter().any(|k| k == key))
    }

    fn wants(&self, scenario: &str) -> bool {
        self.scenarios
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == scenario))
    }
}

/// The value after `flag`, as in `--rounds 3`.
pub fn flag_value(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(server) = flag_value(&args, "--serve") {
        return serve(&server, &args);
    }
    let options = Options::parse(&args);
    let started = std::time::Instant::now();
    println!("{}", procfs::machine_summary());
    println!(
        "mode: {}\n",
        options.scale("full", "quick (a smoke run: the figures mean nothing)")
    );

    let mut verdicts: Vec<Verdict> = Vec::new();
    if options.wants("P1") {
        verdicts.extend(throughput::run(&options, throughput::Protocol::Http1));
    }
    if options.wants("P2") {
        verdicts.extend(hub_fanout::run(&options));
    }
    if options.wants("P3") {
        verdicts.extend(encoding::run(&options));
    }
    if options.wants("P4") {
        verdicts.extend(idle::run(&options));
    }
    if options.wants("P5") {
        verdicts.extend(throughput::run(&options, throughput::Protocol::H2c));
    }

    report::print_verdicts(&verdicts);
    println!(
        "\nfinished in {:.0} s; load average at the end: {}",
        started.elapsed().as_secs_f64(),
        procfs::load_average()
    );
}

/// The child process side: `--serve <server> [its flags]`.
fn serve(server: &str, args: &[String]) {
    match server {
        "streams" => streams::serve(),
        "fanout-tidings" | "fanout-tidings-redis" | "fanout-axum" => {
            hub_fanout::serve(&server["fanout-".len()..], args)
        }
        "idle-tidings" | "idle-axum" => idle::serve(&server["idle-".len()..], args),
        other => panic!("unknown server {other:?}"),
    }
}
