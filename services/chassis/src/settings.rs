//! Layered settings: compiled-in defaults → optional TOML file (`LLO_CONFIG_FILE`) →
//! suite-wide variables (`LLO_SECTION__KEY`) → per-service variables
//! (`LLO_INTAKE__SECTION__KEY`) → programmatic overrides (tests, `llo up`).
use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context as _;
use config::{Config, Environment, File, FileFormat};
use secrecy::SecretString;
use serde::Deserialize;

/// The four services of the suite, with their default ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceName {
    Intake,
    Trajectories,
    Community,
    Reporting,
}

impl ServiceName {
    pub const ALL: [ServiceName; 4] = [
        ServiceName::Intake,
        ServiceName::Trajectories,
        ServiceName::Community,
        ServiceName::Reporting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceName::Intake => "intake",
            ServiceName::Trajectories => "trajectories",
            ServiceName::Community => "community",
            ServiceName::Reporting => "reporting",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            ServiceName::Intake => 50051,
            ServiceName::Trajectories => 50052,
            ServiceName::Community => 50053,
            ServiceName::Reporting => 50054,
        }
    }

    /// Prefix of this service's own environment variables, e.g. `LLO_INTAKE`.
    pub fn env_prefix(self) -> String {
        format!("LLO_{}", self.as_str().to_uppercase())
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentEnvironment {
    Development,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: DeploymentEnvironment,
    pub grpc: GrpcSettings,
    pub database: DatabaseSettings,
    pub amqp: AmqpSettings,
    pub auth: AuthSettings,
    #[serde(default)]
    pub tls: TlsSettings,
    pub telemetry: TelemetrySettings,
    pub packs: PacksSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GrpcSettings {
    pub address: SocketAddr,
    pub reflection: bool,
    /// How long in-flight calls may take to finish after a shutdown signal.
    pub shutdown_grace_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: usize,
    pub acquire_timeout_ms: u64,
    /// Create the service's database at start when it does not exist.
    pub create_if_missing: bool,
    /// How long the answer to a call with a `request_id` is kept for retries.
    pub request_id_retention_hours: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AmqpSettings {
    pub url: SecretString,
    /// The durable topic exchange every integration event is published on.
    pub exchange: String,
    /// Receives what a consumer gives up on, routed by queue name.
    pub dead_letter_exchange: String,
    /// Receives events no queue is bound for, so none is lost.
    pub unrouted_exchange: String,
    /// Prefix of this service's queue names (`<prefix><service>.events`).
    pub queue_prefix: String,
    pub prefetch: u16,
    /// Deliveries of one event that never finished (the process stopped while handling
    /// it) after which the consumer dead-letters it. Enforced by the consumer from the
    /// broker's count, so it may change between restarts; at most 999 (the queues'
    /// own backstop is 1,000).
    pub delivery_limit: u32,
    /// Handler attempts within one delivery before the event is dead-lettered.
    pub max_attempts: u32,
    pub retry_base_delay_ms: u64,
    pub relay_batch_size: i64,
    pub relay_poll_interval_ms: u64,
    /// How long the broker may take to confirm a relayed batch before the relay gives
    /// up on the connection (a broker under a resource alarm stops confirming).
    pub confirm_timeout_ms: u64,
    /// Published outbox rows are kept this long (for audits and re-publishing), then pruned.
    pub outbox_retention_hours: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    /// A JWKS file with the issuer's public keys (RS256/ES256).
    pub jwks_file: Option<PathBuf>,
    /// An inline PEM public key (RS256 or ES256, by `public_key_algorithm`).
    pub public_key_pem: Option<String>,
    pub public_key_algorithm: String,
    /// Trust the well-known development key (HS256). Refused outside development.
    pub allow_development_tokens: bool,
    /// The JWKS file is read again this often, so that a rotated key set (a mounted
    /// Secret that changed) is trusted without a restart.
    pub jwks_refresh_seconds: u64,
    /// A token naming a key id the set does not hold makes the set be read again at
    /// once, but not more often than this (a flood of forged key ids costs nothing).
    pub jwks_unknown_key_refresh_seconds: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TlsSettings {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// When set, clients must present a certificate signed by this CA (mTLS).
    pub client_ca_file: Option<PathBuf>,
    /// With TLS on: also serve `grpc.health.v1` in plain text on this port, for
    /// Kubernetes' native gRPC probes (which cannot speak TLS).
    pub health_port: Option<u16>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    /// `RUST_LOG`-style filter; `RUST_LOG` wins when set.
    pub log_filter: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PacksSettings {
    /// Folder with `regions/*.toml` and `sectors/*.toml`.
    pub dir: PathBuf,
}

impl Settings {
    /// Loads the settings of one service from every layer.
    pub fn load(service: ServiceName) -> anyhow::Result<Settings> {
        Self::load_with(service, &[])
    }

    /// As `load`, with `(key, value)` overrides applied last.
    pub fn load_with(
        service: ServiceName,
        overrides: &[(&str, String)],
    ) -> anyhow::Result<Settings> {
        let mut builder = defaults(service)?;
        if let Ok(path) = std::env::var("LLO_CONFIG_FILE") {
            let (shared, own) = file_layers(&path, service)?;
            builder = builder
                .add_source(File::from_str(&shared, FileFormat::Toml))
                .add_source(File::from_str(&own, FileFormat::Toml));
        }
        builder = builder
            .add_source(env_layer("LLO", "_"))
            .add_source(env_layer(&service.env_prefix(), "__"));
        for (key, value) in overrides {
            builder = builder.set_override(*key, value.as_str())?;
        }
        let settings: Settings =
            builder
                .build()
                .and_then(Config::try_deserialize)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "invalid settings for the {} service: {e} (set the key in LLO_CONFIG_FILE, \
                     or as {}__SECTION__KEY)",
                        service.as_str(),
                        service.env_prefix()
                    )
                })?;
        settings.check(service)?;
        Ok(settings)
    }

    fn check(&self, service: ServiceName) -> anyhow::Result<()> {
        if !(1..crate::bus::topology::BROKER_DELIVERY_LIMIT as u32)
            .contains(&self.amqp.delivery_limit)
        {
            anyhow::bail!(
                "{}: amqp.delivery_limit must be from 1 to {} (the queues' own limit is {})",
                service.as_str(),
                crate::bus::topology::BROKER_DELIVERY_LIMIT - 1,
                crate::bus::topology::BROKER_DELIVERY_LIMIT
            );
        }
        if self.auth.allow_development_tokens
            && self.environment != DeploymentEnvironment::Development
        {
            anyhow::bail!(
                "{}: auth.allow_development_tokens is only allowed when environment = \"development\"",
                service.as_str()
            );
        }
        if self.tls.cert_file.is_some() != self.tls.key_file.is_some() {
            anyhow::bail!(
                "{}: tls.cert_file and tls.key_file go together",
                service.as_str()
            );
        }
        if self.tls.client_ca_file.is_some() && self.tls.cert_file.is_none() {
            anyhow::bail!(
                "{}: tls.client_ca_file needs tls.cert_file and tls.key_file",
                service.as_str()
            );
        }
        Ok(())
    }

    /// The queue this service consumes from.
    pub fn queue_name(&self, service: ServiceName) -> String {
        format!("{}{}.events", self.amqp.queue_prefix, service.as_str())
    }
}

/// `LLO_PACKS__DIR` (suite-wide) or `LLO_INTAKE__DATABASE__URL` (one service).
/// In the suite-wide layer a service variable reads as an unknown `intake.*` key,
/// which is ignored.
fn env_layer(prefix: &str, prefix_separator: &str) -> Environment {
    Environment::with_prefix(prefix)
        .prefix_separator(prefix_separator)
        .separator("__")
        .try_parsing(true)
}

fn defaults(
    service: ServiceName,
) -> anyhow::Result<config::ConfigBuilder<config::builder::DefaultState>> {
    let name = service.as_str();
    let builder = Config::builder()
        .set_default("environment", "production")?
        .set_default(
            "grpc.address",
            format!("0.0.0.0:{}", service.default_port()),
        )?
        .set_default("grpc.reflection", false)?
        .set_default("grpc.shutdown_grace_seconds", 20)?
        .set_default(
            "database.url",
            format!("postgres://postgres@127.0.0.1:5432/llo_{name}"),
        )?
        .set_default("database.max_connections", 16)?
        .set_default("database.acquire_timeout_ms", 5_000)?
        .set_default("database.create_if_missing", true)?
        .set_default("database.request_id_retention_hours", 168)?
        .set_default("amqp.url", "amqp://guest:guest@127.0.0.1:5672/%2f")?
        .set_default("amqp.exchange", "llo.events")?
        .set_default("amqp.dead_letter_exchange", "llo.events.dlx")?
        .set_default("amqp.unrouted_exchange", "llo.events.unrouted")?
        .set_default("amqp.queue_prefix", "")?
        .set_default("amqp.prefetch", 32)?
        .set_default("amqp.delivery_limit", 5)?
        .set_default("amqp.max_attempts", 5)?
        .set_default("amqp.retry_base_delay_ms", 200)?
        .set_default("amqp.relay_batch_size", 200)?
        .set_default("amqp.relay_poll_interval_ms", 1_000)?
        .set_default("amqp.confirm_timeout_ms", 30_000)?
        .set_default("amqp.outbox_retention_hours", 168)?
        .set_default("auth.issuer", "llo")?
        .set_default("auth.audience", "llo-suite")?
        .set_default("auth.public_key_algorithm", "RS256")?
        .set_default("auth.allow_development_tokens", false)?
        .set_default("auth.jwks_refresh_seconds", 300)?
        .set_default("auth.jwks_unknown_key_refresh_seconds", 10)?
        .set_default("telemetry.log_format", "pretty")?
        .set_default("telemetry.log_filter", "info")?
        .set_default("packs.dir", "infra/packs")?;
    Ok(builder)
}

/// Splits a settings file into its suite-wide keys and the `[<service>]` table.
fn file_layers(path: &str, service: ServiceName) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("LLO_CONFIG_FILE: cannot read {path}"))?;
    let mut table: toml::Table = toml::from_str(&text)
        .with_context(|| format!("LLO_CONFIG_FILE: {path} is not valid TOML"))?;
    let own = match table.remove(service.as_str()) {
        Some(toml::Value::Table(own)) => own,
        _ => toml::Table::new(),
    };
    for other in ServiceName::ALL {
        table.remove(other.as_str());
    }
    Ok((toml::to_string(&table)?, toml::to_string(&own)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_each_service_its_own_port_and_database() {
        let intake = Settings::load(ServiceName::Intake).unwrap();
        assert_eq!(intake.grpc.address.port(), 50051);
        let reporting = Settings::load(ServiceName::Reporting).unwrap();
        assert_eq!(reporting.grpc.address.port(), 50054);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let error = Settings::load_with(
            ServiceName::Intake,
            &[("grpc.address", "not-an-address".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("grpc.address"), "{error}");
    }

    #[test]
    fn development_tokens_are_refused_in_production() {
        let error = Settings::load_with(
            ServiceName::Intake,
            &[("auth.allow_development_tokens", "true".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("allow_development_tokens"), "{error}");
    }
}
