//! The service's own PostgreSQL database: created when missing, migrated at start
//! (the chassis' outbox/inbox tables, then the service's own), pooled with timeouts.
use std::time::Duration;

use anyhow::Context as _;
use diesel::{migration::MigrationSource, pg::Pg};
use diesel_async::{
    AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl,
    pooled_connection::{AsyncDieselConnectionManager, deadpool},
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::ExposeSecret;

use crate::settings::DatabaseSettings;

pub type PgPool = deadpool::Pool<AsyncPgConnection>;
pub type PoolError = deadpool::PoolError;
pub type PooledConnection = deadpool::Object<AsyncPgConnection>;

/// The outbox and inbox every service carries.
pub const CHASSIS_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The chassis' migrations followed by a service's own.
pub struct ServiceMigrations<'a>(pub &'a EmbeddedMigrations);

impl MigrationSource<Pg> for ServiceMigrations<'_> {
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<Pg>>>> {
        let mut all = MigrationSource::<Pg>::migrations(&CHASSIS_MIGRATIONS)?;
        all.extend(MigrationSource::<Pg>::migrations(self.0)?);
        Ok(all)
    }
}

/// Creates the database if needed, runs pending migrations and opens the pool.
pub async fn connect(
    settings: &DatabaseSettings,
    migrations: EmbeddedMigrations,
) -> anyhow::Result<PgPool> {
    prepare(settings, migrations).await?;
    pool(settings)
}

/// Creates the database if the settings allow it and it is missing, then runs every
/// pending migration under the migration lock: what a service does before it serves,
/// and all that `llo-<service> migrate` (a Kubernetes init container) does.
pub async fn prepare(
    settings: &DatabaseSettings,
    migrations: EmbeddedMigrations,
) -> anyhow::Result<()> {
    let url = settings.url.expose_secret();
    if settings.create_if_missing {
        create_database_if_missing(url).await?;
    }
    migrate(url, migrations).await
}

/// A pool of one connection beside the request pool, for work that must not wait on
/// requests: the health check (when every request connection is busy the database is
/// still reachable) and the relay.
pub fn single_connection_pool(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    pool(&DatabaseSettings {
        max_connections: 1,
        ..settings.clone()
    })
}

pub fn pool(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new(settings.url.expose_secret());
    let timeout = Duration::from_millis(settings.acquire_timeout_ms);
    deadpool::Pool::builder(manager)
        .max_size(settings.max_connections)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(::deadpool::Runtime::Tokio1)
        .build()
        .context("database.url: cannot build the connection pool")
}

/// Session advisory lock held while migrating (the relay's lock is 7415001).
const MIGRATION_LOCK: i64 = 7_415_000;

/// Runs every pending migration. Needs the multi-threaded Tokio runtime.
///
/// Replicas that start together take turns: each holds a session advisory lock while it
/// migrates, so the others wait and then find nothing pending, instead of failing on a
/// table another replica is creating. The lock goes with the connection.
pub async fn migrate(url: &str, migrations: EmbeddedMigrations) -> anyhow::Result<()> {
    let mut connection = AsyncPgConnection::establish(url)
        .await
        .with_context(|| format!("database.url: cannot connect to {}", redact(url)))?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .execute(&mut connection)
        .await
        .context("database: cannot take the migration lock")?;
    let mut harness = AsyncMigrationHarness::new(connection);
    harness
        .run_pending_migrations(ServiceMigrations(&migrations))
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    Ok(())
}

/// Reverts every migration, then applies them again (the migration round-trip test).
pub async fn redo_all(url: &str, migrations: EmbeddedMigrations) -> anyhow::Result<()> {
    let connection = AsyncPgConnection::establish(url).await?;
    let mut harness = AsyncMigrationHarness::new(connection);
    harness
        .revert_all_migrations(ServiceMigrations(&migrations))
        .map_err(|e| anyhow::anyhow!("reverting migrations failed: {e}"))?;
    harness
        .run_pending_migrations(ServiceMigrations(&migrations))
        .map_err(|e| anyhow::anyhow!("re-applying migrations failed: {e}"))?;
    Ok(())
}

/// Splits `postgres://…/name?opts` into the server URL (on database `postgres`) and `name`.
pub fn split_database_url(url: &str) -> anyhow::Result<(String, String)> {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let slash = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .context("database.url has no database name")?;
    let name = base[slash + 1..].to_owned();
    anyhow::ensure!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        "database.url: database name {name:?} must be letters, digits, '_' or '-'"
    );
    let mut server = format!("{}/postgres", &base[..slash]);
    if let Some(query) = query {
        server.push('?');
        server.push_str(query);
    }
    Ok((server, name))
}

pub async fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    let (server, name) = split_database_url(url)?;
    let mut conn = AsyncPgConnection::establish(&server)
        .await
        .with_context(|| format!("database.url: cannot connect to {}", redact(&server)))?;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[allow(dead_code)]
        found: i32,
    }
    let exists = diesel::sql_query("SELECT 1 AS found FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(&name)
        .get_results::<Found>(&mut conn)
        .await?;
    if exists.is_empty() {
        // Another instance may create it at the same moment; that is fine.
        if let Err(error) = diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
        {
            tracing::debug!(%error, database = %name, "CREATE DATABASE raced");
        }
    }
    Ok(())
}

pub async fn drop_database(url: &str) -> anyhow::Result<()> {
    let (server, name) = split_database_url(url)?;
    let mut conn = AsyncPgConnection::establish(&server).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Is the database answering?
pub async fn ping(pool: &PgPool) -> bool {
    match pool.get().await {
        Ok(mut conn) => diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// An `async fn(conn, id) -> QueryResult<Option<Row>>` that reads a row by its primary
/// key; with `, locked` it also locks the row until the transaction ends (`FOR UPDATE`),
/// so that the checks and the write that follow see no one else's change in between.
/// `$table` is the diesel schema module, `$row` a `Selectable` row.
#[macro_export]
macro_rules! find_by_id {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($table:ident) -> $row:ty $(, $locked:ident)?) => {
        $(#[$meta])*
        $vis async fn $name(
            conn: &mut ::diesel_async::AsyncPgConnection,
            id: ::uuid::Uuid,
        ) -> ::diesel::QueryResult<::std::option::Option<$row>> {
            use ::diesel::{OptionalExtension as _, QueryDsl as _, SelectableHelper as _};
            let query = $table::table.find(id).select(<$row>::as_select());
            // `, locked`: FOR UPDATE.
            $(let query = $crate::find_by_id!(@$locked query);)?
            ::diesel_async::RunQueryDsl::first(query, conn)
                .await
                .optional()
        }
    };
    (@locked $query:ident) => {
        $query.for_update()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_database_name_off_the_url() {
        let (server, name) =
            split_database_url("postgres://u:p@h:5432/llo_intake?sslmode=disable").unwrap();
        assert_eq!(server, "postgres://u:p@h:5432/postgres?sslmode=disable");
        assert_eq!(name, "llo_intake");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://***@h/db");
    }
}
