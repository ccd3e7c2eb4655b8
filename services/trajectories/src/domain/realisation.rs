//! The grant's realisation, free of I/O: per participant and work package what was
//! budgeted, realised (approved hours at the participant's rate) and eligible under the
//! source's regulation, the grant that follows (its share of the eligible costs, within
//! the caps per participant and per collaboration), and each rule of the regulation
//! checked with its outcome.
use llo_chassis::packs::{CostType, Eligibility, grant_shares, hours_cost};

use super::{books::BudgetLine, funding::euros};

/// At this share of a cap a warning says it is near.
const WARN_AT_PERCENT: i64 = 90;

/// A participant as the realisation needs it.
#[derive(Debug, Clone)]
pub struct Participant {
    pub key: String,
    pub name: String,
    pub sme: bool,
    /// The rate the plan's hours are budgeted at.
    pub hourly_rate_cents: i64,
    pub budget: Vec<BudgetLine>,
    /// Approved hours per work package and rate (reversals included, so net).
    pub approved_hours: Vec<Hours>,
    /// Approved invoices per work package and cost type (credit notes included, so net),
    /// VAT included.
    pub approved_invoices: Vec<(String, CostType, i64)>,
}

/// The source whose grant is realised.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub name: &'a str,
    /// Share of an eligible cost it pays, in percent (100 when the pack says none).
    pub percentage: u32,
    /// The collaboration's cap.
    pub budget_cents: Option<i64>,
    pub eligibility: Option<&'a Eligibility>,
}

/// Approved minutes of one work package recorded at one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    pub work_package: String,
    pub rate_cents: i64,
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub work_package: String,
    pub budgeted_cents: i64,
    pub approved_minutes: i64,
    /// The approved hours' cost.
    pub hours_cents: i64,
    pub invoiced_cents: i64,
    pub realised_cents: i64,
    pub eligible_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRealisation {
    pub key: String,
    pub name: String,
    pub sme: bool,
    pub lines: Vec<Line>,
    pub budgeted_cents: i64,
    pub realised_cents: i64,
    pub eligible_cents: i64,
    /// What the grant pays this participant: its share of the eligible costs, within the
    /// participant's maximum (and the collaboration's cap, shared in proportion).
    pub grant_cents: i64,
}

/// One rule of the regulation and whether the books keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub rule: String,
    pub kept: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realisation {
    pub participants: Vec<ParticipantRealisation>,
    pub budgeted_cents: i64,
    pub realised_cents: i64,
    pub eligible_cents: i64,
    pub grant_cents: i64,
    pub checks: Vec<Check>,
}

/// Does the source pay costs of this type?
fn pays(grant: &Grant<'_>, cost: CostType) -> bool {
    llo_chassis::packs::pays(grant.eligibility, cost)
}

pub fn realise(participants: &[Participant], grant: &Grant<'_>) -> Realisation {
    let rules = grant.eligibility;
    let mut shown: Vec<ParticipantRealisation> =
        participants.iter().map(|p| participant(p, grant)).collect();
    let mut checks = Vec::new();
    let participant_max = rules.and_then(|r| r.participant_max_cents);
    let eligible: Vec<i64> = shown.iter().map(|p| p.eligible_cents).collect();
    let shares = grant_shares(
        &eligible,
        grant.percentage,
        participant_max,
        grant.budget_cents,
    );

    // Each participant's share, within its maximum.
    if let Some(max) = participant_max {
        for p in &shown {
            if p.grant_cents > max {
                checks.push(Check {
                    rule: format!("{}: at most {} per participant", grant.name, euros(max)),
                    kept: false,
                    detail: format!(
                        "{} realised {} eligible; the grant pays {} of it",
                        p.name,
                        euros(p.eligible_cents),
                        euros(max)
                    ),
                });
            } else if p.grant_cents * 100 >= max * WARN_AT_PERCENT {
                // A warning before the cap is reached: more hours would not be paid.
                checks.push(Check {
                    rule: format!("{}: at most {} per participant", grant.name, euros(max)),
                    kept: true,
                    detail: format!(
                        "{} is at {} % of its maximum ({}); costs beyond it are not paid",
                        p.name,
                        p.grant_cents * 100 / max.max(1),
                        euros(p.grant_cents)
                    ),
                });
            }
        }
    }
    // The collaboration's cap, shared in proportion to what each would receive.
    let wanted: i64 = shown
        .iter()
        .map(|p| participant_max.map_or(p.grant_cents, |max| p.grant_cents.min(max)))
        .sum();
    if let Some(cap) = grant.budget_cents
        && wanted <= cap
        && wanted * 100 >= cap * WARN_AT_PERCENT
    {
        checks.push(Check {
            rule: format!(
                "{}: at most {} for the collaboration",
                grant.name,
                euros(cap)
            ),
            kept: true,
            detail: format!(
                "{} % of it is used ({}); costs beyond it are not paid",
                wanted * 100 / cap.max(1),
                euros(wanted)
            ),
        });
    }
    if let Some(cap) = grant.budget_cents
        && wanted > cap
    {
        checks.push(Check {
            rule: format!(
                "{}: at most {} for the collaboration",
                grant.name,
                euros(cap)
            ),
            kept: false,
            detail: format!(
                "the participants' shares add up to {}; each is lowered in proportion",
                euros(wanted)
            ),
        });
    }
    for (p, share) in shown.iter_mut().zip(shares) {
        p.grant_cents = share;
    }
    if let Some(min) = rules.and_then(|r| r.participant_min_cents) {
        let below: Vec<String> = shown
            .iter()
            .filter(|p| p.grant_cents < min)
            .map(|p| format!("{} ({})", p.name, euros(p.grant_cents)))
            .collect();
        checks.push(Check {
            rule: format!("{}: at least {} per participant", grant.name, euros(min)),
            kept: below.is_empty(),
            detail: if below.is_empty() {
                format!("every participant receives at least {}", euros(min))
            } else {
                format!("below the minimum: {}", below.join(", "))
            },
        });
    }
    if let Some(min) = rules.and_then(|r| r.sme_share_min_percent) {
        let smes = shown.iter().filter(|p| p.sme).count();
        let share = if shown.is_empty() {
            0
        } else {
            smes * 100 / shown.len()
        };
        checks.push(Check {
            rule: format!(
                "{}: at least {min} % of the participants are SMEs",
                grant.name
            ),
            kept: share >= min as usize,
            detail: format!(
                "{smes} of {} participants are SMEs ({share} %)",
                shown.len()
            ),
        });
    }
    let budgeted: i64 = shown.iter().map(|p| p.budgeted_cents).sum();
    let realised: i64 = shown.iter().map(|p| p.realised_cents).sum();
    if let Some(min) = rules.and_then(|r| r.realisation_min_percent) {
        let percent = if budgeted > 0 {
            realised * 100 / budgeted
        } else {
            0
        };
        checks.push(Check {
            rule: format!(
                "{}: at least {min} % of the budgeted costs realised, else the grant is lowered",
                grant.name
            ),
            kept: percent >= i64::from(min),
            detail: format!(
                "{} of {} realised ({percent} %)",
                euros(realised),
                euros(budgeted)
            ),
        });
    }
    let not_paid: i64 = shown
        .iter()
        .map(|p| p.realised_cents - p.eligible_cents)
        .sum();
    if not_paid > 0 {
        let pays: Vec<&str> = rules
            .map(|r| r.eligible_costs.iter().map(|c| c.describe()).collect())
            .unwrap_or_default();
        checks.push(Check {
            rule: format!("{}: pays {} only", grant.name, pays.join(", ")),
            kept: true,
            detail: format!(
                "{} of the realised costs are of other kinds and not charged to it",
                euros(not_paid)
            ),
        });
    }
    Realisation {
        budgeted_cents: budgeted,
        realised_cents: realised,
        eligible_cents: shown.iter().map(|p| p.eligible_cents).sum(),
        grant_cents: shown.iter().map(|p| p.grant_cents).sum(),
        participants: shown,
        checks,
    }
}

fn participant(p: &Participant, grant: &Grant<'_>) -> ParticipantRealisation {
    let mut packages: Vec<String> = p.budget.iter().map(|l| l.work_package.clone()).collect();
    let booked = p
        .approved_hours
        .iter()
        .map(|h| &h.work_package)
        .chain(p.approved_invoices.iter().map(|(wp, _, _)| wp));
    for wp in booked {
        if !packages.contains(wp) {
            packages.push(wp.clone());
        }
    }
    let lines: Vec<Line> = packages
        .into_iter()
        .map(|wp| {
            let budgeted = p
                .budget
                .iter()
                .find(|l| l.work_package == wp)
                .map_or(0, |l| l.planned_cost_cents(p.hourly_rate_cents));
            let hours = p.approved_hours.iter().filter(|h| h.work_package == wp);
            let minutes: i64 = hours.clone().map(|h| h.minutes).sum();
            let hours_cost = hours_cost(hours.map(|h| (h.minutes, h.rate_cents)));
            let invoices = p.approved_invoices.iter().filter(|(w, _, _)| *w == wp);
            let invoiced: i64 = invoices.clone().map(|(_, _, c)| c).sum();
            let eligible_invoiced: i64 = invoices
                .filter(|(_, cost, _)| pays(grant, *cost))
                .map(|(_, _, c)| c)
                .sum();
            let eligible_hours = if pays(grant, CostType::OwnStaffHours) {
                hours_cost
            } else {
                0
            };
            Line {
                work_package: wp,
                budgeted_cents: budgeted,
                approved_minutes: minutes,
                hours_cents: hours_cost,
                invoiced_cents: invoiced,
                realised_cents: hours_cost + invoiced,
                eligible_cents: eligible_hours + eligible_invoiced,
            }
        })
        .collect();
    let eligible: i64 = lines.iter().map(|l| l.eligible_cents).sum();
    ParticipantRealisation {
        key: p.key.clone(),
        name: p.name.clone(),
        sme: p.sme,
        budgeted_cents: lines.iter().map(|l| l.budgeted_cents).sum(),
        realised_cents: lines.iter().map(|l| l.realised_cents).sum(),
        eligible_cents: eligible,
        grant_cents: eligible * i64::from(grant.percentage) / 100,
        lines,
    }
}

#[cfg(test)]
// Amounts are written as euros_cents (25_000_00 is €25,000.00).
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use llo_chassis::packs::Packs;

    use super::*;

    /// MKB!DEE's rules as the Achterhoek pack states them.
    fn mkb_idee() -> Eligibility {
        let packs = Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        let region = packs.region("achterhoek").unwrap();
        let grant = region
            .budgets
            .iter()
            .find(|b| b.source == "mkb-idee")
            .unwrap();
        grant.eligibility.clone().unwrap()
    }

    fn company(key: &str, hours: i64, sme: bool) -> Participant {
        Participant {
            key: key.into(),
            name: key.into(),
            sme,
            hourly_rate_cents: 60_00,
            budget: vec![BudgetLine {
                work_package: "behoeftepeiling".into(),
                planned_hours: 420,
                planned_third_party_cents: 0,
            }],
            approved_hours: vec![Hours {
                work_package: "behoeftepeiling".into(),
                rate_cents: 60_00,
                minutes: hours * 60,
            }],
            approved_invoices: Vec::new(),
        }
    }

    #[test]
    fn the_grant_pays_its_share_of_the_eligible_hours_and_checks_each_rule() {
        let rules = mkb_idee();
        let grant = Grant {
            name: "MKB!DEE",
            percentage: 100,
            budget_cents: Some(200_000_00),
            eligibility: Some(&rules),
        };
        let books = realise(
            &[
                company("a", 420, true),
                company("b", 300, true),
                company("c", 420, false),
            ],
            &grant,
        );
        assert_eq!(books.participants[0].grant_cents, 420 * 60_00);
        assert_eq!(books.participants[1].grant_cents, 300 * 60_00);
        assert_eq!(books.budgeted_cents, 3 * 420 * 60_00);
        assert_eq!(books.realised_cents, (420 + 300 + 420) * 60_00);
        assert_eq!(books.grant_cents, books.eligible_cents);
        let kept: Vec<(bool, &str)> = books
            .checks
            .iter()
            .map(|c| (c.kept, c.detail.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                (false, "below the minimum: b (€ 18.000,00)"),
                (true, "2 of 3 participants are SMEs (66 %)"),
            ]
        );
    }

    #[test]
    fn a_participant_above_its_maximum_and_a_collaboration_above_its_cap_are_lowered() {
        let rules = mkb_idee();
        let grant = Grant {
            name: "MKB!DEE",
            percentage: 100,
            budget_cents: Some(150_000_00),
            eligibility: Some(&rules),
        };
        // 2,500 h at €60 = €150,000 eligible: capped at €124,999; with another €60,000
        // the collaboration's €150,000 is shared in proportion.
        let books = realise(
            &[company("a", 2_500, true), company("b", 1_000, true)],
            &grant,
        );
        let wanted = 124_999_00 + 60_000_00;
        assert_eq!(
            books.participants[0].grant_cents,
            (124_999_00_i64 * 150_000_00 / wanted)
        );
        assert!(books.grant_cents <= 150_000_00);
        assert!(!books.checks[0].kept && books.checks[0].rule.contains("per participant"));
        assert!(!books.checks[1].kept && books.checks[1].rule.contains("collaboration"));
    }

    #[test]
    fn a_cap_that_is_near_is_a_warning_before_it_is_crossed() {
        let rules = mkb_idee();
        let grant = Grant {
            name: "MKB!DEE",
            percentage: 100,
            budget_cents: Some(60_000_00),
            eligibility: Some(&rules),
        };
        // 2,000 h at €60 = €120,000: 96 % of €124,999; the collaboration's €60,000 is
        // crossed, so it is lowered, not warned about.
        let books = realise(&[company("a", 2_000, true)], &grant);
        let near = &books.checks[0];
        assert!(
            near.kept && near.detail.contains("at 96 % of its maximum"),
            "{near:?}"
        );
        let grant = Grant {
            budget_cents: Some(125_000_00),
            ..grant
        };
        let books = realise(&[company("a", 2_000, true)], &grant);
        let used: Vec<&str> = books.checks.iter().map(|c| c.detail.as_str()).collect();
        assert!(
            used.contains(&"96 % of it is used (€ 120.000,00); costs beyond it are not paid"),
            "{used:?}"
        );
    }

    #[test]
    fn a_source_that_pays_no_hours_realises_them_as_not_eligible_and_slim_checks_its_60_percent() {
        let rules = Eligibility {
            regulation: "SLIM".into(),
            eligible_costs: vec![CostType::TrainingFees],
            participant_min_cents: None,
            participant_max_cents: None,
            sme_share_min_percent: None,
            evidence: None,
            realisation_min_percent: Some(60),
        };
        let grant = Grant {
            name: "SLIM",
            percentage: 60,
            budget_cents: None,
            eligibility: Some(&rules),
        };
        let books = realise(&[company("a", 200, true)], &grant);
        assert_eq!((books.eligible_cents, books.grant_cents), (0, 0));
        assert_eq!(
            books.checks[0].detail,
            "€ 12.000,00 of € 25.200,00 realised (47 %)"
        );
        assert!(!books.checks[0].kept);
    }
}
