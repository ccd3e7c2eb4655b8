//! Releases as the store keeps them (see the migration `releases`): one row per release
//! and one per answer it holds. Written once, in the publishing transaction, under the
//! region's lock; read by number or as the latest.
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, Bytea, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::release::Release;

type Conn = AsyncPgConnection;
type Q<T> = diesel::QueryResult<T>;

#[derive(QueryableByName)]
struct ReleaseRow {
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Integer)]
    number: i32,
    #[diesel(sql_type = Timestamptz)]
    published_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    published_by: String,
    #[diesel(sql_type = Text)]
    note: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    as_of: Option<DateTime<Utc>>,
    #[diesel(sql_type = Integer)]
    min_group_size: i32,
    #[diesel(sql_type = Array<Text>)]
    sectors: Vec<String>,
    #[diesel(sql_type = Array<SqlUuid>)]
    organisation_ids: Vec<uuid::Uuid>,
    #[diesel(sql_type = Integer)]
    held_back: i32,
}

impl From<ReleaseRow> for Release {
    fn from(r: ReleaseRow) -> Release {
        Release {
            region: r.region,
            number: r.number,
            published_at: r.published_at,
            published_by: r.published_by,
            note: r.note,
            as_of: r.as_of,
            min_group_size: r.min_group_size,
            sectors: r.sectors,
            organisation_ids: r.organisation_ids,
            held_back: r.held_back,
        }
    }
}

const COLUMNS: &str = "region, number, published_at, published_by, note, as_of, \
                       min_group_size, sectors, organisation_ids, held_back";

/// Holds the region's publishing lock until the transaction ends: one publication at a
/// time per region, so numbers follow each other and each release sees the suppression
/// memory the one before it left.
pub async fn lock(conn: &mut Conn, region: &str) -> Q<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('llo.release:' || $1))")
        .bind::<Text, _>(region)
        .execute(conn)
        .await?;
    Ok(())
}

/// The number the region's next release gets.
pub async fn next_number(conn: &mut Conn, region: &str) -> Q<i32> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = Integer)]
        number: i32,
    }
    let next: Next = diesel::sql_query(
        "SELECT COALESCE(max(number), 0) + 1 AS number FROM releases WHERE region = $1",
    )
    .bind::<Text, _>(region)
    .get_result(conn)
    .await?;
    Ok(next.number)
}

/// Stores a release with its answers (key, body).
pub async fn insert(conn: &mut Conn, release: &Release, answers: &[(String, Vec<u8>)]) -> Q<()> {
    diesel::sql_query(format!(
        "INSERT INTO releases ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind::<Text, _>(&release.region)
    .bind::<Integer, _>(release.number)
    .bind::<Timestamptz, _>(release.published_at)
    .bind::<Text, _>(&release.published_by)
    .bind::<Text, _>(&release.note)
    .bind::<Nullable<Timestamptz>, _>(release.as_of)
    .bind::<Integer, _>(release.min_group_size)
    .bind::<Array<Text>, _>(&release.sectors)
    .bind::<Array<SqlUuid>, _>(&release.organisation_ids)
    .bind::<Integer, _>(release.held_back)
    .execute(conn)
    .await?;
    let (keys, bodies): (Vec<&str>, Vec<&[u8]>) = answers
        .iter()
        .map(|(key, body)| (key.as_str(), body.as_slice()))
        .unzip();
    diesel::sql_query(
        "INSERT INTO release_answers (region, number, answer, body) \
         SELECT $1, $2, answer, body FROM unnest($3::text[], $4::bytea[]) AS a(answer, body)",
    )
    .bind::<Text, _>(&release.region)
    .bind::<Integer, _>(release.number)
    .bind::<Array<Text>, _>(keys)
    .bind::<Array<Bytea>, _>(bodies)
    .execute(conn)
    .await?;
    Ok(())
}

/// The region's releases, newest first.
pub async fn list(conn: &mut Conn, region: &str) -> Q<Vec<Release>> {
    let rows: Vec<ReleaseRow> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM releases WHERE region = $1 ORDER BY number DESC"
    ))
    .bind::<Text, _>(region)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(Release::from).collect())
}

/// One release of the region: the one numbered, or the latest.
pub async fn find(conn: &mut Conn, region: &str, number: Option<i32>) -> Q<Option<Release>> {
    let rows: Vec<ReleaseRow> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM releases WHERE region = $1 AND ($2::integer IS NULL OR number = $2) \
         ORDER BY number DESC LIMIT 1"
    ))
    .bind::<Text, _>(region)
    .bind::<Nullable<Integer>, _>(number)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(Release::from))
}

/// The body of one answer of a release, if it holds one.
pub async fn answer(conn: &mut Conn, region: &str, number: i32, key: &str) -> Q<Option<Vec<u8>>> {
    #[derive(QueryableByName)]
    struct Body {
        #[diesel(sql_type = Bytea)]
        body: Vec<u8>,
    }
    let rows: Vec<Body> = diesel::sql_query(
        "SELECT body FROM release_answers WHERE region = $1 AND number = $2 AND answer = $3",
    )
    .bind::<Text, _>(region)
    .bind::<Integer, _>(number)
    .bind::<Text, _>(key)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|b| b.body))
}
