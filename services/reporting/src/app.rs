//! The reporting service on the chassis host: it consumes every event of the suite
//! and publishes none.
use llo_proto::reporting::v1::reporting_service_server::ReportingServiceServer;

use crate::api::ReportingApi;

llo_chassis::hosted_service! {
    /// The reporting service, as the chassis hosts it.
    Reporting: Reporting, ReportingServiceServer<ReportingApi>,
    reactions = crate::handlers::reactions
}
