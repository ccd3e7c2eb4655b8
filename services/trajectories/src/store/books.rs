//! The grant's books: the project plan's participants and budget lines, the time ledger
//! and the lock of accounted periods.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::books::BudgetLine;

use super::schema::{
    invoices, locked_periods, project_budget_lines, project_participants, time_entries,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_participants)]
pub struct ParticipantRow {
    pub id: Uuid,
    pub region: String,
    pub key: String,
    pub name: String,
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub sme: bool,
    pub hourly_rate_cents: i64,
    pub people: Vec<String>,
    pub updated_at: DateTime<Utc>,
    pub rate_method: String,
    /// With the personal rate method, the rate of `people[i]`.
    pub person_rates: Vec<i64>,
}

impl ParticipantRow {
    /// The rate an hour of this person is recorded at: their own with the personal
    /// method, the participant's otherwise.
    pub fn rate_of(&self, person: &str) -> i64 {
        self.people
            .iter()
            .position(|p| p == person)
            .and_then(|i| self.person_rates.get(i))
            .copied()
            .filter(|_| self.rate_method == "personal")
            .unwrap_or(self.hourly_rate_cents)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_budget_lines)]
pub struct BudgetLineRow {
    pub participant_id: Uuid,
    pub work_package: String,
    pub planned_hours: i32,
    pub planned_third_party_cents: i64,
}

impl BudgetLineRow {
    pub fn line(&self) -> BudgetLine {
        BudgetLine {
            work_package: self.work_package.clone(),
            planned_hours: self.planned_hours,
            planned_third_party_cents: self.planned_third_party_cents,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = time_entries)]
pub struct EntryRow {
    pub id: Uuid,
    pub region: String,
    pub participant_id: Uuid,
    pub person_id: String,
    pub work_package: String,
    pub day: NaiveDate,
    pub minutes: i32,
    pub note: String,
    pub state: String,
    pub reverses: Option<Uuid>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reason: String,
    /// The hourly rate the entry was recorded at, in euro cents.
    pub rate_cents: i64,
    /// The activity that proposed the entry (`workshop:<id>`); none for hours typed in.
    pub source: Option<String>,
}

/// Inserts the participant or replaces what its key had (the id stays), with its lines.
pub async fn save_participant(
    conn: &mut AsyncPgConnection,
    row: &ParticipantRow,
    lines: &[BudgetLineRow],
) -> QueryResult<ParticipantRow> {
    let saved = diesel::insert_into(project_participants::table)
        .values(row)
        .on_conflict((project_participants::region, project_participants::key))
        .do_update()
        .set((
            project_participants::name.eq(&row.name),
            project_participants::role.eq(&row.role),
            project_participants::organisation_id.eq(row.organisation_id),
            project_participants::sme.eq(row.sme),
            project_participants::hourly_rate_cents.eq(row.hourly_rate_cents),
            project_participants::people.eq(&row.people),
            project_participants::updated_at.eq(row.updated_at),
            project_participants::rate_method.eq(&row.rate_method),
            project_participants::person_rates.eq(&row.person_rates),
        ))
        .returning(ParticipantRow::as_returning())
        .get_result(conn)
        .await?;
    diesel::delete(
        project_budget_lines::table.filter(project_budget_lines::participant_id.eq(saved.id)),
    )
    .execute(conn)
    .await?;
    let lines: Vec<BudgetLineRow> = lines
        .iter()
        .map(|l| BudgetLineRow {
            participant_id: saved.id,
            ..l.clone()
        })
        .collect();
    diesel::insert_into(project_budget_lines::table)
        .values(&lines)
        .execute(conn)
        .await?;
    Ok(saved)
}

/// The region's participants in order of key, each with its budget lines.
pub async fn plan(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Vec<(ParticipantRow, Vec<BudgetLineRow>)>> {
    let participants: Vec<ParticipantRow> = project_participants::table
        .filter(project_participants::region.eq(region))
        .order(project_participants::key)
        .select(ParticipantRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = participants.iter().map(|p| p.id).collect();
    let lines: Vec<BudgetLineRow> = project_budget_lines::table
        .filter(project_budget_lines::participant_id.eq_any(&ids))
        .order(project_budget_lines::work_package)
        .select(BudgetLineRow::as_select())
        .load(conn)
        .await?;
    Ok(participants
        .into_iter()
        .map(|p| {
            let own = lines
                .iter()
                .filter(|l| l.participant_id == p.id)
                .cloned()
                .collect();
            (p, own)
        })
        .collect())
}

/// The participant with this key, locked until the transaction ends: a change of its
/// team does not race a recording.
pub async fn participant_for_update(
    conn: &mut AsyncPgConnection,
    region: &str,
    key: &str,
) -> QueryResult<Option<ParticipantRow>> {
    project_participants::table
        .filter(project_participants::region.eq(region))
        .filter(project_participants::key.eq(key))
        .select(ParticipantRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    pub fn participant(project_participants) -> ParticipantRow
}

/// The ids of the region's participants with these keys.
pub async fn participant_ids(
    conn: &mut AsyncPgConnection,
    region: &str,
    keys: &[&str],
) -> QueryResult<Vec<(Uuid, String)>> {
    project_participants::table
        .filter(project_participants::region.eq(region))
        .filter(project_participants::key.eq_any(keys))
        .select((project_participants::id, project_participants::key))
        .load(conn)
        .await
}

/// Serialises the recordings of one person's day (across participants: a coach may work
/// for two) until the transaction ends, so that parallel calls cannot pass 24 hours.
pub async fn lock_person_day(
    conn: &mut AsyncPgConnection,
    region: &str,
    person: &str,
    day: NaiveDate,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("time:{region}:{person}:{day}"))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

/// The minutes of a person's day that count or may count (not rejected).
pub async fn minutes_on(
    conn: &mut AsyncPgConnection,
    region: &str,
    person: &str,
    day: NaiveDate,
) -> QueryResult<i64> {
    let sum: Sum = diesel::sql_query(
        "SELECT COALESCE(SUM(minutes), 0)::bigint AS minutes FROM time_entries \
         WHERE region = $1 AND person_id = $2 AND day = $3 AND state <> 'rejected'",
    )
    .bind::<Text, _>(region)
    .bind::<Text, _>(person)
    .bind::<diesel::sql_types::Date, _>(day)
    .get_result(conn)
    .await?;
    Ok(sum.minutes)
}

pub async fn insert_entry(conn: &mut AsyncPgConnection, row: &EntryRow) -> QueryResult<EntryRow> {
    diesel::insert_into(time_entries::table)
        .values(row)
        .returning(EntryRow::as_returning())
        .get_result(conn)
        .await
}

llo_chassis::find_by_id! {
    /// The entry, locked until the transaction ends (a review and a reversal do not race).
    pub fn entry_for_update(time_entries) -> EntryRow, locked
}

/// Is there an entry that reverses this one?
pub async fn is_reversed(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        time_entries::table.filter(time_entries::reverses.eq(id)),
    ))
    .get_result(conn)
    .await
}

/// Writes a review: the only change an entry ever gets.
pub async fn review(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
    by: &str,
    at: DateTime<Utc>,
    reason: &str,
) -> QueryResult<EntryRow> {
    diesel::update(time_entries::table.find(id))
        .set((
            time_entries::state.eq(state),
            time_entries::reviewed_by.eq(by),
            time_entries::reviewed_at.eq(at),
            time_entries::reason.eq(reason),
        ))
        .returning(EntryRow::as_returning())
        .get_result(conn)
        .await
}

/// What to list: a region, optionally narrowed.
pub struct EntryFilter<'a> {
    pub region: &'a str,
    /// `None`: every participant.
    pub participants: Option<Vec<Uuid>>,
    pub person: Option<&'a str>,
    pub state: Option<&'a str>,
}

pub async fn entries(
    conn: &mut AsyncPgConnection,
    filter: &EntryFilter<'_>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let mut query = time_entries::table
        .filter(time_entries::region.eq(filter.region))
        .select(EntryRow::as_select())
        .order(time_entries::id)
        .limit(limit)
        .into_boxed();
    if let Some(ids) = &filter.participants {
        query = query.filter(time_entries::participant_id.eq_any(ids.clone()));
    }
    if let Some(person) = filter.person {
        query = query.filter(time_entries::person_id.eq(person.to_owned()));
    }
    if let Some(state) = filter.state {
        query = query.filter(time_entries::state.eq(state.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(time_entries::id.gt(after));
    }
    query.load(conn).await
}

/// The key of a region's books for advisory locks: writers hold it shared, `LockPeriod`
/// exclusively, so that a lock never races a write it would have refused, also the
/// region's first lock (no row to lock yet).
fn books_key(region: &str) -> String {
    format!("books:{region}")
}

/// The day through which the region's books are locked. Takes the books' lock shared
/// until the transaction ends, so a new lock waits for the writes in flight.
pub async fn locked_through(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Option<NaiveDate>> {
    diesel::sql_query("SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))")
        .bind::<Text, _>(books_key(region))
        .execute(conn)
        .await?;
    shown_locked_through(conn, region).await
}

/// The day through which the region's books are locked, for a reader (no lock taken).
pub async fn shown_locked_through(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Option<NaiveDate>> {
    locked_periods::table
        .find(region)
        .select(locked_periods::through)
        .first(conn)
        .await
        .optional()
}

/// Has this activity proposed this person's time already (a redelivered event, a second
/// registration of the same workshop)?
pub async fn proposed_already(
    conn: &mut AsyncPgConnection,
    source: &str,
    person: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        time_entries::table
            .filter(time_entries::source.eq(source))
            .filter(time_entries::person_id.eq(person)),
    ))
    .get_result(conn)
    .await
}

/// Takes the region's books' lock exclusively until the transaction ends (`LockPeriod`).
pub async fn lock_books(conn: &mut AsyncPgConnection, region: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(books_key(region))
        .execute(conn)
        .await
        .map(drop)
}

/// Submitted entries up to a day: they must be reviewed before the period is locked.
pub async fn waiting_through(
    conn: &mut AsyncPgConnection,
    region: &str,
    through: NaiveDate,
) -> QueryResult<i64> {
    time_entries::table
        .filter(time_entries::region.eq(region))
        .filter(time_entries::day.le(through))
        .filter(time_entries::state.eq("submitted"))
        .count()
        .get_result(conn)
        .await
}

pub async fn lock(
    conn: &mut AsyncPgConnection,
    region: &str,
    through: NaiveDate,
    by: &str,
) -> QueryResult<()> {
    diesel::insert_into(locked_periods::table)
        .values((
            locked_periods::region.eq(region),
            locked_periods::through.eq(through),
            locked_periods::locked_by.eq(by),
            locked_periods::locked_at.eq(Utc::now()),
        ))
        .on_conflict(locked_periods::region)
        .do_update()
        .set((
            locked_periods::through.eq(through),
            locked_periods::locked_by.eq(by),
            locked_periods::locked_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(QueryableByName)]
pub struct ApprovedMinutes {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub work_package: String,
    #[diesel(sql_type = BigInt)]
    pub rate_cents: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
}

/// Approved minutes (net of approved reversals) per participant, work package and rate.
pub async fn approved_minutes(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Vec<ApprovedMinutes>> {
    diesel::sql_query(
        "SELECT participant_id, work_package, rate_cents, SUM(minutes)::bigint AS minutes \
         FROM time_entries WHERE region = $1 AND state = 'approved' \
         GROUP BY participant_id, work_package, rate_cents",
    )
    .bind::<Text, _>(region)
    .load(conn)
    .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    pub id: Uuid,
    pub region: String,
    pub participant_id: Uuid,
    pub supplier: String,
    pub number: String,
    pub day: NaiveDate,
    pub excl_vat_cents: i64,
    pub incl_vat_cents: i64,
    pub work_package: String,
    pub cost_type: String,
    pub state: String,
    pub credits: Option<Uuid>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reason: String,
}

/// Inserts the invoice; `None` when the region has this supplier's number already.
pub async fn insert_invoice(
    conn: &mut AsyncPgConnection,
    row: &InvoiceRow,
) -> QueryResult<Option<InvoiceRow>> {
    diesel::insert_into(invoices::table)
        .values(row)
        .on_conflict((invoices::region, invoices::supplier, invoices::number))
        .do_nothing()
        .returning(InvoiceRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    /// The invoice, locked until the transaction ends (a review and a credit do not race).
    pub fn invoice_for_update(invoices) -> InvoiceRow, locked
}

/// Is there a credit note of this invoice?
pub async fn is_credited(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        invoices::table.filter(invoices::credits.eq(id)),
    ))
    .get_result(conn)
    .await
}

/// Writes an invoice's review: the only change an invoice ever gets.
pub async fn review_invoice(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
    by: &str,
    reason: &str,
) -> QueryResult<InvoiceRow> {
    diesel::update(invoices::table.find(id))
        .set((
            invoices::state.eq(state),
            invoices::reviewed_by.eq(by),
            invoices::reviewed_at.eq(Utc::now()),
            invoices::reason.eq(reason),
        ))
        .returning(InvoiceRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn invoices(
    conn: &mut AsyncPgConnection,
    region: &str,
    participants: Option<Vec<Uuid>>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<InvoiceRow>> {
    let mut query = invoices::table
        .filter(invoices::region.eq(region))
        .select(InvoiceRow::as_select())
        .order(invoices::id)
        .limit(limit)
        .into_boxed();
    if let Some(ids) = participants {
        query = query.filter(invoices::participant_id.eq_any(ids));
    }
    if let Some(after) = after {
        query = query.filter(invoices::id.gt(after));
    }
    query.load(conn).await
}

#[derive(QueryableByName)]
pub struct ApprovedInvoices {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub work_package: String,
    #[diesel(sql_type = Text)]
    pub cost_type: String,
    #[diesel(sql_type = BigInt)]
    pub incl_vat_cents: i64,
}

/// Approved invoices (net of approved credit notes, VAT included) per participant, work
/// package and cost type.
pub async fn approved_invoices(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Vec<ApprovedInvoices>> {
    diesel::sql_query(
        "SELECT participant_id, work_package, cost_type, SUM(incl_vat_cents)::bigint AS incl_vat_cents \
         FROM invoices WHERE region = $1 AND state = 'approved' \
         GROUP BY participant_id, work_package, cost_type",
    )
    .bind::<Text, _>(region)
    .load(conn)
    .await
}

#[derive(QueryableByName)]
pub struct ApprovedDay {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub person_id: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Text)]
    pub work_package: String,
    #[diesel(sql_type = BigInt)]
    pub rate_cents: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
}

/// Approved minutes per participant, person, day, work package and rate, net of reversals
/// (days a reversal cancelled are left out): the funder's evidence.
pub async fn approved_days(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Vec<ApprovedDay>> {
    diesel::sql_query(
        "SELECT participant_id, person_id, day, work_package, rate_cents, \
         SUM(minutes)::bigint AS minutes \
         FROM time_entries WHERE region = $1 AND state = 'approved' \
         GROUP BY participant_id, person_id, day, work_package, rate_cents \
         HAVING SUM(minutes) <> 0 \
         ORDER BY participant_id, person_id, day, work_package",
    )
    .bind::<Text, _>(region)
    .load(conn)
    .await
}

/// The region's approved invoices and credit notes, by date.
pub async fn approved_invoice_rows(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Vec<InvoiceRow>> {
    invoices::table
        .filter(invoices::region.eq(region))
        .filter(invoices::state.eq("approved"))
        .order((invoices::day, invoices::id))
        .select(InvoiceRow::as_select())
        .load(conn)
        .await
}

/// The region's participant whose project team holds this person (the first by key).
pub async fn participant_with_person(
    conn: &mut AsyncPgConnection,
    region: &str,
    person: &str,
) -> QueryResult<Option<ParticipantRow>> {
    project_participants::table
        .filter(project_participants::region.eq(region))
        .filter(project_participants::people.contains(vec![person.to_owned()]))
        .order(project_participants::key)
        .select(ParticipantRow::as_select())
        .first(conn)
        .await
        .optional()
}
