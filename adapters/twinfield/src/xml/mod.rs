//! XML on the wire: writing payloads and envelopes, reading replies as streams.

pub mod read;
pub mod soap;
pub mod write;

pub use read::{parse_document, Ev, Node, Pull};
pub use write::XmlDoc;
