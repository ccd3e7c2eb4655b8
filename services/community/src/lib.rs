//! The community service: members (companies and partners), workshops with a fair
//! wait list, attendance and feedback, and a knowledge library searchable in Dutch.
pub mod access;
pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod handlers;
pub mod store;

pub use app::Application;
