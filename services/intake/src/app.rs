//! The intake service on the chassis host. Written out rather than by
//! `hosted_service!`, since intake's routes, reactions and HTTP listener share what its
//! settings name (the credential signing keys), which may fail to load.
use llo_chassis::host::{ServiceHost, Worker};
use llo_proto::intake::v1::intake_service_server::IntakeServiceServer;
use tokio_util::sync::CancellationToken;

use crate::{api::IntakeApi, credentials::Issuer};

/// The intake service, as the chassis hosts it.
pub struct Intake;

pub const SERVICE: llo_chassis::ServiceName = llo_chassis::ServiceName::Intake;
/// Its full gRPC name, for health.
pub const GRPC_SERVICE_NAME: &str =
    <IntakeServiceServer<IntakeApi> as tonic::server::NamedService>::NAME;

/// The service built and bound, ready to run.
pub type Application = llo_chassis::host::Application<Intake>;

impl llo_chassis::host::Service for Intake {
    const NAME: llo_chassis::ServiceName = SERVICE;
    const POLICY: llo_chassis::auth::AccessPolicy = crate::access::POLICY;
    const MIGRATIONS: diesel_migrations::EmbeddedMigrations = crate::store::MIGRATIONS;
    type Server = IntakeServiceServer<IntakeApi>;

    /// Completions with a credential, when keys are set; workshops and registrations, when
    /// notices are sent.
    fn consumes() -> Option<llo_chassis::host::Consumes> {
        Some(llo_chassis::host::Consumes {
            reactions: crate::handlers::subscriptions,
        })
    }

    fn routes(host: &ServiceHost) -> anyhow::Result<tonic::service::Routes> {
        let context = crate::api::Context {
            pool: host.pool().clone(),
            packs: host.packs().clone(),
            issuer: Issuer::from_settings(host.settings())?,
        };
        Ok(tonic::service::Routes::new(
            IntakeServiceServer::new(IntakeApi::new(context))
                .max_decoding_message_size(llo_chassis::server::MAX_MESSAGE_BYTES),
        ))
    }

    /// The credentials' public HTTP surface, when keys are set; the notices' sender and
    /// reminders, when notices go somewhere.
    fn workers(host: &ServiceHost, shutdown: CancellationToken) -> anyhow::Result<Vec<Worker>> {
        let mut workers = Vec::new();
        if let Some(issuer) = Issuer::from_settings(host.settings())? {
            workers.push(crate::credentials::http::serve(
                host.settings().credentials.http_listen,
                issuer,
                host.pool().clone(),
                host.packs().clone(),
                shutdown.clone(),
            )?);
        }
        let notices = &host.settings().notices;
        if let Some(transport) = crate::notices::mail::Transport::from_settings(notices)? {
            workers.push(Box::pin(crate::notices::mail::send_due_notices(
                host.pool().clone(),
                transport,
                notices.clone(),
                shutdown.clone(),
            )));
        }
        if let Some(notifier) =
            crate::notices::Notifier::from_settings(host.settings(), host.packs())?
        {
            workers.push(Box::pin(crate::notices::reminders::remind(
                host.pool().clone(),
                notifier,
                notices.clone(),
                shutdown,
            )));
        }
        Ok(workers)
    }
}
