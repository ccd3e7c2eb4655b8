//! A service run as its own process for a benchmark, so that its resident memory is its
//! own: the binary next to `llo` (`cargo build --bins` builds both), its settings as
//! environment variables of the bench's private database and exchange.
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use llo_chassis::{ServiceName, testing::TestEnv};

pub struct ServiceProcess {
    child: Child,
    pub port: u16,
}

impl ServiceProcess {
    pub async fn spawn(
        env: &TestEnv,
        service: ServiceName,
        extra: &[(&str, String)],
    ) -> anyhow::Result<ServiceProcess> {
        let binary = std::env::current_exe()?.with_file_name(format!("llo-{}", service.as_str()));
        anyhow::ensure!(
            binary.exists(),
            "{} is missing: build every binary first (cargo build --release --bins)",
            binary.display()
        );
        let port = free_port()?;
        let mut settings = vec![("grpc.address", format!("127.0.0.1:{port}"))];
        settings.extend(extra.iter().cloned());
        let child = Command::new(&binary)
            .envs(env.environment(service, &settings))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?;
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

    /// Resident memory now, in KiB.
    pub fn resident_kib(&self) -> u64 {
        status_field(self.child.id(), "VmRSS:")
    }

    /// The most resident memory the process has had, in KiB.
    pub fn peak_resident_kib(&self) -> u64 {
        status_field(self.child.id(), "VmHWM:")
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

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
