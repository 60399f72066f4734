use tidings::sse_events;

#[sse_events]
enum ChatEvent {
    #[sse(rename = "")]
    Message(String),
}

fn main() {}
