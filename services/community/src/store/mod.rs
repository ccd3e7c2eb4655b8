//! Community's PostgreSQL tables and the queries on them (diesel-async).
pub mod knowledge;
pub mod members;
pub mod registrations;
pub mod schema;
pub mod workshops;

use diesel::{
    deserialize::{self, FromSql, FromSqlRow},
    pg::{Pg, PgValue},
    result::{DatabaseErrorKind, Error},
    sql_types::Text,
};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

use crate::domain::{
    model::{KnowledgeKind, MemberType, Visibility, WorkshopStatus},
    registration::Status,
};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The name of the unique constraint (or index) a write violated, if that is what failed.
pub fn unique_violation(error: &Error) -> Option<&str> {
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Some(info.constraint_name().unwrap_or(""))
        }
        _ => None,
    }
}

/// A status or kind as stored (snake_case text), read back into its domain enum. A text
/// the code does not know fails the read (a deserialization error, which the api reports
/// as an unexpected fault and logs): a corrupt row is never taken for some default.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct Known<T>(pub T);

/// The vocabularies stored as text.
pub trait Vocabulary: Sized {
    const WHAT: &'static str;
    fn parse(text: &str) -> Option<Self>;
}

impl<T: Vocabulary> FromSql<Text, Pg> for Known<T> {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        T::parse(&text)
            .map(Known)
            .ok_or_else(|| format!("stored {} {text:?} is unknown", T::WHAT).into())
    }
}

macro_rules! vocabulary {
    ($($name:ty => $what:literal,)*) => {$(
        impl Vocabulary for $name {
            const WHAT: &'static str = $what;
            fn parse(text: &str) -> Option<Self> {
                <$name>::parse(text)
            }
        }
        impl From<Known<$name>> for $name {
            fn from(known: Known<$name>) -> Self {
                known.0
            }
        }
    )*};
}

vocabulary! {
    Status => "registration status",
    WorkshopStatus => "workshop status",
    MemberType => "member type",
    KnowledgeKind => "knowledge item kind",
    Visibility => "knowledge item visibility",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vocabulary_reads_back_and_an_unknown_text_is_named() {
        for status in Status::ALL {
            assert_eq!(<Status as Vocabulary>::parse(status.as_str()), Some(status));
        }
        assert_eq!(<WorkshopStatus as Vocabulary>::parse("postponed"), None);
        assert_eq!(<Status as Vocabulary>::WHAT, "registration status");
    }
}
