//! Funding rules. Every cost is funded from configured sources; no source may be
//! overspent: not its budget, not its share of a cost (SLIM: 60%, 80% for small
//! firms), not its cap per person, and all sources together not beyond the cost.
use llo_chassis::{
    Refused,
    packs::{CostType, Eligibility, Packs, RegionPack},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Grant,
    SubsidyPercentage,
    SectorFund,
    EmployerShare,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "grant" => Some(Kind::Grant),
            "subsidy_percentage" => Some(Kind::SubsidyPercentage),
            "sector_fund" => Some(Kind::SectorFund),
            "employer_share" => Some(Kind::EmployerShare),
            _ => None,
        }
    }
}

/// A funding source as it applies to one company.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    /// `None`: no ceiling (the employer's own share).
    pub budget_cents: Option<i64>,
    pub percentage: Option<u32>,
    pub small_firm_percentage: Option<u32>,
    pub small_firm_max_employees: Option<u32>,
    pub per_person_cap_cents: Option<i64>,
    /// What the source pays for; `None`: any cost.
    pub eligibility: Option<Eligibility>,
}

impl Source {
    /// A cost of this type may be booked on this source, or the refusal naming the rule.
    pub fn pays(&self, cost: CostType) -> Result<(), Refused> {
        match self
            .eligibility
            .as_ref()
            .and_then(|e| e.refuses(&self.name, cost))
        {
            Some(message) => Err(Refused::new("NOT_ELIGIBLE", message)),
            None => Ok(()),
        }
    }

    /// The share of a cost this source may carry for a firm of this size, in percent.
    pub fn share_percent(&self, employee_count: i32) -> Option<u32> {
        let small = self
            .small_firm_max_employees
            .is_some_and(|max| employee_count >= 0 && employee_count as u32 <= max);
        match (small, self.small_firm_percentage) {
            (true, Some(p)) => Some(p),
            _ => self.percentage,
        }
    }
}

/// The sources open to a company: the region's budgets and its sector's rules,
/// merged by source id (a region budget with a sector rule, as SLIM has).
pub fn sources(packs: &Packs, region: &RegionPack, sector: &str) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    let rules = packs
        .sector(sector)
        .map(|s| s.funding_rules.clone())
        .unwrap_or_default();
    for budget in &region.budgets {
        let Some(kind) = Kind::parse(&budget.kind) else {
            continue;
        };
        let rule = rules.iter().find(|r| r.source == budget.source);
        sources.push(Source {
            id: budget.source.clone(),
            name: budget.name.clone(),
            kind,
            budget_cents: Some(budget.budget_cents),
            percentage: budget.percentage.or(rule.and_then(|r| r.percentage)),
            small_firm_percentage: rule.and_then(|r| r.small_firm_percentage),
            small_firm_max_employees: rule.and_then(|r| r.small_firm_max_employees),
            per_person_cap_cents: rule.and_then(|r| r.per_person_cap_cents),
            eligibility: budget
                .eligibility
                .clone()
                .or_else(|| rule.and_then(|r| r.eligibility.clone())),
        });
    }
    for rule in &rules {
        if sources.iter().any(|s| s.id == rule.source) {
            continue;
        }
        let Some(kind) = Kind::parse(&rule.kind) else {
            continue;
        };
        sources.push(Source {
            id: rule.source.clone(),
            name: rule.name.clone(),
            kind,
            budget_cents: if kind == Kind::EmployerShare {
                None
            } else {
                rule.budget_cents
            },
            percentage: rule.percentage,
            small_firm_percentage: rule.small_firm_percentage,
            small_firm_max_employees: rule.small_firm_max_employees,
            per_person_cap_cents: rule.per_person_cap_cents,
            eligibility: rule.eligibility.clone(),
        });
    }
    sources
}

/// Funding follows the company's size and sector, which arrive with its registration
/// (an intake event): until then an allocation waits.
pub fn registered<T>(organisation: Option<T>) -> Result<T, Refused> {
    organisation.ok_or_else(|| {
        Refused::new(
            "ORGANISATION_UNKNOWN",
            "the organisation's registration has not reached trajectories yet; retry shortly",
        )
    })
}

/// The region's budgets come from its pack; without one nothing can be allocated.
pub fn region_pack<'a>(packs: &'a Packs, region: &str) -> Result<&'a RegionPack, Refused> {
    packs.region(region).map(|pack| &**pack).ok_or_else(|| {
        Refused::new(
            "REGION_PACK_MISSING",
            format!("no region pack for {region}"),
        )
    })
}

/// The source a request names, among those open to the company; the message lists them.
pub fn find_source<'a>(sources: &'a [Source], id: &str) -> Result<&'a Source, String> {
    sources.iter().find(|s| s.id == id).ok_or_else(|| {
        let known: Vec<&str> = sources.iter().map(|s| s.id.as_str()).collect();
        format!("unknown funding source; one of: {}", known.join(", "))
    })
}

/// What is already allocated, as the store counted it under lock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allocated {
    /// All sources together, for this activity.
    pub activity_total: i64,
    /// This source, for this activity.
    pub activity_from_source: i64,
    /// This source, for this participant (all their activities).
    pub person_from_source: i64,
    /// This source, in the whole region.
    pub source_total: i64,
}

/// An amount for a message: `€ 1.234,50`.
pub use llo_chassis::money::euros;

/// May `amount` of this activity's `cost` come from `source`?
pub fn check(
    source: &Source,
    cost_cents: i64,
    employee_count: i32,
    allocated: Allocated,
    amount: i64,
) -> Result<(), Refused> {
    // Sums saturate: an absurd amount is refused, never wrapped into a small one.
    let plus = |sum: i64| sum.saturating_add(amount);
    if plus(allocated.activity_total) > cost_cents {
        return Err(Refused::new(
            "EXCEEDS_COST",
            format!(
                "the allocations would exceed the cost of {}: {} is allocated already",
                euros(cost_cents),
                euros(allocated.activity_total)
            ),
        ));
    }
    if let Some(percent) = source.share_percent(employee_count) {
        let ceiling = cost_cents.saturating_mul(i64::from(percent)) / 100;
        if plus(allocated.activity_from_source) > ceiling {
            return Err(Refused::new(
                "EXCEEDS_PERCENTAGE",
                format!(
                    "{} may carry at most {percent}% of this cost ({})",
                    source.name,
                    euros(ceiling)
                ),
            ));
        }
    }
    if let Some(cap) = source.per_person_cap_cents
        && plus(allocated.person_from_source) > cap
    {
        return Err(Refused::new(
            "EXCEEDS_PERSON_CAP",
            format!(
                "{} allows at most {} per person; {} is allocated to this participant already",
                source.name,
                euros(cap),
                euros(allocated.person_from_source)
            ),
        ));
    }
    if let Some(budget) = source.budget_cents
        && plus(allocated.source_total) > budget
    {
        return Err(Refused::new(
            "EXCEEDS_BUDGET",
            format!(
                "{} has {} left of {}",
                source.name,
                euros(budget - allocated.source_total),
                euros(budget)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
// Amounts are written as euros_cents (100_00 is €100.00).
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    fn slim() -> Source {
        Source {
            id: "slim".into(),
            name: "SLIM".into(),
            kind: Kind::SubsidyPercentage,
            budget_cents: Some(1_000_00),
            percentage: Some(60),
            small_firm_percentage: Some(80),
            small_firm_max_employees: Some(49),
            per_person_cap_cents: None,
            eligibility: None,
        }
    }

    #[test]
    fn slim_carries_sixty_percent_or_eighty_for_small_firms() {
        let none = Allocated::default();
        assert!(check(&slim(), 100_00, 120, none, 60_00).is_ok());
        assert_eq!(
            check(&slim(), 100_00, 120, none, 60_01).unwrap_err().reason,
            "EXCEEDS_PERCENTAGE"
        );
        assert!(check(&slim(), 100_00, 20, none, 80_00).is_ok());
        assert_eq!(
            check(&slim(), 100_00, 20, none, 80_01).unwrap_err().reason,
            "EXCEEDS_PERCENTAGE"
        );
    }

    #[test]
    fn reaching_the_cost_or_the_budget_exactly_is_allowed() {
        let nearly = Allocated {
            activity_total: 20_00,
            source_total: 920_00,
            ..Allocated::default()
        };
        assert!(check(&slim(), 100_00, 20, nearly, 80_00).is_ok());
    }

    #[test]
    fn a_refusal_names_the_amounts_in_euros() {
        let covered = Allocated {
            activity_total: 90_50,
            ..Allocated::default()
        };
        let refusal = check(&slim(), 100_00, 20, covered, 20_00).unwrap_err();
        assert!(
            refusal.message.contains("€ 100,00") && refusal.message.contains("€ 90,50"),
            "{}",
            refusal.message
        );
    }

    #[test]
    fn every_kind_of_source_reads_from_its_pack_name() {
        for (text, kind) in [
            ("grant", Kind::Grant),
            ("subsidy_percentage", Kind::SubsidyPercentage),
            ("sector_fund", Kind::SectorFund),
            ("employer_share", Kind::EmployerShare),
        ] {
            assert_eq!(Kind::parse(text), Some(kind));
        }
        assert_eq!(Kind::parse("lottery"), None);
    }

    #[test]
    fn the_budget_and_the_cost_are_ceilings() {
        let spent = Allocated {
            source_total: 990_00,
            ..Allocated::default()
        };
        assert_eq!(
            check(&slim(), 100_00, 20, spent, 20_00).unwrap_err().reason,
            "EXCEEDS_BUDGET"
        );
        let covered = Allocated {
            activity_total: 90_00,
            ..Allocated::default()
        };
        assert_eq!(
            check(&slim(), 100_00, 20, covered, 20_00)
                .unwrap_err()
                .reason,
            "EXCEEDS_COST"
        );
    }

    #[test]
    fn a_sector_fund_caps_each_person() {
        let fund = Source {
            id: "fund".into(),
            name: "Fund".into(),
            kind: Kind::SectorFund,
            budget_cents: None,
            percentage: None,
            small_firm_percentage: None,
            small_firm_max_employees: None,
            per_person_cap_cents: Some(1_500_00),
            eligibility: None,
        };
        let used = Allocated {
            person_from_source: 1_400_00,
            ..Allocated::default()
        };
        assert!(check(&fund, 5_000_00, 20, used, 100_00).is_ok());
        assert_eq!(
            check(&fund, 5_000_00, 20, used, 100_01).unwrap_err().reason,
            "EXCEEDS_PERSON_CAP"
        );
    }

    #[test]
    fn an_allocation_waits_for_the_registration_and_needs_a_region_pack() {
        assert_eq!(registered(Some(40)), Ok(40));
        assert_eq!(
            registered(None::<i32>).unwrap_err().reason,
            "ORGANISATION_UNKNOWN"
        );
        let packs = Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        assert!(region_pack(&packs, "achterhoek").is_ok());
        let missing = region_pack(&packs, "atlantis").unwrap_err();
        assert_eq!(
            (missing.reason, missing.message.as_str()),
            ("REGION_PACK_MISSING", "no region pack for atlantis")
        );
    }

    #[test]
    fn an_unknown_source_is_named_with_the_known_ones() {
        let sources = [slim()];
        assert_eq!(find_source(&sources, "slim").unwrap().name, "SLIM");
        assert_eq!(
            find_source(&sources, "lottery").unwrap_err(),
            "unknown funding source; one of: slim"
        );
    }

    #[test]
    fn the_achterhoek_sources_come_from_region_and_sector_packs() {
        let packs = Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        let region = packs.region("achterhoek").unwrap();
        let sources = sources(&packs, region, "techniek-metaal");
        let grant = sources.iter().find(|s| s.id == "mkb-idee").unwrap();
        assert_eq!(grant.budget_cents, Some(20_000_000));
        assert_eq!(grant.percentage, Some(100));
        // MKB!DEE pays the project's hours and third parties, never a course's fee.
        assert_eq!(
            grant.pays(CostType::TrainingFees).unwrap_err().reason,
            "NOT_ELIGIBLE"
        );
        assert!(grant.pays(CostType::OwnStaffHours).is_ok());
        let slim = sources.iter().find(|s| s.id == "slim").unwrap();
        assert_eq!(
            (slim.percentage, slim.small_firm_percentage),
            (Some(60), Some(80))
        );
        let employer = sources
            .iter()
            .find(|s| s.kind == Kind::EmployerShare)
            .unwrap();
        assert_eq!(employer.budget_cents, None);
        assert!(employer.pays(CostType::TrainingFees).is_ok());
        assert!(slim.pays(CostType::TrainingFees).is_ok());
        // A sector fund known only to the sector pack keeps the pack's budget and cap.
        let fund = sources.iter().find(|s| s.kind == Kind::SectorFund).unwrap();
        assert_eq!(
            (fund.budget_cents, fund.per_person_cap_cents),
            (Some(5_000_000), Some(150_000))
        );
    }
}
