//! Community's rules, free of I/O: the commands callers give, member types, workshop
//! and attendance rules, knowledge kinds, and the registration state machine.
pub mod commands;
pub mod model;
pub mod registration;
pub mod rules;
pub mod snippet;
pub mod workshop;
