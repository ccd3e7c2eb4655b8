//! One table in long form, `section,subject,measure,value,status`, so that every
//! section fits one CSV (RFC 4180 quoting).
use llo_chassis::csv;

use super::{SUPPRESSION_RULE, cell_name, number};
use crate::domain::{
    figures::{Fig, Report},
    suppression::Cell,
};

struct Rows(String);

impl Rows {
    fn line(&mut self, section: &str, subject: &str, measure: &str, value: &str, status: &str) {
        // A subject may be a company's name as it was registered: never a live formula.
        let fields = [
            csv::plain(section),
            csv::text(subject),
            csv::plain(measure),
            csv::plain(value),
            csv::plain(status),
        ];
        self.0.push_str(&fields.join(","));
        self.0.push_str("\r\n");
    }

    fn fig(&mut self, section: &str, subject: &str, measure: &str, f: Fig) {
        let value = if f.cell.is_shown() {
            number(f.value)
        } else {
            String::new()
        };
        self.line(section, subject, measure, &value, cell_name(f.cell));
    }

    fn plain(&mut self, section: &str, subject: &str, measure: &str, value: f64) {
        self.line(
            section,
            subject,
            measure,
            &number(value),
            cell_name(Cell::Shown),
        );
    }
}

pub fn render(r: &Report) -> String {
    let mut rows = Rows(String::new());
    rows.line("section", "subject", "measure", "value", "status");
    rows.line("release", &r.region, "edition", &super::edition(r), "");
    if let Some(release) = &r.release {
        rows.plain("release", &r.region, "number", f64::from(release.number));
    }
    rows.line("suppression", &r.region, "rule", SUPPRESSION_RULE, "");
    rows.plain(
        "suppression",
        &r.region,
        "min_group_size",
        f64::from(r.min_group_size),
    );
    rows.plain(
        "suppression",
        &r.region,
        "small_group_cells",
        f64::from(r.tally.small_group),
    );
    rows.plain(
        "suppression",
        &r.region,
        "complementary_cells",
        f64::from(r.tally.complementary),
    );
    let o = &r.overview;
    let s = "overview";
    rows.plain(s, &r.region, "companies", f64::from(o.companies_total));
    for (class, count) in &o.companies {
        rows.plain(
            s,
            &r.region,
            &format!("companies_{class:?}").to_lowercase(),
            f64::from(*count),
        );
    }
    for (measure, f) in [
        ("employees_reached", o.employees_reached),
        ("uwv_referrals", o.uwv_referrals),
        ("development_plans", o.development_plans),
        ("learning_activities_planned", o.activities_planned),
        ("learning_activities_completed", o.activities_completed),
        ("learning_hours_planned", o.hours_planned),
        ("learning_hours_attended", o.hours_attended),
        ("workshop_registrations", o.registrations),
        ("workshop_attendance_rate", o.attendance_rate),
        ("average_feedback_rating", o.average_feedback),
    ] {
        rows.fig(s, &r.region, measure, f);
    }
    rows.plain(
        s,
        &r.region,
        "coaching_sessions",
        f64::from(o.coaching_sessions),
    );
    rows.plain(s, &r.region, "coaching_hours", o.coaching_hours);
    rows.plain(s, &r.region, "workshops_held", f64::from(o.workshops_held));
    rows.plain(
        s,
        &r.region,
        "knowledge_items",
        f64::from(o.knowledge_items),
    );
    for (state, count) in &o.trajectories {
        rows.plain(
            s,
            &r.region,
            &format!("trajectories_{}", state.as_str()),
            f64::from(*count),
        );
    }
    for d in &r.evaluation.dimensions {
        let s = "baseline_vs_follow_up";
        // A sector's own dimension is named with its sector: `zorg-welzijn/loopbaan`.
        let id = match &d.sector {
            Some(sector) => format!("{sector}/{}", d.dimension_id),
            None => d.dimension_id.clone(),
        };
        rows.fig(s, &id, "mean_baseline", d.mean_baseline);
        rows.fig(s, &id, "mean_follow_up", d.mean_follow_up);
        rows.fig(s, &id, "change", d.change);
        rows.plain(s, &id, "companies", f64::from(d.companies));
    }
    for c in &r.evaluation.companies {
        let s = "company_scan_change";
        if c.dimensions.is_empty() {
            rows.line(s, &c.organisation_name, "all", "", cell_name(c.cell));
        }
        for d in &c.dimensions {
            rows.fig(
                s,
                &c.organisation_name,
                &format!("{}_change", d.dimension_id),
                d.change,
            );
        }
    }
    let e = &r.evaluation;
    for (measure, f) in [
        ("reaction_attendance_rate", e.attendance_rate),
        ("reaction_average_feedback_rating", e.average_feedback),
        ("learning_participants_completed", e.participants_completed),
        ("learning_activities_completed", e.activities_completed),
        ("learning_credentials_awarded", e.credentials),
        ("behaviour_mean_change", e.mean_change),
    ] {
        rows.fig("kirkpatrick", &r.region, measure, f);
    }
    for k in &e.by_skill {
        let s = "learning_by_skill";
        rows.fig(s, &k.skill_uri, "participants", k.participants);
        rows.fig(s, &k.skill_uri, "activities_completed", k.activities);
    }
    for h in &r.hours {
        let s = "learning_hours_per_company";
        rows.fig(s, &h.organisation_name, "participants", h.participants);
        rows.fig(s, &h.organisation_name, "hours_planned", h.hours_planned);
        rows.fig(s, &h.organisation_name, "hours_attended", h.hours_attended);
    }
    for src in &r.funding.sources {
        let s = "funding_per_source";
        if let Some(budget) = src.source.budget_cents {
            rows.plain(s, &src.source.id, "budget_cents", budget as f64);
        }
        let amount = |cents: i64| Fig {
            value: cents as f64,
            cell: src.cell,
        };
        let id = &src.source.id;
        rows.fig(s, id, "committed_cents", amount(src.committed_cents));
        rows.fig(s, id, "spent_cents", amount(src.spent_cents));
        if let Some(remaining) = src.remaining_cents {
            rows.fig(s, id, "remaining_cents", amount(remaining));
        }
    }
    rows.fig(
        "funding",
        &r.region,
        "cost_per_participant_cents",
        r.funding.cost_per_participant_cents,
    );
    for c in &r.funding.companies {
        rows.fig(
            "public_funding_per_company",
            &c.organisation_name,
            "public_cents",
            c.public_cents,
        );
    }
    if let Some(p) = &r.project {
        let s = "project_costs";
        for w in &p.work_packages {
            rows.plain(s, &w.id, "budgeted_cents", w.budgeted_cents as f64);
            rows.plain(s, &w.id, "realised_cents", w.realised_cents as f64);
            rows.plain(s, &w.id, "eligible_cents", w.eligible_cents as f64);
        }
        rows.plain(s, &r.region, "grant_cents", p.grant_cents as f64);
        rows.plain(s, &r.region, "cap_cents", p.cap_cents as f64);
    }
    for m in &r.months {
        let s = "participation_over_time";
        rows.fig(s, &m.month, "active_participants", m.active_participants);
        rows.fig(s, &m.month, "hours_attended", m.hours_attended);
    }
    rows.0
}
