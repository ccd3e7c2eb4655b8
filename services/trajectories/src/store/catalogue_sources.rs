//! Where providers publish their catalogues over OOAPI (`catalogue_sources`).
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::api::commands::CatalogueSource;

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
}

/// Registers the source, or changes what was registered for the provider.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    source: &CatalogueSource,
) -> diesel::QueryResult<SourceRow> {
    diesel::sql_query(
        "INSERT INTO catalogue_sources (region, provider, base_url, default_themes) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (region, provider) DO UPDATE SET base_url = excluded.base_url, \
         default_themes = excluded.default_themes, update_time = now() \
         RETURNING region, provider, base_url, default_themes, update_time",
    )
    .bind::<Text, _>(&source.region)
    .bind::<Text, _>(&source.provider)
    .bind::<Text, _>(&source.base_url)
    .bind::<Array<Text>, _>(&source.default_themes)
    .get_result(conn)
    .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    region: &str,
    provider: &str,
) -> diesel::QueryResult<Option<SourceRow>> {
    let rows: Vec<SourceRow> = diesel::sql_query(
        "SELECT region, provider, base_url, default_themes, update_time \
         FROM catalogue_sources WHERE region = $1 AND provider = $2",
    )
    .bind::<Text, _>(region)
    .bind::<Text, _>(provider)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}
