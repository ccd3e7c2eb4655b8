//! Reporting's rules, free of I/O: the read-model facts as plain values, the
//! figures computed from them, and the anonymity rules (suppression).
pub mod figures;
pub mod model;
pub mod suppression;
