use tidings::sse_events;

#[sse_events]
enum ChatEvent {
    Pair(String, u32),
}

fn main() {}
