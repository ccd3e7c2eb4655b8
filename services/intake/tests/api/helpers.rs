use std::time::Duration;

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
};
use tokio_util::sync::CancellationToken;
use tonic::{Code, codegen::InterceptedService, transport::Channel};
use tonic_types::StatusExt;

pub type Client = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;

pub const REGION: &str = "achterhoek";
pub const OTHER_REGION: &str = "twente";
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

impl TestApp {
    pub async fn spawn() -> TestApp {
        let env = TestEnv::new();
        let settings = env.settings(ServiceName::Intake);
        let database_url = env.database_url(ServiceName::Intake);
        let app = llo_intake::Application::build(settings)
            .await
            .expect("intake builds");
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

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://127.0.0.1:{}", self.port))
            .expect("uri")
            .connect()
            .await
            .expect("connects")
    }

    pub async fn client_with(&self, token: Option<String>) -> Client {
        IntakeServiceClient::with_interceptor(
            self.channel().await,
            ClientContext {
                bearer_token: token,
            },
        )
    }

    pub async fn as_role(&self, role: Role, region: &str, organisation: Option<&str>) -> Client {
        self.client_with(Some(self.env.token(role, region, organisation)))
            .await
    }

    /// A coach in the Achterhoek.
    pub async fn coach(&self) -> Client {
        self.as_role(Role::Coach, REGION, None).await
    }

    /// Waits until grpc.health.v1 reports SERVING.
    pub async fn wait_until_serving(&self) {
        let mut health = tonic_health::pb::health_client::HealthClient::new(self.channel().await);
        for _ in 0..100 {
            let status = health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: "llo.intake.v1.IntakeService".into(),
                })
                .await
                .map(|r| r.into_inner().status);
            if status.ok()
                == Some(tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("intake never became SERVING");
    }
}

pub fn organisation_request(kvk: &str, name: &str) -> pb::RegisterOrganisationRequest {
    pb::RegisterOrganisationRequest {
        request_id: String::new(),
        region: REGION.into(),
        sector: SECTOR.into(),
        name: name.into(),
        kvk_number: kvk.into(),
        municipality: "Winterswijk".into(),
        employee_count: 40,
    }
}

pub async fn register(client: &mut Client, kvk: &str) -> pb::Organisation {
    client
        .register_organisation(organisation_request(kvk, &format!("Bedrijf {kvk}")))
        .await
        .expect("registers")
        .into_inner()
        .organisation
        .expect("organisation")
}

pub fn participant_request(organisation_id: &str, n: usize) -> pb::EnrolParticipantRequest {
    pb::EnrolParticipantRequest {
        request_id: String::new(),
        organisation_id: organisation_id.into(),
        given_name: format!("Voornaam{n}"),
        family_name: format!("Achternaam{n}"),
        email: format!("medewerker{n}@bedrijf.nl"),
        role: common::ParticipantRole::Employee as i32,
        job_title: "Monteur".into(),
        consent_given: true,
        source: common::ParticipantSource::Company as i32,
        uwv_reference: String::new(),
    }
}

pub async fn enrol(client: &mut Client, organisation_id: &str, n: usize) -> pb::Participant {
    client
        .enrol_participant(participant_request(organisation_id, n))
        .await
        .expect("enrols")
        .into_inner()
        .participant
        .expect("participant")
}

/// The field violations of an INVALID_ARGUMENT status, as (field, description).
pub fn violations(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("a BadRequest detail")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}

/// The ErrorInfo reason of a status.
pub fn reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

/// Answers every item of the questionnaire with `score`.
pub fn answer_all(questionnaire: &pb::Questionnaire, score: i32) -> Vec<pb::ItemAnswer> {
    questionnaire
        .items
        .iter()
        .map(|i| pb::ItemAnswer {
            item_id: i.item_id.clone(),
            score,
        })
        .collect()
}
