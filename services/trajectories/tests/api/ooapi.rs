//! Issue 23: a school's catalogue read over the Open Education API (OOAPI v5), from a
//! local server that answers as the specification's examples do: paged, with a
//! malformed row, a page that fails once, a course whose offerings always fail, a slow
//! page, and a course the suite's own rules refuse.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use llo_proto::trajectories::v1 as pb;
use llo_trajectories::ooapi::client::{Client, Patience};
use serde_json::{Value, json};
use tonic::Code;

use crate::helpers::{REGION, TestApp, fields, serve_ooapi};

/// How often each path was asked for, to fail or dawdle the first time only.
#[derive(Clone, Default)]
struct Fixture {
    asked: Arc<Mutex<HashMap<String, u32>>>,
}

impl Fixture {
    fn count(&self, key: &str) -> u32 {
        let mut asked = self.asked.lock().unwrap();
        let n = asked.entry(key.to_owned()).or_default();
        *n += 1;
        *n
    }
}

#[derive(serde::Deserialize)]
struct Paging {
    #[serde(rename = "pageNumber")]
    page_number: Option<u32>,
}

fn course(id: &str, code: &str, name: &str, load: Value, consumers: Value) -> Value {
    json!({
        "courseId": id,
        "primaryCode": { "codeType": "identifier", "code": code },
        "name": [{ "language": "nl-NL", "value": name }],
        "abbreviation": code,
        "studyLoad": load,
        "teachingLanguage": "nld",
        "modeOfDelivery": ["situated"],
        "consumers": consumers
    })
}

fn page(number: u32, last: bool, items: Vec<Value>) -> Response {
    Json(json!({
        "pageSize": 100,
        "pageNumber": number,
        "hasPreviousPage": number > 1,
        "hasNextPage": !last,
        "totalPages": 3,
        "items": items
    }))
    .into_response()
}

async fn courses(State(f): State<Fixture>, Query(p): Query<Paging>) -> Response {
    let ours = |theme: &str| json!([{ "consumerKey": "llo", "themes": [theme] }]);
    match p.page_number.unwrap_or(1) {
        1 => page(
            1,
            false,
            vec![
                course(
                    "c-las",
                    "GC-LAS-01",
                    "MIG/MAG-lassen niveau 2",
                    json!({ "studyLoadUnit": "ects", "value": 1.5 }),
                    ours("lassen"),
                ),
                course(
                    "c-cnc",
                    "GC-CNC-02",
                    "CNC-programmeren Heidenhain",
                    json!({ "studyLoadUnit": "hour", "value": 32 }),
                    ours("cnc"),
                ),
            ],
        ),
        // The school's server fails this page once; a retry gets it.
        2 if f.count("courses/2") == 1 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        2 => page(
            2,
            false,
            vec![
                course(
                    "c-erp",
                    "GC-ERP-04",
                    "Werken met ERP in de werkplaats",
                    json!({ "studyLoadUnit": "hour", "value": 12 }),
                    ours("digitale-vaardigheden"),
                ),
                json!({ "courseId": "c-kapot", "primaryCode": "GC-KAPOT", "name": "geen lijst" }),
            ],
        ),
        _ => page(
            3,
            true,
            vec![
                course(
                    "c-vca",
                    "GC-VCA-05",
                    "VCA-VOL",
                    json!({ "studyLoadUnit": "hour", "value": 16 }),
                    json!([]),
                ),
                course(
                    "c-brei",
                    "GC-BREI-06",
                    "Breien voor beginners",
                    json!({ "studyLoadUnit": "hour", "value": 8 }),
                    ours("breien"),
                ),
            ],
        ),
    }
}

fn run(id: &str, start: &str, euros: f64) -> Value {
    json!({
        "offeringId": id,
        "offeringType": "course",
        "startDate": start,
        "endDate": start,
        "enrollStartDate": "2021-09-01",
        "enrollEndDate": start,
        "priceInformation": [{ "costType": "total costs", "amount": euros, "currency": "EUR",
                               "displayAmount": format!("€ {euros}") }]
    })
}

async fn offerings(
    State(f): State<Fixture>,
    Path(course): Path<String>,
    Query(p): Query<Paging>,
) -> Response {
    let number = p.page_number.unwrap_or(1);
    match (course.as_str(), number) {
        ("c-las", 1) => page(1, false, vec![run("o-las-1", "2022-01-10", 1250.0)]),
        ("c-las", _) => page(2, true, vec![run("o-las-2", "2022-03-07", 1250.0)]),
        // Slow the first time: longer than a short deadline.
        ("c-cnc", _) => {
            if f.count("c-cnc") == 1 {
                tokio::time::sleep(Duration::from_millis(1500)).await;
            }
            page(1, true, vec![run("o-cnc-1", "2022-02-14", 1450.0)])
        }
        ("c-erp", _) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        ("c-vca", _) => page(1, true, vec![run("o-vca-1", "2022-01-24", 495.0)]),
        _ => page(1, true, vec![run("o-x", "2022-01-24", 100.0)]),
    }
}

/// Serves the fixture on a free local port; its base URL.
async fn serve(fixture: Fixture) -> String {
    let router = Router::new()
        .route("/ooapi/v5/courses", get(courses))
        .route("/ooapi/v5/courses/{course}/offerings", get(offerings))
        .with_state(fixture);
    serve_ooapi(router).await
}

fn register(base_url: &str) -> pb::RegisterCatalogueSourceRequest {
    pb::RegisterCatalogueSourceRequest {
        region: REGION.into(),
        provider: "graafschap-college".into(),
        base_url: base_url.into(),
        default_themes: vec!["veiligheid".into()],
        login: None,
    }
}

fn sync() -> pb::SyncCatalogueRequest {
    pb::SyncCatalogueRequest {
        region: REGION.into(),
        provider: "graafschap-college".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schools_ooapi_catalogue_syncs_page_by_page_and_a_second_sync_changes_nothing() {
    let app = TestApp::spawn().await;
    let base_url = serve(Fixture::default()).await;
    let mut manager = app.manager().await;
    let unknown = manager.sync_catalogue(sync()).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
    let source = manager
        .register_catalogue_source(register(&base_url))
        .await
        .unwrap()
        .into_inner()
        .source
        .unwrap();
    assert_eq!(source.base_url, base_url);

    let first = manager.sync_catalogue(sync()).await.unwrap().into_inner();
    assert_eq!(first.pages_read, 3, "every page, the failing one retried");
    let rows = first.rows.unwrap();
    assert_eq!(
        (
            rows.created_count,
            rows.updated_count,
            rows.unchanged_count,
            rows.rejected_count
        ),
        (3, 0, 0, 2),
        "{rows:#?}"
    );
    let refused: Vec<(&str, Vec<&str>)> = rows
        .results
        .iter()
        .filter(|r| r.outcome == pb::OfferingImportOutcome::Rejected as i32)
        .map(|r| {
            let fields = r.violations.iter().map(|v| v.field.as_str()).collect();
            (r.course_code.as_str(), fields)
        })
        .collect();
    assert_eq!(
        refused,
        [("", vec!["ooapi"]), ("GC-BREI-06", vec!["themes[0]"])]
    );
    assert_eq!(first.failures.len(), 1, "{:#?}", first.failures);
    assert!(
        first.failures[0]
            .url
            .ends_with("/courses/c-erp/offerings?pageSize=100&pageNumber=1")
    );
    assert!(
        first.failures[0].reason.contains("503"),
        "{:?}",
        first.failures[0]
    );

    // In the catalogue as the suite lists it: code, title, hours, price, starts, themes.
    let listed = manager
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            region: REGION.into(),
            provider: "graafschap-college".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .offerings;
    let welding = listed
        .iter()
        .find(|o| o.course_code == "GC-LAS-01")
        .unwrap();
    assert_eq!(welding.title, "MIG/MAG-lassen niveau 2");
    assert_eq!(welding.hours, 42, "1.5 EC");
    assert_eq!(welding.price_cents, 125_000);
    assert_eq!(welding.start_times.len(), 2, "offerings over two pages");
    assert_eq!(welding.runs.len(), 2);
    assert_eq!(welding.runs[0].external_id, "o-las-1");
    assert!(welding.runs[0].enrol_end_time.is_some() && welding.runs[0].end_time.is_some());
    assert_eq!(welding.teaching_language, "nld");
    assert_eq!(welding.modes_of_delivery, ["situated"]);
    let vca = listed
        .iter()
        .find(|o| o.course_code == "GC-VCA-05")
        .unwrap();
    assert_eq!(vca.themes, ["veiligheid"], "the source's default theme");
    assert!(
        !listed.iter().any(|o| o.course_code == "GC-ERP-04"),
        "left as it was"
    );

    let second = manager.sync_catalogue(sync()).await.unwrap().into_inner();
    let rows = second.rows.unwrap();
    assert_eq!(
        (rows.created_count, rows.updated_count, rows.unchanged_count),
        (0, 0, 3),
        "a repeat sync changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_is_checked_before_it_is_registered() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let bad = manager
        .register_catalogue_source(pb::RegisterCatalogueSourceRequest {
            region: REGION.into(),
            provider: String::new(),
            base_url: "ftp://user:secret@school.example/ooapi".into(),
            default_themes: vec!["breien".into()],
            login: None,
        })
        .await
        .unwrap_err();
    assert_eq!(fields(&bad), ["provider", "base_url", "default_themes[0]"]);
    let credentials = manager
        .register_catalogue_source(register("https://user:secret@school.example/ooapi/v5"))
        .await
        .unwrap_err();
    assert_eq!(fields(&credentials), ["base_url"]);
    let mut coach = app.client(llo_chassis::auth::Role::Coach, REGION).await;
    let denied = coach
        .register_catalogue_source(register("https://school.example/ooapi/v5"))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

/// The client's deadline and retries, against the slow page: a retry after a timeout
/// gets it; a server that stays slow is a failure that says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_page_times_out_and_is_asked_again() {
    let base_url = serve(Fixture::default()).await;
    let patience = Patience {
        timeout: Duration::from_millis(500),
        attempts: 2,
        backoff: Duration::from_millis(10),
    };
    let client = Client::new(&base_url, patience).unwrap();
    let page = client.page("courses/c-cnc/offerings", 1).await.unwrap();
    assert_eq!(page.items.len(), 1, "the second attempt, in time");

    // A fresh server dawdles again; one attempt only is a failure that says why.
    let once = Patience {
        attempts: 1,
        ..patience
    };
    let fresh = Client::new(&serve(Fixture::default()).await, once).unwrap();
    let failure = fresh.page("courses/c-cnc/offerings", 1).await.unwrap_err();
    assert_eq!(failure.reason, "timed out");
    let gone = Client::new("http://127.0.0.1:9/ooapi/v5", patience).unwrap();
    let failure = gone.page("courses", 1).await.unwrap_err();
    assert_eq!(failure.reason, "cannot connect after 2 attempts");
}

/// Without anyone asking: a registered source is synced on the schedule
/// (`catalogue.sync_every_seconds`), and what the sync did is kept on the source.
#[tokio::test(flavor = "multi_thread")]
async fn a_registered_source_is_synced_on_the_schedule() {
    let app = TestApp::spawn_with(&[("catalogue.sync_every_seconds", "1".into())]).await;
    let base_url = serve(Fixture::default()).await;
    let mut manager = app.manager().await;
    manager
        .register_catalogue_source(register(&base_url))
        .await
        .unwrap();
    let listed = llo_chassis::testing::app::eventually("the scheduled sync", || {
        let mut manager = manager.clone();
        async move {
            let listed = manager
                .list_course_offerings(pb::ListCourseOfferingsRequest {
                    region: REGION.into(),
                    provider: "graafschap-college".into(),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .offerings;
            (listed.len() == 3).then_some(listed)
        }
    })
    .await;
    assert!(listed.iter().any(|o| o.course_code == "GC-VCA-05"));
    let source = llo_chassis::testing::app::eventually("the summary kept", || {
        let mut manager = manager.clone();
        async move {
            let sources = manager
                .list_catalogue_sources(pb::ListCatalogueSourcesRequest {
                    region: REGION.into(),
                })
                .await
                .ok()?
                .into_inner()
                .sources;
            sources
                .into_iter()
                .find(|s| s.sync_summary.contains("3 page(s); 3 created"))
        }
    })
    .await;
    assert!(source.sync_time.is_some(), "{source:?}");
}

/// Runs are read like every time the suite takes: each named by its place.
#[tokio::test(flavor = "multi_thread")]
async fn a_course_run_is_checked_like_every_other_time() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let at = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });
    let bad = manager
        .publish_course_offering(pb::PublishCourseOfferingRequest {
            region: REGION.into(),
            provider: "graafschap-college".into(),
            course_code: "GC-RUN".into(),
            title: "Lassen".into(),
            themes: vec!["lassen".into()],
            hours: 8,
            start_times: vec![prost_types::Timestamp {
                seconds: 1_800_000_000,
                nanos: 0,
            }],
            runs: vec![
                pb::CourseRun {
                    start_time: at(1_800_000_000),
                    end_time: at(1_700_000_000),
                    ..Default::default()
                },
                pb::CourseRun {
                    start_time: at(1_800_000_000),
                    price_cents: Some(-1),
                    ..Default::default()
                },
            ],
            teaching_language: "nl NL".into(),
            modes_of_delivery: vec![String::new()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        fields(&bad),
        [
            "start_times",
            "runs[0].end_time",
            "runs[1].price_cents",
            "teaching_language",
            "modes_of_delivery[0]"
        ]
    );
}

/// A school's programmes (`/programs`, each with `/programs/{id}/offerings`) are read
/// like its courses; a school serving no programmes (a 404, as the fixtures above) is no
/// failure.
#[tokio::test(flavor = "multi_thread")]
async fn a_schools_programmes_are_read_like_its_courses() {
    async fn no_courses(Query(p): Query<Paging>) -> Response {
        page(p.page_number.unwrap_or(1), true, Vec::new())
    }
    async fn programs(Query(p): Query<Paging>) -> Response {
        let mut programme = course(
            "",
            "GC-MT-BBL3",
            "Monteur mechatronica BBL niveau 3",
            json!({ "studyLoadUnit": "ects", "value": 60 }),
            json!([{ "consumerKey": "llo", "themes": ["lassen"] }]),
        );
        programme["programId"] = json!("p-mt");
        programme.as_object_mut().unwrap().remove("courseId");
        page(p.page_number.unwrap_or(1), true, vec![programme])
    }
    async fn program_offerings(Path(id): Path<String>) -> Response {
        assert_eq!(id, "p-mt");
        page(1, true, vec![run("o-mt-2027", "2027-09-01", 4200.0)])
    }
    let router = Router::new()
        .route("/ooapi/v5/courses", get(no_courses))
        .route("/ooapi/v5/programs", get(programs))
        .route("/ooapi/v5/programs/{id}/offerings", get(program_offerings));
    let base_url = serve_ooapi(router).await;
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    manager
        .register_catalogue_source(register(&base_url))
        .await
        .unwrap();
    let report = manager.sync_catalogue(sync()).await.unwrap().into_inner();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.pages_read, 2);
    assert_eq!(report.rows.unwrap().created_count, 1);
    let listed = manager
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            region: REGION.into(),
            provider: "graafschap-college".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .offerings;
    assert_eq!(listed.len(), 1);
    let programme = &listed[0];
    assert_eq!(programme.course_code, "GC-MT-BBL3");
    assert_eq!(programme.hours, 1_680, "60 EC of 28 hours");
    assert_eq!(programme.price_cents, 420_000);
    assert_eq!(programme.runs[0].external_id, "o-mt-2027");
}

/// A school whose API asks for a token: the suite logs in with OAuth 2.0 client
/// credentials (HTTP Basic at the token endpoint), sends the bearer token, and asks for
/// a new one when the school stops taking the old.
#[tokio::test(flavor = "multi_thread")]
async fn a_school_that_asks_for_a_token_gets_one_and_a_new_one_when_it_lapses() {
    #[derive(Clone, Default)]
    struct Gate(Arc<Mutex<u32>>);
    async fn token(State(gate): State<Gate>, headers: HeaderMap, body: String) -> Response {
        // base64 of "llo-achterhoek:test-only-secret"
        let basic = "bGxvLWFjaHRlcmhvZWs6dGVzdC1vbmx5LXNlY3JldA==";
        let authorised = headers.get("authorization").and_then(|v| v.to_str().ok());
        if authorised != Some(format!("Basic {basic}").as_str())
            || !body.contains("grant_type=client_credentials")
            || !body.contains("scope=ooapi")
        {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let mut issued = gate.0.lock().unwrap();
        *issued += 1;
        Json(json!({ "access_token": format!("t-{issued}"), "token_type": "Bearer", "expires_in": 3600 }))
            .into_response()
    }
    /// Page 1 takes the first token; page 2 only a later one (the first lapsed).
    async fn courses(headers: HeaderMap, Query(p): Query<Paging>) -> Response {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let number = p.page_number.unwrap_or(1);
        let fresh = bearer.starts_with("Bearer t-") && (number == 1 || bearer != "Bearer t-1");
        if !fresh {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        page(number, number == 2, Vec::new())
    }
    let gate = Gate::default();
    let router = Router::new()
        .route("/ooapi/v5/courses", get(courses))
        .route("/ooapi/v5/oauth/token", axum::routing::post(token))
        .with_state(gate.clone());
    let base_url = serve_ooapi(router).await;
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let login = |env: &str, url: &str| pb::SchoolLogin {
        token_url: url.into(),
        client_id: "llo-achterhoek".into(),
        scope: "ooapi".into(),
        client_secret_env: env.into(),
    };

    // Only the suite's own variables may hold a school's secret.
    let mut bad = register(&base_url);
    bad.login = Some(login("DATABASE_URL", "ftp://example.org/token"));
    let refused = manager.register_catalogue_source(bad).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        fields(&refused),
        ["login.token_url", "login.client_secret_env"]
    );

    let mut request = register(&base_url);
    let token_url = format!("{base_url}/oauth/token");
    request.login = Some(login("OOAPI_CLIENT_SECRET_TEST_SCHOOL", &token_url));
    let source = manager
        .register_catalogue_source(request)
        .await
        .unwrap()
        .into_inner()
        .source
        .unwrap();
    assert_eq!(source.login.unwrap().client_id, "llo-achterhoek");
    let report = manager.sync_catalogue(sync()).await.unwrap().into_inner();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.pages_read, 2);
    assert_eq!(*gate.0.lock().unwrap(), 2, "a new token for the lapsed one");

    // A secret the process does not have: the sync says so, and sends nothing.
    let mut missing = register(&base_url);
    missing.login = Some(login("OOAPI_CLIENT_SECRET_NOT_SET", &token_url));
    manager.register_catalogue_source(missing).await.unwrap();
    let report = manager.sync_catalogue(sync()).await.unwrap().into_inner();
    assert_eq!(report.pages_read, 0);
    assert!(
        report.failures[0]
            .reason
            .contains("OOAPI_CLIENT_SECRET_NOT_SET"),
        "{:?}",
        report.failures
    );
    assert_eq!(*gate.0.lock().unwrap(), 2);
}
