use tidings::sse_events;

#[sse_events]
enum Events<T> {
    Item(T),
}

#[sse_events]
enum Borrowed<'a> {
    Item(&'a str),
}

fn main() {}
