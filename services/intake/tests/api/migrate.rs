//! `llo-intake migrate`, the binary as the Kubernetes init container runs it: twice at
//! once on a fresh database (two pods of a rollout), and against a database it cannot
//! reach.
use diesel::migration::MigrationSource as _;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _};
use llo_chassis::{ServiceName, db::ServiceMigrations, testing::TestEnv};

/// Runs `llo-intake migrate` with `environment`; its exit status and its output.
async fn migrate(environment: Vec<(String, String)>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_llo-intake"))
            .arg("migrate")
            .envs(environment)
            .env("RUST_LOG", "info")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(connection: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(connection)
        .await
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread")]
async fn two_migrate_runs_at_once_both_succeed_and_apply_each_migration_once() {
    let env = TestEnv::new();
    let environment = env.environment(ServiceName::Intake, &[]);
    let url = env.database_url(ServiceName::Intake);
    // A fresh database: neither run finds it; both may try to create it.
    let (first, second) = tokio::join!(migrate(environment.clone()), migrate(environment));
    for (run, output) in [("first", &first), ("second", &second)] {
        assert!(
            output.status.success(),
            "the {run} run failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let expected = ServiceMigrations(&llo_intake::store::MIGRATIONS)
        .migrations()
        .unwrap()
        .len() as i64;
    let mut connection = AsyncPgConnection::establish(&url).await.unwrap();
    assert_eq!(
        count(
            &mut connection,
            "SELECT count(*) AS n FROM __diesel_schema_migrations"
        )
        .await,
        expected,
        "every migration (the chassis' and intake's) recorded once"
    );
    // The schema is there once: the chassis' outbox and intake's own tables.
    assert_eq!(
        count(
            &mut connection,
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name IN ('outbox', 'inbox', 'organisations', 'participants')"
        )
        .await,
        4
    );

    // A third run, as the service's own start does after the init container: nothing to do.
    let again = migrate(env.environment(ServiceName::Intake, &[])).await;
    assert!(again.status.success(), "{again:?}");
    assert_eq!(
        count(
            &mut connection,
            "SELECT count(*) AS n FROM __diesel_schema_migrations"
        )
        .await,
        expected
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_fails_with_the_reason_when_the_database_is_out_of_reach() {
    let env = TestEnv::new();
    let environment = env.environment(
        ServiceName::Intake,
        &[(
            "database.url",
            "postgres://postgres@127.0.0.1:1/llo_unreachable".to_owned(),
        )],
    );
    let output = migrate(environment).await;
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("database.url: cannot connect"),
        "the error names the setting: {stderr}"
    );
}
