use tidings::sse_events;

#[sse_events]
enum ChatEvent {
    #[sse(raw)]
    Tick,
    #[sse(raw)]
    Message { text: String },
}

fn main() {}
