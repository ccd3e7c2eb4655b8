//! A self-contained HTML report: inline CSS, charts as inline SVG, no scripts and
//! no external assets, so it opens anywhere and can be mailed on.
mod project;

use llo_chassis::html::escape as esc;
use std::fmt::Write as _;

use super::{SUPPRESSION_RULE, euro, mark, number, text};
use crate::domain::figures::{Fig, Report};

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:60rem;color:#1d2733;line-height:1.45;padding:0 1rem}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:2px solid #2a6f97;padding-bottom:.2rem}\
table{border-collapse:collapse;width:100%;margin:.6rem 0}th,td{border-bottom:1px solid #d8dee4;padding:.3rem .5rem;text-align:left}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.s{color:#8a6d3b;font-style:italic}.note{background:#f4f7fa;border-left:4px solid #2a6f97;padding:.6rem .9rem}\
.kpis{display:flex;flex-wrap:wrap;gap:.8rem}.kpi{background:#f4f7fa;border-radius:6px;padding:.5rem .8rem;min-width:9rem}.kpi b{display:block;font-size:1.3rem}\
svg{max-width:100%;height:auto}.release{color:#4a5968}.draft{background:#fff4e5;border-left:4px solid #c77c02;padding:.6rem .9rem}.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle}";

const BLUE: &str = "#9ec5e0";
const DARK: &str = "#2a6f97";

fn td(f: Fig) -> String {
    if f.cell.is_shown() {
        format!("<td class=\"n\">{}</td>", number(f.value))
    } else {
        format!("<td class=\"s\">{}</td>", mark(f.cell))
    }
}

fn td_signed(f: Fig) -> String {
    if f.cell.is_shown() {
        format!("<td class=\"n\">{}</td>", super::signed(f.value))
    } else {
        format!("<td class=\"s\">{}</td>", mark(f.cell))
    }
}

fn td_euro(f: Fig) -> String {
    if f.cell.is_shown() {
        format!("<td class=\"n\">{}</td>", euro(f.value))
    } else {
        format!("<td class=\"s\">{}</td>", mark(f.cell))
    }
}

/// A horizontal bar chart: one group per label, one bar per series; hidden values
/// are drawn as no bar with the mark as text.
fn bars(labels: &[String], series: &[(&str, &str, Vec<Fig>)], max: f64, unit: &str) -> String {
    let bar_h = 14.0;
    let group_h = bar_h * series.len() as f64 + 10.0;
    let left = 190.0;
    let width = 640.0;
    let plot = width - left - 90.0;
    let height = group_h * labels.len() as f64 + 10.0;
    let max = if max > 0.0 { max } else { 1.0 };
    let mut svg = format!(
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\">"
    );
    for (i, label) in labels.iter().enumerate() {
        let y0 = 5.0 + group_h * i as f64;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            y0 + bar_h,
            esc(label)
        );
        for (j, (_, colour, values)) in series.iter().enumerate() {
            let y = y0 + bar_h * j as f64;
            let f = values.get(i).copied().unwrap_or(Fig::not_available());
            if f.cell.is_shown() {
                let w = (f.value.max(0.0) / max * plot).max(0.5);
                let _ = write!(
                    svg,
                    "<rect x=\"{left}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>\
                     <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}{unit}</text>",
                    bar_h - 2.0,
                    left + w + 4.0,
                    y + bar_h - 3.0,
                    number(f.value)
                );
            } else {
                let _ = write!(
                    svg,
                    "<text x=\"{left}\" y=\"{:.1}\" font-size=\"11\" fill=\"#8a6d3b\">{}</text>",
                    y + bar_h - 3.0,
                    mark(f.cell)
                );
            }
        }
    }
    svg.push_str("</svg>");
    let mut legend = String::from("<p class=\"legend\">");
    for (name, colour, _) in series {
        let _ = write!(
            legend,
            "<span style=\"background:{colour}\"></span>{}",
            esc(name)
        );
    }
    legend.push_str("</p>");
    format!("{svg}{legend}")
}

fn max_of<'a>(figs: impl Iterator<Item = &'a Fig>) -> f64 {
    figs.filter(|f| f.cell.is_shown())
        .map(|f| f.value)
        .fold(0.0, f64::max)
}

pub fn render(r: &Report) -> String {
    let mut h = String::new();
    header(r, &mut h);
    overview(r, &mut h);
    scan(r, &mut h);
    levels(r, &mut h);
    skills(r, &mut h);
    hours(r, &mut h);
    funding(r, &mut h);
    project::costs(r, &mut h);
    participation(r, &mut h);
    h.push_str("</body></html>\n");
    h
}

/// The page's head, title and what the figures may not show.
fn header(r: &Report, h: &mut String) {
    // The programme's name usually names its region already ("LLO Achterhoek — …").
    let region = if r.programme.contains(&r.region_name) {
        String::new()
    } else {
        format!(" — {}", esc(&r.region_name))
    };
    let title = format!(
        "{}{region}{}",
        esc(&r.programme),
        r.sector
            .as_deref()
            .map(|s| format!(" ({})", esc(s)))
            .unwrap_or_default()
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{CSS}</style></head><body>"
    );
    let _ = write!(
        h,
        "<h1>{title}</h1><p>Evaluation report of the programme: what changed in the companies' learning culture, who took part, how the learning went and how it was funded.</p>"
    );
    let class = if r.release.is_some() {
        "release"
    } else {
        "draft"
    };
    let _ = write!(h, "<p class=\"{class}\">{}</p>", esc(&super::edition(r)));
    let _ = write!(
        h,
        "<section id=\"anonymity\"><h2>About the figures</h2><p class=\"note\">{} Minimum group size: {}. In this report {} figure(s) were suppressed for describing too few people and {} more to protect them.</p></section>",
        esc(SUPPRESSION_RULE),
        r.min_group_size,
        r.tally.small_group,
        r.tally.complementary
    );
}

/// The programme at a glance: the key figures.
fn overview(r: &Report, h: &mut String) {
    let o = &r.overview;
    let _ = write!(
        h,
        "<section id=\"overview\"><h2>The programme at a glance</h2><div class=\"kpis\">"
    );
    for (label, value) in [
        ("Companies", number(f64::from(o.companies_total))),
        ("Employees reached", text(o.employees_reached)),
        ("Through a UWV referral", text(o.uwv_referrals)),
        ("Development plans", text(o.development_plans)),
        (
            "Learning activities completed",
            text(o.activities_completed),
        ),
        ("Learning hours attended", text(o.hours_attended)),
        ("Coaching sessions", number(f64::from(o.coaching_sessions))),
        ("Coaching hours", number(o.coaching_hours)),
        ("Workshops held", number(f64::from(o.workshops_held))),
        ("Workshop attendance rate", text(o.attendance_rate)),
        ("Knowledge items", number(f64::from(o.knowledge_items))),
    ] {
        let _ = write!(
            h,
            "<div class=\"kpi\"><b>{}</b>{}</div>",
            esc(&value),
            esc(label)
        );
    }
    h.push_str("</div></section>");
}

/// Baseline beside follow-up, per dimension.
fn scan(r: &Report, h: &mut String) {
    let e = &r.evaluation;
    let labels: Vec<String> = e
        .dimensions
        .iter()
        .map(|d| d.dimension_name.clone())
        .collect();
    let _ = write!(
        h,
        "<section id=\"scan\"><h2>Learning culture: baseline and follow-up per dimension</h2><p>Respondent-weighted mean score (Likert 1–5) over the {} compan(y/ies) with both scans.</p>",
        e.companies_compared
    );
    h.push_str(&bars(
        &labels,
        &[
            (
                "Baseline",
                BLUE,
                e.dimensions.iter().map(|d| d.mean_baseline).collect(),
            ),
            (
                "Follow-up",
                DARK,
                e.dimensions.iter().map(|d| d.mean_follow_up).collect(),
            ),
        ],
        5.0,
        "",
    ));
    h.push_str("<table><tr><th>Dimension</th><th>Baseline</th><th>Follow-up</th><th>Change</th><th>Companies</th></tr>");
    for d in &e.dimensions {
        let _ = write!(
            h,
            "<tr><td>{}</td>{}{}{}<td class=\"n\">{}</td></tr>",
            esc(&d.dimension_name),
            td(d.mean_baseline),
            td(d.mean_follow_up),
            td_signed(d.change),
            d.companies
        );
    }
    h.push_str("</table>");
    if !e.companies.is_empty() {
        h.push_str("<table><tr><th>Company</th><th>Mean change over the dimensions</th></tr>");
        for c in &e.companies {
            let changes: Vec<f64> = c
                .dimensions
                .iter()
                .filter(|d| d.change.cell.is_shown())
                .map(|d| d.change.value)
                .collect();
            let cell = if !c.cell.is_shown() {
                format!("<td class=\"s\">{}</td>", mark(c.cell))
            } else if changes.is_empty() {
                "<td class=\"s\">not available</td>".into()
            } else {
                format!(
                    "<td class=\"n\">{:+.2}</td>",
                    changes.iter().sum::<f64>() / changes.len() as f64
                )
            };
            let _ = write!(h, "<tr><td>{}</td>{cell}</tr>", esc(&c.organisation_name));
        }
        h.push_str("</table>");
    }
    h.push_str("</section>");
}

/// The evaluation by Kirkpatrick's levels.
fn levels(r: &Report, h: &mut String) {
    let e = &r.evaluation;
    let _ = write!(
        h,
        "<section id=\"levels\"><h2>Evaluation by level</h2><table><tr><th>Level</th><th>Measure</th><th>Value</th></tr>\
         <tr><td>Reaction</td><td>Workshop attendance rate</td>{}</tr>\
         <tr><td>Reaction</td><td>Average feedback rating</td>{}</tr>\
         <tr><td>Learning</td><td>Participants who completed an activity</td>{}</tr>\
         <tr><td>Learning</td><td>Activities completed</td>{}</tr>\
         <tr><td>Learning</td><td>Credentials awarded</td>{}</tr>\
         <tr><td>Behaviour and culture</td><td>Mean change of the scan</td>{}</tr>\
         <tr><td>Behaviour and culture</td><td>Dimensions improved / declined</td><td class=\"n\">{} / {}</td></tr></table></section>",
        td(e.attendance_rate),
        td(e.average_feedback),
        td(e.participants_completed),
        td(e.activities_completed),
        td(e.credentials),
        td(e.mean_change),
        e.dimensions_improved,
        e.dimensions_declined
    );
}

/// Learning by ESCO skill of the courses completed.
fn skills(r: &Report, h: &mut String) {
    let rows = &r.evaluation.by_skill;
    h.push_str(
        "<section id=\"skills\"><h2>Learning by skill</h2><p>The ESCO skills of the courses completed \
         (the sector's skills list): how many participants completed a course teaching each, and \
         how many such courses were completed. One course teaches several skills, so the rows \
         overlap.</p>",
    );
    if rows.is_empty() {
        h.push_str("<p>No completed course names a skill yet.</p></section>");
        return;
    }
    h.push_str(
        "<table><tr><th>Skill (ESCO)</th><th>Participants</th><th>Courses completed</th></tr>",
    );
    for row in rows {
        let _ = write!(
            h,
            "<tr><td><a href=\"{}\">{}</a></td>{}{}</tr>",
            esc(&row.skill_uri),
            esc(&row.label),
            td(row.participants),
            td(row.activities)
        );
    }
    h.push_str("</table></section>");
}

/// Learning hours per company.
fn hours(r: &Report, h: &mut String) {
    let labels: Vec<String> = r
        .hours
        .iter()
        .map(|c| c.organisation_name.clone())
        .collect();
    let max = max_of(
        r.hours
            .iter()
            .flat_map(|c| [&c.hours_planned, &c.hours_attended]),
    );
    h.push_str("<section id=\"hours\"><h2>Learning hours per company</h2>");
    h.push_str(&bars(
        &labels,
        &[
            (
                "Planned",
                BLUE,
                r.hours.iter().map(|c| c.hours_planned).collect(),
            ),
            (
                "Attended",
                DARK,
                r.hours.iter().map(|c| c.hours_attended).collect(),
            ),
        ],
        max,
        " h",
    ));
    h.push_str("<table><tr><th>Company</th><th>Participants</th><th>Hours planned</th><th>Hours attended</th></tr>");
    for c in &r.hours {
        let _ = write!(
            h,
            "<tr><td>{}</td>{}{}{}</tr>",
            esc(&c.organisation_name),
            td(c.participants),
            td(c.hours_planned),
            td(c.hours_attended)
        );
    }
    h.push_str("</table></section>");
}

/// Funding per source and per company.
fn funding(r: &Report, h: &mut String) {
    let f = &r.funding;
    let labels: Vec<String> = f.sources.iter().map(|s| s.source.name.clone()).collect();
    let max = f
        .sources
        .iter()
        .map(|s| {
            s.source
                .budget_cents
                .unwrap_or(0)
                .max(s.committed_cents + s.spent_cents) as f64
                / 100.0
        })
        .fold(0.0, f64::max);
    h.push_str("<section id=\"funding\"><h2>Funding per source</h2>");
    h.push_str(&bars(
        &labels,
        &[
            (
                "Budget (€)",
                BLUE,
                f.sources
                    .iter()
                    .map(|s| {
                        s.source
                            .budget_cents
                            .map_or(Fig::not_available(), |b| Fig::shown(b as f64 / 100.0))
                    })
                    .collect(),
            ),
            (
                "Committed + spent (€)",
                DARK,
                f.sources
                    .iter()
                    .map(|s| Fig {
                        value: (s.committed_cents + s.spent_cents) as f64 / 100.0,
                        cell: s.cell,
                    })
                    .collect(),
            ),
        ],
        max,
        "",
    ));
    h.push_str("<table><tr><th>Source</th><th>Budget</th><th>Committed</th><th>Spent</th><th>Remaining</th></tr>");
    for s in &f.sources {
        let amount = |cents: i64| {
            td_euro(Fig {
                value: cents as f64,
                cell: s.cell,
            })
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td>{}{}{}</tr>",
            esc(&s.source.name),
            s.source
                .budget_cents
                .map_or("no ceiling".into(), |b| euro(b as f64)),
            amount(s.committed_cents),
            amount(s.spent_cents),
            s.remaining_cents
                .map_or("<td class=\"n\">—</td>".into(), amount),
        );
    }
    let figure = |f: Fig| {
        if f.cell.is_shown() {
            euro(f.value)
        } else {
            mark(f.cell).to_owned()
        }
    };
    if f.totals_cell.is_shown() {
        let _ = write!(
            h,
            "</table><p>Total funding {} for {} participant(s); cost per participant: {}.</p>",
            euro(f.total_cents as f64),
            f.participants_funded,
            figure(f.cost_per_participant_cents)
        );
    } else {
        let _ = write!(
            h,
            "</table><p>Total funding, participants funded and cost per participant: {}.</p>",
            mark(f.totals_cell),
        );
    }
    h.push_str(
        "<table><tr><th>Company</th><th>Public funding received</th><th>All funding</th></tr>",
    );
    for c in &f.companies {
        let _ = write!(
            h,
            "<tr><td>{}</td>{}{}</tr>",
            esc(&c.organisation_name),
            td_euro(c.public_cents),
            td_euro(c.total_cents)
        );
    }
    h.push_str("</table></section>");
}

/// Participation per month: the programme's timeline.
fn participation(r: &Report, h: &mut String) {
    let labels: Vec<String> = r.months.iter().map(|m| m.month.clone()).collect();
    let max = max_of(r.months.iter().map(|m| &m.hours_attended));
    h.push_str("<section id=\"participation\"><h2>Participation over time</h2><p>Learning hours completed per month, and how many participants completed an activity that month.</p>");
    if !r.phases.is_empty() {
        h.push_str("<table><tr><th>Phase of the programme</th><th>From</th><th>Until</th></tr>");
        for p in &r.phases {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.name),
                p.start,
                p.end
            );
        }
        h.push_str("</table>");
    }
    if r.months.is_empty() {
        h.push_str("<p>No completed learning activities yet.</p>");
    } else {
        h.push_str(&bars(
            &labels,
            &[(
                "Hours attended",
                DARK,
                r.months.iter().map(|m| m.hours_attended).collect(),
            )],
            max,
            " h",
        ));
        h.push_str(
            "<table><tr><th>Month</th><th>Phase</th><th>Active participants</th><th>Hours attended</th></tr>",
        );
        for m in &r.months {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td>{}{}</tr>",
                esc(&m.month),
                esc(m.phase.as_deref().unwrap_or("")),
                td(m.active_participants),
                td(m.hours_attended)
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</section>");
}
