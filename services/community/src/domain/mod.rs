//! Community's rules, free of I/O: member types, workshop and attendance rules,
//! knowledge kinds, and the registration state machine.
pub mod model;
pub mod registration;
pub mod rules;
