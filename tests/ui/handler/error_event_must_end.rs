use tidings::{sse_events, sse_handler, Error, Sender};

#[sse_events]
enum Job {
    Progress(u32),
    Failed(String),
    #[sse(end)]
    Gave(String),
}

/// The failure is not `#[sse(end)]`: a client would reconnect and run the job again.
#[sse_handler(get, "/a", error_event = |error: &Error| Job::Failed(error.to_string()))]
async fn not_final(tx: Sender<Job>) -> Result<(), Error> {
    tx.send(Job::Progress(1)).await
}

/// One arm of two makes an event that does not end the stream.
#[sse_handler(get, "/b", error_event = |error: &Error| match error {
    Error::Disconnected => Job::Gave("gone".into()),
    _ => Job::Failed(error.to_string()),
})]
async fn one_arm(tx: Sender<Job>) -> Result<(), Error> {
    tx.send(Job::Progress(1)).await
}

fn to_event(error: &Error) -> Job {
    Job::Gave(error.to_string())
}

/// A function hides which event it makes.
#[sse_handler(get, "/c", error_event = to_event)]
async fn hidden(tx: Sender<Job>) -> Result<(), Error> {
    tx.send(Job::Progress(1)).await
}

/// So does a closure that calls one.
#[sse_handler(get, "/d", error_event = |error: &Error| to_event(error))]
async fn called(tx: Sender<Job>) -> Result<(), Error> {
    tx.send(Job::Progress(1)).await
}

fn main() {}
