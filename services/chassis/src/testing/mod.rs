//! Test support against the real local PostgreSQL and RabbitMQ: each `TestEnv` has
//! its own database and its own exchanges and queues, and removes them when dropped.
pub mod app;
pub mod personal_data;
pub mod process;

pub use app::TestApp;

use std::{path::PathBuf, time::Duration};

use futures_util::StreamExt as _;
use lapin::{
    message::Delivery,
    options::{
        BasicAckOptions, BasicConsumeOptions, ExchangeDeleteOptions, QueueBindOptions,
        QueueDeclareOptions, QueueDeleteOptions,
    },
    types::FieldTable,
};
use uuid::Uuid;

use crate::{
    ServiceName, Settings,
    auth::{Role, TokenRequest, mint_development_token},
};

/// The broker the tests use: `TEST_AMQP_URL`, or the local RabbitMQ. Another broker
/// lets the tests run beside a fault-test loop, which stops the local one now and then.
pub static AMQP_URL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    std::env::var("TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
});

/// `rabbitmqctl` for the tests' broker: `TEST_RABBITMQ_NODE` names its node when it is
/// not the local default (beside `TEST_AMQP_URL`).
pub fn rabbitmqctl() -> std::process::Command {
    let mut command = std::process::Command::new("rabbitmqctl");
    if let Ok(node) = std::env::var("TEST_RABBITMQ_NODE") {
        command.args(["-n", &node]);
    }
    command
}

/// The port of the tests' broker on 127.0.0.1 (for a `TcpProxy` in front of it).
pub fn amqp_port() -> u16 {
    crate::bus::broker_address(&AMQP_URL).map_or(5672, |(_, port)| port)
}
pub const SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432";

/// One test's private slice of the local PostgreSQL and RabbitMQ.
pub struct TestEnv {
    pub id: String,
    pub exchange: String,
    databases: std::sync::Mutex<Vec<String>>,
    queues: std::sync::Mutex<Vec<String>>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        crate::telemetry::init_for_tests();
        let id = Uuid::new_v4().simple().to_string()[..12].to_owned();
        Self {
            exchange: format!("test.{id}.events"),
            id,
            databases: Default::default(),
            queues: Default::default(),
        }
    }

    pub fn database_url(&self, service: ServiceName) -> String {
        format!("{SERVER_URL}/llo_test_{}_{}", service.as_str(), self.id)
    }

    pub fn queue_prefix(&self) -> String {
        format!("test.{}.", self.id)
    }

    /// Settings for `service` in this environment: port 0, development tokens on.
    pub fn settings(&self, service: ServiceName) -> Settings {
        self.settings_with(service, &[])
    }

    pub fn settings_with(&self, service: ServiceName, extra: &[(&str, String)]) -> Settings {
        let overrides = self.overrides(service, extra);
        match Settings::load_with(service, &overrides) {
            Ok(settings) => settings,
            Err(error) => panic!("test settings: {error:#}"),
        }
    }

    /// The same settings as environment variables (`LLO_INTAKE__DATABASE__URL=…`), for
    /// a service run as its own process (the benchmarks measure its memory).
    pub fn environment(
        &self,
        service: ServiceName,
        extra: &[(&str, String)],
    ) -> Vec<(String, String)> {
        self.overrides(service, extra)
            .into_iter()
            .map(|(key, value)| {
                let key = key.replace('.', "__").to_uppercase();
                (format!("{}__{key}", service.env_prefix()), value)
            })
            .collect()
    }

    fn overrides<'a>(
        &self,
        service: ServiceName,
        extra: &[(&'a str, String)],
    ) -> Vec<(&'a str, String)> {
        let url = self.database_url(service);
        if let Ok(mut databases) = self.databases.lock()
            && !databases.contains(&url)
        {
            databases.push(url);
        }
        let mut overrides = vec![
            ("environment", "development".to_owned()),
            ("grpc.address", "127.0.0.1:0".to_owned()),
            ("grpc.reflection", "true".to_owned()),
            ("database.url", self.database_url(service)),
            ("database.max_connections", "8".to_owned()),
            ("amqp.url", AMQP_URL.to_owned()),
            ("amqp.exchange", self.exchange.clone()),
            ("amqp.dead_letter_exchange", format!("test.{}.dlx", self.id)),
            (
                "amqp.unrouted_exchange",
                format!("test.{}.unrouted", self.id),
            ),
            ("amqp.queue_prefix", self.queue_prefix()),
            ("amqp.relay_poll_interval_ms", "200".to_owned()),
            ("amqp.retry_base_delay_ms", "20".to_owned()),
            // Writing calls still wait for the consumers (admission), but a debug build
            // on a busy machine may take longer than production's 5 s to drain what a
            // test's import made: waiting, not refusing, keeps tests about their subject.
            ("admission.max_wait_ms", "30000".to_owned()),
            ("auth.allow_development_tokens", "true".to_owned()),
            ("packs.dir", packs_dir().display().to_string()),
        ];
        overrides.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
        overrides
    }

    /// A development token, as `llo token` mints it.
    pub fn token(&self, role: Role, region: &str, organisation_id: Option<&str>) -> String {
        self.token_in(role, &[region], organisation_id)
    }

    /// A development token covering several regions.
    pub fn token_in(&self, role: Role, regions: &[&str], organisation_id: Option<&str>) -> String {
        let request = TokenRequest {
            subject: format!("test-{}", role.as_str()),
            roles: vec![role],
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            organisation_id: organisation_id.map(str::to_owned),
            issuer: "llo".into(),
            audience: "llo-suite".into(),
            valid_for_seconds: 3600,
        };
        match mint_development_token(&request) {
            Ok(token) => token,
            Err(error) => panic!("minting a token: {error}"),
        }
    }

    /// Publishes an event on this environment's exchange, as its owner would; its id.
    pub async fn publish<E: llo_proto::IntegrationEvent>(&self, event: &E) -> Uuid {
        let id = Uuid::now_v7();
        self.publish_raw(E::ROUTING_KEY, id, event.encode_to_vec())
            .await;
        id
    }

    /// Publishes a body under a routing key and message id (a redelivery, a poison message).
    pub async fn publish_raw(&self, routing_key: &str, id: Uuid, body: Vec<u8>) {
        let connection = lapin::Connection::connect(&AMQP_URL, Default::default())
            .await
            .unwrap_or_else(|e| panic!("the test broker: {e}"));
        let channel = connection
            .create_channel()
            .await
            .unwrap_or_else(|e| panic!("a channel: {e}"));
        let properties = lapin::BasicProperties::default()
            .with_message_id(id.to_string().into())
            .with_type(routing_key.into())
            .with_content_type("application/x-protobuf".into())
            .with_headers(FieldTable::default());
        let properties = crate::bus::stamped(properties, &AMQP_URL);
        channel
            .basic_publish(
                self.exchange.as_str().into(),
                routing_key.into(),
                lapin::options::BasicPublishOptions::default(),
                &body,
                properties,
            )
            .await
            .unwrap_or_else(|e| panic!("published: {e}"))
            .await
            .unwrap_or_else(|e| panic!("confirmed: {e}"));
        connection.close(200, "done".into()).await.ok();
    }

    /// A queue bound to this environment's exchange, to watch what is published.
    pub async fn probe(&self, binding: &str) -> EventProbe {
        let name = format!("{}probe.{}", self.queue_prefix(), Uuid::new_v4().simple());
        self.track_queue(&name);
        EventProbe::open(&name, &self.exchange, binding).await
    }

    pub fn track_queue(&self, name: &str) {
        self.queues.lock().map(|mut q| q.push(name.to_owned())).ok();
    }
}

/// What a finished `TestEnv` leaves behind, removed on a thread of its own.
struct Leftovers {
    id: String,
    exchange: String,
    databases: Vec<String>,
    queues: Vec<String>,
}

impl Leftovers {
    async fn remove(mut self) {
        for url in &self.databases {
            if let Err(error) = crate::db::drop_database(url).await {
                eprintln!("test cleanup: dropping {url}: {error}");
            }
        }
        let prefix = format!("test.{}.", self.id);
        for service in ServiceName::ALL {
            self.queues
                .push(format!("{prefix}{}.events", service.as_str()));
            self.queues
                .push(format!("{prefix}{}.events.dead", service.as_str()));
        }
        self.queues.push(format!("{prefix}llo.events.unrouted"));
        let Ok(connection) = lapin::Connection::connect(&AMQP_URL, Default::default()).await else {
            return;
        };
        // A failed delete closes its channel: one channel per name.
        for queue in &self.queues {
            if let Ok(channel) = connection.create_channel().await {
                let _ = channel
                    .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                    .await;
                let _ = channel.close(200, "done".into()).await;
            }
        }
        for exchange in [
            self.exchange.clone(),
            format!("test.{}.dlx", self.id),
            format!("test.{}.unrouted", self.id),
        ] {
            if let Ok(channel) = connection.create_channel().await {
                let _ = channel
                    .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                    .await;
                let _ = channel.close(200, "done".into()).await;
            }
        }
        let _ = connection.close(200, "cleanup".into()).await;
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let leftovers = Leftovers {
            id: self.id.clone(),
            exchange: self.exchange.clone(),
            databases: self
                .databases
                .lock()
                .map(|mut d| std::mem::take(&mut *d))
                .unwrap_or_default(),
            queues: self
                .queues
                .lock()
                .map(|mut q| std::mem::take(&mut *q))
                .unwrap_or_default(),
        };
        // Drop cannot await: clean up on a thread with its own runtime.
        let cleaned = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(leftovers.remove());
            }
        });
        let _ = cleaned.join();
    }
}

/// The workspace's `infra/packs`.
pub fn packs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/packs")
}

/// Collects what arrives on a test queue.
pub struct EventProbe {
    _connection: lapin::Connection,
    consumer: lapin::Consumer,
}

impl EventProbe {
    pub async fn open(queue: &str, exchange: &str, binding: &str) -> EventProbe {
        let connection = crate::bus::connect(&AMQP_URL, "test-probe", 5)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let channel = connection
            .create_channel()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // The exchange may not exist yet: declare it as the services will.
        let topology = crate::bus::Topology {
            exchange: exchange.to_owned(),
            dead_letter_exchange: exchange.replace(".events", ".dlx"),
            unrouted_exchange: exchange.replace(".events", ".unrouted"),
            unrouted_queue: format!("{}llo.events.unrouted", exchange.trim_end_matches("events")),
            queue: None,
        };
        topology
            .declare(&connection)
            .await
            .unwrap_or_else(|e| panic!("declare: {e}"));
        channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                binding.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let consumer = channel
            .basic_consume(
                queue.into(),
                "probe".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        EventProbe {
            _connection: connection,
            consumer,
        }
    }

    /// The next message within `timeout`, acked.
    pub async fn next(&mut self, timeout: Duration) -> Option<Delivery> {
        let delivery = tokio::time::timeout(timeout, self.consumer.next())
            .await
            .ok()??
            .ok()?;
        let _ = delivery.acker.ack(BasicAckOptions::default()).await;
        Some(delivery)
    }

    /// Everything that arrives until `quiet` passes with nothing new.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Delivery> {
        let mut all = Vec::new();
        while let Some(delivery) = self.next(quiet).await {
            all.push(delivery);
        }
        all
    }
}

/// A TCP proxy in front of a local server (the broker, PostgreSQL), so a test can take
/// it away and bring it back without touching what other tests share, or make it fall
/// silent (bytes held, connections open), as a broker under a resource alarm does.
pub struct TcpProxy {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    generation: tokio::sync::watch::Sender<u64>,
    flowing: tokio::sync::watch::Sender<bool>,
}

impl TcpProxy {
    /// In front of `127.0.0.1:<target>` (5672 for RabbitMQ, 5432 for PostgreSQL).
    pub async fn start_for(target: u16) -> TcpProxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = accepted.clone();
        let (generation, _) = tokio::sync::watch::channel(0_u64);
        let (flowing, _) = tokio::sync::watch::channel(true);
        let (accept_up, accept_generation, accept_flowing) =
            (up.clone(), generation.clone(), flowing.clone());
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let mut cut = accept_generation.subscribe();
                let (to_server, to_client) = (
                    Flow::new(&accept_flowing, &accept_generation),
                    Flow::new(&accept_flowing, &accept_generation),
                );
                tokio::spawn(async move {
                    let Ok(outbound) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    else {
                        return;
                    };
                    let (client_read, client_write) = inbound.into_split();
                    let (server_read, server_write) = outbound.into_split();
                    tokio::select! {
                        biased;
                        _ = cut.changed() => {}
                        () = forward(client_read, server_write, to_server) => {}
                        () = forward(server_read, client_write, to_client) => {}
                    }
                });
            }
        });
        TcpProxy {
            port,
            up,
            accepted,
            generation,
            flowing,
        }
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// The connections it has let through so far (a client that reconnects shows here).
    pub fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Cuts every connection and refuses new ones.
    pub fn down(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Accepts connections again, and lets bytes flow again after `stall`.
    pub fn up(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
        self.flowing.send_replace(true);
    }

    /// Holds every byte in both directions while keeping connections open.
    pub fn stall(&self) {
        self.flowing.send_replace(false);
    }
}

/// Whether one direction of a proxied connection may pass bytes on: while flowing, and
/// never again once the connection was cut.
struct Flow {
    flowing: tokio::sync::watch::Receiver<bool>,
    generation: tokio::sync::watch::Receiver<u64>,
    born_in: u64,
}

impl Flow {
    fn new(
        flowing: &tokio::sync::watch::Sender<bool>,
        generation: &tokio::sync::watch::Sender<u64>,
    ) -> Flow {
        let generation = generation.subscribe();
        let born_in = *generation.borrow();
        Flow {
            flowing: flowing.subscribe(),
            generation,
            born_in,
        }
    }

    /// Waits until bytes may flow; `false` when the connection was cut meanwhile.
    async fn open(&mut self) -> bool {
        if self.flowing.wait_for(|flowing| *flowing).await.is_err() {
            return false;
        }
        // `down` then `up` (a dead client's connections cut): the bytes held while
        // stalled die with the connection. Without this check a task woken after both
        // could pass them on — a killed consumer's held acks reaching the broker.
        *self.generation.borrow() == self.born_in
    }
}

/// Copies one direction of a proxied connection, holding bytes while not flowing.
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut flow: Flow,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if !flow.open().await {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod proxy_tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::TcpProxy;

    /// What a killed client wrote while its connection was stalled must not reach the
    /// server when the test then cuts and reopens the proxy (the consumer-killed fault
    /// test relies on held acknowledgements dying with the process).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bytes_held_by_a_stall_die_with_a_cut_connection() {
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = server.local_addr().unwrap().port();
        let proxy = TcpProxy::start_for(target).await;
        for round in 0..20 {
            let mut client = tokio::net::TcpStream::connect(("127.0.0.1", proxy.port))
                .await
                .unwrap();
            let (mut upstream, _) = server.accept().await.unwrap();
            proxy.stall();
            client.write_all(b"ack").await.unwrap();
            // Let the proxy read the bytes and hold them.
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(client);
            proxy.down();
            proxy.up();
            let mut received = Vec::new();
            let read =
                tokio::time::timeout(Duration::from_secs(2), upstream.read_to_end(&mut received))
                    .await
                    .expect("the proxy closes the upstream connection");
            assert!(read.is_ok());
            assert!(
                received.is_empty(),
                "round {round}: held bytes {received:?} reached the server after the cut"
            );
        }
    }
}
