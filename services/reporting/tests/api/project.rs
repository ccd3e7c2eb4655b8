//! The grant's books in the report: budget against realisation per work package and the
//! grant that follows from the region pack's rules, from trajectories' events alone.
use llo_proto::{IntegrationEvent, events::v1 as ev, reporting::v1 as pb};
use uuid::Uuid;

use crate::{export::export, helpers::*, pilot::Recorded};

fn recorded<E: IntegrationEvent>(id: Uuid, event: E) -> Recorded {
    Recorded {
        id,
        routing_key: E::ROUTING_KEY,
        payload: event.encode_to_vec(),
    }
}

fn at(seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

fn plan(participant: &str, sme: bool, budget: &[(&str, i64)], seconds: i64) -> Recorded {
    recorded(
        Uuid::now_v7(),
        ev::ProjectParticipantSet {
            region: REGION.into(),
            participant: participant.into(),
            organisation_id: String::new(),
            sme,
            budget: budget
                .iter()
                .map(|(wp, cents)| ev::WorkPackageBudget {
                    work_package: (*wp).into(),
                    planned_cents: *cents,
                })
                .collect(),
            occur_time: at(seconds),
        },
    )
}

fn cost(
    participant: &str,
    wp: &str,
    kind: &str,
    minutes: i64,
    rate: i64,
    invoiced: i64,
) -> Recorded {
    recorded(
        Uuid::now_v7(),
        ev::ProjectCostApproved {
            cost_id: Uuid::now_v7().to_string(),
            region: REGION.into(),
            participant: participant.into(),
            work_package: wp.into(),
            cost_type: kind.into(),
            minutes,
            hourly_rate_cents: rate,
            invoiced_cents: invoiced,
            cost_date: "2021-05-03".into(),
            occur_time: at(1_700_000_000),
        },
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_shows_the_project_costs_per_work_package_and_the_grant_they_realise() {
    let app = TestApp::spawn().await;
    let hours = cost(
        "lensink",
        "behoeftepeiling",
        "own_staff_hours",
        150,
        6_000,
        0,
    );
    let mut events = vec![
        // The later plan wins, whichever arrives first.
        plan("lensink", true, &[("behoeftepeiling", 1_200_000)], 2_000),
        plan("lensink", true, &[("behoeftepeiling", 600_000)], 1_000),
        plan(
            "vno-ncw-midden",
            false,
            &[("projectmanagement", 1_000_000)],
            1_000,
        ),
        // 2.5 h at €60, 1 h of it reversed: €90.
        cost(
            "lensink",
            "behoeftepeiling",
            "own_staff_hours",
            -60,
            6_000,
            0,
        ),
        // 1 h 20 at €95 (€126.66) and 40 min at €95 (€63.33): €190.00 together.
        cost(
            "vno-ncw-midden",
            "projectmanagement",
            "own_staff_hours",
            80,
            9_500,
            0,
        ),
        cost(
            "vno-ncw-midden",
            "projectmanagement",
            "own_staff_hours",
            40,
            9_500,
            0,
        ),
        cost(
            "vno-ncw-midden",
            "ontwikkeltrajecten",
            "third_party_services",
            0,
            0,
            1_210_000,
        ),
        // A school's fee is a realised cost MKB!DEE does not pay.
        cost(
            "lensink",
            "ontwikkeltrajecten",
            "training_fees",
            0,
            0,
            40_000,
        ),
    ];
    events.push(Recorded {
        id: hours.id,
        routing_key: hours.routing_key,
        payload: hours.payload.clone(),
    });
    // A redelivery of the same event counts once.
    events.push(hours);
    let distinct = events.len() as i64 - 1;
    app.feed(&events, distinct).await;

    let mut manager = app.manager().await;
    let (_, json) = export(&mut manager, pb::ReportFormat::Json).await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = &json["project_costs"];
    assert_eq!(p["grant"], "MKB!DEE-subsidie (programmabudget)");
    let line = |id: &str| {
        p["work_packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["work_package"] == id)
            .unwrap()
            .clone()
    };
    let needs = line("behoeftepeiling");
    assert_eq!(needs["budgeted_cents"], 1_200_000);
    assert_eq!(needs["realised_cents"], 9_000);
    assert_eq!(needs["eligible_cents"], 9_000);
    assert_eq!(line("projectmanagement")["realised_cents"], 19_000);
    let trajectories = line("ontwikkeltrajecten");
    assert_eq!(trajectories["budgeted_cents"], 0);
    assert_eq!(trajectories["realised_cents"], 1_210_000 + 40_000);
    assert_eq!(trajectories["eligible_cents"], 1_210_000);
    assert_eq!(
        line("evaluatie")["realised_cents"],
        0,
        "every work package of the pack"
    );
    assert_eq!(p["budgeted_cents"], 2_200_000);
    assert_eq!(p["realised_cents"], 9_000 + 19_000 + 1_250_000);
    assert_eq!(p["not_eligible_cents"], 40_000);
    // 100 % of the eligible costs, each participant below its €124,999 maximum.
    assert_eq!(p["grant_cents"], 9_000 + 19_000 + 1_210_000);
    assert_eq!(p["cap_cents"], 20_000_000);
    assert_eq!(
        (p["participants"].clone(), p["sme_participants"].clone()),
        (2.into(), 1.into())
    );

    // Integrators read the same figures with the funding status.
    let status = manager
        .get_funding_status(pb::GetFundingStatusRequest {
            region: REGION.into(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .project
        .unwrap();
    assert_eq!(status.grant_cents, 1_238_000);
    assert_eq!(status.work_packages.len(), 5);
    assert_eq!(status.work_packages[0].phase, "Behoeftepeiling");

    let (_, html) = export(&mut manager, pb::ReportFormat::Html).await;
    assert!(html.contains("<section id=\"project\"><h2>Project costs and the grant</h2>"));
    assert!(
        html.contains("€ 12.380,00"),
        "the grant as realised, in Dutch notation"
    );

    // A rebuild from reporting's copy gives the same section.
    app.installation_manager()
        .await
        .rebuild_read_models(pb::RebuildReadModelsRequest {
            request_id: "rebuild-project".into(),
        })
        .await
        .unwrap();
    let (_, again) = export(&mut manager, pb::ReportFormat::Json).await;
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["project_costs"], json["project_costs"]);
}
