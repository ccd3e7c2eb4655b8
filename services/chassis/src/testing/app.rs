//! A service under test: built on the chassis host against its own database and
//! exchange (a `TestEnv`), serving on a free port until dropped; and what the services'
//! API tests all ask of a status or wait for.
// Test support: a failure here fails the test that asked, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::{
    marker::PhantomData,
    time::{Duration, Instant},
};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio_util::sync::CancellationToken;
use tonic::{Code, codegen::InterceptedService, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_types::StatusExt;

use super::TestEnv;
use crate::{
    auth::Role,
    host::{self, Application, Service},
    telemetry::ClientContext,
};

/// A channel that carries a bearer token, as the generated clients take it.
pub type Authorised = InterceptedService<Channel, ClientContext>;

pub struct TestApp<S> {
    pub env: TestEnv,
    pub port: u16,
    pub database_url: String,
    shutdown: CancellationToken,
    service: PhantomData<S>,
}

impl<S> Drop for TestApp<S> {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl<S: Service> TestApp<S> {
    /// Builds and runs the service; returns once its health says SERVING.
    pub async fn spawn() -> TestApp<S> {
        TestApp::spawn_with(&[]).await
    }

    /// With other settings, e.g. another `packs.dir`.
    pub async fn spawn_with(settings: &[(&str, String)]) -> TestApp<S> {
        let env = TestEnv::new();
        let database_url = env.database_url(S::NAME);
        let app = Application::<S>::build(env.settings_with(S::NAME, settings))
            .await
            .unwrap_or_else(|e| panic!("{} builds: {e:#}", S::NAME.as_str()));
        let port = app.port();
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run(shutdown.clone()));
        let app = TestApp {
            env,
            port,
            database_url,
            shutdown,
            service: PhantomData,
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

    /// A channel carrying `token` (none: an anonymous caller), for a generated client's `new`.
    pub async fn authorised(&self, token: Option<String>) -> Authorised {
        InterceptedService::new(
            self.channel().await,
            ClientContext {
                bearer_token: token,
            },
        )
    }

    /// A channel carrying a development token of `role` in `region`.
    pub async fn as_role_channel(
        &self,
        role: Role,
        region: &str,
        organisation: Option<&str>,
    ) -> Authorised {
        self.authorised(Some(self.env.token(role, region, organisation)))
            .await
    }

    /// Waits (with a deadline) until grpc.health.v1 reports SERVING for the service: its
    /// database answers and, for a consumer, its queue is bound.
    pub async fn wait_until_serving(&self) {
        let health = HealthClient::new(self.channel().await);
        eventually("SERVING", || {
            let mut health = health.clone();
            async move {
                let request = HealthCheckRequest {
                    service: host::grpc_name::<S>().into(),
                };
                let status = health.check(request).await.ok()?.into_inner().status;
                (status == ServingStatus::Serving as i32).then_some(())
            }
        })
        .await;
    }

    /// A connection to the service's own database.
    pub async fn database(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.database_url)
            .await
            .expect("database")
    }

    /// Runs SQL on the service's database (to move a clock, to plant a row).
    pub async fn execute(&self, sql: &str) {
        let mut conn = self.database().await;
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }

    /// `SELECT count(*) AS n ...`
    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.database().await;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .unwrap()
            .n
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

/// The fields of an INVALID_ARGUMENT status's violations.
pub fn violations(status: &tonic::Status) -> Vec<String> {
    violation_details(status)
        .into_iter()
        .map(|(field, _)| field)
        .collect()
}

/// The field violations of an INVALID_ARGUMENT status, as (field, description).
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

/// The ErrorInfo reason of a status.
pub fn reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}
