use std::time::{Duration, Instant};

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::{
    common::v1 as common,
    community::v1::community_service_client::CommunityServiceClient,
    intake::v1::{self as intake, intake_service_client::IntakeServiceClient},
    reporting::v1::reporting_service_client::ReportingServiceClient,
    trajectories::v1::{self as pb, trajectory_service_client::TrajectoryServiceClient},
};
use tokio_util::sync::CancellationToken;
use tonic::{Code, codegen::InterceptedService, transport::Channel};
use tonic_types::StatusExt;

pub type Intake = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;
pub type Trajectories = TrajectoryServiceClient<InterceptedService<Channel, ClientContext>>;
pub type Community = CommunityServiceClient<InterceptedService<Channel, ClientContext>>;
pub type Reporting = ReportingServiceClient<InterceptedService<Channel, ClientContext>>;

/// Coaches of the Achterhoek the suite's tests assign.
pub const COACHES: [&str; 2] = ["coach-anja", "coach-erik"];

pub const REGION: &str = "achterhoek";

pub struct Suite {
    pub env: TestEnv,
    pub intake_port: u16,
    pub trajectories_port: u16,
    pub community_port: u16,
    pub reporting_port: u16,
    pub trajectories_database: String,
    /// Intake writes its e-mail notices here (`notices.mail_dir`), as `llo up` does.
    pub mail_dir: std::path::PathBuf,
    shutdown: CancellationToken,
}

impl Drop for Suite {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Intake issues credentials as in a deployment: a test-only RSA key per region pack
/// (made by openssl in a temporary folder) and its HTTP surface on a free port.
fn credential_settings(id: &str) -> Vec<(&'static str, String)> {
    let dir = std::env::temp_dir().join(format!("llo-suite-keys-{id}"));
    llo_intake::credentials::keys::generate_for_regions(
        &dir,
        &llo_chassis::testing::packs_dir(),
        "test",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    vec![
        ("credentials.keys_dir", dir.display().to_string()),
        ("credentials.http_listen", format!("127.0.0.1:{port}")),
        (
            "credentials.public_base_url",
            format!("http://127.0.0.1:{port}"),
        ),
    ]
}

async fn channel(port: u16) -> Channel {
    Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

impl Suite {
    pub async fn spawn() -> Suite {
        let env = TestEnv::new();
        let shutdown = CancellationToken::new();
        let mail_dir = std::env::temp_dir().join(format!("llo-suite-mail-{}", env.id));
        let mut intake_settings = credential_settings(&env.id);
        intake_settings.push(("notices.mail_dir", mail_dir.display().to_string()));
        let intake = llo_intake::Application::build(
            env.settings_with(ServiceName::Intake, &intake_settings),
        )
        .await
        .unwrap();
        let trajectories =
            llo_trajectories::Application::build(env.settings(ServiceName::Trajectories))
                .await
                .unwrap();
        let community = llo_community::Application::build(env.settings(ServiceName::Community))
            .await
            .unwrap();
        let reporting = llo_reporting::Application::build(env.settings(ServiceName::Reporting))
            .await
            .unwrap();
        let (intake_port, trajectories_port, community_port, reporting_port) = (
            intake.port(),
            trajectories.port(),
            community.port(),
            reporting.port(),
        );
        tokio::spawn(intake.run(shutdown.clone()));
        tokio::spawn(trajectories.run(shutdown.clone()));
        tokio::spawn(community.run(shutdown.clone()));
        tokio::spawn(reporting.run(shutdown.clone()));
        let suite = Suite {
            trajectories_database: env.database_url(ServiceName::Trajectories),
            env,
            intake_port,
            trajectories_port,
            community_port,
            reporting_port,
            mail_dir,
            shutdown,
        };
        suite.wait_until_serving().await;
        suite
    }

    /// SERVING means the consumer's queue is declared and bound: events are not missed.
    async fn wait_until_serving(&self) {
        let mut health = tonic_health::pb::health_client::HealthClient::new(
            channel(self.trajectories_port).await,
        );
        for _ in 0..100 {
            let status = health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: "llo.trajectories.v1.TrajectoryService".into(),
                })
                .await
                .ok()
                .map(|r| r.into_inner().status);
            if status
                == Some(tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
            {
                // The consumer sets readiness once its queue is bound; give the relay a beat too.
                tokio::time::sleep(Duration::from_millis(300)).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("trajectories never became SERVING");
    }

    pub async fn intake(&self, role: Role, organisation: Option<&str>) -> Intake {
        self.intake_in(role, REGION, organisation).await
    }

    /// An intake client with a token for `region`.
    pub async fn intake_in(&self, role: Role, region: &str, organisation: Option<&str>) -> Intake {
        let token = self.env.token(role, region, organisation);
        IntakeServiceClient::with_interceptor(
            channel(self.intake_port).await,
            ClientContext {
                bearer_token: Some(token),
            },
        )
    }

    pub async fn trajectories(&self, role: Role, organisation: Option<&str>) -> Trajectories {
        self.trajectories_in(role, REGION, organisation).await
    }

    /// A trajectories client with a token for `region`.
    pub async fn trajectories_in(
        &self,
        role: Role,
        region: &str,
        organisation: Option<&str>,
    ) -> Trajectories {
        let token = self.env.token(role, region, organisation);
        TrajectoryServiceClient::with_interceptor(
            channel(self.trajectories_port).await,
            ClientContext {
                bearer_token: Some(token),
            },
        )
    }

    pub async fn community(&self, role: Role, organisation: Option<&str>) -> Community {
        let token = self.env.token(role, REGION, organisation);
        CommunityServiceClient::with_interceptor(
            channel(self.community_port).await,
            ClientContext {
                bearer_token: Some(token),
            },
        )
    }

    pub async fn reporting(&self, role: Role, organisation: Option<&str>) -> Reporting {
        let token = self.env.token(role, REGION, organisation);
        ReportingServiceClient::with_interceptor(
            channel(self.reporting_port).await,
            ClientContext {
                bearer_token: Some(token),
            },
        )
    }

    /// A coach's clients; the region's coaches (`COACHES`) are in the registry first.
    pub async fn coach(&self) -> (Intake, Trajectories) {
        self.register_coaches().await;
        (
            self.intake(Role::Coach, None).await,
            self.trajectories(Role::Coach, None).await,
        )
    }

    /// Registers the Achterhoek's coaches, as a programme manager (a repeat updates nothing).
    pub async fn register_coaches(&self) {
        let mut manager = self.trajectories(Role::ProgrammeManager, None).await;
        for coach_id in COACHES {
            manager
                .register_coach(pb::RegisterCoachRequest {
                    coach_id: coach_id.into(),
                    name: format!("Coach {coach_id}"),
                    organisation_name: "Loopbaanhuis Achterhoek".into(),
                    regions: vec![REGION.into()],
                    ..Default::default()
                })
                .await
                .expect("coach registered");
        }
    }
}

/// A company with `people` enrolled employees; returns (organisation id, participant ids).
pub async fn company(
    intake: &mut Intake,
    kvk: &str,
    employees: i32,
    people: usize,
) -> (String, Vec<String>) {
    let organisation = intake
        .register_organisation(intake::RegisterOrganisationRequest {
            request_id: String::new(),
            region: REGION.into(),
            sector: "techniek-metaal".into(),
            name: format!("Bedrijf {kvk}"),
            kvk_number: kvk.into(),
            municipality: "Aalten".into(),
            employee_count: employees,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..people {
        let participant = intake
            .enrol_participant(intake::EnrolParticipantRequest {
                request_id: String::new(),
                organisation_id: organisation.organisation_id.clone(),
                given_name: format!("Naam{n}"),
                family_name: "Medewerker".into(),
                email: format!("m{n}@{kvk}.nl"),
                role: common::ParticipantRole::Employee as i32,
                job_title: "Monteur".into(),
                consent_given: true,
                source: common::ParticipantSource::Company as i32,
                uwv_reference: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .participant
            .unwrap();
        ids.push(participant.participant_id);
    }
    (organisation.organisation_id, ids)
}

/// Polls until `probe` gives `Some`, for at most 10 s; returns it and how long it took.
pub async fn eventually<T, F, Fut>(mut probe: F) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return (value, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "gave up waiting"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn plan(trajectories: &mut Trajectories, participant: &str) -> pb::DevelopmentPlan {
    let participant = participant.to_owned();
    let (plan, _) = eventually(|| {
        let mut client = trajectories.clone();
        let participant = participant.clone();
        async move {
            client
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: participant,
                })
                .await
                .ok()
                .and_then(|r| r.into_inner().plan)
        }
    })
    .await;
    plan
}

/// Runs and completes a baseline scan: everyone answers `score` to every item,
/// except the `weak` dimension, answered 1 (reverse items 5), so it is the weakest.
pub async fn baseline(
    intake_client: &mut Intake,
    organisation: &str,
    people: &[String],
    weak: &str,
) -> intake::Assessment {
    let scan = intake_client
        .start_assessment(intake::StartAssessmentRequest {
            request_id: String::new(),
            organisation_id: organisation.into(),
            round: common::AssessmentRound::Baseline as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .assessment
        .unwrap();
    let questionnaire = scan.questionnaire.clone().unwrap();
    for participant in people {
        let answers = questionnaire
            .items
            .iter()
            .map(|item| {
                let low = item.dimension_id == weak;
                let score = match (low, item.reverse_scored) {
                    (true, false) => 1,
                    (true, true) => 5,
                    (false, false) => 4,
                    (false, true) => 2,
                };
                intake::ItemAnswer {
                    item_id: item.item_id.clone(),
                    score,
                }
            })
            .collect();
        intake_client
            .submit_assessment_response(intake::SubmitAssessmentResponseRequest {
                request_id: String::new(),
                assessment_id: scan.assessment_id.clone(),
                participant_id: participant.clone(),
                answers,
            })
            .await
            .unwrap();
    }
    intake_client
        .complete_assessment(intake::CompleteAssessmentRequest {
            request_id: String::new(),
            assessment_id: scan.assessment_id,
            priority_needs: vec![],
            complete_time: None,
        })
        .await
        .unwrap()
        .into_inner()
        .assessment
        .unwrap()
}

pub async fn trajectory_of(
    trajectories: &mut Trajectories,
    organisation: &str,
) -> (pb::Trajectory, Duration) {
    let organisation = organisation.to_owned();
    eventually(|| {
        let mut client = trajectories.clone();
        let organisation = organisation.clone();
        async move {
            client
                .list_trajectories(pb::ListTrajectoriesRequest {
                    organisation_id: organisation,
                    ..Default::default()
                })
                .await
                .ok()
                .and_then(|r| r.into_inner().trajectories.into_iter().next())
        }
    })
    .await
}

pub fn reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

pub fn violations(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}
