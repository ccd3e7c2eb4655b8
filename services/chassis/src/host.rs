//! What every service builds the same way: packs, the auth gate, its migrated
//! database, its topology (declared before anything runs), the relay, the consumer
//! when it subscribes to events, and its bound port. A service adds what makes it
//! itself (`Service`: its name, access policy, migrations, reactions and routes);
//! `Application<S>` builds and runs it and `main::<S>()` is its binary.
use std::{marker::PhantomData, sync::Arc};

use diesel_migrations::EmbeddedMigrations;
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;

use crate::{
    ServiceName, Settings,
    admission::Admission,
    auth::{AccessPolicy, Authenticator, Gate},
    bus::{self, EventHandler, Topology, consumer::Consumer, relay::Relay},
    db::{self, PgPool},
    packs::Packs,
    server::{self, Readiness, ServeParts},
    telemetry,
};

/// What makes a service itself on the chassis.
pub trait Service: Send + 'static {
    const NAME: ServiceName;
    const POLICY: AccessPolicy;
    const MIGRATIONS: EmbeddedMigrations;
    /// The generated gRPC server; its name (`llo.intake.v1.IntakeService`) is the one
    /// health reports.
    type Server: NamedService;
    /// What it consumes; `None` (the default) for a service that only publishes.
    fn consumes() -> Option<Consumes> {
        None
    }
    /// Its gRPC routes, on the host's pool and packs (and what its settings name, e.g.
    /// keys, which may fail to load).
    fn routes(host: &ServiceHost) -> anyhow::Result<tonic::service::Routes>;
    /// Work it runs beside serving until `shutdown`, e.g. a sync on a schedule or a
    /// listener of its own (bound here, so that a taken port fails the start); none by
    /// default.
    fn workers(_host: &ServiceHost, _shutdown: CancellationToken) -> anyhow::Result<Vec<Worker>> {
        Ok(Vec::new())
    }
}

/// A task a service runs beside serving; it ends when the shutdown token is cancelled.
pub type Worker = futures_util::future::BoxFuture<'static, ()>;

/// The full gRPC name of `S`, e.g. `llo.intake.v1.IntakeService`.
pub fn grpc_name<S: Service>() -> &'static str {
    <S::Server as NamedService>::NAME
}

/// A built service, its port bound (and its queue declared), ready to run.
pub struct Application<S> {
    host: ServiceHost,
    service: PhantomData<S>,
}

impl<S: Service> Application<S> {
    /// Creates and migrates the database, loads the packs, declares the topology, binds
    /// the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Application<S>> {
        let spec = ServiceSpec {
            service: S::NAME,
            grpc_service_name: grpc_name::<S>(),
            policy: S::POLICY,
            migrations: S::MIGRATIONS,
            consumes: S::consumes(),
        };
        Ok(Application {
            host: ServiceHost::build(settings, spec).await?,
            service: PhantomData,
        })
    }

    /// `llo-<service> migrate` (the init container): see [`migrate`].
    pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
        migrate(settings, S::MIGRATIONS).await
    }

    pub fn port(&self) -> u16 {
        self.host.port()
    }

    /// Serves until `shutdown`; the consumer stops between events, the relay publishes
    /// what is left, last.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let routes = S::routes(&self.host)?;
        let workers = S::workers(&self.host, shutdown.clone())?;
        self.host.run(routes, workers, shutdown).await
    }
}

/// A service's binary (one container image per service): `llo-<service>` serves,
/// `llo-<service> migrate` migrates its database and exits.
pub async fn main<S: Service>() -> anyhow::Result<()> {
    let binary = format!("llo-{}", S::NAME.as_str());
    let mode = Mode::from_args(std::env::args().skip(1))?;
    if mode == Mode::Help {
        print!("{}", Mode::usage(&binary));
        return Ok(());
    }
    let settings = Settings::load(S::NAME)?;
    if mode == Mode::Migrate {
        // Logs only: a short-lived process has no traces worth exporting.
        let _telemetry = telemetry::init_with_endpoint(&binary, &settings.telemetry, None)?;
        return Application::<S>::migrate(&settings).await;
    }
    let _telemetry = telemetry::init(&binary, &settings.telemetry)?;
    let shutdown = CancellationToken::new();
    tokio::spawn(server::cancel_on_signal(shutdown.clone()));
    let app = Application::<S>::build(settings).await?;
    app.run(shutdown).await
}

/// What a service binary is asked to do: serve (no argument), or `migrate` its database
/// and exit (a Kubernetes init container runs that before the service's pods start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Serve,
    Migrate,
    Help,
}

impl Mode {
    /// Reads the arguments after the program name.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Mode> {
        let args: Vec<String> = args.into_iter().collect();
        match args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] | ["serve"] => Ok(Mode::Serve),
            ["migrate"] => Ok(Mode::Migrate),
            ["help" | "--help" | "-h"] => Ok(Mode::Help),
            _ => anyhow::bail!(
                "unknown arguments {args:?}: expected no argument (serve), `serve`, `migrate` or `--help`"
            ),
        }
    }

    /// What `--help` prints for the binary `name` (e.g. `llo-intake`).
    pub fn usage(name: &str) -> String {
        format!(
            "usage: {name} [serve | migrate]\n\n\
             serve    (the default) migrate the database, then serve gRPC until SIGTERM\n\
             migrate  create the database if missing and allowed, run its pending migrations\n         \
             under the migration lock, and exit (0 when done; otherwise 1, with the error)\n\n\
             Settings as for serving: LLO_CONFIG_FILE, LLO_* variables (see the README).\n"
        )
    }
}

/// `llo-<service> migrate`: creates the database if missing (and `database.create_if_missing`
/// allows it) and runs the chassis' and the service's pending migrations under the
/// migration lock, as a service does before it serves; several at once take turns.
pub async fn migrate(settings: &Settings, migrations: EmbeddedMigrations) -> anyhow::Result<()> {
    db::prepare(&settings.database, migrations).await?;
    tracing::info!(
        database = %db::redact(settings.database.url.expose_secret()),
        "database migrated"
    );
    Ok(())
}

/// The facts that make a service what it is.
pub struct ServiceSpec {
    pub service: ServiceName,
    /// Full gRPC service name, for health: `llo.intake.v1.IntakeService`.
    pub grpc_service_name: &'static str,
    pub policy: AccessPolicy,
    pub migrations: EmbeddedMigrations,
    /// What it consumes; `None` for a service that only publishes.
    pub consumes: Option<Consumes>,
}

/// How a consuming service makes its reactions (its `Subscriptions`) from its settings
/// and the packs (failing, e.g., on a key its settings name that cannot be read); the
/// queue's bindings are the routing keys of the event types it reacts to.
pub struct Consumes {
    pub reactions: fn(&Settings, &Packs) -> anyhow::Result<Arc<dyn EventHandler>>,
}

/// A service built and bound, ready to run.
pub struct ServiceHost {
    settings: Settings,
    service: ServiceName,
    grpc_service_name: &'static str,
    listener: TcpListener,
    port: u16,
    pool: PgPool,
    packs: Packs,
    gate: Gate,
    readiness: Readiness,
    relay: Relay,
    consumer: Option<Consumer>,
}

impl ServiceHost {
    pub async fn build(settings: Settings, spec: ServiceSpec) -> anyhow::Result<ServiceHost> {
        let packs = Packs::load(&settings.packs.dir)?;
        let gate = Gate {
            authenticator: Authenticator::from_settings(&settings.auth)?,
            policy: spec.policy,
            reflection_public: settings.grpc.reflection,
        };
        // Usually a no-op: the init container (`migrate`) got there first.
        let pool = db::connect(&settings.database, spec.migrations).await?;
        let name = spec.service.as_str();
        let reactions = spec
            .consumes
            .as_ref()
            .map(|c| (c.reactions)(&settings, &packs))
            .transpose()?
            // Reactions that bind nothing (a feature its settings leave off): no consumer.
            .filter(|r| !r.routing_keys().is_empty());
        let bindings = reactions
            .as_ref()
            .map(|r| r.routing_keys())
            .unwrap_or_default();
        let topology = Topology::for_service(&settings.amqp, name, &bindings);
        let readiness = if reactions.is_some() {
            Readiness::with_consumer()
        } else {
            Readiness::default()
        };
        let relay = Relay::from_settings(
            &settings,
            pool.clone(),
            topology.clone(),
            name,
            readiness.clone(),
        );
        let consumer = reactions.map(|reactions| {
            Consumer::from_settings(
                &settings,
                pool.clone(),
                topology.clone(),
                reactions,
                name,
                readiness.clone(),
            )
        });
        bus::declare_now(settings.amqp.url.expose_secret(), &topology).await;
        let listener = server::bind(settings.grpc.address).await?;
        let port = listener.local_addr()?.port();
        Ok(ServiceHost {
            settings,
            service: spec.service,
            grpc_service_name: spec.grpc_service_name,
            listener,
            port,
            pool,
            packs,
            gate,
            readiness,
            relay,
            consumer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn packs(&self) -> &Packs {
        &self.packs
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Serves `routes` with the relay (and consumer) and the service's own `workers`
    /// beside it until `shutdown`.
    pub async fn run(
        self,
        routes: tonic::service::Routes,
        workers: Vec<Worker>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        tracing::info!(port = self.port, service = self.service.as_str(), "serving");
        let (admission, sampler) = Admission::from_settings(&self.settings, self.service);
        let parts = ServeParts {
            listener: self.listener,
            routes,
            service_name: self.grpc_service_name,
            gate: self.gate,
            admission,
            pool: self.pool,
            readiness: self.readiness,
            shutdown: shutdown.clone(),
        };
        let mut workers: Vec<Worker> = workers;
        workers.push(Box::pin(sampler.run(shutdown.clone())));
        workers.push(Box::pin(self.relay.run(shutdown.clone())));
        if let Some(consumer) = self.consumer {
            workers.push(Box::pin(consumer.run(shutdown)) as _);
        }
        server::run_service(&self.settings, parts, workers).await
    }
}

/// A service's `app.rs` in one call: its marker type, `SERVICE`, `GRPC_SERVICE_NAME`,
/// `Application` and the chassis' `Service` impl, from the crate's `access::POLICY`,
/// `store::MIGRATIONS` and `api::Context` (its pool and packs), the generated gRPC
/// server around the api type, and the reactions to events when it consumes any.
// `crate::` means the calling service's crate here, on purpose.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! hosted_service {
    ($(#[$meta:meta])* $name:ident: $service:ident, $server:ident<$api:ident>
        $(, reactions = $reactions:path)? $(, workers = $workers:path)?) => {
        $(#[$meta])*
        pub struct $name;

        pub const SERVICE: $crate::ServiceName = $crate::ServiceName::$service;
        /// Its full gRPC name, for health.
        pub const GRPC_SERVICE_NAME: &str =
            <$server<$api> as ::tonic::server::NamedService>::NAME;

        /// The service built and bound, ready to run.
        pub type Application = $crate::host::Application<$name>;

        impl $crate::host::Service for $name {
            const NAME: $crate::ServiceName = SERVICE;
            const POLICY: $crate::auth::AccessPolicy = crate::access::POLICY;
            const MIGRATIONS: ::diesel_migrations::EmbeddedMigrations = crate::store::MIGRATIONS;
            type Server = $server<$api>;

            $(fn consumes() -> Option<$crate::host::Consumes> {
                Some($crate::host::Consumes {
                    reactions: |_settings, packs| Ok(::std::sync::Arc::new($reactions(packs))),
                })
            })?

            $(fn workers(
                host: &$crate::host::ServiceHost,
                shutdown: ::tokio_util::sync::CancellationToken,
            ) -> ::anyhow::Result<Vec<$crate::host::Worker>> {
                Ok($workers(host, shutdown))
            })?

            fn routes(host: &$crate::host::ServiceHost) -> ::anyhow::Result<::tonic::service::Routes> {
                let context = crate::api::Context {
                    pool: host.pool().clone(),
                    packs: host.packs().clone(),
                };
                Ok(::tonic::service::Routes::new(
                    $server::new($api::new(context))
                        .max_decoding_message_size($crate::server::MAX_MESSAGE_BYTES),
                ))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(args: &[&str]) -> anyhow::Result<Mode> {
        Mode::from_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn a_service_binary_serves_by_default_and_migrates_when_asked() {
        assert_eq!(mode(&[]).unwrap(), Mode::Serve);
        assert_eq!(mode(&["serve"]).unwrap(), Mode::Serve);
        assert_eq!(mode(&["migrate"]).unwrap(), Mode::Migrate);
        assert_eq!(mode(&["--help"]).unwrap(), Mode::Help);
        assert_eq!(mode(&["-h"]).unwrap(), Mode::Help);
        for wrong in [&["migrate", "now"][..], &["migrations"], &["--migrate"]] {
            let error = mode(wrong).unwrap_err().to_string();
            assert!(error.contains("migrate"), "{error}");
        }
        assert!(Mode::usage("llo-intake").starts_with("usage: llo-intake [serve | migrate]"));
    }
}
