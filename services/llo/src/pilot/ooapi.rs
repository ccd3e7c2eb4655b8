//! The education provider as a Dutch school publishes its courses: an Open Education
//! API (OOAPI v5) endpoint, here a local one the demo starts from the demo file's
//! courses (two to a page, each course with one offering), which the programme manager
//! registers and trajectories syncs, as it would Graafschap College's own. The school
//! also takes the places trajectories asks for (associations) and grants them.
use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use super::{
    data::{Course, Provider},
    development::Trajectories,
};

/// Courses per page, small so that the sync follows `hasNextPage`.
const PAGE_SIZE: usize = 2;
/// The first synthetic start date (2027-01-01), then a month apart per course.
const FIRST_START: i64 = 1_798_761_600;

#[derive(serde::Deserialize)]
struct Paging {
    #[serde(rename = "pageNumber")]
    page_number: Option<usize>,
}

fn course_id(course: &Course) -> String {
    course.code.to_ascii_lowercase()
}

fn course(course: &Course) -> Value {
    json!({
        "courseId": course_id(course),
        "primaryCode": { "codeType": "identifier", "code": course.code },
        "name": [{ "language": "nl-NL", "value": course.title }],
        "studyLoad": { "studyLoadUnit": "hour", "value": course.hours },
        "teachingLanguage": "nld",
        "modeOfDelivery": ["situated"],
        "consumers": [{ "consumerKey": "llo", "themes": [course.theme], "escoSkills": course.skills }]
    })
}

fn offering(index: usize, course: &Course) -> Value {
    let start = chrono::DateTime::from_timestamp(FIRST_START + index as i64 * 30 * 86_400, 0)
        .unwrap_or_default()
        .date_naive();
    json!({
        "offeringId": format!("{}-1", course_id(course)),
        "offeringType": "course",
        "startDate": start.to_string(),
        "priceInformation": [{
            "costType": "total costs",
            "amount": course.price_cents as f64 / 100.0,
            "currency": "EUR"
        }]
    })
}

/// The demo school: its catalogue, and the associations it holds by id.
struct School {
    provider: Provider,
    associations: Mutex<HashMap<String, Value>>,
}

async fn courses(State(school): State<Arc<School>>, Query(q): Query<Paging>) -> Response {
    let p = &school.provider;
    let number = q.page_number.unwrap_or(1).max(1);
    let items: Vec<Value> = p
        .courses
        .iter()
        .skip((number - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(course)
        .collect();
    Json(json!({
        "pageSize": PAGE_SIZE,
        "pageNumber": number,
        "hasPreviousPage": number > 1,
        "hasNextPage": number * PAGE_SIZE < p.courses.len(),
        "items": items
    }))
    .into_response()
}

async fn offerings(State(school): State<Arc<School>>, Path(id): Path<String>) -> Response {
    let p = &school.provider;
    match p.courses.iter().position(|c| course_id(c) == id) {
        Some(index) => Json(json!({
            "pageSize": 1,
            "pageNumber": 1,
            "hasPreviousPage": false,
            "hasNextPage": false,
            "items": [offering(index, &p.courses[index])]
        }))
        .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A place asked for: the school grants it at once, and keeps one association per
/// `Idempotency-Key` (the suite's activity), however often it is asked.
async fn associate(
    State(school): State<Arc<School>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Ok(mut associations) = school.associations.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let association = associations.entry(key.to_owned()).or_insert_with(|| {
        json!({
            "associationId": key,
            "associationType": "courseOfferingAssociation",
            "role": "student",
            "state": "associated",
            "offering": body["offering"],
        })
    });
    Json(association.clone()).into_response()
}

/// An association by id. The demo school grants every place and its ids are the suite's
/// keys (activity ids), so one given before this process started (an earlier `llo up`)
/// still reads as granted.
async fn association(State(school): State<Arc<School>>, Path(id): Path<String>) -> Response {
    let found = school
        .associations
        .lock()
        .ok()
        .and_then(|a| a.get(&id).cloned());
    let granted = found.unwrap_or_else(|| {
        json!({
            "associationId": id,
            "associationType": "courseOfferingAssociation",
            "role": "student",
            "state": "associated",
        })
    });
    Json(granted).into_response()
}

/// Serves the provider's catalogue and associations over OOAPI on a free local port for
/// as long as the process runs (with `llo up`, as long as the suite, whose scheduled
/// sync reads it again); its base URL.
pub async fn serve(provider: Provider) -> anyhow::Result<String> {
    let school = School {
        provider,
        associations: Mutex::new(HashMap::new()),
    };
    let router = Router::new()
        .route("/ooapi/v5/courses", get(courses))
        .route("/ooapi/v5/courses/{course}/offerings", get(offerings))
        .route("/ooapi/v5/associations/external/me", post(associate))
        .route("/ooapi/v5/associations/{id}", get(association))
        .with_state(Arc::new(school));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::warn!(%error, "the demo's OOAPI endpoint stopped");
        }
    });
    Ok(format!("http://127.0.0.1:{port}/ooapi/v5"))
}

/// The programme manager registers the provider's OOAPI endpoint and trajectories
/// syncs it; every course must arrive.
pub async fn sync(
    manager: &mut Trajectories,
    region: &str,
    provider: &Provider,
    base_url: &str,
) -> anyhow::Result<()> {
    crate::catalogue::register(
        manager,
        region,
        &provider.id,
        base_url,
        vec!["other".into()],
        None,
    )
    .await?;
    let report = crate::catalogue::sync(manager, region, &provider.id).await?;
    let rows = report.rows.clone().unwrap_or_default();
    anyhow::ensure!(
        rows.rejected_count == 0 && report.failures.is_empty(),
        "the OOAPI sync of {} did not take every course: {}",
        provider.name,
        crate::catalogue::describe(&provider.id, &report).join("\n")
    );
    say!(
        "{} publishes its catalogue over OOAPI ({base_url}); synced {} page(s): {} created, {} unchanged",
        provider.name,
        report.pages_read,
        rows.created_count,
        rows.unchanged_count
    );
    Ok(())
}

/// Waits (20 s at most) until the school has answered every place trajectories asked of
/// it for these participants' plans, and says how they stand.
pub async fn places(
    manager: &mut Trajectories,
    provider: &Provider,
    participants: &[&str],
) -> anyhow::Result<()> {
    use llo_proto::trajectories::v1::{self as pb, SchoolEnrolmentState as State};
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut states = Vec::new();
        for participant in participants {
            let plan = manager
                .get_development_plan(pb::GetDevelopmentPlanRequest {
                    participant_id: (*participant).to_owned(),
                })
                .await?
                .into_inner()
                .plan
                .unwrap_or_default();
            states.extend(
                plan.activities
                    .iter()
                    .filter_map(|a| a.school_enrolment.as_ref())
                    .filter(|e| e.provider == provider.id)
                    .map(|e| e.state()),
            );
        }
        let waiting = states
            .iter()
            .filter(|s| matches!(s, State::Requested | State::Pending))
            .count();
        if waiting == 0 || tokio::time::Instant::now() >= deadline {
            let given = states.iter().filter(|s| **s == State::Associated).count();
            anyhow::ensure!(
                waiting == 0,
                "{} has not answered {waiting} of {} places asked over OOAPI",
                provider.name,
                states.len()
            );
            say!(
                "{} was asked {} places over OOAPI (associations); it gave {given}",
                provider.name,
                states.len()
            );
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
