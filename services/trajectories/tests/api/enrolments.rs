//! Issue 23: places asked of a school over OOAPI v5 (associations, as eduXchange asks
//! them) when a plan takes the school's offering, and the school's states and result
//! followed into the plan exactly once. The school is a local server that answers as
//! the specification's examples do; the test moves its states.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{Duration, Utc};
use llo_chassis::testing::app::eventually;
use llo_proto::trajectories::v1 as pb;
use serde_json::{Value, json};
use tonic::Code;

use crate::helpers::{Client, REGION, TestApp, serve_ooapi, violations};

const SCHOOL: &str = "graafschap-college";

/// What the school was asked, and the associations it holds.
#[derive(Default)]
struct Desk {
    /// Each POST's `Idempotency-Key` and body.
    posts: Vec<(String, Value)>,
    by_key: HashMap<String, String>,
    associations: HashMap<String, Value>,
    gets: u32,
    /// Fail the next POST with a 503 (the answer lost; a retry must not double it).
    fail_next_post: bool,
}

#[derive(Clone, Default)]
struct School(Arc<Mutex<Desk>>);

impl School {
    /// The school moves an association: a new state, or a result.
    fn set(&self, id: &str, state: &str, result: Option<Value>) {
        let mut desk = self.0.lock().unwrap();
        let association = desk.associations.get_mut(id).unwrap();
        association["state"] = json!(state);
        if let Some(result) = result {
            association["result"] = result;
        }
    }
}

async fn associate(
    State(school): State<School>,
    headers: HeaderMap,
    body: Json<Value>,
) -> Response {
    let mut desk = school.0.lock().unwrap();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    desk.posts.push((key.clone(), body.0.clone()));
    if std::mem::take(&mut desk.fail_next_post) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if let Some(id) = desk.by_key.get(&key) {
        return Json(desk.associations[id].clone()).into_response();
    }
    let id = format!("as-{}", desk.associations.len() + 1);
    // A full course refuses at once.
    let state = if body["offering"] == "o-vol" {
        "denied"
    } else {
        "pending"
    };
    let association = json!({
        "associationId": id,
        "associationType": "courseOfferingAssociation",
        "role": "student",
        "state": state,
        "offering": body["offering"],
    });
    desk.by_key.insert(key, id.clone());
    desk.associations.insert(id, association.clone());
    Json(association).into_response()
}

async fn association(State(school): State<School>, Path(id): Path<String>) -> Response {
    let mut desk = school.0.lock().unwrap();
    desk.gets += 1;
    match desk.associations.get(&id) {
        Some(association) => Json(association.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn serve(school: School) -> String {
    let router = Router::new()
        .route("/ooapi/v5/associations/external/me", post(associate))
        .route("/ooapi/v5/associations/{id}", get(association))
        .with_state(school);
    serve_ooapi(router).await
}

fn at(days: i64) -> Option<prost_types::Timestamp> {
    let at = Utc::now() + Duration::days(days);
    Some(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
}

fn run(id: &str, start: i64, enrol_until: i64) -> pb::CourseRun {
    pb::CourseRun {
        start_time: at(start),
        end_time: at(start + 5),
        enrol_start_time: at(-30),
        enrol_end_time: at(enrol_until),
        external_id: id.into(),
        // The open run is dearer than the course's price; the others cost that.
        price_cents: (id == "o-open").then_some(139_500),
    }
}

/// The school registered as an OOAPI source, with one course of four runs: one whose
/// enrolment closed, the next open one, a later one and a full one.
async fn school_with_a_course(app: &TestApp, base_url: &str) -> String {
    let mut manager = app.manager().await;
    manager
        .register_catalogue_source(pb::RegisterCatalogueSourceRequest {
            region: REGION.into(),
            provider: SCHOOL.into(),
            base_url: base_url.into(),
            default_themes: vec!["lassen".into()],
            login: None,
        })
        .await
        .unwrap();
    let offering = manager
        .publish_course_offering(pb::PublishCourseOfferingRequest {
            region: REGION.into(),
            provider: SCHOOL.into(),
            course_code: "GC-LAS-01".into(),
            title: "MIG/MAG-lassen niveau 2".into(),
            themes: vec!["lassen".into()],
            hours: 40,
            price_cents: 125_000,
            runs: vec![
                run("o-closed", 20, -1),
                run("o-open", 30, 10),
                run("o-later", 60, 50),
                run("o-vol", 40, 30),
            ],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .offering
        .unwrap();
    offering.offering_id
}

fn plan_from(participant: &str, offering: &str, run_id: &str) -> pb::PlanLearningActivityRequest {
    pb::PlanLearningActivityRequest {
        participant_id: participant.into(),
        offering_id: offering.into(),
        run_id: run_id.into(),
        ..Default::default()
    }
}

async fn activity(client: &Client, participant: &str) -> pb::LearningActivity {
    let mut client = client.clone();
    let plan = client
        .get_development_plan(pb::GetDevelopmentPlanRequest {
            participant_id: participant.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap();
    plan.activities.into_iter().next().unwrap()
}

fn state(a: &pb::LearningActivity) -> pb::SchoolEnrolmentState {
    a.school_enrolment
        .as_ref()
        .map_or(pb::SchoolEnrolmentState::Unspecified, |e| e.state())
}

async fn reaches(
    app: &TestApp,
    participant: &str,
    wanted: pb::SchoolEnrolmentState,
) -> pb::LearningActivity {
    let client = app.manager().await;
    eventually(&format!("the plan shows {wanted:?}"), || {
        let client = client.clone();
        async move {
            let a = activity(&client, participant).await;
            (state(&a) == wanted).then_some(a)
        }
    })
    .await
}

async fn events(app: &TestApp, key: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM outbox WHERE routing_key = 'trajectories.{key}.v1'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_place_is_asked_of_the_school_and_its_states_and_result_reach_the_plan_once() {
    let app =
        TestApp::spawn_with(&[("catalogue.follow_enrolments_every_seconds", "1".into())]).await;
    let school = School::default();
    school.0.lock().unwrap().fail_next_post = true;
    let base_url = serve(school.clone()).await;
    let offering = school_with_a_course(&app, &base_url).await;
    let seeded = app.seed().await;
    let participant = seeded.participant_id.as_str();
    let mut manager = app.manager().await;

    // No run asked for: the next one open for enrolment.
    let planned = manager
        .plan_learning_activity(plan_from(participant, &offering, ""))
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap();
    let enrolment = planned.school_enrolment.clone().unwrap();
    assert_eq!(enrolment.state(), pb::SchoolEnrolmentState::Requested);
    assert_eq!(
        (enrolment.run_id.as_str(), enrolment.provider.as_str()),
        ("o-open", SCHOOL)
    );
    assert_eq!(planned.cost_cents, 139_500, "the run's own price");

    let pending = reaches(&app, participant, pb::SchoolEnrolmentState::Pending).await;
    assert_eq!(pending.school_enrolment.unwrap().association_id, "as-1");
    {
        let desk = school.0.lock().unwrap();
        // The lost answer was asked again under the same key; the school kept one.
        assert_eq!(desk.posts.len(), 2);
        assert_eq!(desk.associations.len(), 1);
        let (key, body) = &desk.posts[1];
        assert_eq!(key, &planned.activity_id);
        assert_eq!(body["role"], "student");
        assert_eq!(body["state"], "pending");
        assert_eq!(body["offering"], "o-open");
        assert_eq!(
            body["consumers"][0]["activityId"],
            planned.activity_id.as_str()
        );
        // No name, no e-mail, no participant id leaves for the school.
        assert!(!body.to_string().contains(participant), "{body}");
    }

    school.set("as-1", "queued", None);
    reaches(&app, participant, pb::SchoolEnrolmentState::Queued).await;
    school.set("as-1", "associated", None);
    reaches(&app, participant, pb::SchoolEnrolmentState::Associated).await;
    // A result still in progress completes nothing.
    school.set(
        "as-1",
        "associated",
        Some(json!({ "state": "in progress", "pass": "unknown" })),
    );
    school.set(
        "as-1",
        "associated",
        Some(
            json!({ "state": "completed", "pass": "passed", "score": "8,5",
                     "resultDate": Utc::now().date_naive().to_string() }),
        ),
    );
    let done = reaches(&app, participant, pb::SchoolEnrolmentState::Completed).await;
    assert_eq!(done.status(), pb::ActivityStatus::Completed);
    assert_eq!(done.actual_hours, 40);
    let credential = done.credential.clone().unwrap();
    assert_eq!(
        (credential.name.as_str(), credential.issuer.as_str()),
        ("MIG/MAG-lassen niveau 2", SCHOOL)
    );
    let enrolment = done.school_enrolment.unwrap();
    assert_eq!(
        (enrolment.pass.as_str(), enrolment.score.as_str()),
        ("passed", "8,5")
    );

    // Closed: the school is asked nothing more, and each change was told once.
    let gets = school.0.lock().unwrap().gets;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(school.0.lock().unwrap().gets, gets);
    assert_eq!(events(&app, "learning_activity_completed").await, 1);
    assert_eq!(events(&app, "school_enrolment_changed").await, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_asked_for_is_checked_and_a_refused_plan_changes_nothing() {
    let app = TestApp::spawn().await;
    let base_url = serve(School::default()).await;
    let offering = school_with_a_course(&app, &base_url).await;
    let seeded = app.seed().await;
    let participant = seeded.participant_id.as_str();
    let mut manager = app.manager().await;
    let refused = [
        ("o-nope", "o-nope is not a run of the offering"),
        ("o-closed", "enrolment for run o-closed closed on"),
    ];
    for (run_id, why) in refused {
        let status = manager
            .plan_learning_activity(plan_from(participant, &offering, run_id))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let found = violations(&status);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "run_id");
        assert!(found[0].1.starts_with(why), "{found:?}");
    }
    let own = manager
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            participant_id: participant.into(),
            kind: pb::ActivityKind::Course as i32,
            title: "Eigen cursus".into(),
            provider: "Lensink".into(),
            theme: "lassen".into(),
            planned_hours: 8,
            run_id: "o-open".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&own)[0].0, "run_id");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM learning_activities")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM school_enrolments")
            .await,
        0
    );

    // A later run by its id.
    let later = manager
        .plan_learning_activity(plan_from(participant, &offering, "o-later"))
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap();
    assert_eq!(later.school_enrolment.unwrap().run_id, "o-later");
    assert_eq!(
        later.cost_cents, 125_000,
        "a run without a price costs the course's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_closes_the_place_and_a_school_out_of_reach_is_asked_again_later() {
    let app = TestApp::spawn().await;
    let school = School::default();
    let base_url = serve(school.clone()).await;
    let offering = school_with_a_course(&app, &base_url).await;
    let mut manager = app.manager().await;

    let full = app.seed().await;
    manager
        .plan_learning_activity(plan_from(&full.participant_id, &offering, "o-vol"))
        .await
        .unwrap();
    let denied = reaches(&app, &full.participant_id, pb::SchoolEnrolmentState::Denied).await;
    assert_eq!(denied.status(), pb::ActivityStatus::Planned);
    assert_eq!(school.0.lock().unwrap().gets, 0);

    // The school's server goes away: the request waits, with why, for a later try.
    manager
        .register_catalogue_source(pb::RegisterCatalogueSourceRequest {
            region: REGION.into(),
            provider: SCHOOL.into(),
            base_url: "http://127.0.0.1:9/ooapi/v5".into(),
            default_themes: vec!["lassen".into()],
            login: None,
        })
        .await
        .unwrap();
    let unreachable = app.seed().await;
    manager
        .plan_learning_activity(plan_from(&unreachable.participant_id, &offering, ""))
        .await
        .unwrap();
    let client = app.manager().await;
    let waiting = eventually("the failed call recorded", || {
        let client = client.clone();
        let participant = unreachable.participant_id.clone();
        async move {
            let a = activity(&client, &participant).await;
            let e = a.school_enrolment.clone()?;
            (!e.last_error.is_empty()).then_some(e)
        }
    })
    .await;
    assert_eq!(waiting.state(), pb::SchoolEnrolmentState::Requested);
    assert!(waiting.last_error.contains("cannot connect"), "{waiting:?}");
    let due_later = app
        .count(
            "SELECT count(*) AS n FROM school_enrolments \
             WHERE failures = 1 AND due_at > now() + interval '20 seconds'",
        )
        .await;
    assert_eq!(due_later, 1);
}
