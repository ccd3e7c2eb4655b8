use futures_util::StreamExt as _;
use llo_chassis::auth::Role;
use llo_proto::reporting::v1 as pb;

use crate::{
    helpers::*,
    pilot::{Pilot, distinct},
};

/// The report: a manager's draft or the latest release (release 0), or a release.
pub async fn export(client: &mut Client, format: pb::ReportFormat) -> (String, String) {
    export_release(client, format, 0).await
}

pub async fn export_release(
    client: &mut Client,
    format: pb::ReportFormat,
    release: i32,
) -> (String, String) {
    let mut stream = client
        .export_report(pb::ExportReportRequest {
            region: REGION.into(),
            sector: String::new(),
            format: format as i32,
            release,
        })
        .await
        .unwrap()
        .into_inner();
    let mut content_type = String::new();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        if content_type.is_empty() {
            content_type = chunk.content_type;
        }
        bytes.extend(chunk.data);
    }
    (content_type, String::from_utf8(bytes).unwrap())
}

const VOID: &[&str] = &["meta", "br", "hr", "img", "link", "input", "rect"];

/// A small well-formedness check: every non-void element is closed, in order.
fn check_well_formed(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("a tag is closed") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if tag.starts_with('/') {
            let open = stack.pop().unwrap_or_default();
            assert_eq!(open, name, "closing </{name}> where <{open}> is open");
        } else if !self_closing && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

/// A CSV line split by RFC 4180.
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    assert!(!quoted, "unbalanced quotes: {line}");
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_exports_as_self_contained_html_json_and_csv_anonymised() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    // Even the programme manager's export is the shareable, anonymised one: a draft of
    // the live figures, marked so, until a release is asked for.
    let mut manager = app.manager().await;

    let (content_type, html) = export(&mut manager, pb::ReportFormat::Html).await;
    assert!(content_type.starts_with("text/html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "inline charts");
    assert!(html.contains("<style>"), "inline CSS");
    for external in ["http://", "https://", "<script", "<link", "src=", "url("] {
        assert!(!html.contains(external), "{external} in the report");
    }
    check_well_formed(&html);
    assert!(html.contains("<p class=\"draft\">Draft of the live figures, not a release"));
    for section in [
        "id=\"scan\"",
        "id=\"hours\"",
        "id=\"funding\"",
        "id=\"participation\"",
        "id=\"anonymity\"",
    ] {
        assert!(html.contains(section), "section {section}");
    }
    assert!(html.contains("suppressed (small group)"));
    assert!(html.contains("minimum group size") || html.contains("Minimum group size"));

    let (content_type, json) = export(&mut manager, pb::ReportFormat::Json).await;
    assert_eq!(content_type, "application/json");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["suppression"]["min_group_size"], 5);
    let wiggers = json["companies_compared"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["organisation_name"] == "Wiggers")
        .unwrap();
    assert_eq!(wiggers["status"], "suppressed_small_group");
    assert_eq!(
        json["overview"]["uwv_referrals"]["value"],
        serde_json::Value::Null
    );
    assert_eq!(json["overview"]["employees_reached"]["value"], 15.0);
    assert_eq!(json["funding"]["total_cents"], 750_000);
    assert!(
        !json["participation_over_time"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(json["funding_per_source"].as_array().unwrap().len(), 4);

    let (content_type, csv) = export(&mut manager, pb::ReportFormat::Csv).await;
    assert!(content_type.starts_with("text/csv"));
    let lines: Vec<Vec<String>> = csv.lines().map(fields).collect();
    assert_eq!(
        lines[0],
        vec!["section", "subject", "measure", "value", "status"]
    );
    assert!(lines.iter().all(|l| l.len() == 5), "five fields per line");
    assert!(lines.iter().any(|l| l[0] == "learning_hours_per_company"
        && l[1] == "Lensink Constructie"
        && l[2] == "hours_attended"));
    assert!(lines.iter().any(|l| l[0] == "overview"
        && l[2] == "uwv_referrals"
        && l[3].is_empty()
        && l[4] == "suppressed_small_group"));

    // An evaluator may export, a release only: none yet, then the latest; an integrator
    // may not.
    let mut evaluator = app.evaluator().await;
    let none = evaluator
        .export_report(pb::ExportReportRequest {
            region: REGION.into(),
            sector: String::new(),
            format: pb::ReportFormat::Html as i32,
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(none.code(), tonic::Code::FailedPrecondition, "{none:?}");
    let release = app.release().await;
    let (_, evaluator_html) = export(&mut evaluator, pb::ReportFormat::Html).await;
    let (_, managers_copy) = export_release(&mut manager, pb::ReportFormat::Html, 1).await;
    assert_eq!(evaluator_html, managers_copy, "one release, whoever asks");
    let edition = |page: &str| {
        let start = page.find("<p class=\"").unwrap();
        let end = start + page[start..].find("</p>").unwrap() + 4;
        (
            page[start..end].to_owned(),
            format!("{}{}", &page[..start], &page[end..]),
        )
    };
    let (stamp, rest) = edition(&evaluator_html);
    assert!(
        stamp.starts_with("<p class=\"release\">Release 1 of Achterhoek, published "),
        "{stamp}"
    );
    assert_eq!(release.number, 1);
    assert_eq!(rest, edition(&html).1, "the draft was the release to be");
    let mut integrator = app.as_role(Role::Integrator, REGION, None).await;
    let refused = integrator
        .export_report(pb::ExportReportRequest {
            region: REGION.into(),
            sector: String::new(),
            format: pb::ReportFormat::Html as i32,
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_named_like_a_formula_stays_text_in_the_csv() {
    use llo_proto::{IntegrationEvent, events::v1 as ev};
    let app = TestApp::spawn().await;
    let name = "=HYPERLINK(\"http://x\",\"klik\")";
    let event = ev::OrganisationRegistered {
        organisation_id: uuid::Uuid::now_v7().to_string(),
        region: REGION.into(),
        sector: crate::pilot::SECTOR.into(),
        organisation_name: name.into(),
        municipality: "Aalten".into(),
        employee_count: 12,
        occur_time: None,
    };
    app.feed(
        &[crate::pilot::Recorded {
            id: uuid::Uuid::now_v7(),
            routing_key: ev::OrganisationRegistered::ROUTING_KEY,
            payload: prost::Message::encode_to_vec(&event),
        }],
        1,
    )
    .await;
    let (_, csv) = export(&mut app.manager().await, pb::ReportFormat::Csv).await;
    let rows: Vec<Vec<String>> = csv.lines().map(fields).collect();
    let subjects: Vec<&str> = rows
        .iter()
        .filter(|r| r[0] == "learning_hours_per_company")
        .map(|r| r[1].as_str())
        .collect();
    assert!(!subjects.is_empty(), "{csv}");
    assert!(
        subjects.iter().all(|s| *s == format!("'{name}")),
        "{subjects:?}"
    );
}
