use tidings::sse_events;

// One compile shows every mistake, not just the first.
#[sse_events(rename_all = "Title Case")]
enum ChatEvent {
    #[sse(rename = "")]
    Empty,
    #[sse(default)]
    First(String),
    #[sse(default)]
    Second(String),
    #[sse(rename = "dup")]
    A,
    #[sse(rename = "dup")]
    B,
}

fn main() {}
