use tidings::sse_events;

#[sse_events]
enum ChatEvent {
    #[sse(rename = "a\nb")]
    Message(String),
    #[sse(rename = "carriage\rreturn")]
    Other,
    #[sse(rename = "nul\0")]
    Third,
}

fn main() {}
