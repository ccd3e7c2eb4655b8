//! Trajectories' rules, free of I/O: the commands the API accepts, the trajectory life
//! cycle, proposing a trajectory from a scan, the development plan, the funding rules and
//! the coach registry, and the grant's books.
pub mod books;
pub mod coaches;
pub mod commands;
pub mod enrolment;
pub mod funding;
pub mod lifecycle;
pub mod plan;
pub mod proposal;
pub mod realisation;
