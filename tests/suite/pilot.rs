//! The pilot demo (`llo demo`, what `scripts/up` plays) as a user runs it: against a
//! suite whose region already holds other data, twice in a row; and a failure is one
//! line, not a backtrace.
use std::{path::PathBuf, process::Output};

use llo_chassis::auth::Role;

use crate::helpers::*;

/// The `llo` binary beside the services' (`cargo build --bins`, as `scripts/test` does).
fn llo() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let llo = profile.join("llo");
    assert!(
        llo.exists(),
        "{} is missing: build every binary first (cargo build --bins)",
        llo.display()
    );
    llo
}

/// Runs `llo` with `args` to its end (off the runtime's threads, which serve the suite).
async fn run_llo(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(llo())
            .args(args)
            // As a user runs it: from the repository's root, where infra/demo and
            // infra/packs are.
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env("RUST_BACKTRACE", "1")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// A mail's subject, its RFC 2047 words (`=?utf-8?b?…?=`, lettre's for non-ASCII) decoded.
fn subject(mail: &str) -> String {
    use base64::Engine as _;
    let mut lines = mail.lines().skip_while(|l| !l.starts_with("Subject: "));
    let mut value = lines.next().unwrap_or_default()["Subject: ".len()..].to_owned();
    for more in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        value.push_str(more);
    }
    value
        .split_whitespace()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            lower
                .starts_with("=?utf-8?b?")
                .then(|| &word["=?utf-8?b?".len()..])
                .and_then(|w| w.strip_suffix("?="))
                .and_then(|w| base64::engine::general_purpose::STANDARD.decode(w).ok())
                .map_or_else(
                    || format!("{word} "),
                    |bytes| String::from_utf8_lossy(&bytes).into_owned(),
                )
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

async fn demo(suite: &Suite, report_dir: &std::path::Path, region: &str) -> Output {
    let url = |port: u16| format!("http://127.0.0.1:{port}");
    run_llo(vec![
        "demo".into(),
        "--region".into(),
        region.into(),
        "--intake".into(),
        url(suite.intake_port),
        "--trajectories".into(),
        url(suite.trajectories_port),
        "--community".into(),
        url(suite.community_port),
        "--reporting".into(),
        url(suite.reporting_port),
        "--report-dir".into(),
        report_dir.display().to_string(),
        "--mail-dir".into(),
        suite.mail_dir.display().to_string(),
    ])
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pilot_runs_on_a_region_that_holds_other_data_and_runs_twice() {
    let suite = Suite::spawn().await;
    // Somebody tried the API first: an organisation of their own in the Achterhoek.
    let mut intake = suite.intake(Role::ProgrammeManager, None).await;
    company(&mut intake, "12345678", 30, 3).await;
    let report_dir = std::env::temp_dir().join(format!("llo-pilot-{}", suite.env.id));
    std::fs::create_dir_all(&report_dir).unwrap();

    for run in 1..=2 {
        let output = demo(&suite, &report_dir, "achterhoek").await;
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(
            output.status.success(),
            "run {run} failed:\n{stderr}\n{stdout}"
        );
        assert!(
            stdout.contains(
                "for the pilot's own companies: companies 6 of 6, employees reached 48 of 48"
            ),
            "run {run}:\n{stdout}"
        );
        assert!(
            stdout.contains("HR-netwerkcafé") && stdout.contains("moved up and is booked"),
            "run {run}:\n{stdout}"
        );
        // Graafschap College's catalogue over OOAPI (three pages of two), created on the
        // first run and unchanged on the second; release 1 both times (the same request).
        let synced = if run == 1 {
            "synced 3 page(s): 5 created, 0 unchanged"
        } else {
            "synced 3 page(s): 0 created, 5 unchanged"
        };
        assert!(
            stdout.contains("Graafschap College publishes its catalogue over OOAPI")
                && stdout.contains(synced),
            "run {run}:\n{stdout}"
        );
        assert!(
            stdout.contains("Published release 1 of achterhoek"),
            "run {run}:\n{stdout}"
        );
        // Skills: the coach finds them by a Dutch word, and every goal names its course's
        // ESCO skills (synced over OOAPI with the course, checked against the list).
        assert!(
            stdout.contains("SearchSkills \"lassen\" in the skills lists (ESCO v1.2.0")
                && stdout.contains("MAG-lassen; TIG-lassen"),
            "run {run}:\n{stdout}"
        );
        assert!(
            stdout.contains("development plans: 8 goals naming 23 ESCO skills, 8 courses planned"),
            "run {run}:\n{stdout}"
        );
        // Intake issued an Open Badge for every course completed with a credential, and
        // each verifies with a standard JWT library against the JWKS it serves.
        let credentials = stdout
            .lines()
            .find(|l| l.starts_with("Credentials: "))
            .unwrap_or_else(|| panic!("run {run}: no credentials line:\n{stdout}"));
        let counts: Vec<usize> = credentials
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        assert!(
            counts[0] > 0
                && credentials.starts_with(&format!(
                    "Credentials: {0} issued for {0} courses completed with a credential, {0} verified over JWKS",
                    counts[0]
                )),
            "run {run}: {credentials}"
        );
        assert!(
            credentials.ends_with(&format!("{} valid by intake's VerifyCredential", counts[0])),
            "run {run}: {credentials}"
        );
        // Every course planned from the school's catalogue asked it a place over OOAPI
        // (one association per activity, also on the second run), and it gave them.
        assert!(
            stdout.contains(
                "Graafschap College was asked 48 places over OOAPI (associations); it gave 48"
            ),
            "run {run}:\n{stdout}"
        );
        // The grant's books: each company's own hours (95 % of 440 planned) approved, the
        // lead applicant's coach and project manager, the same figures on the second run;
        // every company reaches MKB!DEE's minimum of €25,000.
        assert!(
            stdout.contains("total planned € 199.900, approved hours' cost € 177.555"),
            "run {run}:\n{stdout}"
        );
        assert!(
            stdout.contains("kept: MKB!DEE-subsidie (programmabudget): at least € 25.000,00")
                && !stdout.contains("NOT kept"),
            "run {run}:\n{stdout}"
        );
        // With the €13,000 of HAN's and Gelders Vakmanschap's invoices, all of it eligible.
        assert!(
            stdout.contains(
                "budgeted € 199.900, realised € 190.555, eligible € 190.555, grant € 190.555"
            ),
            "run {run}:\n{stdout}"
        );
        // Where the mails went, and the one that told the person moved up from the wait
        // list (the same file on the second run: the promotion happened once).
        assert!(
            stdout.contains(&format!("are .eml files in {}", suite.mail_dir.display())),
            "run {run}:\n{stdout}"
        );
        let promotion = stdout
            .lines()
            .find_map(|l| l.strip_prefix("The wait-list promotion mail to "))
            .and_then(|l| l.split_once(": "))
            .unwrap_or_else(|| panic!("run {run}: no promotion mail line:\n{stdout}"));
        let mail = std::fs::read_to_string(promotion.1).unwrap();
        assert!(
            subject(&mail).starts_with("Er is een plek vrijgekomen: HR-netwerkcafé"),
            "{mail}"
        );
        let to = mail
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap_or_default();
        assert!(to.ends_with(".example") && to.contains('@'), "{mail}");
        assert!(mail.contains("text/calendar") && mail.contains("METHOD:REQUEST"));
        let text = mail.replace("=\r\n", "").replace("=\n", "");
        assert!(
            text.contains("Goed nieuws: er is een plek vrijgekomen")
                && text.contains("Regio: Achterhoek")
                && text.contains("Met vriendelijke groet"),
            "{mail}"
        );
    }
    let report = report_dir.join("llo-report-achterhoek.html");
    assert!(report.is_file(), "{}", report.display());
    // The evaluation's learning by skill, by the skills list's Dutch labels.
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("<h2>Learning by skill</h2>") && html.contains(">MAG-lassen</a>"),
        "{}",
        report.display()
    );
    let statement = report_dir.join("llo-statement-achterhoek-mkb-idee.html");
    let text = std::fs::read_to_string(&statement).unwrap();
    assert!(
        text.contains("Einddeclaratie") && text.contains("€ 190.555,00"),
        "{}",
        statement.display()
    );
    std::fs::remove_dir_all(&report_dir).unwrap();
    std::fs::remove_dir_all(&suite.mail_dir).unwrap();
}

/// The second region and sector play their pilot from their demo file with the same
/// runner: nothing in the code names them.
#[tokio::test(flavor = "multi_thread")]
async fn the_second_regions_pilot_runs_from_its_data_alone() {
    let suite = Suite::spawn().await;
    let report_dir = std::env::temp_dir().join(format!("llo-pilot-{}", suite.env.id));
    std::fs::create_dir_all(&report_dir).unwrap();
    let output = demo(&suite, &report_dir, "twente").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}\n{stdout}");
    for line in [
        "== The Twente pilot",
        "ROC van Twente publishes its catalogue over OOAPI",
        "moved up and is booked",
        "for the pilot's own companies: companies 3 of 3, employees reached 14 of 14",
        // Without the accent, in the care sector's skills list.
        "SearchSkills \"client\" in the skills lists",
        "cliënten",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    assert!(report_dir.join("llo-report-twente.html").is_file());
    std::fs::remove_dir_all(&report_dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pilot_that_cannot_reach_a_service_says_so_in_one_line() {
    let nowhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = nowhere.local_addr().unwrap().port();
    drop(nowhere);
    let output = run_llo(vec![
        "demo".into(),
        "--intake".into(),
        format!("http://127.0.0.1:{port}"),
    ])
    .await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("llo: "), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}
