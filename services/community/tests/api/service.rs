use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn migrations_go_down_and_up_again() {
    let app = TestApp::spawn().await;
    llo_chassis::db::redo_all(&app.database_url, llo_community::store::MIGRATIONS)
        .await
        .unwrap();
    // The search configuration is back, with its accents folded.
    #[derive(QueryableByName)]
    struct Vector {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    let vector = diesel::sql_query("SELECT to_tsvector('llo_dutch', 'ideeën')::text AS v")
        .get_result::<Vector>(&mut conn)
        .await
        .unwrap();
    assert_eq!(vector.v, "'ideeen':1");
}

#[test]
fn the_readme_matrix_is_what_the_server_applies() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let documented = llo_chassis::auth_matrix::from_readme(&readme, "CommunityService");
    assert_eq!(
        documented,
        llo_chassis::auth_matrix::from_policy(llo_community::access::POLICY)
    );
}
