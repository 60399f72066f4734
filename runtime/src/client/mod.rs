//! The client side: decoding an event stream back into events.

mod decoder;

pub use decoder::*;
