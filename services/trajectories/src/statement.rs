//! The final statement for the funder: what the lead applicant hands in for the grant to
//! be fixed. Built from the realisation and the approved ledger; rendered as JSON, CSV
//! or a Dutch HTML document. Exact figures, not suppressed: only the programme manager
//! may export it.
use llo_chassis::html::escape as esc;
use llo_chassis::{csv, money::euros as euro};
use serde::Serialize;

use crate::domain::realisation::{Check, Realisation};

/// Costs of one participant by kind, euro cents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CostsByType {
    pub own_staff_hours: i64,
    pub third_party_services: i64,
    pub training_fees: i64,
    pub materials: i64,
    pub travel: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParticipantStatement {
    pub key: String,
    pub name: String,
    pub sme: bool,
    pub costs: CostsByType,
    pub budgeted_cents: i64,
    pub realised_cents: i64,
    pub eligible_cents: i64,
    pub grant_cents: i64,
}

/// One person's approved minutes on one day on one work package.
#[derive(Debug, Clone, Serialize)]
pub struct DayOfHours {
    pub participant: String,
    pub person_id: String,
    pub day: String,
    pub work_package: String,
    pub minutes: i64,
    /// The rate the hours were recorded at, in euro cents.
    pub hourly_rate_cents: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceLine {
    pub participant: String,
    pub supplier: String,
    pub number: String,
    pub day: String,
    pub work_package: String,
    pub cost_type: String,
    pub excl_vat_cents: i64,
    pub incl_vat_cents: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleOutcome {
    pub rule: String,
    pub kept: bool,
    pub detail: String,
}

impl From<Check> for RuleOutcome {
    fn from(c: Check) -> Self {
        RuleOutcome {
            rule: c.rule,
            kept: c.kept,
            detail: c.detail,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub region: String,
    pub programme: String,
    pub source: String,
    pub source_name: String,
    pub regulation: String,
    pub generated_at: String,
    pub participants: Vec<ParticipantStatement>,
    pub budgeted_cents: i64,
    pub realised_cents: i64,
    pub eligible_cents: i64,
    pub grant_cents: i64,
    pub sme_participants: usize,
    pub rules: Vec<RuleOutcome>,
    pub hours: Vec<DayOfHours>,
    pub invoices: Vec<InvoiceLine>,
}

impl Statement {
    /// The participants' figures from the realisation, each with its costs by type.
    pub fn participants(
        realisation: &Realisation,
        costs: impl Fn(&str) -> CostsByType,
    ) -> Vec<ParticipantStatement> {
        realisation
            .participants
            .iter()
            .map(|p| ParticipantStatement {
                key: p.key.clone(),
                name: p.name.clone(),
                sme: p.sme,
                costs: costs(&p.key),
                budgeted_cents: p.budgeted_cents,
                realised_cents: p.realised_cents,
                eligible_cents: p.eligible_cents,
                grant_cents: p.grant_cents,
            })
            .collect()
    }
}

pub fn json(statement: &Statement) -> String {
    serde_json::to_string_pretty(statement).unwrap_or_default()
}

/// One row per figure: section, participant, subject, measure, value.
pub fn csv(s: &Statement) -> String {
    let mut out = String::from("section,participant,subject,measure,value\n");
    let mut row =
        |section: &str, participant: &str, subject: &str, measure: &str, value: String| {
            // Keys and subjects hold names people typed; the rest the statement wrote.
            let fields = [
                csv::plain(section),
                csv::text(participant),
                csv::text(subject),
                csv::plain(measure),
                csv::plain(&value),
            ];
            out.push_str(&fields.join(","));
            out.push('\n');
        };
    for p in &s.participants {
        let costs = [
            ("own_staff_hours", p.costs.own_staff_hours),
            ("third_party_services", p.costs.third_party_services),
            ("training_fees", p.costs.training_fees),
            ("materials", p.costs.materials),
            ("travel", p.costs.travel),
        ];
        for (kind, cents) in costs {
            row("costs", &p.key, kind, "realised_cents", cents.to_string());
        }
        for (measure, cents) in [
            ("budgeted_cents", p.budgeted_cents),
            ("realised_cents", p.realised_cents),
            ("eligible_cents", p.eligible_cents),
            ("grant_cents", p.grant_cents),
        ] {
            row("participant", &p.key, &p.name, measure, cents.to_string());
        }
    }
    for (measure, cents) in [
        ("budgeted_cents", s.budgeted_cents),
        ("realised_cents", s.realised_cents),
        ("eligible_cents", s.eligible_cents),
        ("grant_cents", s.grant_cents),
    ] {
        row("total", "", &s.source, measure, cents.to_string());
    }
    for r in &s.rules {
        row(
            "rule",
            "",
            &r.rule,
            if r.kept { "kept" } else { "not kept" },
            r.detail.clone(),
        );
    }
    for h in &s.hours {
        let subject = format!("{} {} {}/h", h.person_id, h.day, h.hourly_rate_cents);
        row(
            "hours",
            &h.participant,
            &subject,
            &h.work_package,
            h.minutes.to_string(),
        );
    }
    for i in &s.invoices {
        let subject = format!("{} {} {}", i.supplier, i.number, i.day);
        row(
            "invoice",
            &i.participant,
            &subject,
            &i.cost_type,
            i.incl_vat_cents.to_string(),
        );
    }
    out
}

fn hours(minutes: i64) -> String {
    format!("{},{:02}", minutes / 60, (minutes % 60).abs() * 100 / 60)
}

/// The statement as one self-contained Dutch HTML document.
pub fn html(s: &Statement) -> String {
    let mut out = format!(
        "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">\
         <title>Einddeclaratie {source} — {programme}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2rem auto;color:#1d2733}}\
         h1{{font-size:1.6rem}}h2{{margin-top:2rem;border-bottom:2px solid #2a6f97}}\
         table{{border-collapse:collapse;width:100%;margin:.5rem 0}}\
         th,td{{border-bottom:1px solid #ccd;padding:.3rem .5rem;text-align:left}}\
         td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}\
         .kept{{color:#1b7f3a}}.broken{{color:#b3261e;font-weight:600}}\
         tfoot td{{font-weight:600}}</style></head><body>\
         <h1>Einddeclaratie {source}</h1><p>{programme} · regio {region} · {regulation} · \
         opgesteld {generated}</p>",
        source = esc(&s.source_name),
        programme = esc(&s.programme),
        region = esc(&s.region),
        regulation = esc(&s.regulation),
        generated = esc(&s.generated_at),
    );
    out.push_str(
        "<h2>Kosten en subsidie per deelnemer</h2><table><thead><tr><th>Deelnemer</th>\
         <th>MKB</th><th class=n>Eigen uren</th><th class=n>Derden</th>\
         <th class=n>Scholing</th><th class=n>Overig</th><th class=n>Begroot</th>\
         <th class=n>Gerealiseerd</th><th class=n>Subsidiabel</th><th class=n>Subsidie</th>\
         </tr></thead><tbody>",
    );
    for p in &s.participants {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td>\
             <td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>\
             <td class=n>{}</td><td class=n>{}</td></tr>",
            esc(&p.name),
            if p.sme { "ja" } else { "nee" },
            euro(p.costs.own_staff_hours),
            euro(p.costs.third_party_services),
            euro(p.costs.training_fees),
            euro(p.costs.materials + p.costs.travel),
            euro(p.budgeted_cents),
            euro(p.realised_cents),
            euro(p.eligible_cents),
            euro(p.grant_cents),
        ));
    }
    out.push_str(&format!(
        "</tbody><tfoot><tr><td colspan=6>Totaal ({} van {} deelnemers mkb)</td>\
         <td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>\
         </tfoot></table>",
        s.sme_participants,
        s.participants.len(),
        euro(s.budgeted_cents),
        euro(s.realised_cents),
        euro(s.eligible_cents),
        euro(s.grant_cents),
    ));
    out.push_str("<h2>Toetsing aan de regeling</h2><table><tbody>");
    for r in &s.rules {
        let (class, word) = if r.kept {
            ("kept", "voldaan")
        } else {
            ("broken", "niet voldaan")
        };
        out.push_str(&format!(
            "<tr><td>{}</td><td class={class}>{word}</td><td>{}</td></tr>",
            esc(&r.rule),
            esc(&r.detail)
        ));
    }
    out.push_str("</tbody></table>");
    out.push_str(
        "<h2>Bijlage A — uren per persoon per werkdag</h2><table><thead><tr>\
         <th>Deelnemer</th><th>Persoon</th><th>Dag</th><th>Werkpakket</th>\
         <th class=n>Uren</th><th class=n>Tarief</th></tr></thead><tbody>",
    );
    for h in &s.hours {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td>\
             <td class=n>{}</td></tr>",
            esc(&h.participant),
            esc(&h.person_id),
            esc(&h.day),
            esc(&h.work_package),
            hours(h.minutes),
            euro(h.hourly_rate_cents)
        ));
    }
    out.push_str(
        "</tbody></table><h2>Bijlage B — facturen van derden</h2><table><thead><tr>\
         <th>Deelnemer</th><th>Leverancier</th><th>Nummer</th><th>Datum</th>\
         <th>Werkpakket</th><th>Soort</th><th class=n>Excl. btw</th><th class=n>Incl. btw</th>\
         </tr></thead><tbody>",
    );
    for i in &s.invoices {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=n>{}</td><td class=n>{}</td></tr>",
            esc(&i.participant),
            esc(&i.supplier),
            esc(&i.number),
            esc(&i.day),
            esc(&i.work_package),
            esc(&i.cost_type),
            euro(i.excl_vat_cents),
            euro(i.incl_vat_cents)
        ));
    }
    out.push_str("</tbody></table></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_the_dutch_way() {
        assert_eq!(euro(19_055_500), "€ 190.555,00");
        assert_eq!(euro(-121_050), "€ -1.210,50");
        assert_eq!(euro(5), "€ 0,05");
        assert_eq!(hours(450), "7,50");
    }
}
