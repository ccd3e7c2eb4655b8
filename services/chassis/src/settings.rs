//! Layered settings: compiled-in defaults → optional TOML file (`LLO_CONFIG_FILE`) →
//! suite-wide variables (`LLO_SECTION__KEY`) → per-service variables
//! (`LLO_INTAKE__SECTION__KEY`) → programmatic overrides (tests, `llo up`).
//!
//! A key no setting has (a typo in the file, an `LLO_` variable misspelt) stops the
//! service at start with the key named: an ignored typo would fall back to a default.
use std::{
    collections::{BTreeSet, HashMap},
    net::SocketAddr,
    path::PathBuf,
};

use anyhow::Context as _;
use config::{Config, Environment, File, FileFormat};
use secrecy::ExposeSecret as _;
use secrecy::SecretString;
use serde::{Deserialize, Serialize, Serializer};

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

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentEnvironment {
    Development,
    Production,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Settings {
    pub environment: DeploymentEnvironment,
    pub grpc: GrpcSettings,
    pub database: DatabaseSettings,
    pub amqp: AmqpSettings,
    pub admission: AdmissionSettings,
    pub auth: AuthSettings,
    #[serde(default)]
    pub tls: TlsSettings,
    pub telemetry: TelemetrySettings,
    pub packs: PacksSettings,
    pub catalogue: CatalogueSettings,
    pub credentials: CredentialsSettings,
    #[serde(default)]
    pub notices: NoticesSettings,
}

/// E-mail notices (intake, docs/notices.md): sent over SMTP when `smtp_host` is set, else
/// written as one `.eml` file per notice to `mail_dir`; neither: no notices are made.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct NoticesSettings {
    /// The SMTP server; unset: no SMTP.
    pub smtp_host: Option<String>,
    /// Its port (587: submission with STARTTLS).
    pub smtp_port: u16,
    /// `starttls` (required), `tls` (implicit TLS, port 465) or `none` (a local sink only).
    pub smtp_tls: String,
    /// The user to authenticate as; unset: no authentication.
    pub smtp_user: Option<String>,
    /// The name of the environment variable that holds the SMTP password (filled from a
    /// Secret), never the password itself.
    pub smtp_password_env: String,
    /// The sender, e.g. `LLO Achterhoek <noreply@example.nl>`.
    pub from: String,
    /// Without `smtp_host`: the folder each notice is written to as an `.eml` file.
    pub mail_dir: Option<PathBuf>,
    /// A folder of a region's own texts, `<region>/<kind>.txt`, in place of the shipped
    /// ones; unset: the shipped texts only.
    pub templates_dir: Option<PathBuf>,
    /// Sending attempts after which a notice is given up (`failed`).
    pub max_attempts: u32,
    /// The first retry's delay in seconds; doubled per attempt, at most an hour.
    pub retry_base_seconds: u64,
    /// How often the outbox is looked at, in milliseconds.
    pub poll_ms: u64,
    /// The deadline of each SMTP exchange, in seconds.
    pub timeout_seconds: u64,
    /// How long before a booked workshop's start its people are reminded, in hours.
    pub reminder_hours: u64,
}

impl Default for NoticesSettings {
    fn default() -> Self {
        NoticesSettings {
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_user: None,
            smtp_password_env: "SMTP_PASSWORD".into(),
            from: "LLO <noreply@localhost>".into(),
            mail_dir: None,
            templates_dir: None,
            max_attempts: 8,
            retry_base_seconds: 30,
            poll_ms: 1_000,
            timeout_seconds: 30,
            reminder_hours: 48,
        }
    }
}

/// Open Badges 3.0 credentials (intake): the signing keys and the public HTTP surface a
/// verifier reads (issuer profiles, JWKS, status lists).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CredentialsSettings {
    /// A folder of PEM RSA private keys (2048 bits or more) named
    /// `<region>.<key name>.pem`; per region the greatest key name signs, the others stay
    /// in its JWKS so that earlier credentials still verify. Unset: no credentials are
    /// issued and no HTTP listener runs.
    pub keys_dir: Option<PathBuf>,
    /// Where the public HTTP surface listens (no authentication: it serves public keys and
    /// status bits only).
    pub http_listen: SocketAddr,
    /// The surface's URL as verifiers reach it, without a trailing slash; every URL in a
    /// credential (issuer, keys, status list) starts with it.
    pub public_base_url: String,
    /// The keys folder is read again this often, so that a rotated Secret (a key added)
    /// signs without a restart.
    pub keys_refresh_seconds: u64,
}

/// Schools' catalogues read, and places asked, over OOAPI (trajectories).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CatalogueSettings {
    /// How often every registered source is synced, in seconds; 0: only when asked
    /// (`SyncCatalogue`).
    pub sync_every_seconds: u64,
    /// How often the school is asked where an open enrolment (association) stands, in
    /// seconds; 0: places are neither asked nor followed.
    #[serde(default = "CatalogueSettings::default_follow_enrolments_every_seconds")]
    pub follow_enrolments_every_seconds: u64,
}

impl CatalogueSettings {
    pub fn sync_every(&self) -> Option<std::time::Duration> {
        (self.sync_every_seconds > 0)
            .then(|| std::time::Duration::from_secs(self.sync_every_seconds))
    }

    pub fn follow_enrolments_every(&self) -> Option<std::time::Duration> {
        (self.follow_enrolments_every_seconds > 0)
            .then(|| std::time::Duration::from_secs(self.follow_enrolments_every_seconds))
    }

    fn default_follow_enrolments_every_seconds() -> u64 {
        300
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct GrpcSettings {
    pub address: SocketAddr,
    pub reflection: bool,
    /// How long in-flight calls may take to finish after a shutdown signal.
    pub shutdown_grace_seconds: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DatabaseSettings {
    #[serde(serialize_with = "expose")]
    pub url: SecretString,
    pub max_connections: usize,
    pub acquire_timeout_ms: u64,
    /// Create the service's database at start when it does not exist.
    pub create_if_missing: bool,
    /// How long the answer to a call with a `request_id` is kept for retries.
    pub request_id_retention_hours: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AmqpSettings {
    #[serde(serialize_with = "expose")]
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
    /// After a NOTIFY close behind another, how long the relay lets further commits
    /// gather before it reads the outbox (a few ms: fewer, fuller batches under load).
    pub relay_gather_ms: u64,
    /// How long the broker may take to confirm a relayed batch before the relay gives
    /// up on the connection (a broker under a resource alarm stops confirming).
    pub confirm_timeout_ms: u64,
    /// The deadline of every other wait on the broker (connect and handshake, topology,
    /// channel, qos, consume, passive declares, acks, dead-letter publishes, closes): a
    /// wait that passes it counts the connection as dead, to be reopened with back-off.
    pub operation_timeout_ms: u64,
    /// AMQP heartbeat asked of the broker (seconds; 0 = the broker's choice): a broker
    /// that stops answering is noticed within about twice this.
    pub heartbeat_seconds: u16,
    /// A consumer whose queue holds ready messages while it received none for this long
    /// is restarted (`llo.consumer.restarts`, reason `stalled`).
    pub stall_timeout_ms: u64,
    /// Published outbox rows are kept this long (for audits and re-publishing), then pruned.
    pub outbox_retention_hours: u64,
    /// Who may publish an event, as `service=broker user` pairs separated by commas
    /// (`intake=x7f…,trajectories=k2a…`): an event whose routing key a service owns is
    /// taken only from that service's broker user (or the operators'). The broker vouches
    /// for the publisher (`user_id` must be the connection's user); a consumer
    /// dead-letters an event from anyone else. Empty: not checked (one shared broker
    /// user, as in local runs).
    pub publisher_users: String,
    /// A broker user trusted for every routing key besides (the operators' `llo-ops`,
    /// which re-drives dead letters); empty: none.
    pub operator_user: String,
}

/// When writing calls wait for the suite's consumers (see `admission`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AdmissionSettings {
    /// Ready events a consumer queue may hold before new writing calls wait; 0: never wait.
    pub max_backlog: u32,
    /// How long a writing call waits for room before it is refused (UNAVAILABLE, with
    /// a RetryInfo).
    pub max_wait_ms: u64,
    /// How often the consumer queues are read while calls arrive.
    pub sample_ms: u64,
    /// The deadline of one reading of the queues (connecting included); a reading that
    /// fails admits, and the next is tried 5 s later.
    pub sample_timeout_ms: u64,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        Self {
            max_backlog: 300,
            max_wait_ms: 5_000,
            sample_ms: 100,
            sample_timeout_ms: 1_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TlsSettings {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// When set, clients must present a certificate signed by this CA (mTLS).
    pub client_ca_file: Option<PathBuf>,
    /// With TLS on: also serve `grpc.health.v1` in plain text on this port, for
    /// Kubernetes' native gRPC probes (which cannot speak TLS).
    pub health_port: Option<u16>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    /// `RUST_LOG`-style filter; `RUST_LOG` wins when set.
    pub log_filter: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PacksSettings {
    /// Folder with `regions/*.toml` and `sectors/*.toml`.
    pub dir: PathBuf,
}

impl Settings {
    /// Every setting's default for one service: what holds where no layer sets it.
    pub fn defaults(service: ServiceName) -> Settings {
        let name = service.as_str();
        Settings {
            environment: DeploymentEnvironment::Production,
            grpc: GrpcSettings {
                address: SocketAddr::from(([0, 0, 0, 0], service.default_port())),
                reflection: false,
                shutdown_grace_seconds: 20,
            },
            database: DatabaseSettings {
                url: format!("postgres://postgres@127.0.0.1:5432/llo_{name}").into(),
                max_connections: 16,
                acquire_timeout_ms: 5_000,
                create_if_missing: true,
                request_id_retention_hours: 168,
            },
            amqp: AmqpSettings {
                url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
                exchange: "llo.events".into(),
                dead_letter_exchange: "llo.events.dlx".into(),
                unrouted_exchange: "llo.events.unrouted".into(),
                queue_prefix: String::new(),
                prefetch: 32,
                delivery_limit: 5,
                max_attempts: 5,
                retry_base_delay_ms: 200,
                relay_batch_size: 200,
                relay_poll_interval_ms: 1_000,
                relay_gather_ms: 5,
                confirm_timeout_ms: 30_000,
                operation_timeout_ms: 10_000,
                heartbeat_seconds: 10,
                stall_timeout_ms: 30_000,
                outbox_retention_hours: 168,
                publisher_users: String::new(),
                operator_user: String::new(),
            },
            admission: AdmissionSettings::default(),
            auth: AuthSettings {
                issuer: "llo".into(),
                audience: "llo-suite".into(),
                jwks_file: None,
                public_key_pem: None,
                public_key_algorithm: "RS256".into(),
                allow_development_tokens: false,
                jwks_refresh_seconds: 300,
                jwks_unknown_key_refresh_seconds: 10,
            },
            tls: TlsSettings::default(),
            telemetry: TelemetrySettings {
                log_format: LogFormat::Pretty,
                log_filter: "info".into(),
            },
            packs: PacksSettings {
                dir: "infra/packs".into(),
            },
            credentials: CredentialsSettings {
                keys_dir: None,
                http_listen: SocketAddr::from(([0, 0, 0, 0], 8090)),
                public_base_url: "http://127.0.0.1:8090".into(),
                keys_refresh_seconds: 300,
            },
            notices: NoticesSettings::default(),
            catalogue: CatalogueSettings {
                sync_every_seconds: 21_600,
                follow_enrolments_every_seconds:
                    CatalogueSettings::default_follow_enrolments_every_seconds(),
            },
        }
    }

    /// Loads the settings of one service from every layer.
    pub fn load(service: ServiceName) -> anyhow::Result<Settings> {
        Self::load_with(service, &[])
    }

    /// As `load`, with `(key, value)` overrides applied last.
    pub fn load_with(
        service: ServiceName,
        overrides: &[(&str, String)],
    ) -> anyhow::Result<Settings> {
        let mut environment = HashMap::new();
        for (name, value) in std::env::vars_os() {
            // A name that is not Unicode names no setting.
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    environment.insert(name, value);
                }
                Err(_) if name.starts_with("LLO_") => {
                    anyhow::bail!("{}: {name} is not valid Unicode", service.as_str())
                }
                Err(_) => {}
            }
        }
        Self::load_from(service, &environment, overrides)
    }

    /// As `load_with`, reading the given environment instead of the process's.
    pub fn load_from(
        service: ServiceName,
        environment: &HashMap<String, String>,
        overrides: &[(&str, String)],
    ) -> anyhow::Result<Settings> {
        let known = known_keys(service)?;
        let (suite, own) = environment_layers(service, environment, &known)?;
        let mut builder = defaults(service)?;
        if let Some(path) = environment.get("LLO_CONFIG_FILE") {
            let (shared, own) = file_layers(path, service, &known)?;
            builder = builder
                .add_source(File::from_str(&shared, FileFormat::Toml))
                .add_source(File::from_str(&own, FileFormat::Toml));
        }
        builder = builder
            .add_source(env_layer("LLO", "_").source(Some(suite)))
            .add_source(env_layer(&service.env_prefix(), "__").source(Some(own)));
        for (key, value) in overrides {
            if !known.contains(*key) {
                anyhow::bail!(
                    "{}: override of unknown setting {key}{}",
                    service.as_str(),
                    did_you_mean(key, &known)
                );
            }
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
        if self.amqp.operation_timeout_ms == 0 || self.amqp.stall_timeout_ms == 0 {
            anyhow::bail!(
                "{}: amqp.operation_timeout_ms and amqp.stall_timeout_ms must be above 0 \
                 (every wait on the broker has a deadline)",
                service.as_str()
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
        let base = &self.credentials.public_base_url;
        if !(base.starts_with("https://") || base.starts_with("http://")) || base.ends_with('/') {
            anyhow::bail!(
                "{}: credentials.public_base_url must be an http(s) URL without a trailing slash, not {base:?}",
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

/// `LLO_` variables that are not settings: the settings file's path, the `llo` command's
/// tokens, `scripts/check-k8s`'s virtualenv.
const NOT_SETTINGS: [&str; 5] = [
    "LLO_CONFIG_FILE",
    "LLO_TOKEN",
    "LLO_PROVIDER_TOKEN",
    "LLO_EVALUATOR_TOKEN",
    "LLO_K8S_VENV",
];

/// Every settings key, e.g. `grpc.address`: the leaves of the defaults, those without a
/// value (absent means off, e.g. `tls.cert_file`) included.
fn known_keys(service: ServiceName) -> anyhow::Result<BTreeSet<String>> {
    Ok(leaf_keys(&serde_json::to_value(Settings::defaults(
        service,
    ))?))
}

/// The dotted paths of a table's leaves: `{"amqp": {"prefetch": 32}}` → `amqp.prefetch`.
fn leaf_keys(value: &serde_json::Value) -> BTreeSet<String> {
    fn walk(prefix: &str, value: &serde_json::Value, keys: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(table) => {
                for (key, value) in table {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, value, keys);
                }
            }
            _ => {
                keys.insert(prefix.to_owned());
            }
        }
    }
    let mut keys = BTreeSet::new();
    walk("", value, &mut keys);
    keys
}

fn did_you_mean(key: &str, known: &BTreeSet<String>) -> String {
    let near = known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), k))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance);
    match near {
        Some((_, k)) => format!(" (did you mean {k}?)"),
        None => String::new(),
    }
}

/// Sorts the `LLO_` variables into the suite-wide layer and this service's own, and
/// refuses any that names no setting. Variables of the other services are checked too
/// (`llo up` runs all four from one environment) but not used.
///
/// Both layers share the `LLO_` prefix: `LLO_INTAKE__GRPC__ADDRESS` would read in the
/// suite-wide layer as a key `intake.grpc.address`, so service variables are taken out of
/// it here rather than left for `config` to ignore (and a typo with them).
fn environment_layers(
    service: ServiceName,
    environment: &HashMap<String, String>,
    known: &BTreeSet<String>,
) -> anyhow::Result<(config::Map<String, String>, config::Map<String, String>)> {
    let mut suite = config::Map::new();
    let mut own = config::Map::new();
    let mut unknown = Vec::new();
    let mut names: Vec<&String> = environment.keys().collect();
    names.sort();
    for name in names {
        let Some(rest) = name.strip_prefix("LLO_") else {
            continue;
        };
        if NOT_SETTINGS.contains(&name.as_str()) {
            continue;
        }
        let target = ServiceName::ALL.into_iter().find(|s| {
            rest.strip_prefix(&s.as_str().to_uppercase())
                .is_some_and(|r| r.starts_with("__"))
        });
        let key = match target {
            Some(s) => &rest[s.as_str().len() + 2..],
            None => rest,
        };
        let key = key.to_lowercase().replace("__", ".");
        if !known.contains(&key) {
            unknown.push(format!(
                "{name} (reads as {key}){}",
                did_you_mean(&key, known)
            ));
            continue;
        }
        let value = environment[name].clone();
        match target {
            None => {
                suite.insert(name.clone(), value);
            }
            Some(s) if s == service => {
                own.insert(name.clone(), value);
            }
            Some(_) => {}
        }
    }
    if !unknown.is_empty() {
        anyhow::bail!(
            "{}: unknown setting(s) in the environment: {}. Settings are LLO_SECTION__KEY \
             (every service) or LLO_<SERVICE>__SECTION__KEY (one service), e.g. \
             LLO_PACKS__DIR or {}__DATABASE__URL",
            service.as_str(),
            unknown.join(", "),
            service.env_prefix()
        );
    }
    Ok((suite, own))
}

/// `LLO_PACKS__DIR` (suite-wide) or `LLO_INTAKE__DATABASE__URL` (one service), from the
/// variables `environment_layers` sorted out.
fn env_layer(prefix: &str, prefix_separator: &str) -> Environment {
    Environment::with_prefix(prefix)
        .prefix_separator(prefix_separator)
        .separator("__")
        .try_parsing(true)
}

/// The first layer: every setting's compiled-in default.
fn defaults(
    service: ServiceName,
) -> anyhow::Result<config::ConfigBuilder<config::builder::DefaultState>> {
    Ok(Config::builder().add_source(Config::try_from(&Settings::defaults(service))?))
}

/// Secrets are written out only to give the defaults to the `config` layers.
fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

/// Splits a settings file into its suite-wide keys and the `[<service>]` table, and
/// refuses keys that name no setting (in the `[<service>]` tables of every service).
fn file_layers(
    path: &str,
    service: ServiceName,
    known: &BTreeSet<String>,
) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("LLO_CONFIG_FILE: cannot read {path}"))?;
    let mut table: toml::Table = toml::from_str(&text)
        .with_context(|| format!("LLO_CONFIG_FILE: {path} is not valid TOML"))?;
    let mut unknown = Vec::new();
    let mut tables = Vec::new();
    for other in ServiceName::ALL {
        match table.remove(other.as_str()) {
            Some(toml::Value::Table(own)) => tables.push((other, own)),
            Some(_) => unknown.push(format!("{} (must be a table)", other.as_str())),
            None => tables.push((other, toml::Table::new())),
        }
    }
    unknown_in_file("", &table, known, &mut unknown);
    for (other, own) in &tables {
        unknown_in_file(other.as_str(), own, known, &mut unknown);
    }
    if !unknown.is_empty() {
        anyhow::bail!(
            "{}: LLO_CONFIG_FILE {path}: unknown setting(s): {}",
            service.as_str(),
            unknown.join(", ")
        );
    }
    let own = tables
        .into_iter()
        .find(|(s, _)| *s == service)
        .map(|(_, own)| own)
        .unwrap_or_default();
    Ok((toml::to_string(&table)?, toml::to_string(&own)?))
}

/// Appends the keys of `table` (under `[service]` when named) that are no setting.
fn unknown_in_file(
    service: &str,
    table: &toml::Table,
    known: &BTreeSet<String>,
    unknown: &mut Vec<String>,
) {
    let keys = serde_json::to_value(table).map_or_else(|_| BTreeSet::new(), |v| leaf_keys(&v));
    for key in keys {
        if !known.contains(&key) {
            let shown = if service.is_empty() {
                key.clone()
            } else {
                format!("{service}.{key}")
            };
            unknown.push(format!("{shown}{}", did_you_mean(&key, known)));
        }
    }
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

    fn environment(vars: &[(&str, &str)]) -> HashMap<String, String> {
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The environment is a parameter here, so these tests change no process state.
    #[test]
    fn a_misspelt_environment_variable_stops_the_service_naming_it() {
        for name in [
            "LLO_GRPC__ADRESS",
            "LLO_PACKS_DIR",
            "LLO_INTAKE__DATABASE__URLL",
            "LLO_INTAKE_DATABASE__URL",
            "LLO_REPORTING__AMQP__PREFECH",
            "LLO_INTAKE__REGION",
        ] {
            let error = Settings::load_from(
                ServiceName::Intake,
                &environment(&[(name, "1"), ("LLO_PACKS__DIR", "/packs")]),
                &[],
            )
            .unwrap_err()
            .to_string();
            assert!(
                error.contains(&format!("environment: {name} (reads as")),
                "{name}: {error}"
            );
            assert!(!error.contains("LLO_PACKS__DIR ("), "{error}");
        }
        let error = Settings::load_from(
            ServiceName::Intake,
            &environment(&[("LLO_GRPC__ADRESS", "127.0.0.1:1")]),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("LLO_GRPC__ADRESS (reads as grpc.adress) (did you mean grpc.address?)"),
            "{error}"
        );
    }

    #[test]
    fn settings_and_other_llo_variables_in_the_environment_are_taken_as_meant() {
        let settings = Settings::load_from(
            ServiceName::Intake,
            &environment(&[
                ("LLO_PACKS__DIR", "/packs"),
                ("LLO_GRPC__SHUTDOWN_GRACE_SECONDS", "7"),
                ("LLO_INTAKE__GRPC__ADDRESS", "127.0.0.1:1"),
                ("LLO_REPORTING__GRPC__ADDRESS", "127.0.0.1:2"),
                ("LLO_TOKEN", "a token for the llo command"),
                ("LLO_K8S_VENV", "/venv"),
                ("PATH", "/bin"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(settings.packs.dir, PathBuf::from("/packs"));
        assert_eq!(settings.grpc.shutdown_grace_seconds, 7);
        assert_eq!(settings.grpc.address.port(), 1);
    }

    #[test]
    fn a_misspelt_key_in_the_settings_file_stops_the_service_naming_it() {
        let path = std::env::temp_dir().join(format!("llo-settings-{}.toml", uuid::Uuid::new_v4()));
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            let file = path.display().to_string();
            Settings::load_from(
                ServiceName::Intake,
                &environment(&[("LLO_CONFIG_FILE", &file)]),
                &[],
            )
        };
        let error = load(
            "[grpc]\nadress = \"127.0.0.1:1\"\n\n[reporting.amqp]\nprefech = 3\n\n[packs]\ndir = \"/p\"\n",
        )
        .unwrap_err()
        .to_string();
        let settings = load("[grpc]\nreflection = true\n\n[intake.packs]\ndir = \"/q\"\n");
        let _ = std::fs::remove_file(&path);
        assert!(
            error.contains(&format!(
                "LLO_CONFIG_FILE {}: unknown setting(s): grpc.adress (did you mean grpc.address?), \
                 reporting.amqp.prefech (did you mean amqp.prefetch?)",
                path.display()
            )),
            "{error}"
        );
        let settings = settings.unwrap();
        assert!(settings.grpc.reflection);
        assert_eq!(settings.packs.dir, PathBuf::from("/q"));
    }

    #[test]
    fn an_override_of_an_unknown_key_is_refused() {
        let error = Settings::load_from(
            ServiceName::Intake,
            &HashMap::new(),
            &[("packs.folder", "/p".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("unknown setting packs.folder"), "{error}");
    }

    /// The keys without a default are settings (a stale entry here would let a typo in).
    #[test]
    fn every_optional_key_is_a_setting() {
        let optional = [
            "auth.jwks_file",
            "auth.public_key_pem",
            "tls.cert_file",
            "tls.key_file",
            "tls.client_ca_file",
            "tls.health_port",
        ];
        let overrides: Vec<(&str, String)> = optional
            .iter()
            .map(|key| {
                let value = if *key == "tls.health_port" {
                    "8081"
                } else {
                    "/etc/llo/x"
                };
                (*key, value.to_owned())
            })
            .collect();
        let settings =
            Settings::load_from(ServiceName::Intake, &HashMap::new(), &overrides).unwrap();
        assert!(settings.auth.jwks_file.is_some() && settings.auth.public_key_pem.is_some());
        assert!(settings.tls.cert_file.is_some() && settings.tls.key_file.is_some());
        assert!(settings.tls.client_ca_file.is_some());
        assert_eq!(settings.tls.health_port, Some(8081));
    }
}
