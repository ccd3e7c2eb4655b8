use serde_json::{Value, json};

use super::{SUPPRESSION_RULE, cell_name};
use crate::domain::{
    figures::{Fig, Report},
    suppression::Cell,
};

fn fig(f: Fig) -> Value {
    if f.cell.is_shown() {
        json!({ "value": f.value, "status": "shown" })
    } else {
        json!({ "value": null, "status": cell_name(f.cell) })
    }
}

/// An amount of a row that may be hidden: null when it is.
fn shown_cents(cell: Cell, cents: i64) -> Option<i64> {
    cell.is_shown().then_some(cents)
}

pub fn render(r: &Report) -> String {
    let o = &r.overview;
    let e = &r.evaluation;
    let f = &r.funding;
    let value = json!({
        "region": r.region,
        "region_name": r.region_name,
        "programme": r.programme,
        "sector": r.sector,
        "release": r.release.as_ref().map(|release| json!({
            "number": release.number,
            "published_time": release.published_at.to_rfc3339(),
            "as_of_time": release.as_of.map(|t| t.to_rfc3339()),
            "note": release.note,
        })),
        "edition": super::edition(r),
        "suppression": {
            "min_group_size": r.min_group_size,
            "small_group_cells": r.tally.small_group,
            "complementary_cells": r.tally.complementary,
            "rule": SUPPRESSION_RULE,
        },
        "overview": {
            "companies": o.companies.iter().map(|(k, v)| (format!("{k:?}").to_lowercase(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
            "companies_total": o.companies_total,
            "employees_reached": fig(o.employees_reached),
            "uwv_referrals": fig(o.uwv_referrals),
            "development_plans": fig(o.development_plans),
            "learning_activities_planned": fig(o.activities_planned),
            "learning_activities_completed": fig(o.activities_completed),
            "learning_hours_planned": fig(o.hours_planned),
            "learning_hours_attended": fig(o.hours_attended),
            "coaching_sessions": o.coaching_sessions,
            "coaching_hours": o.coaching_hours,
            "workshops_held": o.workshops_held,
            "workshop_registrations": fig(o.registrations),
            "workshop_attendance_rate": fig(o.attendance_rate),
            "average_feedback_rating": fig(o.average_feedback),
            "knowledge_items": o.knowledge_items,
            "trajectories": o.trajectories.iter().map(|(k, v)| (k.as_str(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
        },
        "baseline_vs_follow_up": e.dimensions.iter().map(|d| json!({
            "dimension_id": d.dimension_id,
            "dimension_name": d.dimension_name,
            "sector": d.sector,
            "mean_baseline": fig(d.mean_baseline),
            "mean_follow_up": fig(d.mean_follow_up),
            "change": fig(d.change),
            "companies": d.companies,
            "baseline_respondents": fig(d.baseline_respondents),
            "follow_up_respondents": fig(d.follow_up_respondents),
        })).collect::<Vec<_>>(),
        "companies_compared": e.companies.iter().map(|c| json!({
            "organisation_name": c.organisation_name,
            "status": cell_name(c.cell),
            "dimensions": c.dimensions.iter().map(|d| json!({
                "dimension_id": d.dimension_id,
                "baseline": fig(d.baseline),
                "follow_up": fig(d.follow_up),
                "change": fig(d.change),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "kirkpatrick": {
            "reaction": {
                "workshop_participants": fig(e.workshop_participants),
                "attendance_rate": fig(e.attendance_rate),
                "average_feedback_rating": fig(e.average_feedback),
            },
            "learning": {
                "participants_completed": fig(e.participants_completed),
                "activities_completed": fig(e.activities_completed),
                "credentials_awarded": fig(e.credentials),
                "hours_attended": fig(e.hours_attended),
                "by_skill": e.by_skill.iter().map(|k| json!({
                    "skill_uri": k.skill_uri,
                    "label": k.label,
                    "participants": fig(k.participants),
                    "activities": fig(k.activities),
                })).collect::<Vec<_>>(),
            },
            "behaviour": {
                "companies_compared": e.companies_compared,
                "mean_change": fig(e.mean_change),
                "dimensions_improved": e.dimensions_improved,
                "dimensions_declined": e.dimensions_declined,
            },
        },
        "learning_hours_per_company": r.hours.iter().map(|h| json!({
            "organisation_name": h.organisation_name,
            "status": cell_name(h.cell),
            "participants": fig(h.participants),
            "hours_planned": fig(h.hours_planned),
            "hours_attended": fig(h.hours_attended),
        })).collect::<Vec<_>>(),
        "funding_per_source": f.sources.iter().map(|s| json!({
            "source": s.source.id,
            "name": s.source.name,
            "kind": s.source.kind,
            "public": s.source.is_public(),
            "budget_cents": s.source.budget_cents,
            "status": cell_name(s.cell),
            "committed_cents": shown_cents(s.cell, s.committed_cents),
            "spent_cents": shown_cents(s.cell, s.spent_cents),
            "remaining_cents": s.remaining_cents.and_then(|c| shown_cents(s.cell, c)),
        })).collect::<Vec<_>>(),
        "funding": {
            "status": cell_name(f.totals_cell),
            "total_cents": shown_cents(f.totals_cell, f.total_cents),
            "participants_funded": shown_cents(f.totals_cell, i64::from(f.participants_funded)),
            "cost_per_participant_cents": fig(f.cost_per_participant_cents),
        },
        "public_funding_per_company": f.companies.iter().map(|c| json!({
            "organisation_name": c.organisation_name,
            "public_cents": fig(c.public_cents),
            "total_cents": fig(c.total_cents),
            "participants_funded": fig(c.participants),
        })).collect::<Vec<_>>(),
        "project_costs": r.project.as_ref().map(|p| json!({
            "grant": p.grant_name,
            "regulation": p.regulation,
            "work_packages": p.work_packages.iter().map(|w| json!({
                "work_package": w.id,
                "name": w.name,
                "phase": w.phase,
                "budgeted_cents": w.budgeted_cents,
                "realised_cents": w.realised_cents,
                "eligible_cents": w.eligible_cents,
            })).collect::<Vec<_>>(),
            "budgeted_cents": p.budgeted_cents,
            "realised_cents": p.realised_cents,
            "eligible_cents": p.eligible_cents,
            "not_eligible_cents": p.not_eligible_cents,
            "grant_cents": p.grant_cents,
            "cap_cents": p.cap_cents,
            "participants": p.participants,
            "sme_participants": p.smes,
        })),
        "programme_phases": r.phases.iter().map(|p| json!({
            "name": p.name,
            "start": p.start.to_string(),
            "end": p.end.to_string(),
        })).collect::<Vec<_>>(),
        "participation_over_time": r.months.iter().map(|m| json!({
            "month": m.month,
            "phase": m.phase,
            "active_participants": fig(m.active_participants),
            "hours_attended": fig(m.hours_attended),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into())
}
