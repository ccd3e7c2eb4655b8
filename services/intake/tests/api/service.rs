use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn health_says_serving_once_database_and_broker_are_ready() {
    let app = TestApp::spawn().await;
    app.wait_until_serving().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(app.channel().await);
    let overall = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        overall.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reflection_lists_the_intake_service_without_a_token() {
    let app = TestApp::spawn().await;
    let mut reflection = ServerReflectionClient::new(app.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"llo.intake.v1.IntakeService".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_owned()),
        "{names:?}"
    );
}

/// Clients that speak only the older v1alpha protocol (grpcio-reflection, Postman,
/// older grpcurl) list the services too.
#[tokio::test(flavor = "multi_thread")]
async fn reflection_v1alpha_answers_too() {
    use tonic_reflection::pb::v1alpha::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let app = TestApp::spawn().await;
    let mut reflection = ServerReflectionClient::new(app.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"llo.intake.v1.IntakeService".to_owned()),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_migration_runs_up_down_and_up_again() {
    let app = TestApp::spawn().await;
    llo_chassis::db::redo_all(&app.database_url, llo_intake::store::MIGRATIONS)
        .await
        .unwrap();
}

async fn status_of(channel: tonic::transport::Channel) -> Option<i32> {
    status_of_name(channel, "llo.intake.v1.IntakeService").await
}

async fn status_of_name(channel: tonic::transport::Channel, service: &str) -> Option<i32> {
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.into(),
        })
        .await
        .ok()
        .map(|r| r.into_inner().status)
}

#[tokio::test(flavor = "multi_thread")]
async fn health_turns_not_serving_while_the_database_is_lost_and_back_after() {
    health_follows_a_lost_dependency(5432).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_turns_not_serving_while_the_broker_is_lost_and_back_after() {
    health_follows_a_lost_dependency(5672).await;
}

/// Serves intake with PostgreSQL (5432) or RabbitMQ (5672) behind a proxy, takes that
/// dependency away and brings it back, and follows the service's health.
async fn health_follows_a_lost_dependency(target: u16) {
    use llo_chassis::{
        ServiceName,
        testing::{TcpProxy, TestEnv},
    };
    use tonic_health::pb::health_check_response::ServingStatus;
    let dependency = TcpProxy::start_for(target).await;
    let env = TestEnv::new();
    let rerouted = if target == 5432 {
        let direct = env.database_url(ServiceName::Intake);
        vec![
            (
                "database.url",
                direct.replace(":5432/", &format!(":{}/", dependency.port)),
            ),
            ("database.acquire_timeout_ms", "500".to_owned()),
        ]
    } else {
        vec![("amqp.url", dependency.url())]
    };
    let settings = env.settings_with(ServiceName::Intake, &rerouted);
    let app = llo_intake::Application::build(settings).await.unwrap();
    let port = app.port();
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app.run(shutdown.clone()));
    let channel = tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let wait_for = |wanted: ServingStatus| {
        let channel = channel.clone();
        async move {
            for _ in 0..300 {
                if status_of(channel.clone()).await == Some(wanted as i32) {
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            false
        }
    };
    assert!(
        wait_for(ServingStatus::Serving).await,
        "SERVING with the dependency up"
    );
    dependency.down();
    assert!(
        wait_for(ServingStatus::NotServing).await,
        "NOT_SERVING while the dependency is lost"
    );
    // Kubernetes' liveness probe asks `liveness`: a lost dependency must not get the pod
    // restarted, only taken out of service.
    assert_eq!(
        status_of_name(channel.clone(), llo_chassis::server::LIVENESS_SERVICE).await,
        Some(ServingStatus::Serving as i32),
        "liveness stays SERVING while the dependency is lost"
    );
    dependency.up();
    assert!(
        wait_for(ServingStatus::Serving).await,
        "SERVING again once it is back"
    );
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_in_flight_when_shutdown_begins_still_completes_and_then_the_server_stops() {
    use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
    use llo_proto::intake::v1::intake_service_client::IntakeServiceClient;
    let env = TestEnv::new();
    // A grace far longer than the test may take: a server that ignored the signal would
    // only stop when the grace runs out.
    let settings = env.settings_with(
        ServiceName::Intake,
        &[("grpc.shutdown_grace_seconds", "120".to_owned())],
    );
    let app = llo_intake::Application::build(settings).await.unwrap();
    let port = app.port();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    let channel = tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let token = ClientContext {
        bearer_token: Some(env.token(Role::Coach, "achterhoek", None)),
    };
    let mut client = IntakeServiceClient::with_interceptor(channel.clone(), token.clone());
    let organisation = crate::helpers::register(&mut client, "27272727").await;
    let mut importer = IntakeServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(env.token(Role::ProgrammeManager, "achterhoek", None)),
        },
    );
    // A slow stream: 20 rows over about a second; it says when the fifth row is sent.
    let id = organisation.organisation_id.clone();
    let under_way = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = under_way.clone();
    let rows = tokio_stream::StreamExt::throttle(
        tokio_stream::iter((0..20).map(move |n| {
            if n == 5 {
                signal.notify_one();
            }
            crate::import::row(&id, n)
        })),
        std::time::Duration::from_millis(50),
    );
    let call = tokio::spawn(async move { importer.import_participants(rows).await });
    under_way.notified().await;
    shutdown.cancel();
    let response = call
        .await
        .unwrap()
        .expect("the in-flight import finishes")
        .into_inner();
    assert_eq!(response.created_count, 20);
    // The server stops as soon as the call is done, not when the grace runs out.
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(30), server).await;
    assert!(
        stopped.is_ok(),
        "the server kept serving after the shutdown signal"
    );
    stopped.unwrap().unwrap().unwrap();
    // And a new connection finds nobody listening.
    let refused = tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await;
    assert!(refused.is_err(), "the port is closed after shutdown");
}

/// A pool whose every connection is busy (here: requests waiting on a table lock for
/// longer than the pool's acquire timeout) is not a lost database: health stays
/// SERVING, because the health check has a connection of its own.
#[tokio::test(flavor = "multi_thread")]
async fn a_busy_pool_is_not_a_lost_database() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    use llo_chassis::{ServiceName, testing::TestEnv};
    use tonic_health::pb::health_check_response::ServingStatus;
    let env = TestEnv::new();
    let settings = env.settings_with(
        ServiceName::Intake,
        &[
            ("database.max_connections", "2".to_owned()),
            ("database.acquire_timeout_ms", "300".to_owned()),
        ],
    );
    let app = llo_intake::Application::build(settings).await.unwrap();
    let port = app.port();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let _stop = shutdown.clone().drop_guard();
    tokio::spawn(app.run(shutdown.clone()));
    let channel = || async {
        tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))
            .unwrap()
            .connect()
            .await
            .unwrap()
    };
    let serving = Some(ServingStatus::Serving as i32);
    for _ in 0..100 {
        if status_of(channel().await).await == serving {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status_of(channel().await).await, serving);

    // Every pool connection waits on a lock the test holds.
    let mut locker = AsyncPgConnection::establish(&env.database_url(ServiceName::Intake))
        .await
        .unwrap();
    diesel::sql_query("BEGIN")
        .execute(&mut locker)
        .await
        .unwrap();
    diesel::sql_query("LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let mut coach =
        llo_proto::intake::v1::intake_service_client::IntakeServiceClient::with_interceptor(
            channel().await,
            llo_chassis::telemetry::ClientContext {
                bearer_token: Some(env.token(llo_chassis::auth::Role::Coach, "achterhoek", None)),
            },
        );
    let mut waiting = Vec::new();
    for n in 0..2 {
        let mut client = coach.clone();
        waiting.push(tokio::spawn(async move {
            client
                .register_organisation(crate::helpers::organisation_request(
                    &format!("4040404{n}"),
                    "Wacht BV",
                ))
                .await
        }));
    }
    // Three health checks (2 s apart) would have missed before; then some.
    for _ in 0..8 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert_eq!(
            status_of(channel().await).await,
            serving,
            "health while every request connection is busy"
        );
    }
    // A third request finds no connection within the acquire timeout: UNAVAILABLE.
    let refused = coach
        .register_organisation(crate::helpers::organisation_request("40404049", "Later BV"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unavailable);
    diesel::sql_query("COMMIT")
        .execute(&mut locker)
        .await
        .unwrap();
    for request in waiting {
        request.await.unwrap().unwrap();
    }
}
