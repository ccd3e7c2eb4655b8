//! gRPC server defaults: health (NOT_SERVING until database and broker are ready,
//! and again while either is lost; [`LIVENESS_SERVICE`] for the process alone),
//! reflection, the RPC layer, optional TLS/mTLS, graceful shutdown.
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig, server::TcpIncoming};
use tonic_health::ServingStatus;

use crate::{auth::Gate, db::PgPool, rpc_layer::RpcLayer, settings::Settings};

/// The largest request message a service decodes. Every field is bounded at the edge;
/// the largest valid request, a knowledge item of 100,000 characters, is under 400 KiB
/// even in 4-byte characters. A bigger message is refused (OUT_OF_RANGE, from tonic)
/// before it is held.
pub const MAX_MESSAGE_BYTES: usize = 512 * 1024;

/// What the service depends on, as last seen: the relay's broker connection and, for a
/// consuming service, the consumer's (which also turns false while the database is out
/// of its reach).
#[derive(Clone, Default)]
pub struct Readiness {
    relay: Arc<AtomicBool>,
    consumer: Option<Arc<AtomicBool>>,
}

impl Readiness {
    /// For a service that consumes events: both the relay and the consumer must be up.
    pub fn with_consumer() -> Self {
        Self {
            relay: Arc::default(),
            consumer: Some(Arc::default()),
        }
    }

    pub fn set_broker(&self, up: bool) {
        self.relay.store(up, Ordering::Relaxed);
    }

    pub fn set_consumer(&self, up: bool) {
        if let Some(consumer) = &self.consumer {
            consumer.store(up, Ordering::Relaxed);
        }
    }

    /// The consumer has a working channel (true for a service that consumes nothing).
    pub fn consumer(&self) -> bool {
        self.consumer
            .as_ref()
            .is_none_or(|c| c.load(Ordering::Relaxed))
    }

    pub fn broker(&self) -> bool {
        self.relay.load(Ordering::Relaxed) && self.consumer()
    }
}

/// The `grpc.health.v1` name that reports the process alone: SERVING from the moment the
/// server is built until the process ends, whatever the database and broker do.
/// Kubernetes' liveness probe asks it, so a dependency outage takes pods out of service
/// (readiness, on the service's own name) without restarting every one of them.
pub const LIVENESS_SERVICE: &str = "liveness";

/// Binds the gRPC port now, so a caller (a test) learns the real port before serving.
pub async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("grpc.address: cannot listen on {address}"))
}

/// Everything a service hands to `serve`.
pub struct ServeParts {
    pub listener: TcpListener,
    /// The service's own routes (its generated `*Server`).
    pub routes: tonic::service::Routes,
    /// Full service name for health, e.g. `llo.intake.v1.IntakeService`.
    pub service_name: &'static str,
    pub gate: Gate,
    /// Writing calls wait here while the suite's consumers are behind.
    pub admission: crate::admission::Admission,
    pub pool: PgPool,
    pub readiness: Readiness,
    pub shutdown: CancellationToken,
}

/// Runs a service: its background workers (relay, consumer) beside the gRPC server,
/// until `shutdown`; the workers finish after the server, so the relay can publish what
/// the last calls committed.
pub async fn run_service(
    settings: &Settings,
    parts: ServeParts,
    workers: Vec<futures_util::future::BoxFuture<'static, ()>>,
) -> anyhow::Result<()> {
    let shutdown = parts.shutdown.clone();
    let tasks: Vec<_> = workers.into_iter().map(tokio::spawn).collect();
    let served = serve(settings, parts).await;
    shutdown.cancel();
    for task in tasks {
        let _ = task.await;
    }
    served
}

/// Serves until `shutdown` is cancelled, then lets in-flight calls finish.
pub async fn serve(settings: &Settings, parts: ServeParts) -> anyhow::Result<()> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status(LIVENESS_SERVICE, ServingStatus::Serving)
        .await;
    health_reporter
        .set_service_status("", ServingStatus::NotServing)
        .await;
    health_reporter
        .set_service_status(parts.service_name, ServingStatus::NotServing)
        .await;
    // Its own connection: a pool busy with requests is not a lost database.
    let health_connection = crate::db::single_connection_pool(&settings.database)?;
    tokio::spawn(watch_health(
        health_reporter.clone(),
        parts.service_name,
        health_connection,
        parts.readiness.clone(),
        parts.shutdown.clone(),
    ));

    let mut routes = parts.routes.add_service(health_service.clone());
    if settings.grpc.reflection {
        // Both versions: grpcio-reflection (Python), Postman and older grpcurl speak
        // only v1alpha.
        let reflection = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(llo_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        routes = routes
            .add_service(reflection().build_v1()?)
            .add_service(reflection().build_v1alpha()?);
    }

    let mut builder = Server::builder();
    if let (Some(cert), Some(key)) = (&settings.tls.cert_file, &settings.tls.key_file) {
        let identity = Identity::from_pem(read(cert, "tls.cert_file")?, read(key, "tls.key_file")?);
        let mut tls = ServerTlsConfig::new().identity(identity);
        if let Some(ca) = &settings.tls.client_ca_file {
            tls = tls.client_ca_root(Certificate::from_pem(read(ca, "tls.client_ca_file")?));
        }
        builder = builder
            .tls_config(tls)
            .context("tls: invalid configuration")?;
        if let Some(port) = settings.tls.health_port {
            let address = SocketAddr::new(settings.grpc.address.ip(), port);
            let health_listener = bind(address).await?;
            let shutdown = parts.shutdown.clone();
            let health_only = health_service.clone();
            tokio::spawn(async move {
                let served = Server::builder()
                    .add_service(health_only)
                    .serve_with_incoming_shutdown(
                        TcpIncoming::from(health_listener),
                        shutdown.cancelled_owned(),
                    )
                    .await;
                if let Err(error) = served {
                    tracing::error!(%error, "plain-text health port failed");
                }
            });
        }
    }

    let grace = Duration::from_secs(settings.grpc.shutdown_grace_seconds);
    let shutdown = parts.shutdown.clone();
    let reporter = health_reporter.clone();
    let service_name = parts.service_name;
    let signal = async move {
        shutdown.cancelled().await;
        // Tell load balancers first, then stop accepting.
        reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
        reporter
            .set_service_status(service_name, ServingStatus::NotServing)
            .await;
    };
    let server = builder
        .layer(RpcLayer::new(parts.gate, parts.admission))
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpIncoming::from(parts.listener), signal);
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result.context("gRPC server failed")?,
        () = async { parts.shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
            tracing::warn!("in-flight calls did not finish within {grace:?}; stopping");
        }
    }
    Ok(())
}

fn read(path: &std::path::Path, key: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{key}: cannot read {}", path.display()))
}

async fn watch_health(
    reporter: tonic_health::server::HealthReporter,
    service_name: &'static str,
    pool: PgPool,
    readiness: Readiness,
    shutdown: CancellationToken,
) {
    let mut last = None;
    let mut database_misses = 0;
    loop {
        // The ping has a connection of its own, so requests never keep it waiting; a
        // short timeout, and three misses in a row before the database counts as lost.
        let pinged = tokio::time::timeout(Duration::from_secs(1), crate::db::ping(&pool))
            .await
            .unwrap_or(false);
        database_misses = if pinged { 0 } else { database_misses + 1 };
        let database_up = pinged || (last == Some(true) && database_misses < 3);
        let ready = readiness.broker() && database_up;
        if last != Some(ready) {
            let status = if ready {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            tracing::info!(service = service_name, ready, "health changed");
            reporter.set_service_status("", status).await;
            reporter.set_service_status(service_name, status).await;
            last = Some(ready);
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(if ready { 2_000 } else { 200 })) => {}
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C, and cancels `token`.
pub async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
        () = token.cancelled() => {}
    }
    tracing::info!("shutting down");
    token.cancel();
}
