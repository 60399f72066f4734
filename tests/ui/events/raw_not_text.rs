use tidings::sse_events;

#[sse_events]
enum ChatEvent {
    #[sse(raw)]
    Count(u64),
}

fn main() {}
