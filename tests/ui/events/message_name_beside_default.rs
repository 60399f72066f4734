use tidings::sse_events;

#[sse_events(rename_all = "snake_case")]
enum ChatEvent {
    Message(String),
    #[sse(default)]
    Notice(String),
}

fn main() {}
