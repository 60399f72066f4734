use tidings::sse_events;

#[sse_events]
struct ChatEvent {
    text: String,
}

#[sse_events]
union Bits {
    a: u32,
}

fn main() {}
