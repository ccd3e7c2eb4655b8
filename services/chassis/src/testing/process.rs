//! A service run as its own process (for a benchmark, so that its resident memory is its
//! own; for a fault test, so that it can be killed): the service's binary from the
//! cargo target directory (`cargo build --bins`), its settings as environment variables
//! of the test's private database and exchange.
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use std::path::PathBuf;

use super::TestEnv;
use crate::ServiceName;

pub struct ServiceProcess {
    child: Child,
    pub port: u16,
}

/// The service's binary: beside the running executable (`llo`), or one directory up
/// (a test binary runs from `target/<profile>/deps`).
pub fn binary(service: ServiceName) -> anyhow::Result<PathBuf> {
    let name = format!("llo-{}", service.as_str());
    let exe = std::env::current_exe()?;
    let beside = exe.with_file_name(&name);
    let above = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join(&name));
    [Some(beside), above]
        .into_iter()
        .flatten()
        .find(|path| path.exists())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{name} is missing beside {}: build every binary first (cargo build --bins)",
                exe.display()
            )
        })
}

impl ServiceProcess {
    pub async fn spawn(
        env: &TestEnv,
        service: ServiceName,
        extra: &[(&str, String)],
    ) -> anyhow::Result<ServiceProcess> {
        Self::spawn_on(env, service, extra, free_port()?).await
    }

    /// As `spawn`, on a given port (a restarted service keeps its address).
    pub async fn spawn_on(
        env: &TestEnv,
        service: ServiceName,
        extra: &[(&str, String)],
        port: u16,
    ) -> anyhow::Result<ServiceProcess> {
        Self::start(env, service, extra, port, None).await
    }

    /// As `spawn_on`, its log (stdout and stderr) appended to `log`.
    pub async fn spawn_logged(
        env: &TestEnv,
        service: ServiceName,
        extra: &[(&str, String)],
        port: u16,
        log: &std::path::Path,
    ) -> anyhow::Result<ServiceProcess> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        Self::start(env, service, extra, port, Some(file)).await
    }

    async fn start(
        env: &TestEnv,
        service: ServiceName,
        extra: &[(&str, String)],
        port: u16,
        log: Option<std::fs::File>,
    ) -> anyhow::Result<ServiceProcess> {
        let binary = binary(service)?;
        let mut settings = vec![("grpc.address", format!("127.0.0.1:{port}"))];
        settings.extend(extra.iter().cloned());
        let mut command = Command::new(&binary);
        command
            .envs(env.environment(service, &settings))
            .env("RUST_LOG", "warn");
        match log {
            Some(file) => command.stdout(file.try_clone()?).stderr(file),
            None => command.stdout(Stdio::null()),
        };
        let child = command.spawn()?;
        let process = ServiceProcess { child, port };
        process.wait_until_listening().await?;
        Ok(process)
    }

    async fn wait_until_listening(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the service did not listen within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// The process id (the benchmarks read its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in KiB.
    pub fn resident_kib(&self) -> u64 {
        status_field(self.child.id(), "VmRSS:")
    }

    /// The most resident memory the process has had, in KiB.
    pub fn peak_resident_kib(&self) -> u64 {
        status_field(self.child.id(), "VmHWM:")
    }

    /// Kills the service outright (SIGKILL: no drain, no goodbye to the broker).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the service as Kubernetes would (SIGTERM) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn status_field(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// A port nothing listens on now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
