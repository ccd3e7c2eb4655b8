//! The project's costs and the grant: per work package the budget, what was realised
//! (approved hours at the rate they were recorded at, approved invoices with VAT) and
//! what the grant's regulation counts as eligible; in all, the grant that follows from
//! the pack's rules. These are the collaboration's costs, not figures about people, so
//! nothing is suppressed; no participant's or person's own figure is shown.
use std::collections::BTreeMap;

use llo_chassis::packs::{CostType, grant_shares, hours_cost, pays};

use crate::domain::model::*;

/// One work package's budget and realisation.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkPackageCosts {
    pub id: String,
    pub name: String,
    pub phase: Option<String>,
    pub budgeted_cents: i64,
    pub realised_cents: i64,
    pub eligible_cents: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectCosts {
    pub grant_name: String,
    pub regulation: String,
    pub work_packages: Vec<WorkPackageCosts>,
    pub budgeted_cents: i64,
    pub realised_cents: i64,
    pub eligible_cents: i64,
    /// What the grant pays of the eligible costs, within its caps.
    pub grant_cents: i64,
    pub cap_cents: i64,
    pub participants: usize,
    pub smes: usize,
    /// Approved costs of cost types the grant does not pay (a training fee, say).
    pub not_eligible_cents: i64,
}

/// Costs of one participant on one work package: its hours `(minutes, rate)`, priced
/// as trajectories' realisation prices them, and its invoices.
#[derive(Default)]
struct Realised {
    hours: Vec<(i64, i64)>,
    invoiced: i64,
    eligible_invoiced: i64,
}

impl Realised {
    fn hours(&self) -> i64 {
        hours_cost(self.hours.iter().copied())
    }
}

impl WorkPackageCosts {
    fn new(id: &str, name: &str, phase: Option<String>) -> Self {
        WorkPackageCosts {
            id: id.to_owned(),
            name: name.to_owned(),
            phase,
            budgeted_cents: 0,
            realised_cents: 0,
            eligible_cents: 0,
        }
    }
}

/// The line of a work package; one the pack no longer names is added, so that its
/// costs stay visible.
fn package<'a>(packages: &'a mut Vec<WorkPackageCosts>, id: &str) -> &'a mut WorkPackageCosts {
    let at = match packages.iter().position(|w| w.id == id) {
        Some(at) => at,
        None => {
            packages.push(WorkPackageCosts::new(id, id, None));
            packages.len() - 1
        }
    };
    &mut packages[at]
}

/// `None` when the region has no grant with work packages, or its books are empty.
pub fn project_costs(s: &Snapshot) -> Option<ProjectCosts> {
    let rules = s.project.as_ref()?;
    if s.project_participants.is_empty() && s.project_costs.is_empty() {
        return None;
    }
    let eligibility = rules.eligibility.as_ref();
    let hours_paid = pays(eligibility, CostType::OwnStaffHours);
    let mut realised: BTreeMap<(&str, &str), Realised> = BTreeMap::new();
    for c in &s.project_costs {
        let r = realised
            .entry((c.participant.as_str(), c.work_package.as_str()))
            .or_default();
        r.hours.push((c.minutes, c.hourly_rate_cents));
        r.invoiced += c.invoiced_cents;
        let paid = CostType::parse(&c.cost_type).is_some_and(|t| pays(eligibility, t));
        if paid {
            r.eligible_invoiced += c.invoiced_cents;
        }
    }
    let eligible_of = |r: &Realised| r.eligible_invoiced + if hours_paid { r.hours() } else { 0 };

    let mut packages: Vec<WorkPackageCosts> = rules
        .work_packages
        .iter()
        .map(|(id, name, phase)| WorkPackageCosts::new(id, name, phase.clone()))
        .collect();
    for p in &s.project_participants {
        for (wp, planned) in &p.budget {
            package(&mut packages, wp).budgeted_cents += planned;
        }
    }
    for ((_, wp), r) in &realised {
        let line = package(&mut packages, wp);
        line.realised_cents += r.hours() + r.invoiced;
        line.eligible_cents += eligible_of(r);
    }

    // The grant per participant of the plan, as the funder's rules give it.
    let mut keys: Vec<&str> = s
        .project_participants
        .iter()
        .map(|p| p.key.as_str())
        .collect();
    for (participant, _) in realised.keys() {
        if !keys.contains(participant) {
            keys.push(participant);
        }
    }
    let eligible: Vec<i64> = keys
        .iter()
        .map(|k| {
            realised
                .iter()
                .filter(|((p, _), _)| p == k)
                .map(|(_, r)| eligible_of(r))
                .sum()
        })
        .collect();
    let grant: i64 = grant_shares(
        &eligible,
        rules.percentage,
        eligibility.and_then(|e| e.participant_max_cents),
        Some(rules.cap_cents),
    )
    .iter()
    .sum();
    let realised_total: i64 = packages.iter().map(|w| w.realised_cents).sum();
    let eligible_total: i64 = packages.iter().map(|w| w.eligible_cents).sum();
    Some(ProjectCosts {
        grant_name: rules.grant_name.clone(),
        regulation: eligibility
            .map(|e| e.regulation.clone())
            .unwrap_or_default(),
        budgeted_cents: packages.iter().map(|w| w.budgeted_cents).sum(),
        realised_cents: realised_total,
        eligible_cents: eligible_total,
        not_eligible_cents: realised_total - eligible_total,
        grant_cents: grant,
        cap_cents: rules.cap_cents,
        participants: s.project_participants.len(),
        smes: s.project_participants.iter().filter(|p| p.sme).count(),
        work_packages: packages,
    })
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use llo_chassis::packs::{Eligibility, Evidence};

    use super::*;

    fn cost(
        participant: &str,
        wp: &str,
        kind: &str,
        minutes: i64,
        rate: i64,
        invoiced: i64,
    ) -> ProjectCost {
        ProjectCost {
            participant: participant.into(),
            work_package: wp.into(),
            cost_type: kind.into(),
            minutes,
            hourly_rate_cents: rate,
            invoiced_cents: invoiced,
            date: chrono::NaiveDate::from_ymd_opt(2022, 3, 1).unwrap_or_default(),
        }
    }

    fn books(cap_cents: i64) -> Snapshot {
        let wp = |id: &str, phase: Option<&str>| {
            (id.to_owned(), format!("WP {id}"), phase.map(str::to_owned))
        };
        Snapshot {
            project: Some(ProjectRules {
                work_packages: vec![wp("needs", Some("Behoeftepeiling")), wp("pm", None)],
                grant_name: "MKB!DEE".into(),
                percentage: 100,
                cap_cents,
                eligibility: Some(Eligibility {
                    regulation: "Regeling MKB!DEE".into(),
                    eligible_costs: vec![CostType::OwnStaffHours, CostType::ThirdPartyServices],
                    participant_min_cents: None,
                    participant_max_cents: Some(1_200_00),
                    sme_share_min_percent: Some(65),
                    evidence: Some(Evidence::HoursPerWorkingDay),
                    realisation_min_percent: None,
                }),
            }),
            project_participants: vec![
                ProjectParticipant {
                    key: "a".into(),
                    sme: true,
                    budget: vec![("needs".into(), 600_00), ("pm".into(), 100_00)],
                },
                ProjectParticipant {
                    key: "lead".into(),
                    sme: false,
                    budget: vec![("pm".into(), 2_000_00)],
                },
            ],
            project_costs: vec![
                // 1 h 20 at €95 and 40 min at €95: €126.66 and €63.33 apart, €190.00 together.
                cost("lead", "pm", "own_staff_hours", 80, 95_00, 0),
                cost("lead", "pm", "own_staff_hours", 40, 95_00, 0),
                // 20 h at €60, one of them reversed.
                cost("a", "needs", "own_staff_hours", 20 * 60, 60_00, 0),
                cost("a", "needs", "own_staff_hours", -60, 60_00, 0),
                // A school's fee is realised but not eligible; a coach's invoice is.
                cost("a", "needs", "training_fees", 0, 0, 400_00),
                cost("lead", "pm", "third_party_services", 0, 0, 1_210_00),
                cost("lead", "somewhere", "third_party_services", 0, 0, 10_00),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn budget_realised_and_eligible_add_up_per_work_package_and_the_grant_keeps_its_caps() {
        let p = project_costs(&books(10_000_00)).unwrap();
        let line = |id: &str| p.work_packages.iter().find(|w| w.id == id).unwrap().clone();
        assert_eq!(line("needs").budgeted_cents, 600_00);
        assert_eq!(line("needs").realised_cents, 19 * 60_00 + 400_00);
        assert_eq!(line("needs").eligible_cents, 19 * 60_00);
        assert_eq!(line("needs").phase.as_deref(), Some("Behoeftepeiling"));
        assert_eq!(line("pm").budgeted_cents, 2_100_00);
        assert_eq!(line("pm").realised_cents, 190_00 + 1_210_00);
        // A work package the pack does not name keeps its costs.
        assert_eq!(line("somewhere").realised_cents, 10_00);
        assert_eq!(p.budgeted_cents, 2_700_00);
        assert_eq!(p.realised_cents, 1_140_00 + 400_00 + 1_400_00 + 10_00);
        assert_eq!(p.not_eligible_cents, 400_00);
        // a: €1,140 eligible; lead: €1,410, above its maximum of €1,200.
        assert_eq!(p.grant_cents, 1_140_00 + 1_200_00);
        assert_eq!((p.participants, p.smes), (2, 1));
        // A cap of €1,170: both shares halved.
        assert_eq!(
            project_costs(&books(1_170_00)).unwrap().grant_cents,
            570_00 + 600_00
        );
    }

    #[test]
    fn no_grant_or_no_books_is_no_section() {
        let mut s = books(1);
        s.project = None;
        assert!(project_costs(&s).is_none());
        assert!(
            project_costs(&Snapshot {
                project: books(1).project,
                ..Default::default()
            })
            .is_none()
        );
    }
}
