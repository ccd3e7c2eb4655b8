//! The grant's books, free of I/O: the project plan (the collaboration's participants,
//! their people, rates and budget per work package) and the time ledger, with the rules
//! the funder's evidence must keep: at most 24 hours of one person on a day, no day in a
//! locked period, hours only of the participant's project team, and a review before hours
//! count. The ledger is append-only: a correction reverses an entry, never edits it.
use chrono::NaiveDate;
use llo_chassis::{
    Refused,
    fields::{Name, Text},
    packs::CostType,
};
use uuid::Uuid;

/// A participant's key in the plan ("vno-ncw-midden").
pub type ParticipantKey = Text<100>;
/// A person's id: an intake participant id or a coach's id, never a name.
pub type PersonId = Text<128>;
/// What was done on the day.
pub type Note = Text<500>;

pub const MINUTES_PER_DAY: i32 = 24 * 60;

llo_chassis::text_enum! {
    /// A participant's part in the collaboration.
    pub enum ProjectRole {
        LeadApplicant => "lead_applicant",
        Company => "company",
        Partner => "partner",
    }
}

llo_chassis::text_enum! {
    /// How a participant's hours are priced: one fixed rate, or each person's own.
    pub enum RateMethod {
        Fixed => "fixed",
        Personal => "personal",
    }
}

llo_chassis::text_enum! {
    /// Where a time entry stands: only approved hours count.
    pub enum EntryState {
        Submitted => "submitted",
        Approved => "approved",
        Rejected => "rejected",
    }
}

/// The planned hours and third-party costs of one participant on one work package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    pub work_package: String,
    pub planned_hours: i32,
    pub planned_third_party_cents: i64,
}

impl BudgetLine {
    /// Planned hours at the participant's rate plus the planned third-party costs.
    pub fn planned_cost_cents(&self, hourly_rate_cents: i64) -> i64 {
        i64::from(self.planned_hours)
            .saturating_mul(hourly_rate_cents)
            .saturating_add(self.planned_third_party_cents)
    }
}

/// Sets one participant of the region's project plan, replacing what its key had.
#[derive(Debug, Clone)]
pub struct SetParticipant {
    pub region: String,
    pub key: ParticipantKey,
    pub name: Name,
    pub role: ProjectRole,
    pub organisation_id: Option<Uuid>,
    pub sme: bool,
    pub hourly_rate_cents: i64,
    pub rate_method: RateMethod,
    pub people: Vec<PersonId>,
    /// With the personal method, the rate of each of `people`, in their order.
    pub person_rates: Vec<i64>,
    pub budget: Vec<BudgetLine>,
}

/// Hours of one person of a participant on one working day.
#[derive(Debug, Clone)]
pub struct RecordHours {
    pub region: String,
    pub participant: ParticipantKey,
    pub person_id: PersonId,
    pub work_package: String,
    pub day: NaiveDate,
    pub minutes: i32,
    pub note: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// A third party's invoice (or, with `credits`, a credit note of negative amounts).
#[derive(Debug, Clone)]
pub struct RecordInvoice {
    pub region: String,
    pub participant: ParticipantKey,
    pub supplier: Name,
    pub number: InvoiceNumber,
    pub day: NaiveDate,
    pub excl_vat_cents: i64,
    pub incl_vat_cents: i64,
    pub work_package: String,
    pub cost_type: CostType,
    pub credits: Option<Uuid>,
}

/// A supplier's invoice number.
pub type InvoiceNumber = Text<100>;

/// A credit note corrects an approved invoice of the same participant, once, by at most
/// its amount.
pub fn creditable(
    original_state: EntryState,
    same_participant: bool,
    credited: bool,
    original_incl_vat_cents: i64,
    credit_incl_vat_cents: i64,
) -> Result<(), Refused> {
    if original_state != EntryState::Approved || !same_participant {
        return Err(Refused::new(
            "ILLEGAL_TRANSITION",
            "a credit note corrects an approved invoice of the same participant",
        ));
    }
    if credited {
        return Err(Refused::new(
            "ALREADY_REVERSED",
            "another credit note corrects this invoice already",
        ));
    }
    if -credit_incl_vat_cents > original_incl_vat_cents {
        return Err(Refused::new(
            "EXCEEDS_COST",
            format!(
                "the credit note exceeds the invoice's {}",
                super::funding::euros(original_incl_vat_cents)
            ),
        ));
    }
    Ok(())
}

/// A person's day holds at most 24 hours, counting every entry that is not rejected
/// (`already`, in minutes).
pub fn fits_the_day(already: i64, minutes: i32) -> Result<(), Refused> {
    if already + i64::from(minutes) > i64::from(MINUTES_PER_DAY) {
        return Err(Refused::new(
            "MORE_THAN_A_DAY",
            format!(
                "{} on this day would make more than 24 hours: {} is recorded already",
                hours(i64::from(minutes)),
                hours(already)
            ),
        ));
    }
    Ok(())
}

/// No hours are written on a day of a period already accounted for.
pub fn open_day(day: NaiveDate, locked_through: Option<NaiveDate>) -> Result<(), Refused> {
    match locked_through {
        Some(through) if day <= through => Err(Refused::new(
            "PERIOD_LOCKED",
            format!("the books are locked through {through}: {day} is accounted for"),
        )),
        _ => Ok(()),
    }
}

/// Hours are recorded only for the people of the participant's project team.
pub fn on_the_team(people: &[String], person: &str, participant: &str) -> Result<(), Refused> {
    if people.iter().any(|p| p == person) {
        return Ok(());
    }
    Err(Refused::new(
        "NOT_ON_THE_TEAM",
        format!("{person} is not on the project team of {participant}; add them to the plan first"),
    ))
}

/// A submitted entry is approved or rejected once.
pub fn review(state: EntryState, decision: Decision) -> Result<EntryState, Refused> {
    if state != EntryState::Submitted {
        return Err(Refused::new(
            "ILLEGAL_TRANSITION",
            format!("the entry is {state} already; only submitted hours are reviewed"),
        ));
    }
    Ok(match decision {
        Decision::Approve => EntryState::Approved,
        Decision::Reject => EntryState::Rejected,
    })
}

/// Only approved hours are reversed, each once, and a reversal is not itself reversed
/// (record the hours anew instead).
pub fn reversible(state: EntryState, is_reversal: bool, reversed: bool) -> Result<(), Refused> {
    if state != EntryState::Approved {
        return Err(Refused::new(
            "ILLEGAL_TRANSITION",
            format!("the entry is {state}; only approved hours are reversed"),
        ));
    }
    if is_reversal {
        return Err(Refused::new(
            "ILLEGAL_TRANSITION",
            "the entry reverses another; record the hours anew instead",
        ));
    }
    if reversed {
        return Err(Refused::new(
            "ALREADY_REVERSED",
            "another entry reverses this one already",
        ));
    }
    Ok(())
}

/// A lock moves forwards only, and not while hours of the period wait for review.
pub fn lock(previous: Option<NaiveDate>, through: NaiveDate, waiting: i64) -> Result<(), Refused> {
    if let Some(previous) = previous
        && through < previous
    {
        return Err(Refused::new(
            "LOCK_MOVES_FORWARD",
            format!("the books are locked through {previous} already; a lock is never undone"),
        ));
    }
    if waiting > 0 {
        return Err(Refused::new(
            "HOURS_WAIT_FOR_REVIEW",
            format!(
                "{waiting} time entr(y/ies) up to {through} wait for review; review them first"
            ),
        ));
    }
    Ok(())
}

/// Minutes as hours for a message: `7.5 h`.
fn hours(minutes: i64) -> String {
    let whole = minutes / 60;
    match minutes % 60 {
        0 => format!("{whole} h"),
        rest => format!("{whole} h {rest} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_holds_24_hours_and_not_a_minute_more() {
        assert!(fits_the_day(0, MINUTES_PER_DAY).is_ok());
        assert!(fits_the_day(16 * 60, 8 * 60).is_ok());
        let refused = fits_the_day(16 * 60, 8 * 60 + 1).unwrap_err();
        assert_eq!(refused.reason, "MORE_THAN_A_DAY");
        assert!(
            refused.message.contains("8 h 1 min") && refused.message.contains("16 h"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn a_locked_period_includes_its_last_day() {
        let through = Some(day("2021-06-30"));
        assert_eq!(
            open_day(day("2021-06-30"), through).unwrap_err().reason,
            "PERIOD_LOCKED"
        );
        assert!(open_day(day("2021-07-01"), through).is_ok());
        assert!(open_day(day("2021-01-01"), None).is_ok());
    }

    #[test]
    fn only_the_team_records_hours() {
        let team = ["coach-anja".to_owned()];
        assert!(on_the_team(&team, "coach-anja", "vno").is_ok());
        assert_eq!(
            on_the_team(&team, "coach-erik", "vno").unwrap_err().reason,
            "NOT_ON_THE_TEAM"
        );
    }

    #[test]
    fn hours_are_reviewed_once_and_reversed_once() {
        assert_eq!(
            review(EntryState::Submitted, Decision::Approve),
            Ok(EntryState::Approved)
        );
        assert_eq!(
            review(EntryState::Submitted, Decision::Reject),
            Ok(EntryState::Rejected)
        );
        assert_eq!(
            review(EntryState::Approved, Decision::Reject)
                .unwrap_err()
                .reason,
            "ILLEGAL_TRANSITION"
        );
        assert!(reversible(EntryState::Approved, false, false).is_ok());
        assert_eq!(
            reversible(EntryState::Submitted, false, false)
                .unwrap_err()
                .reason,
            "ILLEGAL_TRANSITION"
        );
        assert_eq!(
            reversible(EntryState::Approved, true, false)
                .unwrap_err()
                .reason,
            "ILLEGAL_TRANSITION"
        );
        assert_eq!(
            reversible(EntryState::Approved, false, true)
                .unwrap_err()
                .reason,
            "ALREADY_REVERSED"
        );
    }

    #[test]
    fn a_lock_moves_forwards_and_waits_for_reviews() {
        let previous = Some(day("2021-06-30"));
        assert!(lock(previous, day("2021-06-30"), 0).is_ok());
        assert!(lock(previous, day("2021-09-30"), 0).is_ok());
        assert_eq!(
            lock(previous, day("2021-05-31"), 0).unwrap_err().reason,
            "LOCK_MOVES_FORWARD"
        );
        assert_eq!(
            lock(None, day("2021-05-31"), 2).unwrap_err().reason,
            "HOURS_WAIT_FOR_REVIEW"
        );
    }

    #[test]
    fn a_credit_note_corrects_an_approved_invoice_once_by_at_most_its_amount() {
        let approved = EntryState::Approved;
        assert!(creditable(approved, true, false, 1_000, -1_000).is_ok());
        assert_eq!(
            creditable(approved, true, false, 1_000, -1_001)
                .unwrap_err()
                .reason,
            "EXCEEDS_COST"
        );
        assert_eq!(
            creditable(approved, true, true, 1_000, -10)
                .unwrap_err()
                .reason,
            "ALREADY_REVERSED"
        );
        for (state, same) in [(EntryState::Submitted, true), (approved, false)] {
            assert_eq!(
                creditable(state, same, false, 1_000, -10)
                    .unwrap_err()
                    .reason,
                "ILLEGAL_TRANSITION"
            );
        }
    }

    #[test]
    fn a_budget_line_costs_its_hours_at_the_rate_and_its_third_parties() {
        let line = BudgetLine {
            work_package: "behoeftepeiling".into(),
            planned_hours: 120,
            planned_third_party_cents: 500_000,
        };
        assert_eq!(line.planned_cost_cents(6_000), 120 * 6_000 + 500_000);
    }
}
