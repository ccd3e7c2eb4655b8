/// `violations`: (field, description); `fields`: the fields alone.
pub use llo_chassis::testing::app::{violation_details as violations, violations as fields};
use llo_chassis::{auth::Role, telemetry::ClientContext, testing};
use llo_proto::trajectories::v1::trajectory_service_client::TrajectoryServiceClient;
use llo_trajectories::store::{
    plans,
    trajectories::{self, NewTrajectory, OrganisationRow},
};
use tonic::{codegen::InterceptedService, transport::Channel};
use uuid::Uuid;

pub type Client = TrajectoryServiceClient<InterceptedService<Channel, ClientContext>>;

pub const REGION: &str = "achterhoek";
pub const SECTOR: &str = "techniek-metaal";

/// Trajectories under test (the chassis' `TestApp`, with trajectories' clients).
pub struct TestApp(testing::TestApp<llo_trajectories::app::Trajectories>);

impl std::ops::Deref for TestApp {
    type Target = testing::TestApp<llo_trajectories::app::Trajectories>;
    fn deref(&self) -> &Self::Target {
        &self.0
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
        TestApp(testing::TestApp::spawn().await)
    }

    /// With other settings, e.g. another `packs.dir`.
    pub async fn spawn_with(settings: &[(&str, String)]) -> TestApp {
        TestApp(testing::TestApp::spawn_with(settings).await)
    }

    /// A programme manager in the Achterhoek: allowed every method.
    pub async fn manager(&self) -> Client {
        self.client(Role::ProgrammeManager, REGION).await
    }

    /// A client with a token of `role` for `region`.
    pub async fn client(&self, role: Role, region: &str) -> Client {
        Client::new(self.as_role_channel(role, region, None).await)
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

/// Serves `router` (a school's OOAPI server) on a free local port for the test's life;
/// its base URL (the router answers under `/ooapi/v5`).
pub async fn serve_ooapi(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://127.0.0.1:{port}/ooapi/v5")
}
