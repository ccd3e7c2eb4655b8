//! Reporting's rules, free of I/O: the read-model facts as plain values, the
//! figures computed from them, the anonymity rules (suppression), releases, and the
//! queries and the one command callers give.
pub mod audit;
pub mod figures;
pub mod model;
pub mod queries;
pub mod release;
pub mod suppression;
