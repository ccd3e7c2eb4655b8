//! One stored value never breaks a query for others: offering start times are stored as
//! timestamps, so a filter over them compares and never casts.
use diesel_async::RunQueryDsl;
use llo_proto::trajectories::v1 as pb;

use crate::helpers::{REGION, TestApp};

#[tokio::test(flavor = "multi_thread")]
async fn no_start_outside_the_accepted_range_is_stored_and_listings_filter_by_timestamp() {
    let app = TestApp::spawn().await;
    let mut conn = app.database().await;
    let insert = |code: &'static str, start: &'static str| {
        diesel::sql_query(format!(
            "INSERT INTO course_offerings (id, region, provider, course_code, title, themes, \
             hours, price_cents, start_times, esco_skill_uris) VALUES (gen_random_uuid(), $1, \
             'school', '{code}', 'Cursus', '[\"lassen\"]', 8, 0, \
             ARRAY['{start}'::timestamptz], '[]')"
        ))
        .bind::<diesel::sql_types::Text, _>(REGION)
    };
    // Not even a direct write stores what the API refuses (a year 10000 once broke
    // every listing filtered on start times, for every caller).
    let refused = insert("VER-1", "10000-01-01 00:00:00+00")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("course_offerings_start_times_range"),
        "{refused}"
    );
    insert("LAAT-1", "2099-12-31 08:00:00+00")
        .execute(&mut conn)
        .await
        .unwrap();
    insert("VROEG-1", "2020-01-06 08:00:00+00")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut client = app.manager().await;
    let listed = client
        .list_course_offerings(pb::ListCourseOfferingsRequest {
            start_after: Some(prost_types::Timestamp {
                seconds: 1_800_000_000,
                nanos: 0,
            }),
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let codes: Vec<_> = listed
        .offerings
        .iter()
        .map(|o| o.course_code.as_str())
        .collect();
    assert_eq!(codes, ["LAAT-1"]);
}
