//! Reading a school's catalogue over the Open Education API (OOAPI v5): the records as
//! the specification shapes them (`model`), an HTTP client that pages, times out and
//! retries (`client`), and how a course and its offerings become an offering of this
//! suite's catalogue (`mapping`). The sync itself is `api::catalogue`; places asked of
//! a school (associations) are `api::enrolments`.
pub mod client;
pub mod login;
pub mod mapping;
pub mod model;
