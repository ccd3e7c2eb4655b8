//! The trajectories service: company development trajectories, coaching, personal
//! development plans, the course catalogue, the funding of every cost and the grant's
//! books (project plan, hours, invoices, realisation, the funder's statement).
pub mod access;
pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod handlers;
pub mod ooapi;
pub mod proposals;
pub mod statement;
pub mod store;

pub use app::Application;
