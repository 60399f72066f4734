use tidings::sse_events;

#[sse_events(rename_al = "snake_case")]
enum ChatEvent {
    #[sse(renamed = "x")]
    Text(String),
    #[sse(skip)]
    Other(String),
}

fn main() {}
