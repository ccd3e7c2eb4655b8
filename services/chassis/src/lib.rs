//! What every LLO service shares: settings, telemetry, gRPC server defaults,
//! database pool and migrations, the event bus, authentication, packs.
pub mod admission;
pub mod auth;
#[cfg(feature = "testing")]
pub mod auth_matrix;
pub mod bus;
pub mod call;
pub mod csv;
pub mod db;
pub mod download;
pub mod error;
pub mod fields;
pub mod host;
pub mod html;
pub mod idempotency;
pub mod import;
pub mod money;
pub mod packs;
pub mod paging;
pub mod rpc_layer;
pub mod scope;
pub mod server;
pub mod settings;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text_enum;

pub use error::{ApiError, FieldViolation, Refused, Violations};
pub use settings::{ServiceName, Settings};
