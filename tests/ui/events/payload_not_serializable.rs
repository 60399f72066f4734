use tidings::sse_events;

#[derive(schemars::JsonSchema)]
struct NotSerialize {
    x: u32,
}

#[sse_events]
enum ChatEvent {
    Item(NotSerialize),
}

fn main() {}
