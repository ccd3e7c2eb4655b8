//! The grant's books in the pilot: the project plan (every company of the pilot and the
//! demo file's other participants, such as the lead applicant) and the hours of each
//! participant's team, recorded per working day within the work package's phase of the
//! programme calendar and approved by the programme manager.
use std::collections::HashMap;

use chrono::{Datelike as _, NaiveDate, Utc, Weekday};
use llo_proto::trajectories::v1 as pb;

use super::{
    Enrolled,
    data::{InvoiceData, Pilot, ProjectData},
    development::Trajectories,
};
use crate::progress::Bar;

/// One entry is at most a working day.
const DAY_MINUTES: i32 = 8 * 60;
/// A company's key in the plan: this and its KvK number.
const PARTICIPANT_KEY_PREFIX: &str = "bedrijf-";

/// A participant as the pilot plans it.
struct Planned {
    participant: pb::ProjectParticipant,
    /// (work package, planned hours).
    hours: Vec<(String, i32)>,
}

/// What the books hold after the pilot, per participant.
pub struct Realised {
    pub name: String,
    pub planned_cents: i64,
    pub approved_minutes: i64,
    pub approved_cents: i64,
}

/// Sets the plan and records and approves the hours; nothing when the demo file or the
/// region has no project (`[project]`, `work_packages`).
pub async fn run(
    client: &mut Trajectories,
    pilot: &Pilot,
    enrolled: &[Enrolled<'_>],
    bar: &Bar,
) -> anyhow::Result<Vec<Realised>> {
    let Some(project) = &pilot.data.project else {
        return Ok(Vec::new());
    };
    if pilot.region.work_packages.is_empty() {
        return Ok(Vec::new());
    }
    let planned = plan(project, enrolled);
    let mut booked: HashMap<(String, NaiveDate), i32> = HashMap::new();
    let mut realised = Vec::new();
    for (index, p) in planned.iter().enumerate() {
        bar.step(index, planned.len(), &p.participant.name);
        let key = &p.participant.key;
        let shown = client
            .set_project_participant(pb::SetProjectParticipantRequest {
                request_id: format!("demo-plan-{key}-{:016x}", fingerprint(&p.participant)),
                region: pilot.region.id.clone(),
                participant: Some(p.participant.clone()),
            })
            .await?
            .into_inner()
            .participant
            .unwrap_or_default();
        let mut approved_minutes = 0;
        for (work_package, hours) in &p.hours {
            let target = hours * 60 * project.realised_percent / 100;
            let days = working_days(pilot, work_package);
            for (person, day, minutes) in spread(&p.participant.people, &days, target, &mut booked)
            {
                let entry = record(client, pilot, key, work_package, &person, day, minutes).await?;
                approve(client, &entry).await?;
                approved_minutes += i64::from(minutes);
            }
        }
        let source = project.participants.iter().find(|d| d.key == *key);
        for data in source.into_iter().flat_map(|d| &d.invoices) {
            invoice(client, pilot, key, data).await?;
        }
        realised.push(Realised {
            name: shown.name,
            planned_cents: shown.planned_cost_cents,
            approved_minutes,
            approved_cents: approved_minutes * p.participant.hourly_rate_cents / 60,
        });
    }
    Ok(realised)
}

/// The region's grant as the books realise it, with its rules checked.
pub async fn grant(
    client: &mut Trajectories,
    pilot: &Pilot,
) -> anyhow::Result<pb::GetRealisationResponse> {
    Ok(client
        .get_realisation(pb::GetRealisationRequest {
            region: pilot.region.id.clone(),
            source: String::new(),
        })
        .await?
        .into_inner())
}

/// The companies (same rate and hours, their first people as the team) and the file's
/// other participants.
fn plan(project: &ProjectData, enrolled: &[Enrolled<'_>]) -> Vec<Planned> {
    let lines = |hours: &[(String, i32)], third: &dyn Fn(&str) -> i64| -> Vec<pb::BudgetLine> {
        hours
            .iter()
            .map(|(wp, h)| pb::BudgetLine {
                work_package: wp.clone(),
                planned_hours: *h,
                planned_third_party_cents: third(wp),
                ..Default::default()
            })
            .collect()
    };
    let company_hours: Vec<(String, i32)> = project
        .company_hours
        .iter()
        .map(|(wp, h)| (wp.clone(), *h))
        .collect();
    let mut planned: Vec<Planned> = enrolled
        .iter()
        .map(|e| Planned {
            participant: pb::ProjectParticipant {
                key: format!("{PARTICIPANT_KEY_PREFIX}{}", e.company.kvk),
                name: e.company.name.clone(),
                role: pb::ProjectRole::Company as i32,
                organisation_id: e.organisation.organisation_id.clone(),
                // The EU's SME: fewer than 250 employees.
                sme: e.company.employees < 250,
                hourly_rate_cents: project.company_hourly_rate_cents,
                people: e
                    .people
                    .iter()
                    .take(project.company_team)
                    .map(|p| p.participant_id.clone())
                    .collect(),
                budget: lines(&company_hours, &|_| 0),
                ..Default::default()
            },
            hours: company_hours.clone(),
        })
        .collect();
    for p in &project.participants {
        // A work package with third-party costs only is a line of 0 hours.
        let mut hours: Vec<(String, i32)> = p.hours.iter().map(|(w, h)| (w.clone(), *h)).collect();
        for wp in p.third_party_cents.keys() {
            if !hours.iter().any(|(w, _)| w == wp) {
                hours.push((wp.clone(), 0));
            }
        }
        let third = |wp: &str| p.third_party_cents.get(wp).copied().unwrap_or(0);
        planned.push(Planned {
            participant: pb::ProjectParticipant {
                key: p.key.clone(),
                name: p.name.clone(),
                role: if p.role == "lead_applicant" {
                    pb::ProjectRole::LeadApplicant
                } else {
                    pb::ProjectRole::Partner
                } as i32,
                sme: p.sme,
                hourly_rate_cents: p.hourly_rate_cents,
                people: p.team.clone(),
                budget: lines(&hours, &third),
                ..Default::default()
            },
            hours,
        });
    }
    planned
}

/// The weekdays of the work package's phase (the whole programme for one without a
/// phase) up to today.
fn working_days(pilot: &Pilot, work_package: &str) -> Vec<NaiveDate> {
    let Some(calendar) = &pilot.region.calendar else {
        return Vec::new();
    };
    let phase = pilot
        .region
        .work_package(work_package)
        .and_then(|w| w.phase.as_deref())
        .and_then(|id| calendar.phase(id));
    let (start, end) = phase.map_or((calendar.start, calendar.end), |p| (p.start, p.end));
    let end = end.min(Utc::now().date_naive());
    start
        .iter_days()
        .take_while(|d| *d <= end)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

/// `target` minutes as working days of at most 8 hours, spread evenly over `days`, the
/// team taking turns, never more than 8 hours of one person's day in all (`booked`).
fn spread(
    team: &[String],
    days: &[NaiveDate],
    target: i32,
    booked: &mut HashMap<(String, NaiveDate), i32>,
) -> Vec<(String, NaiveDate, i32)> {
    let mut entries = Vec::new();
    if team.is_empty() || days.is_empty() || target <= 0 {
        return entries;
    }
    let needed = (target + DAY_MINUTES - 1) / DAY_MINUTES;
    let stride = (days.len() / needed as usize).max(1);
    // Every day once, the evenly spaced ones first; each person may take each day.
    let order: Vec<&NaiveDate> = (0..stride)
        .flat_map(|offset| days.iter().skip(offset).step_by(stride))
        .collect();
    let mut left = target;
    let visits = (0..team.len()).flat_map(|pass| {
        order
            .iter()
            .enumerate()
            .map(move |(i, day)| ((i + pass) % team.len(), *day))
    });
    for (turn, day) in visits {
        if left <= 0 {
            break;
        }
        let person = &team[turn];
        let used = booked.entry((person.clone(), *day)).or_insert(0);
        let minutes = left.min(DAY_MINUTES - *used);
        if minutes > 0 {
            *used += minutes;
            left -= minutes;
            entries.push((person.clone(), *day, minutes));
        }
    }
    entries
}

/// A stable fingerprint of what a request sets (FNV-1a of its encoding), so that a demo
/// file changed since an earlier run sends a new request instead of reusing an id.
fn fingerprint(message: &impl prost::Message) -> u64 {
    message
        .encode_to_vec()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

async fn record(
    client: &mut Trajectories,
    pilot: &Pilot,
    key: &str,
    work_package: &str,
    person: &str,
    day: NaiveDate,
    minutes: i32,
) -> anyhow::Result<pb::TimeEntry> {
    Ok(client
        .record_hours(pb::RecordHoursRequest {
            // An entry's natural key: a changed demo file is a new entry, never a clash.
            request_id: format!("demo-hours-{key}-{work_package}-{person}-{day}-{minutes}"),
            region: pilot.region.id.clone(),
            participant: key.to_owned(),
            person_id: person.to_owned(),
            work_package: work_package.to_owned(),
            day: day.to_string(),
            minutes,
            note: String::new(),
        })
        .await?
        .into_inner()
        .entry
        .unwrap_or_default())
}

/// Writes the funder's final statement (Dutch HTML) into `dir`; returns its path.
pub async fn write_statement(
    client: &mut Trajectories,
    pilot: &Pilot,
    dir: &std::path::Path,
) -> anyhow::Result<std::path::PathBuf> {
    use futures_util::StreamExt as _;
    let mut stream = client
        .export_statement(pb::ExportStatementRequest {
            region: pilot.region.id.clone(),
            source: String::new(),
            format: pb::StatementFormat::Html as i32,
        })
        .await?
        .into_inner();
    let (mut name, mut data) = (String::new(), Vec::new());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if name.is_empty() {
            name = chunk.file_name;
        }
        data.extend(chunk.data);
    }
    std::fs::create_dir_all(dir)?;
    let out = dir.join(name);
    std::fs::write(&out, data)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    Ok(std::fs::canonicalize(&out).unwrap_or(out))
}

/// Records a third party's invoice and approves it.
async fn invoice(
    client: &mut Trajectories,
    pilot: &Pilot,
    key: &str,
    data: &InvoiceData,
) -> anyhow::Result<()> {
    let invoice = pb::Invoice {
        region: pilot.region.id.clone(),
        participant: key.to_owned(),
        supplier: data.supplier.clone(),
        number: data.number.clone(),
        day: data.day.clone(),
        excl_vat_cents: data.excl_vat_cents,
        incl_vat_cents: data.incl_vat_cents,
        work_package: data.work_package.clone(),
        cost_type: data.cost_type.clone(),
        ..Default::default()
    };
    let recorded = client
        .record_invoice(pb::RecordInvoiceRequest {
            request_id: format!("demo-invoice-{:016x}", fingerprint(&invoice)),
            invoice: Some(invoice),
        })
        .await?
        .into_inner()
        .invoice
        .unwrap_or_default();
    client
        .review_invoice(pb::ReviewInvoiceRequest {
            request_id: format!("demo-review-{}", recorded.invoice_id),
            invoice_id: recorded.invoice_id,
            decision: pb::ReviewDecision::Approve as i32,
            reason: String::new(),
        })
        .await?;
    Ok(())
}

async fn approve(client: &mut Trajectories, entry: &pb::TimeEntry) -> anyhow::Result<()> {
    client
        .review_hours(pb::ReviewHoursRequest {
            request_id: format!("demo-review-{}", entry.entry_id),
            entry_id: entry.entry_id.clone(),
            decision: pb::ReviewDecision::Approve as i32,
            reason: String::new(),
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_spread_as_working_days_without_filling_a_day_twice() {
        let days: Vec<NaiveDate> = "2021-03-01"
            .parse::<NaiveDate>()
            .unwrap()
            .iter_days()
            .take(10)
            .collect();
        let team = vec!["a".to_owned(), "b".to_owned()];
        let mut booked = HashMap::new();
        let entries = spread(&team, &days, 20 * 60, &mut booked);
        assert_eq!(entries.iter().map(|e| e.2).sum::<i32>(), 20 * 60);
        assert!(entries.iter().all(|e| e.2 <= DAY_MINUTES));
        // A second work package on the same days fills what is left of each day.
        let more = spread(&team, &days, 150 * 60, &mut booked);
        assert_eq!(
            more.iter().map(|e| e.2).sum::<i32>(),
            140 * 60,
            "10 days × 2 people × 8 h in all"
        );
        assert!(booked.values().all(|m| *m <= DAY_MINUTES));
    }
}
