//! One trace from an integrator's call through RabbitMQ to the consumer: intake's
//! server span, the relay's publish span and trajectories' process span share the
//! trace id, exported over OTLP to a collector this test runs — each named, of the kind
//! and with the attributes the semantic conventions the suite follows say
//! (`telemetry::SEMCONV_VERSION`; docs/operations.md, "Telemetry").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use llo_chassis::{
    ServiceName,
    auth::Role,
    settings::{LogFormat, TelemetrySettings},
    telemetry::{self, ClientContext},
    testing::{self, TestEnv},
};
use llo_proto::{
    common::v1 as common,
    intake::v1::{self as intake, intake_service_client::IntakeServiceClient},
    trajectories::v1::{self as pb, trajectory_service_client::TrajectoryServiceClient},
};
use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
    common::v1::any_value::Value,
    trace::v1::span::SpanKind,
};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

#[derive(Debug, Clone)]
struct SeenSpan {
    name: String,
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
    kind: i32,
    /// Each link: the linked span's trace and span id, and the link's message id.
    links: Vec<(Vec<u8>, Vec<u8>, String)>,
    /// Every attribute, its value as text.
    attributes: HashMap<String, String>,
    schema_url: String,
}

impl SeenSpan {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }

    /// Asserts the span's kind and that it carries each `(key, value)`.
    fn assert_has(&self, kind: SpanKind, expected: &[(&str, &str)]) {
        assert_eq!(self.kind, kind as i32, "{}: kind", self.name);
        for (key, value) in expected {
            assert_eq!(
                self.attribute(key),
                Some(*value),
                "{}: {key} in {:?}",
                self.name,
                self.attributes
            );
        }
        assert_eq!(
            self.schema_url,
            format!(
                "https://opentelemetry.io/schemas/{}",
                telemetry::SEMCONV_VERSION
            ),
            "{}: the scope names the semantic conventions' version",
            self.name
        );
    }
}

fn text(value: Option<Value>) -> String {
    match value {
        Some(Value::StringValue(s)) => s,
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

#[derive(Default, Clone)]
struct Collector(Arc<Mutex<Vec<SeenSpan>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut seen = self.0.lock().unwrap();
        for resource in request.into_inner().resource_spans {
            for scope in resource.scope_spans {
                for span in scope.spans {
                    let links = span
                        .links
                        .into_iter()
                        .map(|link| {
                            let id = link
                                .attributes
                                .into_iter()
                                .find(|a| a.key == "messaging.message.id")
                                .map(|a| text(a.value.and_then(|v| v.value)))
                                .unwrap_or_default();
                            (link.trace_id, link.span_id, id)
                        })
                        .collect();
                    seen.push(SeenSpan {
                        name: span.name,
                        trace_id: span.trace_id,
                        span_id: span.span_id,
                        kind: span.kind,
                        links,
                        attributes: span
                            .attributes
                            .into_iter()
                            .map(|a| (a.key, text(a.value.and_then(|v| v.value))))
                            .collect(),
                        schema_url: scope.schema_url.clone(),
                    });
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// Waits (at most 20 s) until trajectories' inbox holds `events` events.
async fn trajectories_applied(env: &TestEnv, events: i64) {
    let (client, connection) = tokio_postgres::connect(
        &env.database_url(ServiceName::Trajectories),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    for _ in 0..400 {
        let applied: i64 = client
            .query_one("SELECT count(*) FROM inbox", &[])
            .await
            .unwrap()
            .get(0);
        if applied >= events {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("trajectories never applied {events} events");
}

type Intake =
    IntakeServiceClient<tonic::service::interceptor::InterceptedService<Channel, ClientContext>>;

/// A company of twelve in the Achterhoek, registered.
async fn register(intake_client: &mut Intake, name: &str, kvk: &str) -> intake::Organisation {
    intake_client
        .register_organisation(intake::RegisterOrganisationRequest {
            region: "achterhoek".into(),
            sector: "techniek-metaal".into(),
            name: name.into(),
            kvk_number: kvk.into(),
            municipality: "Doetinchem".into(),
            employee_count: 12,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .organisation
        .unwrap()
}

async fn channel(port: u16) -> Channel {
    Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// A collector on a free port, and the telemetry exporting to it.
async fn collector() -> (Collector, telemetry::TelemetryGuard) {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_port = listener.local_addr().unwrap().port();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(collector.clone()))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    let guard = telemetry::init_with_endpoint(
        "llo-trace-test",
        &TelemetrySettings {
            log_format: LogFormat::Pretty,
            log_filter: "warn".into(),
        },
        Some(format!("http://127.0.0.1:{collector_port}")),
    )
    .unwrap();
    (collector, guard)
}

#[tokio::test(flavor = "multi_thread")]
async fn one_trace_runs_from_the_call_through_rabbitmq_to_the_consumer() {
    let (collector, guard) = collector().await;

    let env = TestEnv::new();
    let shutdown = CancellationToken::new();
    let intake_app = llo_intake::Application::build(env.settings(ServiceName::Intake))
        .await
        .unwrap();
    let trajectories_app =
        llo_trajectories::Application::build(env.settings(ServiceName::Trajectories))
            .await
            .unwrap();
    let (intake_port, trajectories_port) = (intake_app.port(), trajectories_app.port());
    tokio::spawn(intake_app.run(shutdown.clone()));
    tokio::spawn(trajectories_app.run(shutdown.clone()));
    tokio::time::sleep(Duration::from_millis(1_000)).await;

    let token = ClientContext {
        bearer_token: Some(env.token(Role::ProgrammeManager, "achterhoek", None)),
    };
    let mut intake_client =
        IntakeServiceClient::with_interceptor(channel(intake_port).await, token.clone());
    let mut trajectories =
        TrajectoryServiceClient::with_interceptor(channel(trajectories_port).await, token);
    let organisation = register(&mut intake_client, "Traceer BV", "77777770").await;
    // The organisation's event applied first, so that the enrolment's arrives alone: two
    // that arrive together get a process span of their own, linked to both (not a child).
    trajectories_applied(&env, 1).await;
    let participant = intake_client
        .enrol_participant(intake::EnrolParticipantRequest {
            organisation_id: organisation.organisation_id.clone(),
            given_name: "Tess".into(),
            family_name: "Tracer".into(),
            email: "tess@traceer.example".into(),
            role: common::ParticipantRole::Employee as i32,
            consent_given: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .participant
        .unwrap();
    // The plan appears once trajectories consumed ParticipantEnrolled.
    for _ in 0..100 {
        if trajectories
            .get_development_plan(pb::GetDevelopmentPlanRequest {
                participant_id: participant.participant_id.clone(),
            })
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    guard.flush();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let spans = collector.0.lock().unwrap().clone();
    let call = spans
        .iter()
        .find(|s| s.name == "llo.intake.v1.IntakeService/EnrolParticipant")
        .unwrap_or_else(|| {
            panic!(
                "no server span for the call among {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    let in_trace: Vec<&SeenSpan> = spans
        .iter()
        .filter(|s| s.trace_id == call.trace_id)
        .collect();
    let names: Vec<&str> = in_trace.iter().map(|s| s.name.as_str()).collect();

    // The gRPC server span (RPC conventions, gRPC).
    let method = "llo.intake.v1.IntakeService/EnrolParticipant";
    call.assert_has(
        SpanKind::Server,
        &[
            ("rpc.system.name", "grpc"),
            ("rpc.method", method),
            ("rpc.response.status_code", "OK"),
        ],
    );
    assert_eq!(
        call.attribute("error.type"),
        None,
        "a success has no error.type"
    );
    assert!(
        call.attribute("rpc.service").is_none() && call.attribute("rpc.grpc.status_code").is_none(),
        "no attribute of older conventions: {:?}",
        call.attributes
    );

    // The relay's send span (messaging conventions, RabbitMQ).
    let enrolled = "intake.participant_enrolled.v1";
    let destination = format!("{}:{enrolled}", env.exchange);
    let publish = in_trace
        .iter()
        .find(|s| s.name == format!("publish {destination}"))
        .unwrap_or_else(|| panic!("no publish span in the call's trace: {names:?}"));
    publish.assert_has(
        SpanKind::Producer,
        &[
            ("messaging.system", "rabbitmq"),
            ("messaging.operation.type", "send"),
            ("messaging.operation.name", "publish"),
            ("messaging.destination.name", &destination),
            ("messaging.rabbitmq.destination.routing_key", enrolled),
            ("server.address", "127.0.0.1"),
            ("server.port", &testing::amqp_port().to_string()),
        ],
    );
    let message_id = publish
        .attribute("messaging.message.id")
        .expect("the event id on the publish span");
    assert_eq!(
        publish.attribute("messaging.batch.message_count"),
        None,
        "a span of one message has no batch count"
    );

    // Trajectories' process span: the same message, continued in the same trace.
    let queue = format!("{}trajectories.events", env.queue_prefix());
    let destination = format!("{}:{enrolled}:{queue}", env.exchange);
    let process = in_trace
        .iter()
        .find(|s| s.name == format!("process {destination}"))
        .unwrap_or_else(|| panic!("no consumer span in the call's trace: {names:?}"));
    process.assert_has(
        SpanKind::Consumer,
        &[
            ("messaging.system", "rabbitmq"),
            ("messaging.operation.type", "process"),
            ("messaging.operation.name", "process"),
            ("messaging.destination.name", &destination),
            ("messaging.rabbitmq.destination.routing_key", enrolled),
            ("messaging.message.id", message_id),
            ("llo.outcome", "applied"),
        ],
    );
    assert!(
        process
            .attribute("messaging.rabbitmq.message.delivery_tag")
            .is_some(),
        "{:?}",
        process.attributes
    );
    shutdown.cancel();
}

/// Events that wait in the queue reach the consumer together and commit in one
/// transaction: one `process` span for the batch, a root of its own, with a link to
/// each message's creation context (the relay's `publish` span) naming the message id
/// (messaging conventions, batch processing).
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_has_one_process_span_linked_to_each_message() {
    let (collector, guard) = collector().await;
    let env = TestEnv::new();
    let shutdown = CancellationToken::new();
    // Trajectories' queue is declared (build), but nothing consumes it yet.
    let trajectories_app =
        llo_trajectories::Application::build(env.settings(ServiceName::Trajectories))
            .await
            .unwrap();
    let intake_app = llo_intake::Application::build(env.settings(ServiceName::Intake))
        .await
        .unwrap();
    let (intake_port, trajectories_port) = (intake_app.port(), trajectories_app.port());
    tokio::spawn(intake_app.run(shutdown.clone()));
    let token = ClientContext {
        bearer_token: Some(env.token(Role::ProgrammeManager, "achterhoek", None)),
    };
    let mut intake_client =
        IntakeServiceClient::with_interceptor(channel(intake_port).await, token.clone());
    let organisation = register(&mut intake_client, "Bundel BV", "77777771").await;
    let mut participants = Vec::new();
    for n in 0..6 {
        let participant = intake_client
            .enrol_participant(intake::EnrolParticipantRequest {
                organisation_id: organisation.organisation_id.clone(),
                given_name: format!("Bea{n}"),
                family_name: "Bundel".into(),
                email: format!("bea{n}@bundel.example"),
                role: common::ParticipantRole::Employee as i32,
                consent_given: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .participant
            .unwrap();
        participants.push(participant.participant_id);
    }
    // Every enrolment published (and waiting in the queue) before the consumer starts.
    let enrolled = "intake.participant_enrolled.v1";
    let publish_name = format!("publish {}:{enrolled}", env.exchange);
    for _ in 0..100 {
        guard.flush();
        let published = collector
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.name == publish_name)
            .count();
        if published == participants.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::spawn(trajectories_app.run(shutdown.clone()));
    let mut trajectories =
        TrajectoryServiceClient::with_interceptor(channel(trajectories_port).await, token);
    for participant in &participants {
        for _ in 0..200 {
            let plan = trajectories
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: participant.clone(),
                })
                .await;
            if plan.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    guard.flush();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let spans = collector.0.lock().unwrap().clone();
    let publishes: Vec<&SeenSpan> = spans.iter().filter(|s| s.name == publish_name).collect();
    assert_eq!(
        publishes.len(),
        participants.len(),
        "one publish per enrolment"
    );

    let queue = format!("{}trajectories.events", env.queue_prefix());
    let destination = format!("{}:{queue}", env.exchange);
    let batches: Vec<&SeenSpan> = spans
        .iter()
        .filter(|s| s.name == format!("process {destination}"))
        .collect();
    let batch = batches
        .iter()
        .max_by_key(|s| s.links.len())
        .unwrap_or_else(|| {
            panic!(
                "no batch span among {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    assert!(
        batch.links.len() >= 2,
        "the waiting events were applied together: {:?}",
        batch.links
    );
    batch.assert_has(
        SpanKind::Consumer,
        &[
            ("messaging.system", "rabbitmq"),
            ("messaging.operation.type", "process"),
            ("messaging.operation.name", "process"),
            ("messaging.destination.name", &destination),
            (
                "messaging.batch.message_count",
                &batch.links.len().to_string(),
            ),
            ("llo.applied", &batch.links.len().to_string()),
        ],
    );
    // Each link is a message's creation context: its publish span, with its id.
    let any_publish = format!("publish {}:", env.exchange);
    for (trace_id, span_id, message_id) in &batch.links {
        let publish = spans
            .iter()
            .filter(|s| s.name.starts_with(&any_publish))
            .find(|p| &p.trace_id == trace_id && &p.span_id == span_id)
            .unwrap_or_else(|| panic!("a link to no publish span: {message_id}"));
        assert_eq!(
            publish.attribute("messaging.message.id"),
            Some(message_id.as_str())
        );
        assert_ne!(
            &batch.trace_id, trace_id,
            "the batch is a trace of its own, not a child of one producer"
        );
    }
    // Every enrolment is linked from a batch or continued by a process span of its own.
    for publish in &publishes {
        let linked = batches
            .iter()
            .any(|b| b.links.iter().any(|(_, span, _)| *span == publish.span_id));
        let continued = spans
            .iter()
            .any(|s| s.kind == SpanKind::Consumer as i32 && s.trace_id == publish.trace_id);
        assert!(
            linked || continued,
            "{:?} was processed without a trace",
            publish.name
        );
    }
    shutdown.cancel();
}
