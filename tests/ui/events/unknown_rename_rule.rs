use tidings::sse_events;

#[sse_events(rename_all = "snake")]
enum ChatEvent {
    Text(String),
}

fn main() {}
