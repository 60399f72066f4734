//! The example services' apps, as a library: each binary (`cargo run -p tidings-examples --bin
//! chat`) serves one with [`serve::serve`], and the integration tests drive the same routers.

#[path = "chat/app.rs"]
pub mod chat;
#[path = "dashboard/app.rs"]
pub mod dashboard;
#[path = "llm/app.rs"]
pub mod llm;
#[path = "logs/app.rs"]
pub mod logs;
#[path = "common/serve.rs"]
pub mod serve;
#[path = "stocks/app.rs"]
pub mod stocks;
