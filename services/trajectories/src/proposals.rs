//! Time the grant's books propose for activities done elsewhere: a coaching session for
//! its coach, a hosted workshop for the people who ran it. Proposed entries are submitted
//! for the programme manager's review, once per activity and person.
use chrono::Utc;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use llo_chassis::packs::{ProposedActivity, RegionPack};
use uuid::Uuid;

use crate::{
    domain::books::{self as rules, EntryState},
    store::books::{self as store, EntryRow},
};

/// An activity done (a coaching session, a hosted workshop) as a proposed time entry for
/// whoever did it: submitted, so that the programme manager approves it with one
/// ReviewHours instead of a second typing. `None` when the books do not take it: no work
/// package takes the activity on that day, the day lies outside the programme or in a
/// locked period, the person is on no project team, their day is full, or the activity
/// proposed their time already. Never fails the activity itself.
pub async fn propose(
    conn: &mut AsyncPgConnection,
    pack: &RegionPack,
    proposal: Proposal<'_>,
) -> QueryResult<Option<Uuid>> {
    let day = proposal.at.date_naive();
    if !(1..=rules::MINUTES_PER_DAY).contains(&proposal.minutes) {
        return Ok(None);
    }
    let Some(work_package) = pack.work_package_taking(proposal.activity, day) else {
        return Ok(None);
    };
    let within = pack
        .calendar
        .as_ref()
        .is_none_or(|c| c.check(proposal.at).is_ok());
    if !within || proposal.at > Utc::now() {
        return Ok(None);
    }
    let Some(participant) = store::participant_with_person(conn, &pack.id, proposal.person).await?
    else {
        return Ok(None);
    };
    if rules::open_day(day, store::locked_through(conn, &pack.id).await?).is_err() {
        return Ok(None);
    }
    store::lock_person_day(conn, &pack.id, proposal.person, day).await?;
    if store::proposed_already(conn, &proposal.source, proposal.person).await? {
        return Ok(None);
    }
    let already = store::minutes_on(conn, &pack.id, proposal.person, day).await?;
    if rules::fits_the_day(already, proposal.minutes).is_err() {
        return Ok(None);
    }
    let row = store::insert_entry(
        conn,
        &EntryRow {
            id: Uuid::now_v7(),
            region: pack.id.clone(),
            participant_id: participant.id,
            person_id: proposal.person.to_owned(),
            work_package: work_package.id.clone(),
            day,
            minutes: proposal.minutes,
            note: proposal.note.chars().take(500).collect(),
            state: EntryState::Submitted.as_str().to_owned(),
            reverses: None,
            recorded_by: proposal.recorded_by.to_owned(),
            recorded_at: Utc::now(),
            reviewed_by: None,
            reviewed_at: None,
            reason: String::new(),
            rate_cents: participant.rate_of(proposal.person),
            source: Some(proposal.source),
        },
    )
    .await?;
    Ok(Some(row.id))
}

/// What an activity proposes to the books.
pub struct Proposal<'a> {
    pub activity: ProposedActivity,
    pub person: &'a str,
    pub at: chrono::DateTime<Utc>,
    pub minutes: i32,
    pub note: &'a str,
    pub recorded_by: &'a str,
    /// What the time was spent on, e.g. `workshop:<id>`: proposed once per person.
    pub source: String,
}
