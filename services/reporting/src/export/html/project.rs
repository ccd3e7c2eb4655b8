//! The report's "Project costs and the grant" section: budget against realisation per
//! work package, as a chart and a table, and the grant that follows from the rules.
use std::fmt::Write as _;

use super::{BLUE, DARK, bars, esc};
use crate::{
    domain::figures::{Fig, Report},
    export::euro,
};

const GREEN: &str = "#5a9e6f";

pub(super) fn costs(r: &Report, h: &mut String) {
    let Some(p) = &r.project else {
        return;
    };
    let lines = &p.work_packages;
    let labels: Vec<String> = lines.iter().map(|w| w.name.clone()).collect();
    let euros = |cents: fn(&crate::domain::figures::WorkPackageCosts) -> i64| -> Vec<Fig> {
        lines
            .iter()
            .map(|w| Fig::shown(cents(w) as f64 / 100.0))
            .collect()
    };
    let max = lines
        .iter()
        .map(|w| w.budgeted_cents.max(w.realised_cents) as f64 / 100.0)
        .fold(0.0, f64::max);
    h.push_str("<section id=\"project\"><h2>Project costs and the grant</h2>");
    let _ = write!(
        h,
        "<p>The programme's own costs as its books hold them: the participants' approved \
         project hours at their rates and approved invoices of third parties, against the \
         project plan. {} pays the eligible costs{}; learning costs are funded per source \
         above. These are the collaboration's costs, not figures about people.</p>",
        esc(&p.grant_name),
        if p.regulation.is_empty() {
            String::new()
        } else {
            format!(" under the {}", esc(&p.regulation))
        }
    );
    h.push_str(&bars(
        &labels,
        &[
            ("Budget (€)", BLUE, euros(|w| w.budgeted_cents)),
            ("Realised (€)", DARK, euros(|w| w.realised_cents)),
            ("Eligible (€)", GREEN, euros(|w| w.eligible_cents)),
        ],
        max,
        "",
    ));
    h.push_str(
        "<table><tr><th>Work package</th><th>Phase</th><th>Budget</th><th>Realised</th>\
         <th>Eligible</th><th>Realised of budget</th></tr>",
    );
    for w in lines {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&w.name),
            esc(w.phase.as_deref().unwrap_or("throughout")),
            euro(w.budgeted_cents as f64),
            euro(w.realised_cents as f64),
            euro(w.eligible_cents as f64),
            percent(w.realised_cents, w.budgeted_cents),
        );
    }
    let _ = write!(
        h,
        "<tr><th>Total</th><th></th><th class=\"n\">{}</th><th class=\"n\">{}</th>\
         <th class=\"n\">{}</th><th class=\"n\">{}</th></tr></table>",
        euro(p.budgeted_cents as f64),
        euro(p.realised_cents as f64),
        euro(p.eligible_cents as f64),
        percent(p.realised_cents, p.budgeted_cents),
    );
    let _ = write!(
        h,
        "<div class=\"kpis\"><div class=\"kpi\"><b>{}</b>grant as realised</div>\
         <div class=\"kpi\"><b>{}</b>of its cap of {}</div>\
         <div class=\"kpi\"><b>{} of {}</b>participants are SMEs</div></div>",
        euro(p.grant_cents as f64),
        percent(p.grant_cents, p.cap_cents),
        euro(p.cap_cents as f64),
        p.smes,
        p.participants,
    );
    if p.not_eligible_cents != 0 {
        let _ = write!(
            h,
            "<p>{} of the realised costs are of kinds {} does not pay.</p>",
            euro(p.not_eligible_cents as f64),
            esc(&p.grant_name)
        );
    }
    h.push_str(
        "<p class=\"note\">The grant shown is computed from the approved books with the \
         regulation's rules; the funder fixes it on the lead applicant's final statement.</p>\
         </section>",
    );
}

fn percent(part: i64, whole: i64) -> String {
    if whole > 0 {
        format!("{} %", part * 100 / whole)
    } else {
        "—".to_owned()
    }
}
