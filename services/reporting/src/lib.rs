//! The reporting service: its own copy of every integration event, read models built
//! from it (order- and duplicate-independent, rebuildable), the evaluation, funding
//! accountability and an anonymised, shareable report.
pub mod access;
pub mod api;
pub mod app;
pub mod domain;
pub mod export;
pub mod handlers;
pub mod projection;
pub mod store;

pub use app::Application;
