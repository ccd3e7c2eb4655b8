//! The machine's shared PostgreSQL and RabbitMQ: stopped and started here, and always
//! left running, whatever becomes of the test.
use std::{
    process::Command,
    time::{Duration, Instant},
};

/// Starts both services again when dropped (also when the test panics).
pub struct LeaveRunning;

impl Drop for LeaveRunning {
    fn drop(&mut self) {
        if !broker_up() {
            run("rabbitmqctl", &["-q", "start_app"]);
        }
        if !database_up() {
            run(
                "pg_ctlcluster",
                &["--skip-systemctl-redirect", &cluster(), "main", "start"],
            );
        }
        wait_until("both services up", Duration::from_secs(120), || {
            broker_up() && database_up()
        });
    }
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status();
    assert!(
        status.as_ref().is_ok_and(|s| s.success()),
        "{program} {args:?}: {status:?}"
    );
}

fn wait_until(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The PostgreSQL version directory (`/etc/postgresql/<version>`).
fn cluster() -> String {
    std::fs::read_dir("/etc/postgresql")
        .expect("/etc/postgresql")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .min()
        .expect("a PostgreSQL cluster")
}

/// The AMQP port takes connections (closed while the application is stopped).
pub fn broker_up() -> bool {
    std::net::TcpStream::connect("127.0.0.1:5672").is_ok()
}

pub fn database_up() -> bool {
    Command::new("pg_isready")
        .args(["-q", "-h", "127.0.0.1", "-p", "5432"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Stops the broker's application (the Erlang node stays), as an outage would.
pub fn stop_broker() {
    run("rabbitmqctl", &["-q", "stop_app"]);
}

pub fn start_broker() {
    run("rabbitmqctl", &["-q", "start_app"]);
    wait_until("RabbitMQ up", Duration::from_secs(120), broker_up);
    run("rabbitmqctl", &["-q", "await_startup"]);
}

/// A fast stop: every connection is cut, in-flight transactions roll back.
pub fn stop_database() {
    run(
        "pg_ctlcluster",
        &[
            "--skip-systemctl-redirect",
            "-m",
            "fast",
            &cluster(),
            "main",
            "stop",
        ],
    );
}

pub fn start_database() {
    run(
        "pg_ctlcluster",
        &["--skip-systemctl-redirect", &cluster(), "main", "start"],
    );
    wait_until("PostgreSQL up", Duration::from_secs(120), database_up);
}
