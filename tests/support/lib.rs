//! Helpers shared by the integration tests: a tidings router served on a real loopback socket.
