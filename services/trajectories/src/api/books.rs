//! The grant's books: the project plan (SetProjectParticipant, GetProjectPlan) and the
//! time ledger (RecordHours, ReviewHours, ReverseHours, LockPeriod, ListTimeEntries) and
//! the grant's realisation (GetRealisation).
//! Exact figures for the funder, so they are shown only to the programme manager, to a
//! company's HR for its own participant and to a coach for their own hours.
use chrono::Utc;
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use llo_chassis::{
    ApiError,
    auth::{Caller, Role},
    bus,
    idempotency::{self, RequestKey},
    packs::{Budget, CostType, RegionPack},
    paging::Page,
};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use super::{Context, books_requests as requests, mapping::timestamp};
use crate::{
    domain::{
        books::{self as rules, EntryState, ProjectRole, RateMethod, RecordHours, SetParticipant},
        realisation,
    },
    events,
    store::books::{self as store, BudgetLineRow, EntryFilter, EntryRow, ParticipantRow},
};

pub(super) fn region_pack<'a>(ctx: &'a Context, region: &str) -> Result<&'a RegionPack, ApiError> {
    ctx.packs
        .region(region)
        .map(|pack| &**pack)
        .ok_or_else(|| ApiError::invalid("region", format!("no region pack for {region}")))
}

/// A company's HR sees only the participant of its own organisation; the programme
/// manager sees every participant.
pub(super) fn may_see(caller: &Caller, participant: &ParticipantRow) -> bool {
    match caller.own_organisation() {
        Some(own) => participant.organisation_id == Some(own),
        None => caller.has_role(Role::ProgrammeManager),
    }
}

pub async fn set_participant(
    ctx: &Context,
    caller: &Caller,
    request: pb::SetProjectParticipantRequest,
) -> Result<pb::SetProjectParticipantResponse, ApiError> {
    let key = RequestKey::new(
        caller,
        "SetProjectParticipant",
        &request.request_id,
        &request,
    )?;
    let region = caller.region_or_only(&request.region)?;
    let command = SetParticipant::parse(region_pack(ctx, &region)?, request.participant)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let row = ParticipantRow {
                id: Uuid::now_v7(),
                region: command.region.clone(),
                key: command.key.as_str().to_owned(),
                name: command.name.as_str().to_owned(),
                role: command.role.as_str().to_owned(),
                organisation_id: command.organisation_id,
                sme: command.sme,
                hourly_rate_cents: command.hourly_rate_cents,
                people: command
                    .people
                    .iter()
                    .map(|p| p.as_str().to_owned())
                    .collect(),
                updated_at: Utc::now(),
                rate_method: command.rate_method.as_str().to_owned(),
                person_rates: command.person_rates.clone(),
            };
            let lines: Vec<BudgetLineRow> = command
                .budget
                .iter()
                .map(|l| BudgetLineRow {
                    participant_id: row.id,
                    work_package: l.work_package.clone(),
                    planned_hours: l.planned_hours,
                    planned_third_party_cents: l.planned_third_party_cents,
                })
                .collect();
            let saved = store::save_participant(conn, &row, &lines).await?;
            let lines: Vec<BudgetLineRow> = lines
                .into_iter()
                .map(|l| BudgetLineRow {
                    participant_id: saved.id,
                    ..l
                })
                .collect();
            bus::record(conn, &events::project_participant_set(&saved, &lines)).await?;
            Ok(pb::SetProjectParticipantResponse {
                participant: Some(participant(&saved, &lines)),
            })
        })
        .await
    })
    .await
}

pub async fn plan(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetProjectPlanRequest,
) -> Result<pb::GetProjectPlanResponse, ApiError> {
    let region = caller.region_or_only(&request.region)?;
    let mut conn = ctx.pool.get().await?;
    let participants: Vec<pb::ProjectParticipant> = store::plan(&mut conn, &region)
        .await?
        .iter()
        .filter(|(p, _)| may_see(caller, p))
        .map(|(p, lines)| participant(p, lines))
        .collect();
    let locked = store::shown_locked_through(&mut conn, &region).await?;
    Ok(pb::GetProjectPlanResponse {
        region,
        planned_cost_cents: participants.iter().map(|p| p.planned_cost_cents).sum(),
        participants,
        locked_through: locked.map(|d| d.to_string()).unwrap_or_default(),
    })
}

pub async fn record(
    ctx: &Context,
    caller: &Caller,
    request: pb::RecordHoursRequest,
) -> Result<pb::RecordHoursResponse, ApiError> {
    let key = RequestKey::new(caller, "RecordHours", &request.request_id, &request)?;
    let region = caller.region_or_only(&request.region)?;
    let command = RecordHours::parse(region_pack(ctx, &region)?, &request)?;
    if caller.has_role(Role::Coach)
        && !caller.has_role(Role::ProgrammeManager)
        && command.person_id.as_str() != caller.subject
    {
        return Err(ApiError::denied("a coach records only their own hours"));
    }
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let participant =
                participant_in_reach(conn, caller, &region, command.participant.as_str()).await?;
            let person = command.person_id.as_str();
            rules::on_the_team(&participant.people, person, &participant.key)?;
            rules::open_day(command.day, store::locked_through(conn, &region).await?)?;
            store::lock_person_day(conn, &region, person, command.day).await?;
            let already = store::minutes_on(conn, &region, person, command.day).await?;
            rules::fits_the_day(already, command.minutes)?;
            let row = store::insert_entry(
                conn,
                &EntryRow {
                    id: Uuid::now_v7(),
                    region: region.clone(),
                    participant_id: participant.id,
                    person_id: person.to_owned(),
                    work_package: command.work_package.clone(),
                    day: command.day,
                    minutes: command.minutes,
                    note: command.note.as_str().to_owned(),
                    state: EntryState::Submitted.as_str().to_owned(),
                    reverses: None,
                    recorded_by: caller.subject.clone(),
                    recorded_at: Utc::now(),
                    reviewed_by: None,
                    reviewed_at: None,
                    reason: String::new(),
                    rate_cents: participant.rate_of(person),
                    source: None,
                },
            )
            .await?;
            Ok(pb::RecordHoursResponse {
                entry: Some(entry(&row, &participant.key)),
            })
        })
        .await
    })
    .await
}

/// The participant with this key, locked, if the caller may write for it: a company's HR
/// only for its own; NOT_FOUND otherwise.
pub(super) async fn participant_in_reach(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    region: &str,
    key: &str,
) -> Result<ParticipantRow, ApiError> {
    store::participant_for_update(conn, region, key)
        .await?
        .filter(|p| caller.own_organisation().is_none() || may_see(caller, p))
        .ok_or_else(|| ApiError::not_found(format!("project participant {key}")))
}

/// The entry in a region of the caller's token, locked, with its participant.
async fn entry_in_reach(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(EntryRow, ParticipantRow), ApiError> {
    let not_found = || ApiError::not_found(format!("time entry {id}"));
    let row = store::entry_for_update(conn, id)
        .await?
        .filter(|e| caller.may_see_region(&e.region))
        .ok_or_else(not_found)?;
    let participant = store::participant(conn, row.participant_id)
        .await?
        .ok_or_else(not_found)?;
    Ok((row, participant))
}

/// A stored entry's or invoice's state; one the code does not know is a fault.
pub(super) fn stored_state(state: &str) -> Result<EntryState, ApiError> {
    EntryState::parse(state)
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("unknown stored state {state}")))
}

pub async fn review(
    ctx: &Context,
    caller: &Caller,
    request: pb::ReviewHoursRequest,
) -> Result<pb::ReviewHoursResponse, ApiError> {
    let key = RequestKey::new(caller, "ReviewHours", &request.request_id, &request)?;
    let (id, decision, reason) = requests::review(&request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (row, participant) = entry_in_reach(conn, caller, id).await?;
            let state = rules::review(stored_state(&row.state)?, decision)?;
            rules::open_day(row.day, store::locked_through(conn, &row.region).await?)?;
            let reviewed = store::review(
                conn,
                id,
                state.as_str(),
                &caller.subject,
                Utc::now(),
                reason.as_str(),
            )
            .await?;
            if state == EntryState::Approved {
                bus::record(conn, &events::hours_approved(&reviewed, &participant.key)).await?;
            }
            Ok(pb::ReviewHoursResponse {
                entry: Some(entry(&reviewed, &participant.key)),
            })
        })
        .await
    })
    .await
}

pub async fn reverse(
    ctx: &Context,
    caller: &Caller,
    request: pb::ReverseHoursRequest,
) -> Result<pb::ReverseHoursResponse, ApiError> {
    let key = RequestKey::new(caller, "ReverseHours", &request.request_id, &request)?;
    let (id, reason) = requests::reversal(&request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let (row, participant) = entry_in_reach(conn, caller, id).await?;
            rules::reversible(
                stored_state(&row.state)?,
                row.reverses.is_some(),
                store::is_reversed(conn, id).await?,
            )?;
            rules::open_day(row.day, store::locked_through(conn, &row.region).await?)?;
            let reversal = store::insert_entry(
                conn,
                &EntryRow {
                    id: Uuid::now_v7(),
                    minutes: -row.minutes,
                    state: EntryState::Submitted.as_str().to_owned(),
                    reverses: Some(row.id),
                    recorded_by: caller.subject.clone(),
                    recorded_at: Utc::now(),
                    reviewed_by: None,
                    reviewed_at: None,
                    reason: reason.as_str().to_owned(),
                    // The activity proposed the entry, not its correction.
                    source: None,
                    ..row
                },
            )
            .await?;
            Ok(pb::ReverseHoursResponse {
                entry: Some(entry(&reversal, &participant.key)),
            })
        })
        .await
    })
    .await
}

pub async fn lock(
    ctx: &Context,
    caller: &Caller,
    request: pb::LockPeriodRequest,
) -> Result<pb::LockPeriodResponse, ApiError> {
    let key = RequestKey::new(caller, "LockPeriod", &request.request_id, &request)?;
    let region = caller.region_or_only(&request.region)?;
    let through = requests::day(&request.through, region_pack(ctx, &region)?)
        .map_err(|why| ApiError::invalid("through", why))?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            store::lock_books(conn, &region).await?;
            let previous = store::locked_through(conn, &region).await?;
            let waiting = store::waiting_through(conn, &region, through).await?;
            rules::lock(previous, through, waiting)?;
            store::lock(conn, &region, through, &caller.subject).await?;
            Ok(pb::LockPeriodResponse {
                region: region.clone(),
                locked_through: through.to_string(),
            })
        })
        .await
    })
    .await
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListTimeEntriesRequest,
) -> Result<pb::ListTimeEntriesResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let region = caller.region_or_only(&request.region)?;
    let state = match pb::TimeEntryState::try_from(request.state) {
        Ok(pb::TimeEntryState::Unspecified) => None,
        Ok(pb::TimeEntryState::Submitted) => Some(EntryState::Submitted),
        Ok(pb::TimeEntryState::Approved) => Some(EntryState::Approved),
        Ok(pb::TimeEntryState::Rejected) => Some(EntryState::Rejected),
        Err(_) => return Err(ApiError::invalid("state", "unknown state")),
    };
    let mut conn = ctx.pool.get().await?;
    let plan = store::plan(&mut conn, &region).await?;
    let keys: Vec<(Uuid, &str)> = plan.iter().map(|(p, _)| (p.id, p.key.as_str())).collect();
    let asked = llo_chassis::fields::non_empty(&request.participant);
    let visible: Vec<Uuid> = plan
        .iter()
        .filter(|(p, _)| asked.is_none_or(|key| key == p.key))
        .filter(|(p, _)| caller.own_organisation().is_none() || may_see(caller, p))
        .map(|(p, _)| p.id)
        .collect();
    // A coach sees their own hours only.
    let own_only = caller.has_role(Role::Coach) && !caller.has_role(Role::ProgrammeManager);
    let person = match (own_only, llo_chassis::fields::non_empty(&request.person_id)) {
        (true, Some(person)) if person != caller.subject => {
            return Err(ApiError::denied("a coach sees only their own hours"));
        }
        (true, _) => Some(caller.subject.as_str()),
        (false, person) => person,
    };
    let filter = EntryFilter {
        region: &region,
        participants: (asked.is_some() || caller.own_organisation().is_some()).then_some(visible),
        person,
        state: state.map(EntryState::as_str),
    };
    let rows = store::entries(&mut conn, &filter, page.after, page.fetch_limit()).await?;
    let (rows, next_page_token) = page.finish(rows, |e| e.id);
    let key_of = |id: Uuid| {
        keys.iter()
            .find(|(p, _)| *p == id)
            .map_or("", |(_, key)| *key)
    };
    Ok(pb::ListTimeEntriesResponse {
        entries: rows
            .iter()
            .map(|row| entry(row, key_of(row.participant_id)))
            .collect(),
        next_page_token,
    })
}

fn participant(row: &ParticipantRow, lines: &[BudgetLineRow]) -> pb::ProjectParticipant {
    let budget: Vec<pb::BudgetLine> = lines
        .iter()
        .map(|l| {
            let line = l.line();
            pb::BudgetLine {
                work_package: l.work_package.clone(),
                planned_hours: l.planned_hours,
                planned_third_party_cents: l.planned_third_party_cents,
                planned_cost_cents: line.planned_cost_cents(row.hourly_rate_cents),
            }
        })
        .collect();
    let role = match ProjectRole::parse(&row.role) {
        Some(ProjectRole::LeadApplicant) => pb::ProjectRole::LeadApplicant,
        Some(ProjectRole::Company) => pb::ProjectRole::Company,
        Some(ProjectRole::Partner) => pb::ProjectRole::Partner,
        None => pb::ProjectRole::Unspecified,
    };
    pb::ProjectParticipant {
        key: row.key.clone(),
        name: row.name.clone(),
        role: role as i32,
        organisation_id: row
            .organisation_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        sme: row.sme,
        hourly_rate_cents: row.hourly_rate_cents,
        people: row.people.clone(),
        planned_cost_cents: budget.iter().map(|l| l.planned_cost_cents).sum(),
        budget,
        update_time: Some(timestamp(row.updated_at)),
        rate_method: match RateMethod::parse(&row.rate_method) {
            Some(RateMethod::Personal) => pb::RateMethod::Personal,
            _ => pb::RateMethod::Fixed,
        } as i32,
        person_rates: row
            .people
            .iter()
            .zip(&row.person_rates)
            .map(|(person, rate)| pb::PersonRate {
                person_id: person.clone(),
                hourly_rate_cents: *rate,
            })
            .collect(),
    }
}

/// A stored entry's or invoice's state as the API shows it.
pub(super) fn state_to_proto(state: &str) -> pb::TimeEntryState {
    match EntryState::parse(state) {
        Some(EntryState::Submitted) => pb::TimeEntryState::Submitted,
        Some(EntryState::Approved) => pb::TimeEntryState::Approved,
        Some(EntryState::Rejected) => pb::TimeEntryState::Rejected,
        None => pb::TimeEntryState::Unspecified,
    }
}

fn entry(row: &EntryRow, participant: &str) -> pb::TimeEntry {
    let state = state_to_proto(&row.state);
    pb::TimeEntry {
        entry_id: row.id.to_string(),
        region: row.region.clone(),
        participant: participant.to_owned(),
        person_id: row.person_id.clone(),
        work_package: row.work_package.clone(),
        day: row.day.to_string(),
        minutes: row.minutes,
        note: row.note.clone(),
        state: state as i32,
        reverses_entry_id: row.reverses.map(|id| id.to_string()).unwrap_or_default(),
        recorded_by: row.recorded_by.clone(),
        record_time: Some(timestamp(row.recorded_at)),
        reviewed_by: row.reviewed_by.clone().unwrap_or_default(),
        review_time: row.reviewed_at.map(timestamp),
        reason: row.reason.clone(),
        hourly_rate_cents: row.rate_cents,
        proposed_by: row.source.clone().unwrap_or_default(),
    }
}

/// The budget of the source asked for, or of the region's grant when none is named.
pub(super) fn grant_budget<'a>(pack: &'a RegionPack, source: &str) -> Result<&'a Budget, ApiError> {
    match llo_chassis::fields::non_empty(source) {
        Some(source) => pack.budgets.iter().find(|b| b.source == source),
        None => pack.budgets.iter().find(|b| b.kind == "grant"),
    }
    .ok_or_else(|| {
        let known: Vec<&str> = pack.budgets.iter().map(|b| b.source.as_str()).collect();
        ApiError::invalid(
            "source",
            format!(
                "not a budget of region {}; one of: {}",
                pack.id,
                known.join(", ")
            ),
        )
    })
}

/// The region's books realised against one source's grant, with the participants as
/// the realisation read them (their approved hours and invoices) and the plan's rows.
pub(super) struct Books {
    pub realisation: realisation::Realisation,
    pub participants: Vec<realisation::Participant>,
    pub plan: Vec<(ParticipantRow, Vec<BudgetLineRow>)>,
}

pub(super) async fn realise(
    conn: &mut AsyncPgConnection,
    region: &str,
    budget: &Budget,
) -> Result<Books, ApiError> {
    let plan = store::plan(conn, region).await?;
    let minutes = store::approved_minutes(conn, region).await?;
    let invoiced = store::approved_invoices(conn, region).await?;
    let participants: Vec<realisation::Participant> = plan
        .iter()
        .map(|(p, lines)| realisation::Participant {
            key: p.key.clone(),
            name: p.name.clone(),
            sme: p.sme,
            hourly_rate_cents: p.hourly_rate_cents,
            budget: lines.iter().map(BudgetLineRow::line).collect(),
            approved_hours: minutes
                .iter()
                .filter(|m| m.participant_id == p.id)
                .map(|m| realisation::Hours {
                    work_package: m.work_package.clone(),
                    rate_cents: m.rate_cents,
                    minutes: m.minutes,
                })
                .collect(),
            approved_invoices: invoiced
                .iter()
                .filter(|i| i.participant_id == p.id)
                .filter_map(|i| {
                    let cost = CostType::parse(&i.cost_type)?;
                    Some((i.work_package.clone(), cost, i.incl_vat_cents))
                })
                .collect(),
        })
        .collect();
    let grant = realisation::Grant {
        name: &budget.name,
        percentage: budget.percentage.unwrap_or(100),
        budget_cents: Some(budget.budget_cents),
        eligibility: budget.eligibility.as_ref(),
    };
    Ok(Books {
        realisation: realisation::realise(&participants, &grant),
        participants,
        plan,
    })
}

pub async fn realisation(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetRealisationRequest,
) -> Result<pb::GetRealisationResponse, ApiError> {
    let region = caller.region_or_only(&request.region)?;
    let budget = grant_budget(region_pack(ctx, &region)?, &request.source)?;
    let mut conn = ctx.pool.get().await?;
    let books = realise(&mut conn, &region, budget).await?.realisation;
    Ok(pb::GetRealisationResponse {
        region,
        source: budget.source.clone(),
        regulation: budget
            .eligibility
            .as_ref()
            .map(|e| e.regulation.clone())
            .unwrap_or_default(),
        participants: books
            .participants
            .into_iter()
            .map(|p| pb::ParticipantRealisation {
                participant: p.key,
                name: p.name,
                sme: p.sme,
                work_packages: p
                    .lines
                    .into_iter()
                    .map(|l| pb::WorkPackageRealisation {
                        work_package: l.work_package,
                        budgeted_cents: l.budgeted_cents,
                        approved_minutes: l.approved_minutes,
                        invoiced_cents: l.invoiced_cents,
                        realised_cents: l.realised_cents,
                        eligible_cents: l.eligible_cents,
                    })
                    .collect(),
                budgeted_cents: p.budgeted_cents,
                realised_cents: p.realised_cents,
                eligible_cents: p.eligible_cents,
                grant_cents: p.grant_cents,
            })
            .collect(),
        budgeted_cents: books.budgeted_cents,
        realised_cents: books.realised_cents,
        eligible_cents: books.eligible_cents,
        grant_cents: books.grant_cents,
        checks: books
            .checks
            .into_iter()
            .map(|c| pb::RuleCheck {
                rule: c.rule,
                kept: c.kept,
                detail: c.detail,
            })
            .collect(),
    })
}
