use tidings::sse_events;

#[sse_events(rename_all = "snake_case")]
enum ChatEvent {
    UserJoined(String),
    #[sse(rename = "user_joined")]
    Joined(String),
}

fn main() {}
