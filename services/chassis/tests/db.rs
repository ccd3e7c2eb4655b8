//! The database as several replicas of a service meet it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use llo_chassis::{ServiceName, db, testing::TestEnv};
use secrecy::ExposeSecret;

const TEST_MIGRATIONS: EmbeddedMigrations = embed_migrations!("tests/migrations");

#[tokio::test(flavor = "multi_thread")]
async fn replicas_starting_together_all_migrate_the_same_database() {
    let env = TestEnv::new();
    let settings = env.settings(ServiceName::Intake);
    let url = settings.database.url.expose_secret().to_owned();
    db::create_database_if_missing(&url).await.unwrap();
    // Four replicas of a Deployment start at once and each migrates at start.
    let replicas: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { db::migrate(&url, TEST_MIGRATIONS).await })
        })
        .collect();
    for replica in replicas {
        replica.await.unwrap().expect("every replica starts");
    }
}
