//! The suppression memory: the cells anonymised answers about a region have hidden, kept
//! so that later answers hide them too (see the migration `suppression_memory`).
use std::collections::BTreeSet;

use diesel::{
    QueryableByName,
    sql_types::{Array, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Every key remembered for the region.
pub async fn load(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> diesel::QueryResult<BTreeSet<String>> {
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = Text)]
        cell_key: String,
    }
    let keys: Vec<Key> =
        diesel::sql_query("SELECT cell_key FROM suppression_memory WHERE region = $1")
            .bind::<Text, _>(region)
            .load(conn)
            .await?;
    Ok(keys.into_iter().map(|k| k.cell_key).collect())
}

/// Remembers these keys for the region (those known already stay as they were).
pub async fn remember(
    conn: &mut AsyncPgConnection,
    region: &str,
    keys: &BTreeSet<String>,
) -> diesel::QueryResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    diesel::sql_query(
        "INSERT INTO suppression_memory (region, cell_key) \
         SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(region)
    .bind::<Array<Text>, _>(keys)
    .execute(conn)
    .await?;
    Ok(())
}
