use tidings::sse_events;

struct Plain {
    x: u32,
}

#[sse_events]
enum ChatEvent {
    Message { text: String, plain: Plain },
}

fn main() {}
