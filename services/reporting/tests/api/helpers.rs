use std::time::Duration;

use lapin::{BasicProperties, options::BasicPublishOptions, types::FieldTable};
pub use llo_chassis::testing::app::{eventually_within, violation_details, violations};
use llo_chassis::{auth::Role, telemetry::ClientContext, testing, testing::AMQP_URL};
use llo_proto::reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient};
use tonic::{codegen::InterceptedService, transport::Channel};

use crate::pilot::Recorded;

pub type Client = ReportingServiceClient<InterceptedService<Channel, ClientContext>>;

pub const REGION: &str = "achterhoek";
pub const OTHER_REGION: &str = "twente";

/// Reporting under test (the chassis' `TestApp`, with reporting's clients).
pub struct TestApp(testing::TestApp<llo_reporting::app::Reporting>);

impl std::ops::Deref for TestApp {
    type Target = testing::TestApp<llo_reporting::app::Reporting>;
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

    pub async fn manager(&self) -> Client {
        self.as_role(Role::ProgrammeManager, REGION, None).await
    }

    /// A programme manager of every region installed (what a rebuild needs).
    pub async fn installation_manager(&self) -> Client {
        let packs = llo_chassis::packs::Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        let regions: Vec<&str> = packs.regions.keys().map(String::as_str).collect();
        let token = self.env.token_in(Role::ProgrammeManager, &regions, None);
        Client::new(self.authorised(Some(token)).await)
    }

    pub async fn evaluator(&self) -> Client {
        self.as_role(Role::Evaluator, REGION, None).await
    }

    /// A programme manager publishes the region's next release (what evaluators read).
    pub async fn release(&self) -> pb::Release {
        self.manager()
            .await
            .publish_release(pb::PublishReleaseRequest {
                region: REGION.into(),
                note: String::new(),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
    }

    /// Publishes the events on this test's exchange (one connection, confirmed).
    pub async fn publish_all(&self, events: &[Recorded]) {
        let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        // Publisher confirms: every event is with the broker before the connection closes.
        channel
            .confirm_select(lapin::options::ConfirmSelectOptions::default())
            .await
            .unwrap();
        for event in events {
            let properties = BasicProperties::default()
                .with_message_id(event.id.to_string().into())
                .with_type(event.routing_key.into())
                .with_content_type("application/x-protobuf".into())
                .with_headers(FieldTable::default());
            channel
                .basic_publish(
                    self.env.exchange.as_str().into(),
                    event.routing_key.into(),
                    BasicPublishOptions::default(),
                    &event.payload,
                    properties,
                )
                .await
                .unwrap()
                .await
                .unwrap()
                .is_ack()
                .then_some(())
                .expect("the broker confirms");
        }
        connection.close(200, "done".into()).await.unwrap();
    }

    /// Publishes and waits until the copy holds `distinct` events.
    pub async fn feed(&self, events: &[Recorded], distinct: i64) {
        self.publish_all(events).await;
        self.wait_for_events(distinct).await;
    }

    pub async fn wait_for_events(&self, distinct: i64) {
        // A generous deadline: the machine may be busy; the condition ends the wait.
        eventually_within(
            "reporting to catch up",
            Duration::from_secs(90),
            || async move {
                let n = self.count("SELECT count(*) AS n FROM events").await;
                if n > distinct {
                    panic!("{n} events stored, {distinct} expected");
                }
                (n == distinct).then_some(())
            },
        )
        .await;
    }
}

/// Every figure a programme manager can ask for, to compare two states.
#[derive(Debug, PartialEq)]
pub struct AllFigures {
    pub overview: pb::GetProgrammeOverviewResponse,
    pub evaluation: pb::GetEvaluationResponse,
    pub funding: pb::GetFundingStatusResponse,
    pub progress: Vec<pb::GetOrganisationProgressResponse>,
    pub anonymised: pb::GetEvaluationResponse,
}

pub async fn all_figures(app: &TestApp, organisations: &[String]) -> AllFigures {
    let mut manager = app.manager().await;
    let mut evaluator = app.evaluator().await;
    app.release().await;
    let mut progress = Vec::new();
    for id in organisations {
        progress.push(
            manager
                .get_organisation_progress(pb::GetOrganisationProgressRequest {
                    organisation_id: id.clone(),
                    release: 0,
                })
                .await
                .unwrap()
                .into_inner(),
        );
    }
    AllFigures {
        overview: manager
            .get_programme_overview(pb::GetProgrammeOverviewRequest {
                region: REGION.into(),
                sector: String::new(),
                release: 0,
            })
            .await
            .unwrap()
            .into_inner(),
        evaluation: manager
            .get_evaluation(pb::GetEvaluationRequest {
                region: REGION.into(),
                sector: String::new(),
                release: 0,
            })
            .await
            .unwrap()
            .into_inner(),
        funding: manager
            .get_funding_status(pb::GetFundingStatusRequest {
                region: REGION.into(),
                release: 0,
            })
            .await
            .unwrap()
            .into_inner(),
        progress,
        // The latest release's, without its stamp (number and time differ by design).
        anonymised: pb::GetEvaluationResponse {
            release: None,
            ..evaluator
                .get_evaluation(pb::GetEvaluationRequest {
                    region: REGION.into(),
                    sector: String::new(),
                    release: 0,
                })
                .await
                .unwrap()
                .into_inner()
        },
    }
}

pub fn value(figure: &Option<pb::Figure>) -> f64 {
    let figure = figure.as_ref().expect("a figure");
    assert_eq!(
        figure.status,
        pb::CellStatus::Shown as i32,
        "expected a shown figure: {figure:?}"
    );
    figure.value
}

pub fn status(figure: &Option<pb::Figure>) -> pb::CellStatus {
    pb::CellStatus::try_from(figure.as_ref().expect("a figure").status).unwrap()
}
