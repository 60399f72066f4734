use tidings::sse_events;

#[sse_events]
enum ChatEvent {
    #[sse(default)]
    Text(String),
    #[sse(default)]
    Other(String),
}

fn main() {}
