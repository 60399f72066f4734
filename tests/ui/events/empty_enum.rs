use tidings::sse_events;

#[sse_events]
enum Nothing {}

fn main() {}
