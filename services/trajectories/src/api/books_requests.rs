//! The grant's books' requests, read once: every bad field named at once, before
//! anything is written. Work packages are the region pack's; days are whole days, not in
//! the future and within the programme's calendar.
use chrono::{NaiveDate, Utc};
use llo_chassis::{
    ApiError,
    fields::{Fields, Name, bounded, check_id, non_empty},
    packs::{CostType, RegionPack},
};
use llo_proto::trajectories::v1 as pb;

use crate::domain::books::{
    BudgetLine, Decision, InvoiceNumber, MINUTES_PER_DAY, Note, ParticipantKey, PersonId,
    ProjectRole, RateMethod, RecordHours, RecordInvoice, SetParticipant,
};

const MAX_PEOPLE: usize = 200;
const MAX_HOURLY_RATE_CENTS: i64 = 100_000;
const MAX_THIRD_PARTY_CENTS: i64 = 100_000_000;

/// A key of the plan: lower-case letters, digits, `-` and `_`.
fn key(value: &str) -> Result<ParticipantKey, String> {
    let key = ParticipantKey::required(value)?;
    let slug = key
        .as_str()
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !slug {
        return Err("must be lower-case letters, digits, - and _ only".into());
    }
    Ok(key)
}

/// One of the region pack's work packages.
pub fn work_package(value: &str, region: &RegionPack) -> Result<String, String> {
    if region.work_package(value).is_some() {
        return Ok(value.to_owned());
    }
    let known: Vec<&str> = region.work_packages.iter().map(|w| w.id.as_str()).collect();
    if known.is_empty() {
        return Err(format!(
            "the region pack of {} has no work_packages; add them to record hours",
            region.id
        ));
    }
    Err(format!(
        "unknown work package {value:?}; one of: {}",
        known.join(", ")
    ))
}

/// A whole day, `YYYY-MM-DD`, not after today where the programme is (the Netherlands
/// are at most two hours ahead of UTC) and within the programme's calendar.
pub fn day(value: &str, region: &RegionPack) -> Result<NaiveDate, String> {
    let day = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| format!("must be a day as YYYY-MM-DD, not {value:?}"))?;
    let today = (Utc::now() + chrono::Duration::hours(2)).date_naive();
    if day > today {
        return Err(format!("{day} lies in the future"));
    }
    if let Some(calendar) = &region.calendar {
        let noon = day.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
        calendar.check(noon)?;
    }
    Ok(day)
}

impl SetParticipant {
    pub fn parse(
        region: &RegionPack,
        participant: Option<pb::ProjectParticipant>,
    ) -> Result<Self, ApiError> {
        let p = participant.ok_or_else(|| ApiError::invalid("participant", "is required"))?;
        let mut f = Fields::new();
        let key = f.take("participant.key", key(&p.key));
        let name = f.take("participant.name", Name::required(&p.name));
        let role = f.take(
            "participant.role",
            match pb::ProjectRole::try_from(p.role) {
                Ok(pb::ProjectRole::LeadApplicant) => Ok(ProjectRole::LeadApplicant),
                Ok(pb::ProjectRole::Company) => Ok(ProjectRole::Company),
                Ok(pb::ProjectRole::Partner) => Ok(ProjectRole::Partner),
                _ => Err("must be LEAD_APPLICANT, COMPANY or PARTNER".to_owned()),
            },
        );
        let organisation_id = f.take(
            "participant.organisation_id",
            non_empty(&p.organisation_id).map(check_id).transpose(),
        );
        let rate = f.take(
            "participant.hourly_rate_cents",
            if (0..=MAX_HOURLY_RATE_CENTS).contains(&p.hourly_rate_cents) {
                Ok(p.hourly_rate_cents)
            } else {
                Err(format!(
                    "must be from 0 to {MAX_HOURLY_RATE_CENTS} (whole euro cents)"
                ))
            },
        );
        let people = f.list("participant.people", p.people, MAX_PEOPLE, |f, path, id| {
            f.take(path, PersonId::required(&id))
        });
        if let Some(people) = &people {
            for (i, person) in people.iter().enumerate() {
                if people[..i].contains(person) {
                    f.add(
                        format!("participant.people[{i}]"),
                        format!("{} is listed twice", person.as_str()),
                    );
                }
            }
        }
        let packages = region.work_packages.len().max(1);
        let budget = f.list("participant.budget", p.budget, packages, |f, path, line| {
            let package = f.take(
                format!("{path}.work_package"),
                work_package(&line.work_package, region),
            );
            let hours = f.take(
                format!("{path}.planned_hours"),
                bounded(line.planned_hours, 0..=100_000),
            );
            let third = f.take(
                format!("{path}.planned_third_party_cents"),
                if (0..=MAX_THIRD_PARTY_CENTS).contains(&line.planned_third_party_cents) {
                    Ok(line.planned_third_party_cents)
                } else {
                    Err(format!("must be from 0 to {MAX_THIRD_PARTY_CENTS}"))
                },
            );
            Some(BudgetLine {
                work_package: package?,
                planned_hours: hours?,
                planned_third_party_cents: third?,
            })
        });
        if let Some(budget) = &budget {
            for (i, line) in budget.iter().enumerate() {
                if budget[..i]
                    .iter()
                    .any(|l| l.work_package == line.work_package)
                {
                    f.add(
                        format!("participant.budget[{i}].work_package"),
                        format!("{} has a line already", line.work_package),
                    );
                }
            }
        }
        let rate_method = f.take(
            "participant.rate_method",
            match pb::RateMethod::try_from(p.rate_method) {
                Ok(pb::RateMethod::Unspecified | pb::RateMethod::Fixed) => Ok(RateMethod::Fixed),
                Ok(pb::RateMethod::Personal) => Ok(RateMethod::Personal),
                Err(_) => Err("must be FIXED or PERSONAL".to_owned()),
            },
        );
        let person_rates = match (&rate_method, &people) {
            (Some(method), Some(people)) => person_rates(&mut f, *method, people, &p.person_rates),
            _ => None,
        };
        let (
            key,
            name,
            role,
            organisation_id,
            hourly_rate_cents,
            rate_method,
            people,
            person_rates,
            budget,
        ) = f.finish((
            key,
            name,
            role,
            organisation_id,
            rate,
            rate_method,
            people,
            person_rates,
            budget,
        ))?;
        Ok(SetParticipant {
            region: region.id.clone(),
            key,
            name,
            role,
            organisation_id,
            sme: p.sme,
            hourly_rate_cents,
            rate_method,
            people,
            person_rates,
            budget,
        })
    }
}

/// Each person's own rate, in the order of `people`: one for every person with the
/// personal method, none with the fixed one.
fn person_rates(
    f: &mut Fields,
    method: RateMethod,
    people: &[PersonId],
    rates: &[pb::PersonRate],
) -> Option<Vec<i64>> {
    if method == RateMethod::Fixed {
        if !rates.is_empty() {
            f.add(
                "participant.person_rates",
                "only with the PERSONAL rate method",
            );
            return None;
        }
        return Some(Vec::new());
    }
    let mut ordered = vec![None; people.len()];
    for (i, rate) in rates.iter().enumerate() {
        let path = format!("participant.person_rates[{i}]");
        match people.iter().position(|p| p.as_str() == rate.person_id) {
            None => f.add(
                format!("{path}.person_id"),
                format!("{} is not one of the people", rate.person_id),
            ),
            Some(at) if ordered[at].is_some() => f.add(
                format!("{path}.person_id"),
                format!("{} has a rate already", rate.person_id),
            ),
            Some(at) if (0..=MAX_HOURLY_RATE_CENTS).contains(&rate.hourly_rate_cents) => {
                ordered[at] = Some(rate.hourly_rate_cents);
            }
            Some(_) => f.add(
                format!("{path}.hourly_rate_cents"),
                format!("must be from 0 to {MAX_HOURLY_RATE_CENTS} (whole euro cents)"),
            ),
        }
    }
    let missing: Vec<&str> = people
        .iter()
        .zip(&ordered)
        .filter(|(_, rate)| rate.is_none())
        .map(|(p, _)| p.as_str())
        .collect();
    // Named only when every given rate was taken: a refused one is named already.
    if !missing.is_empty() && rates.len() == ordered.iter().flatten().count() {
        f.add(
            "participant.person_rates",
            format!(
                "the PERSONAL rate method needs a rate for {}",
                missing.join(", ")
            ),
        );
    }
    ordered.into_iter().collect()
}

impl RecordHours {
    pub fn parse(region: &RegionPack, r: &pb::RecordHoursRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let participant = f.take("participant", ParticipantKey::required(&r.participant));
        let person_id = f.take("person_id", PersonId::required(&r.person_id));
        let work_package = f.take("work_package", work_package(&r.work_package, region));
        let day = f.take("day", day(&r.day, region));
        let minutes = f.take("minutes", bounded(r.minutes, 1..=MINUTES_PER_DAY));
        let note = f.take("note", Note::optional(&r.note));
        let (participant, person_id, work_package, day, minutes, note) =
            f.finish((participant, person_id, work_package, day, minutes, note))?;
        Ok(RecordHours {
            region: region.id.clone(),
            participant,
            person_id,
            work_package,
            day,
            minutes,
            note,
        })
    }
}

/// A review's entry, decision and reason (required for a rejection).
pub fn review(r: &pb::ReviewHoursRequest) -> Result<(uuid::Uuid, Decision, Note), ApiError> {
    decision("entry_id", &r.entry_id, r.decision, &r.reason)
}

/// An invoice review's invoice, decision and reason (required for a rejection).
pub fn invoice_review(
    r: &pb::ReviewInvoiceRequest,
) -> Result<(uuid::Uuid, Decision, Note), ApiError> {
    decision("invoice_id", &r.invoice_id, r.decision, &r.reason)
}

fn decision(
    id_field: &str,
    id: &str,
    decision: i32,
    reason: &str,
) -> Result<(uuid::Uuid, Decision, Note), ApiError> {
    let mut f = Fields::new();
    let entry = f.take(id_field, check_id(id));
    let decision = f.take(
        "decision",
        match pb::ReviewDecision::try_from(decision) {
            Ok(pb::ReviewDecision::Approve) => Ok(Decision::Approve),
            Ok(pb::ReviewDecision::Reject) => Ok(Decision::Reject),
            _ => Err("must be APPROVE or REJECT".to_owned()),
        },
    );
    if decision == Some(Decision::Reject) && non_empty(reason).is_none() {
        f.add("reason", "is required for a rejection");
    }
    let reason = f.take("reason", Note::optional(reason));
    f.finish((entry, decision, reason))
}

/// A reversal's entry and reason (required).
pub fn reversal(r: &pb::ReverseHoursRequest) -> Result<(uuid::Uuid, Note), ApiError> {
    let mut f = Fields::new();
    let entry = f.take("entry_id", check_id(&r.entry_id));
    let reason = f.take("reason", Note::required(&r.reason));
    f.finish((entry, reason))
}

impl RecordInvoice {
    pub fn parse(region: &RegionPack, invoice: Option<pb::Invoice>) -> Result<Self, ApiError> {
        let r = invoice.ok_or_else(|| ApiError::invalid("invoice", "is required"))?;
        let mut f = Fields::new();
        let participant = f.take(
            "invoice.participant",
            ParticipantKey::required(&r.participant),
        );
        let supplier = f.take("invoice.supplier", Name::required(&r.supplier));
        let number = f.take("invoice.number", InvoiceNumber::required(&r.number));
        let day = f.take("invoice.day", day(&r.day, region));
        let work_package = f.take(
            "invoice.work_package",
            work_package(&r.work_package, region),
        );
        let cost_type = f.take(
            "invoice.cost_type",
            match CostType::parse(r.cost_type.trim()) {
                Some(CostType::OwnStaffHours) => Err(
                    "own staff hours are recorded as hours (RecordHours), not invoiced".to_owned(),
                ),
                Some(cost) => Ok(cost),
                None => Err(format!(
                    "must be one of: {}",
                    CostType::ALL[1..]
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
        );
        let credits = f.take(
            "invoice.credits_invoice_id",
            non_empty(&r.credits_invoice_id).map(check_id).transpose(),
        );
        let (excl, incl) = (r.excl_vat_cents, r.incl_vat_cents);
        let credit_note = !r.credits_invoice_id.trim().is_empty();
        let amounts = if excl == 0 || incl == 0 {
            Err("amounts must not be zero".to_owned())
        } else if (excl < 0) != credit_note || (incl < 0) != credit_note {
            Err("negative amounts are a credit note's, which names credits_invoice_id".to_owned())
        } else if incl.abs() < excl.abs() || incl.abs() > MAX_THIRD_PARTY_CENTS {
            Err(format!(
                "incl_vat_cents must be at least excl_vat_cents and at most {MAX_THIRD_PARTY_CENTS}"
            ))
        } else {
            Ok((excl, incl))
        };
        let amounts = f.take("invoice.incl_vat_cents", amounts);
        let (participant, supplier, number, day, work_package, cost_type, credits, amounts) = f
            .finish((
                participant,
                supplier,
                number,
                day,
                work_package,
                cost_type,
                credits,
                amounts,
            ))?;
        Ok(RecordInvoice {
            region: region.id.clone(),
            participant,
            supplier,
            number,
            day,
            excl_vat_cents: amounts.0,
            incl_vat_cents: amounts.1,
            work_package,
            cost_type,
            credits,
        })
    }
}
