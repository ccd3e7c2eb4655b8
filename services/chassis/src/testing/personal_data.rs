//! Searches whole databases for personal data. The tables and columns come from the
//! catalogue (`information_schema.columns`), so a table or column added later is searched
//! too: bytea columns (event payloads) as bytes, every other column as its text.
use super::{SERVER_URL, TestEnv};
use diesel::{
    QueryableByName,
    sql_types::{Array, Text},
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
}

#[derive(QueryableByName)]
struct Needle {
    #[diesel(sql_type = Text)]
    needle: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// A personal string found in a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub database: String,
    pub table: String,
    pub column: String,
    pub needle: String,
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}.{} holds {:?}",
            self.database, self.table, self.column, self.needle
        )
    }
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// The databases of a test environment (`llo_test_<service>_<id>`), from `pg_database`,
/// so a service added to the suite is searched too.
pub async fn databases_of(env: &TestEnv) -> Vec<String> {
    let mut conn = AsyncPgConnection::establish(&format!("{SERVER_URL}/postgres"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<Name> = diesel::sql_query(
        "SELECT datname::text AS name FROM pg_database \
         WHERE datname LIKE 'llo\\_test\\_%' AND right(datname, length($1) + 1) = '_' || $1 \
         ORDER BY datname",
    )
    .bind::<Text, _>(&env.id)
    .load(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("listing databases: {e}"));
    names.into_iter().map(|n| n.name).collect()
}

/// Where each of `needles` occurs in `database`: every column of every table in the public
/// schema (diesel's migration table aside).
pub async fn find_in(database: &str, needles: &[String]) -> Vec<Found> {
    let mut conn = AsyncPgConnection::establish(&format!("{SERVER_URL}/{database}"))
        .await
        .unwrap_or_else(|e| panic!("{database}: {e}"));
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                c.data_type::text AS data_type \
         FROM information_schema.columns c \
         JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '__diesel_schema_migrations' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .load(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("{database}: reading the catalogue: {e}"));
    assert!(
        columns
            .iter()
            .any(|c| (c.table_name.as_str(), c.data_type.as_str()) == ("outbox", "bytea")),
        "{database}: the catalogue lists no outbox payload; is this a service database?"
    );
    let mut found = Vec::new();
    for column in &columns {
        let (table, name) = (quoted(&column.table_name), quoted(&column.column_name));
        let matches = if column.data_type == "bytea" {
            format!("position(convert_to(needle, 'UTF8') in t.{name}) > 0")
        } else {
            format!("t.{name}::text LIKE '%' || needle || '%'")
        };
        let hits: Vec<Needle> = diesel::sql_query(format!(
            "SELECT needle FROM unnest($1::text[]) AS needle \
             WHERE EXISTS (SELECT 1 FROM {table} t WHERE {matches})"
        ))
        .bind::<Array<Text>, _>(needles)
        .load(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{database}: searching {table}.{name}: {e}"));
        found.extend(hits.into_iter().map(|hit| Found {
            database: database.to_owned(),
            table: column.table_name.clone(),
            column: column.column_name.clone(),
            needle: hit.needle,
        }));
    }
    found
}

/// Where each of `needles` occurs in any database of the environment.
pub async fn find_everywhere(env: &TestEnv, needles: &[String]) -> Vec<Found> {
    let mut found = Vec::new();
    for database in databases_of(env).await {
        found.extend(find_in(&database, needles).await);
    }
    found
}
