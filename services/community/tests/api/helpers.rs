pub use llo_chassis::testing::app::{eventually, reason, violation_details, violations};
use llo_chassis::{auth::Role, telemetry::ClientContext, testing};
use llo_proto::{
    IntegrationEvent, common::v1 as common, community::v1 as pb,
    community::v1::community_service_client::CommunityServiceClient, events::v1 as events,
};
use tonic::{codegen::InterceptedService, transport::Channel};

pub type Client = CommunityServiceClient<InterceptedService<Channel, ClientContext>>;

pub const REGION: &str = "achterhoek";
pub const OTHER_REGION: &str = "twente";
pub const THEME: &str = "hr-netwerkcafe";

/// Community under test (the chassis' `TestApp`, with community's clients).
pub struct TestApp(testing::TestApp<llo_community::app::Community>);

impl std::ops::Deref for TestApp {
    type Target = testing::TestApp<llo_community::app::Community>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp(testing::TestApp::spawn().await)
    }

    pub async fn as_role(&self, role: Role, region: &str, organisation: Option<&str>) -> Client {
        Client::new(self.as_role_channel(role, region, organisation).await)
    }

    /// A coach in the Achterhoek.
    pub async fn coach(&self) -> Client {
        self.as_role(Role::Coach, REGION, None).await
    }

    /// Publishes an event on this test's exchange, as its owner would.
    pub async fn publish<E: IntegrationEvent>(&self, event: &E) -> uuid::Uuid {
        self.env.publish(event).await
    }

    /// A company registered in intake: a member here once its event arrived.
    pub async fn company(&self, name: &str) -> String {
        self.company_in(REGION, name).await
    }

    pub async fn company_in(&self, region: &str, name: &str) -> String {
        let organisation = uuid::Uuid::now_v7().to_string();
        self.publish(&events::OrganisationRegistered {
            organisation_id: organisation.clone(),
            region: region.into(),
            sector: if region == REGION {
                "techniek-metaal"
            } else {
                "zorg-welzijn"
            }
            .into(),
            organisation_name: name.into(),
            municipality: "Aalten".into(),
            employee_count: 40,
            occur_time: None,
        })
        .await;
        let manager = self.as_role(Role::ProgrammeManager, region, None).await;
        let id = organisation.clone();
        eventually("the company member", || {
            let mut manager = manager.clone();
            let id = id.clone();
            async move {
                manager
                    .get_member(pb::GetMemberRequest { member_id: id })
                    .await
                    .ok()
            }
        })
        .await;
        organisation
    }

    /// `n` participants enrolled in the company, known here once their events arrived.
    pub async fn participants(&self, organisation: &str, n: usize) -> Vec<String> {
        self.participants_in(REGION, organisation, n).await
    }

    pub async fn participants_in(&self, region: &str, organisation: &str, n: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for _ in 0..n {
            let id = uuid::Uuid::now_v7().to_string();
            self.publish(&events::ParticipantEnrolled {
                participant_id: id.clone(),
                organisation_id: organisation.into(),
                region: region.into(),
                role: common::ParticipantRole::Employee as i32,
                source: common::ParticipantSource::Company as i32,
                occur_time: None,
            })
            .await;
            ids.push(id);
        }
        let list = ids
            .iter()
            .map(|i| format!("'{i}'"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!("SELECT count(*) AS n FROM participants WHERE id IN ({list})");
        eventually("the participants", || {
            let sql = sql.clone();
            async move { (self.count(&sql).await == n as i64).then_some(()) }
        })
        .await;
        ids
    }

    /// Makes the workshop one that started an hour ago (and lasts three hours).
    pub async fn start(&self, workshop_id: &str) {
        self.execute(&format!(
            "UPDATE workshops SET starts_at = now() - interval '1 hour',
                    ends_at = now() + interval '2 hours',
                    registration_closes_at = now() - interval '2 hours'
              WHERE id = '{workshop_id}'"
        ))
        .await;
    }

    /// A partner member (an employers' organisation) to host workshops.
    pub async fn host(&self) -> String {
        self.coach()
            .await
            .register_partner(pb::RegisterPartnerRequest {
                request_id: String::new(),
                region: REGION.into(),
                member_type: common::CommunityMemberType::EmployersOrganisation as i32,
                name: "VNO-NCW Midden".into(),
                contact_role: "regiomanager".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .member
            .unwrap()
            .member_id
    }
}

pub fn in_hours(hours: i64) -> prost_types::Timestamp {
    let at = chrono::Utc::now() + chrono::Duration::hours(hours);
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

pub fn workshop_request(
    host: &str,
    capacity: i32,
    seats_per_company: i32,
) -> pb::ScheduleWorkshopRequest {
    pb::ScheduleWorkshopRequest {
        request_id: String::new(),
        region: REGION.into(),
        theme: THEME.into(),
        title: "HR-netwerkcafé: leren op de werkvloer".into(),
        description: "Ervaringen delen".into(),
        start_time: Some(in_hours(48)),
        end_time: Some(in_hours(51)),
        location: "Doetinchem".into(),
        online_url: String::new(),
        capacity,
        seats_per_company,
        registration_cutoff_time: Some(in_hours(24)),
        host_member_id: host.into(),
        facilitator_ids: vec!["test-coach".into()],
        already_held: false,
    }
}

pub async fn schedule(client: &mut Client, host: &str, capacity: i32, seats: i32) -> pb::Workshop {
    client
        .schedule_workshop(workshop_request(host, capacity, seats))
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap()
}

pub async fn register(client: &mut Client, workshop: &str, participant: &str) -> pb::Registration {
    client
        .register_for_workshop(pb::RegisterForWorkshopRequest {
            request_id: String::new(),
            workshop_id: workshop.into(),
            participant_id: participant.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap()
}

pub async fn registrations(client: &mut Client, workshop: &str) -> Vec<pb::Registration> {
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_registrations(pb::ListRegistrationsRequest {
                workshop_id: workshop.into(),
                status: 0,
                page_size: 7,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        all.extend(page.registrations);
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

pub const BOOKED: i32 = common::WorkshopRegistrationStatus::Booked as i32;
pub const WAIT_LISTED: i32 = common::WorkshopRegistrationStatus::WaitListed as i32;
pub const CANCELLED: i32 = common::WorkshopRegistrationStatus::Cancelled as i32;
