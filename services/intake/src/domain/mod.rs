//! Intake's rules, free of I/O: the commands callers give, where an organisation
//! belongs, what a participant's origin allows, the scan's life cycle and how a scan is
//! scored.
pub mod commands;
pub mod model;
pub mod participant;
pub mod programme;
pub mod scan;
pub mod scoring;
