pub use llo_chassis::testing::app::{reason, violations};
use llo_chassis::{auth::Role, telemetry::ClientContext, testing};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as pb, intake_service_client::IntakeServiceClient},
};
use tonic::{codegen::InterceptedService, transport::Channel};

pub type Client = IntakeServiceClient<InterceptedService<Channel, ClientContext>>;

pub const REGION: &str = "achterhoek";
pub const OTHER_REGION: &str = "twente";
pub const SECTOR: &str = "techniek-metaal";

/// Intake under test (the chassis' `TestApp`, with intake's clients).
pub struct TestApp(testing::TestApp<llo_intake::app::Intake>);

impl std::ops::Deref for TestApp {
    type Target = testing::TestApp<llo_intake::app::Intake>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp(testing::TestApp::spawn().await)
    }

    /// With other settings, e.g. `credentials.keys_dir`.
    pub async fn spawn_with(settings: &[(&str, String)]) -> TestApp {
        TestApp(testing::TestApp::spawn_with(settings).await)
    }

    pub async fn client_with(&self, token: Option<String>) -> Client {
        Client::new(self.authorised(token).await)
    }

    pub async fn as_role(&self, role: Role, region: &str, organisation: Option<&str>) -> Client {
        Client::new(self.as_role_channel(role, region, organisation).await)
    }

    /// A coach in the Achterhoek.
    pub async fn coach(&self) -> Client {
        self.as_role(Role::Coach, REGION, None).await
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
        ..Default::default()
    }
}

pub async fn register(client: &mut Client, kvk: &str) -> pb::Organisation {
    register_as(client, organisation_request(kvk, &format!("Bedrijf {kvk}"))).await
}

/// Registers the organisation the request describes.
pub async fn register_as(
    client: &mut Client,
    request: pb::RegisterOrganisationRequest,
) -> pb::Organisation {
    client
        .register_organisation(request)
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
