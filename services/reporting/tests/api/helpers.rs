use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use lapin::{BasicProperties, options::BasicPublishOptions, types::FieldTable};
use llo_chassis::{
    ServiceName, auth::Role, telemetry::ClientContext, testing::AMQP_URL, testing::TestEnv,
};
use llo_proto::reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient};
use tokio_util::sync::CancellationToken;
use tonic::{Code, codegen::InterceptedService, transport::Channel};
use tonic_types::StatusExt;

use crate::pilot::Recorded;

pub type Client = ReportingServiceClient<InterceptedService<Channel, ClientContext>>;

pub const REGION: &str = "achterhoek";
pub const OTHER_REGION: &str = "twente";

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
        let settings = env.settings(ServiceName::Reporting);
        let database_url = env.database_url(ServiceName::Reporting);
        let app = llo_reporting::Application::build(settings)
            .await
            .expect("reporting builds");
        let port = app.port();
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run(shutdown.clone()));
        let app = TestApp {
            env,
            port,
            database_url,
            shutdown,
        };
        app.wait_until_serving().await;
        app
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://127.0.0.1:{}", self.port))
            .expect("uri")
            .connect()
            .await
            .expect("connects")
    }

    pub async fn as_role(&self, role: Role, region: &str, organisation: Option<&str>) -> Client {
        ReportingServiceClient::with_interceptor(
            self.channel().await,
            ClientContext {
                bearer_token: Some(self.env.token(role, region, organisation)),
            },
        )
    }

    pub async fn manager(&self) -> Client {
        self.as_role(Role::ProgrammeManager, REGION, None).await
    }

    pub async fn evaluator(&self) -> Client {
        self.as_role(Role::Evaluator, REGION, None).await
    }

    async fn wait_until_serving(&self) {
        let health = tonic_health::pb::health_client::HealthClient::new(self.channel().await);
        eventually("SERVING", || {
            let mut health = health.clone();
            async move {
                let status = health
                    .check(tonic_health::pb::HealthCheckRequest {
                        service: llo_reporting::app::GRPC_SERVICE_NAME.into(),
                    })
                    .await
                    .ok()?
                    .into_inner()
                    .status;
                (status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
                    .then_some(())
            }
        })
        .await;
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

    /// Runs SQL on the service's database (to plant what a test needs).
    pub async fn execute(&self, sql: &str) {
        let mut conn = AsyncPgConnection::establish(&self.database_url)
            .await
            .unwrap();
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }

    /// `SELECT count(*) AS n ...`
    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = AsyncPgConnection::establish(&self.database_url)
            .await
            .unwrap();
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .unwrap()
            .n
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
    let mut progress = Vec::new();
    for id in organisations {
        progress.push(
            manager
                .get_organisation_progress(pb::GetOrganisationProgressRequest {
                    organisation_id: id.clone(),
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
            })
            .await
            .unwrap()
            .into_inner(),
        evaluation: manager
            .get_evaluation(pb::GetEvaluationRequest {
                region: REGION.into(),
                sector: String::new(),
            })
            .await
            .unwrap()
            .into_inner(),
        funding: manager
            .get_funding_status(pb::GetFundingStatusRequest {
                region: REGION.into(),
            })
            .await
            .unwrap()
            .into_inner(),
        progress,
        anonymised: evaluator
            .get_evaluation(pb::GetEvaluationRequest {
                region: REGION.into(),
                sector: String::new(),
            })
            .await
            .unwrap()
            .into_inner(),
    }
}

/// Polls until `probe` gives `Some`, for at most 20 s.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_within(what, Duration::from_secs(20), probe).await
}

/// Polls until `probe` gives `Some`, for at most `deadline`.
pub async fn eventually_within<T, F, Fut>(what: &str, deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The field violations of an INVALID_ARGUMENT status.
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

/// The field violations of an INVALID_ARGUMENT status, with what each says.
pub fn violation_details(status: &tonic::Status) -> Vec<(String, String)> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("a BadRequest detail")
        .field_violations
        .into_iter()
        .map(|v| (v.field, v.description))
        .collect()
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
