//! Intake's rules, free of I/O: what a valid organisation, participant, scan answer
//! and learning need is, and how a scan is scored.
pub mod model;
pub mod scan;
pub mod scoring;
pub mod validation;
