use tidings::sse_events;

#[derive(serde::Serialize)]
struct NoSchema {
    x: u32,
}

#[sse_events]
enum ChatEvent {
    Item(NoSchema),
}

fn main() {}
