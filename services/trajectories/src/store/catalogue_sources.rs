//! Where providers publish their catalogues over OOAPI (`catalogue_sources`).
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::{api::commands::CatalogueSource, ooapi::login::Login};

#[derive(QueryableByName)]
pub struct SourceRow {
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub base_url: String,
    #[diesel(sql_type = Array<Text>)]
    pub default_themes: Vec<String>,
    #[diesel(sql_type = Timestamptz)]
    pub update_time: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub synced_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    pub sync_summary: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Jsonb>)]
    pub login: Option<serde_json::Value>,
}

impl SourceRow {
    /// How the suite logs in to the school, if it does.
    pub fn login(&self) -> diesel::QueryResult<Option<Login>> {
        self.login
            .as_ref()
            .map(|value| super::from_json("login", value))
            .transpose()
    }
}

const COLUMNS: &str =
    "region, provider, base_url, default_themes, update_time, synced_at, sync_summary, login";

/// The region's sources, by provider.
pub async fn list(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> diesel::QueryResult<Vec<SourceRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM catalogue_sources WHERE region = $1 ORDER BY provider"
    ))
    .bind::<Text, _>(region)
    .load(conn)
    .await
}

/// The sources whose scheduled sync is due (never synced, or last started longer than
/// `every_seconds` ago), claimed: their `synced_at` is set now, so that another replica
/// skips them.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    every_seconds: i64,
) -> diesel::QueryResult<Vec<SourceRow>> {
    diesel::sql_query(format!(
        "UPDATE catalogue_sources SET synced_at = now() \
         WHERE synced_at IS NULL OR synced_at < now() - make_interval(secs => $1) \
         RETURNING {COLUMNS}"
    ))
    .bind::<diesel::sql_types::BigInt, _>(every_seconds)
    .load(conn)
    .await
}

/// What the last scheduled sync of a source reported.
pub async fn record_sync(
    conn: &mut AsyncPgConnection,
    region: &str,
    provider: &str,
    summary: &str,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE catalogue_sources SET sync_summary = $3 WHERE region = $1 AND provider = $2",
    )
    .bind::<Text, _>(region)
    .bind::<Text, _>(provider)
    .bind::<Text, _>(summary)
    .execute(conn)
    .await?;
    Ok(())
}

/// Registers the source, or changes what was registered for the provider.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    source: &CatalogueSource,
) -> diesel::QueryResult<SourceRow> {
    diesel::sql_query(format!(
        "INSERT INTO catalogue_sources (region, provider, base_url, default_themes, login) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (region, provider) DO UPDATE SET base_url = excluded.base_url, \
         default_themes = excluded.default_themes, login = excluded.login, \
         update_time = now(), synced_at = NULL \
         RETURNING {COLUMNS}"
    ))
    .bind::<Text, _>(&source.region)
    .bind::<Text, _>(&source.provider)
    .bind::<Text, _>(&source.base_url)
    .bind::<Array<Text>, _>(&source.default_themes)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Jsonb>, _>(login_json(source)?)
    .get_result(conn)
    .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    region: &str,
    provider: &str,
) -> diesel::QueryResult<Option<SourceRow>> {
    let rows: Vec<SourceRow> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM catalogue_sources WHERE region = $1 AND provider = $2"
    ))
    .bind::<Text, _>(region)
    .bind::<Text, _>(provider)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

fn login_json(source: &CatalogueSource) -> diesel::QueryResult<Option<serde_json::Value>> {
    source
        .login
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}
