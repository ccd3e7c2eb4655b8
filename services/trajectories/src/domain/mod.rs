//! Trajectories' rules, free of I/O: the trajectory life cycle, proposing a
//! trajectory from a scan, and the funding rules.
pub mod funding;
pub mod lifecycle;
pub mod proposal;
