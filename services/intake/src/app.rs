//! The intake service on the chassis host: it publishes, it consumes nothing.
use llo_proto::intake::v1::intake_service_server::IntakeServiceServer;

use crate::api::IntakeApi;

llo_chassis::hosted_service! {
    /// The intake service, as the chassis hosts it.
    Intake: Intake, IntakeServiceServer<IntakeApi>
}
