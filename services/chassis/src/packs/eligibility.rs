//! What a funding source pays for, as its regulation states it: the kinds of cost it
//! accepts, the least and most one participant of a collaboration may receive, the share
//! of SMEs it demands, how hours are evidenced and how much of the budget must be
//! realised. A pack states them per source (`[budgets.eligibility]` in a region pack,
//! `[funding_rules.eligibility]` in a sector pack); a source without them pays any cost.
use schemars::JsonSchema;
use serde::Deserialize;

crate::text_enum! {
    /// A kind of cost a programme books.
    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum CostType {
        /// Hours of a participant's own people on the project (wage costs).
        OwnStaffHours => "own_staff_hours",
        /// Services bought from third parties: coaches, methodology, community work.
        ThirdPartyServices => "third_party_services",
        /// A school's fee for a course or training.
        TrainingFees => "training_fees",
        /// Materials and tools bought for the project.
        Materials => "materials",
        /// Travel for the project.
        Travel => "travel",
    }
}

impl CostType {
    /// The cost type in the words of a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            CostType::OwnStaffHours => "own staff hours",
            CostType::ThirdPartyServices => "third-party services",
            CostType::TrainingFees => "training fees",
            CostType::Materials => "materials",
            CostType::Travel => "travel",
        }
    }
}

crate::text_enum! {
    /// How hours booked on a source are to be evidenced.
    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Evidence {
        /// Hours per person per working day (MKB!DEE, SLIM).
        HoursPerWorkingDay => "hours_per_working_day",
        /// Hours per person per calendar month.
        HoursPerMonth => "hours_per_month",
    }
}

/// A funding source's rules. Amounts are whole euro cents, shares whole percents.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Eligibility {
    /// The regulation the rules come from; every refusal names it.
    #[schemars(length(min = 1))]
    pub regulation: String,
    /// The kinds of cost the source pays; a cost of any other kind is refused.
    #[schemars(length(min = 1))]
    pub eligible_costs: Vec<CostType>,
    /// The least one participant of the collaboration must receive.
    #[schemars(range(min = 0))]
    pub participant_min_cents: Option<i64>,
    /// The most one participant of the collaboration may receive.
    #[schemars(range(min = 0))]
    pub participant_max_cents: Option<i64>,
    /// At least this share of the collaboration's participants must be SMEs.
    #[schemars(range(max = 100))]
    pub sme_share_min_percent: Option<u32>,
    /// How hours are evidenced; without it hours need no time sheet.
    pub evidence: Option<Evidence>,
    /// Below this share of the budgeted costs realised, the grant is lowered.
    #[schemars(range(max = 100))]
    pub realisation_min_percent: Option<u32>,
}

impl Eligibility {
    /// Why this source may not pay a cost of this type, if it may not.
    pub fn refuses(&self, source_name: &str, cost: CostType) -> Option<String> {
        if self.eligible_costs.contains(&cost) {
            return None;
        }
        let pays: Vec<&str> = self.eligible_costs.iter().map(|c| c.describe()).collect();
        Some(format!(
            "{source_name} does not pay {} ({}: it pays {} only)",
            cost.describe(),
            self.regulation,
            pays.join(", ")
        ))
    }
}

/// Does a source with these rules pay costs of this type? One without rules pays all.
pub fn pays(eligibility: Option<&Eligibility>, cost: CostType) -> bool {
    eligibility.is_none_or(|e| e.eligible_costs.contains(&cost))
}

/// What hours cost, `(minutes, hourly rate in cents)` each at its own rate, rounded down
/// to the cent once over all of them: trajectories' realisation and reporting's figures
/// both price hours here, so they agree to the cent.
pub fn hours_cost(hours: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    let minute_cents: i128 = hours
        .into_iter()
        .map(|(minutes, rate)| i128::from(minutes) * i128::from(rate))
        .sum();
    (minute_cents / 60) as i64
}

/// What a grant pays each participant of the collaboration, from each one's eligible
/// costs: `percentage` of them, at most `participant_max` each, and when those shares
/// add up to more than the collaboration's `cap`, each lowered in proportion. Trajectories'
/// realisation and reporting's figures both take the grant from here.
pub fn grant_shares(
    eligible: &[i64],
    percentage: u32,
    participant_max: Option<i64>,
    cap: Option<i64>,
) -> Vec<i64> {
    let shares: Vec<i64> = eligible
        .iter()
        .map(|e| {
            let share = e * i64::from(percentage) / 100;
            participant_max.map_or(share, |max| share.min(max))
        })
        .collect();
    let wanted: i64 = shares.iter().sum();
    match cap {
        Some(cap) if wanted > cap => shares
            .iter()
            .map(|s| (i128::from(*s) * i128::from(cap) / i128::from(wanted)) as i64)
            .collect(),
        _ => shares,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_the_percentage_within_the_maximum_and_the_cap_in_proportion() {
        assert_eq!(grant_shares(&[100, 200], 50, None, None), vec![50, 100]);
        assert_eq!(
            grant_shares(&[100, 300], 100, Some(200), None),
            vec![100, 200]
        );
        // 100 + 200 wanted of a cap of 150: each gets half.
        assert_eq!(
            grant_shares(&[100, 300], 100, Some(200), Some(150)),
            vec![50, 100]
        );
        assert!(grant_shares(&[], 100, None, Some(0)).is_empty());
    }

    fn mkb_idee() -> Eligibility {
        Eligibility {
            regulation: "Regeling MKB!DEE".into(),
            eligible_costs: vec![CostType::OwnStaffHours, CostType::ThirdPartyServices],
            participant_min_cents: Some(2_500_000),
            participant_max_cents: Some(12_499_900),
            sme_share_min_percent: Some(65),
            evidence: Some(Evidence::HoursPerWorkingDay),
            realisation_min_percent: None,
        }
    }

    #[test]
    fn a_cost_of_a_kind_the_regulation_names_is_paid_and_any_other_refused() {
        let rules = mkb_idee();
        assert_eq!(rules.refuses("MKB!DEE", CostType::OwnStaffHours), None);
        assert_eq!(rules.refuses("MKB!DEE", CostType::ThirdPartyServices), None);
        assert_eq!(
            rules.refuses("MKB!DEE", CostType::TrainingFees).as_deref(),
            Some(
                "MKB!DEE does not pay training fees (Regeling MKB!DEE: it pays own staff \
                 hours, third-party services only)"
            )
        );
        assert!(rules.refuses("MKB!DEE", CostType::Travel).is_some());
    }
}
