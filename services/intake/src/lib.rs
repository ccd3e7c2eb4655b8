//! The intake service: organisations, participants (the only place with names and
//! e-mail addresses), learning-culture scans and learning needs.
pub mod access;
pub mod api;
pub mod app;
pub mod credentials;
pub mod domain;
pub mod events;
pub mod handlers;
pub mod notices;
pub mod store;

pub use app::Application;
