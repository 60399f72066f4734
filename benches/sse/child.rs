//! The server child process: this binary re-executed with `--serve <server> ...`, so a server's
//! CPU time and memory can be read from `/proc` apart from the load client's.
//!
//! Every server, tidings' or axum's or the ceiling, runs on the same runtime ([`run`]):
//! multi-thread tokio with the default workers (one per core), listening on loopback ports that
//! it prints on its first line of output. It exits when its stdin closes, that is when the
//! bench drops the [`Server`] or dies.

use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use tokio::net::TcpListener;

/// A running server child, killed when dropped.
pub struct Server {
    child: Child,
    _stdin: ChildStdin,
    pub pid: u32,
    addrs: Vec<SocketAddr>,
}

impl Server {
    /// Starts `<this binary> --serve <args...>` and waits for the ports it listens on.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--serve")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addrs = line
            .split_whitespace()
            .map(|port| {
                let port: u16 = port.parse().expect("the server prints its ports");
                SocketAddr::from(([127, 0, 0, 1], port))
            })
            .collect::<Vec<_>>();
        assert!(!addrs.is_empty(), "the server {args:?} printed no port");
        Server {
            _stdin: child.stdin.take().unwrap(),
            pid: child.id(),
            addrs,
            child,
        }
    }

    /// The first port the server printed.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: runs `server` on the servers' runtime until the bench goes away.
pub fn run(server: impl Future<Output = ()>) {
    // Ends with the bench: its stdin closes when the bench drops or loses it.
    std::thread::spawn(|| {
        let mut sink = [0; 64];
        while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(server);
}

/// A listener on a free loopback port.
pub async fn listen() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

/// Tells the bench where to connect: the ports, on one line, in the order given.
pub fn announce(listeners: &[&TcpListener]) {
    let ports: Vec<String> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port().to_string())
        .collect();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", ports.join(" ")).unwrap();
    stdout.flush().unwrap();
}
