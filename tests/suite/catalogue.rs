use llo_chassis::auth::Role;
use llo_proto::trajectories::v1 as pb;
use tonic::Code;

use crate::helpers::{Suite, Trajectories, company, plan, violations};

fn offering(provider: &str, n: usize) -> pb::PublishCourseOfferingRequest {
    pb::PublishCourseOfferingRequest {
        region: "achterhoek".into(),
        provider: provider.into(),
        course_code: format!("GC-{n:05}"),
        title: format!("Cursus {n}"),
        themes: vec![if n.is_multiple_of(2) { "lassen" } else { "cnc" }.into()],
        hours: 24,
        price_cents: 95_000,
        start_times: vec![prost_types::Timestamp {
            seconds: 1_800_000_000 + n as i64 * 86_400,
            nanos: 0,
        }],
        esco_skill_uris: vec![
            "http://data.europa.eu/esco/skill/60ff3eac-7d4d-4e51-87b8-74c3b5d62498".into(),
        ],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalogue_import_of_a_thousand_offerings_sent_twice_leaves_a_thousand() {
    let suite = Suite::spawn().await;
    let mut school = suite
        .trajectories(Role::Integrator, Some("graafschap-college"))
        .await;
    let rows = || {
        tokio_stream::iter((0..1_000).map(|n| pb::ImportCourseOfferingsRequest {
            offering: Some(offering("graafschap-college", n)),
        }))
    };
    let first = school
        .import_course_offerings(rows())
        .await
        .unwrap()
        .into_inner();
    assert_eq!((first.created_count, first.rejected_count), (1_000, 0));
    let second = school
        .import_course_offerings(rows())
        .await
        .unwrap()
        .into_inner();
    assert_eq!((second.created_count, second.unchanged_count), (0, 1_000));

    let mut total = 0;
    let mut token = String::new();
    loop {
        let page = school
            .list_course_offerings(pb::ListCourseOfferingsRequest {
                page_size: 500,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        total += page.offerings.len();
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(total, 1_000);

    let welding = school
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            theme: "lassen".into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(welding.offerings.len(), 500);
    let later = school
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            start_after: Some(prost_types::Timestamp {
                seconds: 1_800_000_000 + 990 * 86_400,
                nanos: 0,
            }),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(later.offerings.len(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_publishes_and_completes_only_its_own_courses() {
    let suite = Suite::spawn().await;
    let mut school = suite
        .trajectories(Role::Integrator, Some("graafschap-college"))
        .await;
    let mut other_school = suite.trajectories(Role::Integrator, Some("han")).await;
    let status = other_school
        .publish_course_offering(offering("graafschap-college", 1))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut bad = offering("graafschap-college", 2);
    bad.hours = 0;
    bad.esco_skill_uris = vec!["https://example.com/skill".into()];
    assert_eq!(
        violations(&school.publish_course_offering(bad).await.unwrap_err()),
        ["hours", "esco_skill_uris[0]"]
    );
    let published = school
        .publish_course_offering(offering("graafschap-college", 3))
        .await
        .unwrap()
        .into_inner()
        .offering
        .unwrap();

    let (mut intake_client, mut coach) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "34000001", 40, 1).await;
    plan(&mut coach, &people[0]).await;
    let activity = coach
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            request_id: String::new(),
            participant_id: people[0].clone(),
            offering_id: published.offering_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap();
    assert_eq!(
        (
            activity.provider.as_str(),
            activity.planned_hours,
            activity.cost_cents
        ),
        ("graafschap-college", 24, 95_000)
    );

    let complete = |id: String| pb::CompleteLearningActivityRequest {
        request_id: String::new(),
        activity_id: id,
        actual_hours: 24,
        credential: Some(pb::Credential {
            name: "Certificaat".into(),
            issuer: "Graafschap College".into(),
            url: String::new(),
        }),
        complete_time: None,
    };
    let status = other_school
        .complete_learning_activity(complete(activity.activity_id.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let done = school
        .complete_learning_activity(complete(activity.activity_id.clone()))
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap();
    assert_eq!(done.status, pb::ActivityStatus::Completed as i32);
    assert_eq!(done.credential.unwrap().name, "Certificaat");
}

/// (row number, outcome, course code, the fields of its violations) per row, in order.
fn import_outcomes(
    response: &pb::ImportCourseOfferingsResponse,
) -> Vec<(i64, i32, String, Vec<String>)> {
    response
        .results
        .iter()
        .map(|r| {
            let fields = r.violations.iter().map(|v| v.field.clone()).collect();
            (r.row_number, r.outcome, r.course_code.clone(), fields)
        })
        .collect()
}

async fn codes(client: &mut Trajectories, region: &str, provider: &str) -> Vec<String> {
    let mut codes: Vec<String> = client
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            region: region.into(),
            provider: provider.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .offerings
        .into_iter()
        .map(|o| o.course_code)
        .collect();
    codes.sort();
    codes
}

/// A school's catalogue sync may carry only the school's own courses, in the regions its
/// token covers: a row for another provider, or for another region, is rejected with its
/// reason on the field at fault, while the school's good rows of the same stream go in, and
/// nothing is published for the rejected rows.
#[tokio::test(flavor = "multi_thread")]
async fn a_providers_sync_rejects_rows_for_another_provider_or_region_while_good_rows_go_in() {
    let suite = Suite::spawn().await;
    let mut school = suite
        .trajectories(Role::Integrator, Some("graafschap-college"))
        .await;
    let other_provider = offering("han", 2);
    let other_region = pb::PublishCourseOfferingRequest {
        region: "twente".into(),
        ..offering("graafschap-college", 4)
    };
    let rows = vec![
        offering("graafschap-college", 1),
        other_provider,
        offering("graafschap-college", 3),
        other_region,
    ];
    let response = school
        .import_course_offerings(tokio_stream::iter(rows.into_iter().map(|offering| {
            pb::ImportCourseOfferingsRequest {
                offering: Some(offering),
            }
        })))
        .await
        .unwrap()
        .into_inner();
    let (created, rejected) = (
        pb::OfferingImportOutcome::Created as i32,
        pb::OfferingImportOutcome::Rejected as i32,
    );
    assert_eq!(
        import_outcomes(&response),
        [
            (1, created, "GC-00001".into(), vec![]),
            (2, rejected, "GC-00002".into(), vec!["provider".into()]),
            (3, created, "GC-00003".into(), vec![]),
            (4, rejected, "GC-00004".into(), vec!["region".into()]),
        ]
    );
    assert_eq!((response.created_count, response.rejected_count), (2, 2));
    assert!(
        response.results[1].violations[0]
            .description
            .contains("that provider's courses only"),
        "{:?}",
        response.results[1].violations
    );
    assert!(
        response.results[3].violations[0]
            .description
            .contains("region twente"),
        "{:?}",
        response.results[3].violations
    );
    assert!(
        response.results[1].offering_id.is_empty() && response.results[3].offering_id.is_empty()
    );

    // Only the school's own Achterhoek rows were published.
    assert_eq!(
        codes(&mut school, "achterhoek", "graafschap-college").await,
        ["GC-00001", "GC-00003"]
    );
    assert_eq!(
        codes(&mut school, "achterhoek", "han").await,
        Vec::<String>::new()
    );
    let mut twente = suite
        .trajectories_in(Role::ProgrammeManager, "twente", None)
        .await;
    assert_eq!(codes(&mut twente, "twente", "").await, Vec::<String>::new());
}
