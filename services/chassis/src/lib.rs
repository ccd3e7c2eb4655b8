//! What every LLO service shares: settings, telemetry, gRPC server defaults,
//! database pool and migrations, the event bus, authentication, packs.
pub mod auth;
pub mod auth_matrix;
pub mod bus;
pub mod db;
pub mod detached;
pub mod error;
pub mod fields;
pub mod host;
pub mod packs;
pub mod paging;
pub mod rpc_layer;
pub mod server;
pub mod settings;
pub mod telemetry;
pub mod testing;

pub use error::{ApiError, FieldViolation, Violations};
pub use settings::{ServiceName, Settings};
