use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{erasure_audit, learning_needs, participants};
use crate::domain::commands::Participant;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants)]
pub struct ParticipantRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub role: String,
    pub job_title: Option<String>,
    pub consent_given: bool,
    pub consent_at: Option<DateTime<Utc>>,
    pub source: String,
    pub uwv_reference: Option<String>,
    pub external_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// How a participant arrives: an enrolment or an import row (its importer and reference).
#[derive(Debug, Clone, Default)]
pub struct Origin<'a> {
    pub import_source: Option<&'a str>,
    pub external_reference: Option<&'a str>,
}

#[derive(Insertable)]
#[diesel(table_name = participants)]
pub struct NewParticipant<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub job_title: Option<&'a str>,
    pub consent_given: bool,
    pub consent_at: Option<DateTime<Utc>>,
    pub source: &'a str,
    pub uwv_reference: Option<&'a str>,
    pub import_source: Option<&'a str>,
    pub external_reference: Option<&'a str>,
}

impl<'a> NewParticipant<'a> {
    pub fn new(id: Uuid, organisation_id: Uuid, p: &'a Participant, origin: &Origin<'a>) -> Self {
        NewParticipant {
            id,
            organisation_id,
            given_name: Some(p.given_name.as_str()),
            family_name: Some(p.family_name.as_str()),
            email: Some(p.email.as_str()),
            role: p.role.as_str(),
            job_title: (!p.job_title.is_empty()).then_some(p.job_title.as_str()),
            consent_given: true,
            consent_at: Some(Utc::now()),
            source: p.source.as_str(),
            uwv_reference: p.uwv_reference.as_ref().map(|r| r.as_str()),
            import_source: origin.import_source,
            external_reference: origin.external_reference,
        }
    }
}

/// Refreshes the planner's statistics of the table (after a large import).
pub async fn analyze(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query("ANALYZE participants")
        .execute(conn)
        .await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    rows: &[NewParticipant<'_>],
) -> QueryResult<Vec<ParticipantRow>> {
    diesel::insert_into(participants::table)
        .values(rows)
        .returning(ParticipantRow::as_returning())
        .get_results(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ParticipantRow>> {
    participants::table
        .find(id)
        .select(ParticipantRow::as_select())
        .first(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    /// Locks the participant's row: erasure and writes about them do not interleave.
    pub fn find_for_update(participants) -> ParticipantRow, locked
}

/// The participants this importer already brought in under these (organisation,
/// reference) keys: (organisation, reference, participant). Filtered on every column of
/// the import key, so the lookup stays an index scan however many rows the importer
/// brought in before.
pub async fn imported(
    conn: &mut AsyncPgConnection,
    import_source: &str,
    keys: &[(Uuid, &str)],
) -> QueryResult<Vec<(Uuid, String, Uuid)>> {
    let organisations: Vec<Uuid> = keys.iter().map(|(o, _)| *o).collect();
    let references: Vec<&str> = keys.iter().map(|(_, r)| *r).collect();
    participants::table
        .filter(
            participants::import_source
                .eq(import_source)
                .and(participants::organisation_id.eq_any(organisations))
                .and(participants::external_reference.eq_any(references)),
        )
        .select((
            participants::organisation_id,
            participants::external_reference.assume_not_null(),
            participants::id,
        ))
        .load(conn)
        .await
}

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// E-mail addresses (lower-case) already enrolled in these organisations.
pub async fn emails_in(
    conn: &mut AsyncPgConnection,
    pairs: &[(Uuid, &str)],
) -> QueryResult<Vec<(Uuid, String)>> {
    let organisations: Vec<Uuid> = pairs.iter().map(|(o, _)| *o).collect();
    let emails: Vec<&str> = pairs.iter().map(|(_, e)| *e).collect();
    participants::table
        .filter(
            participants::organisation_id
                .eq_any(organisations)
                // As the unique index spells it, so the lookup is an index scan.
                .and(lower(participants::email).eq_any(emails))
                .and(participants::erased_at.is_null()),
        )
        .select((
            participants::organisation_id,
            participants::email.assume_not_null(),
        ))
        .load(conn)
        .await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ParticipantRow>> {
    let mut query = participants::table
        .filter(participants::organisation_id.eq(organisation_id))
        .select(ParticipantRow::as_select())
        .order(participants::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(participants::id.gt(after));
    }
    query.load(conn).await
}

/// Removes the personal data; the pseudonymous id, role and scan answers stay.
pub async fn erase(
    conn: &mut AsyncPgConnection,
    row: &ParticipantRow,
    erased_by: &str,
    reason: &str,
) -> QueryResult<DateTime<Utc>> {
    let now = Utc::now();
    diesel::update(participants::table.find(row.id))
        .set((
            participants::given_name.eq(None::<String>),
            participants::family_name.eq(None::<String>),
            participants::email.eq(None::<String>),
            participants::job_title.eq(None::<String>),
            participants::uwv_reference.eq(None::<String>),
            // The importer's reference stays (a pseudonymous key, no name): a later sync
            // of the same row is "already imported", not a new person.
            participants::erased_at.eq(now),
        ))
        .execute(conn)
        .await?;
    // Free text may hold personal details: keep the theme, drop the words.
    diesel::update(learning_needs::table.filter(learning_needs::participant_id.eq(row.id)))
        .set(learning_needs::description.eq(""))
        .execute(conn)
        .await?;
    // The same words travel in LearningNeedsRecorded, which the outbox keeps until pruned.
    super::learning_needs::blank_in_outbox(conn, row.id).await?;
    diesel::insert_into(erasure_audit::table)
        .values((
            erasure_audit::id.eq(Uuid::now_v7()),
            erasure_audit::participant_id.eq(row.id),
            erasure_audit::organisation_id.eq(row.organisation_id),
            erasure_audit::erased_by.eq(erased_by),
            erasure_audit::reason.eq(reason),
            erasure_audit::erased_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(now)
}
