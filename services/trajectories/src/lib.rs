//! The trajectories service: company development trajectories, coaching, personal
//! development plans, the course catalogue and the funding of every cost.
pub mod access;
pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod handlers;
pub mod store;

pub use app::Application;
