//! Text analysis for searching the knowledge base (issue 3 builds the index on
//! top of it). No I/O: plain functions over words.

pub mod analyze;
pub mod latvian;
