use diesel_async::{AsyncConnection, AsyncPgConnection};
use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::trajectories::v1::trajectory_service_client::TrajectoryServiceClient;
use llo_trajectories::store::{
    plans,
    trajectories::{self, NewTrajectory, OrganisationRow},
};
use tokio_util::sync::CancellationToken;
use tonic::{Code, codegen::InterceptedService, transport::Channel};
use tonic_types::StatusExt;
use uuid::Uuid;

pub type Client = TrajectoryServiceClient<InterceptedService<Channel, ClientContext>>;

pub const REGION: &str = "achterhoek";
pub const SECTOR: &str = "techniek-metaal";

pub struct TestApp {
    pub env: TestEnv,
    pub port: u16,
    pub database_url: String,
    shutdown: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// What intake's events would have left: a company, its proposed trajectory and one
/// participant's (empty) development plan.
pub struct Seeded {
    pub trajectory_id: String,
    pub participant_id: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// With other settings, e.g. another `packs.dir`.
    pub async fn spawn_with(settings: &[(&str, String)]) -> TestApp {
        let env = TestEnv::new();
        let database_url = env.database_url(ServiceName::Trajectories);
        let settings = env.settings_with(ServiceName::Trajectories, settings);
        let app = llo_trajectories::Application::build(settings)
            .await
            .expect("trajectories builds");
        let port = app.port();
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run(shutdown.clone()));
        TestApp {
            env,
            port,
            database_url,
            shutdown,
        }
    }

    /// A programme manager in the Achterhoek: allowed every method.
    pub async fn manager(&self) -> Client {
        self.client(Role::ProgrammeManager, REGION).await
    }

    /// A client with a token of `role` for `region`.
    pub async fn client(&self, role: Role, region: &str) -> Client {
        let token = self.env.token(role, region, None);
        let channel = Channel::from_shared(format!("http://127.0.0.1:{}", self.port))
            .expect("uri")
            .connect()
            .await
            .expect("connects");
        TrajectoryServiceClient::with_interceptor(
            channel,
            ClientContext {
                bearer_token: Some(token),
            },
        )
    }

    pub async fn database(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.database_url)
            .await
            .expect("database")
    }

    pub async fn seed(&self) -> Seeded {
        let mut conn = self.database().await;
        let organisation = Uuid::now_v7();
        trajectories::upsert_organisation(
            &mut conn,
            &OrganisationRow {
                id: organisation,
                region: REGION.into(),
                sector: SECTOR.into(),
                name: "Lensink Metaal".into(),
                employee_count: 40,
            },
        )
        .await
        .unwrap();
        let trajectory = trajectories::insert_proposed(
            &mut conn,
            &NewTrajectory {
                id: Uuid::now_v7(),
                organisation_id: organisation,
                region: REGION,
                sector: SECTOR,
                assessment_id: Uuid::now_v7(),
                priority_dimension_ids: &["leiderschap".into()],
            },
        )
        .await
        .unwrap()
        .unwrap();
        let participant = Uuid::now_v7();
        plans::ensure(&mut conn, participant, organisation, REGION)
            .await
            .unwrap();
        Seeded {
            trajectory_id: trajectory.id.to_string(),
            participant_id: participant.to_string(),
        }
    }
}

/// The field violations of an INVALID_ARGUMENT status, as (field, description).
pub fn violations(status: &tonic::Status) -> Vec<(String, String)> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("a BadRequest detail")
        .field_violations
        .into_iter()
        .map(|v| (v.field, v.description))
        .collect()
}

/// Only the fields of the violations.
pub fn fields(status: &tonic::Status) -> Vec<String> {
    violations(status).into_iter().map(|(f, _)| f).collect()
}
