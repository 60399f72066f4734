//! The connection beneath every stream: [`WriteDeadline`](write_deadline::WriteDeadline), a
//! listener whose connections are closed when a peer stops reading or never speaks. Uses
//! nothing of tidings.

pub(crate) mod write_deadline;
