//! CPU time per process, read from `/proc/<pid>/stat` (user + system), so that the
//! bench can say what one event costs: unlike events/s, CPU per event barely moves
//! when other work shares the machine. Counted: each service's process, the
//! PostgreSQL backends connected to the bench's own databases (their process title
//! names the database), PostgreSQL's background processes and the broker's
//! `beam.smp` (both shared with whatever else runs: shown, flagged), and the bench's
//! own process (its clients and the measuring).
use std::{collections::BTreeMap, time::Instant};

use llo_chassis::{ServiceName, testing::TestEnv};

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on every Linux port).
const TICKS_PER_SECOND: f64 = 100.0;

/// Who is measured: the services' pids and the bench's database names.
pub struct Processes {
    services: Vec<(ServiceName, u32)>,
    /// (the database's name, the service that owns it).
    databases: Vec<(String, ServiceName)>,
}

/// CPU ticks per group at one moment.
#[derive(Clone)]
pub struct Sample {
    at: Instant,
    ticks: BTreeMap<Group, u64>,
}

/// What a line of the report adds up; the order is the report's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Group {
    Service(usize),
    Backends(usize),
    /// Checkpointer, WAL writer, autovacuum: shared with other users of the server.
    PostgresBackground,
    /// Shared with other users of the broker.
    Broker,
    Bench,
}

impl Group {
    /// Not the bench's alone: left out of the total.
    fn shared(self) -> bool {
        self == Group::PostgresBackground
    }

    fn name(self) -> String {
        match self {
            Group::Service(i) => ServiceName::ALL[i].as_str().to_owned(),
            Group::Backends(i) => format!("postgres ({})", ServiceName::ALL[i].as_str()),
            Group::PostgresBackground => "postgres background (shared)".to_owned(),
            Group::Broker => "rabbitmq beam.smp".to_owned(),
            Group::Bench => "bench (clients, measuring)".to_owned(),
        }
    }
}

fn index(service: ServiceName) -> usize {
    ServiceName::ALL
        .iter()
        .position(|s| *s == service)
        .unwrap_or(0)
}

/// utime + stime of a process, in ticks; `None` when it is gone.
fn ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command may hold spaces and parentheses: the fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n).and_then(|f| f.parse::<u64>().ok());
    Some(field(11)? + field(12)?)
}

fn command(pid: &str) -> Option<(String, String)> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let title = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).ok()?;
    Some((comm.trim().to_owned(), title.replace('\0', " ")))
}

impl Processes {
    pub fn new(env: &TestEnv, services: Vec<(ServiceName, u32)>) -> Processes {
        let databases = ServiceName::ALL
            .iter()
            .map(|s| {
                let url = env.database_url(*s);
                let name = url.rsplit('/').next().unwrap_or_default().to_owned();
                (name, *s)
            })
            .collect();
        Processes {
            services,
            databases,
        }
    }

    /// The group of a process not started by the bench, if it is one that is counted.
    fn group_of(&self, comm: &str, title: &str) -> Option<Group> {
        if comm == "beam.smp" {
            return Some(Group::Broker);
        }
        if comm != "postgres" {
            return None;
        }
        // A backend's title: "postgres: 15/main: <user> <database> <client> <state>".
        let words: Vec<&str> = title.split_whitespace().collect();
        for (database, service) in &self.databases {
            if words.iter().any(|w| w == database) {
                return Some(Group::Backends(index(*service)));
            }
        }
        let background = [
            "checkpointer",
            "background writer",
            "walwriter",
            "autovacuum",
        ];
        background
            .iter()
            .any(|b| title.contains(b))
            .then_some(Group::PostgresBackground)
    }

    pub fn sample(&self) -> Sample {
        let at = Instant::now();
        let mut ticks_of: BTreeMap<Group, u64> = BTreeMap::new();
        let mut add = |group: Group, n: u64| *ticks_of.entry(group).or_default() += n;
        for (service, pid) in &self.services {
            add(
                Group::Service(index(*service)),
                ticks(&pid.to_string()).unwrap_or(0),
            );
        }
        add(Group::Bench, ticks("self").unwrap_or(0));
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Some((comm, title)) = command(&pid)
                && let Some(group) = self.group_of(&comm, &title)
                && let Some(n) = ticks(&pid)
            {
                add(group, n);
            }
        }
        Sample {
            at,
            ticks: ticks_of,
        }
    }
}

/// The CPU spent between two samples, per group.
pub struct Spent {
    seconds: f64,
    cpu: BTreeMap<Group, f64>,
}

impl Spent {
    pub fn between(start: &Sample, end: &Sample) -> Spent {
        let cpu = end
            .ticks
            .iter()
            .map(|(group, n)| {
                // A backend that ended between the samples takes its ticks with it: at
                // least zero (the services' pools keep theirs for the whole run).
                let before = start.ticks.get(group).copied().unwrap_or(0);
                (*group, n.saturating_sub(before) as f64 / TICKS_PER_SECOND)
            })
            .collect();
        Spent {
            seconds: end.at.duration_since(start.at).as_secs_f64(),
            cpu,
        }
    }

    /// CPU seconds of everything but the shared background.
    pub fn total(&self) -> f64 {
        self.cpu
            .iter()
            .filter(|(g, _)| !g.shared())
            .map(|(_, s)| s)
            .sum()
    }

    /// CPU seconds of `service`'s process and of its database's backends.
    pub fn of_service(&self, service: ServiceName) -> (f64, f64) {
        let i = index(service);
        let get = |g| self.cpu.get(&g).copied().unwrap_or(0.0);
        (get(Group::Service(i)), get(Group::Backends(i)))
    }

    /// "CPU per end-to-end event" with one line per group: ms per event and the share
    /// of one core over the window.
    pub fn print(&self, what: &str, events: usize) {
        let per = |s: f64| s * 1e3 / events.max(1) as f64;
        println!(
            "  CPU per end-to-end event ({what}, {events} events in {:.1} s): **{:.2} ms** \
             in total ({:.0} % of a core on average; shared background not included)",
            self.seconds,
            per(self.total()),
            self.total() / self.seconds.max(1e-9) * 100.0
        );
        for (group, seconds) in &self.cpu {
            println!(
                "    {:<32} {:>7.3} ms/event  {:>5.0} % of a core",
                group.name(),
                per(*seconds),
                seconds / self.seconds.max(1e-9) * 100.0
            );
        }
    }
}

/// The machine's load average (1, 5, 15 minutes), as the kernel reports it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
