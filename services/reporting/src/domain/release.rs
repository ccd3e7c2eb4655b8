//! Releases: a dated, numbered publication of a region's anonymised figures, which
//! answers it holds, and which callers read one rather than live figures. Pure; the
//! store keeps releases, the api publishes and serves them.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    figures,
    model::Snapshot,
    queries::Format,
    suppression::{Cell, Rule},
};

/// A published release, as the store keeps it and the report prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub region: String,
    pub number: i32,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub note: String,
    /// The latest event its figures include.
    pub as_of: Option<DateTime<Utc>>,
    pub min_group_size: i32,
    /// The sectors it has a view of, besides the whole region.
    pub sectors: Vec<String>,
    /// The companies its figures are about (each has an anonymised progress answer).
    pub organisation_ids: Vec<Uuid>,
    /// The companies that had joined but were held back (see `held_back`).
    pub held_back: i32,
}

/// The companies a release holds back: those that joined since the previous release,
/// when together (in their sector, or in the region) they are about fewer people than
/// the minimum group. With every earlier company unchanged, the difference between the
/// two releases' totals would be exactly their figures, whatever the new release hides
/// inside its tables. They wait, with all their figures, until enough have joined; a
/// first release has nothing to be subtracted from and holds nothing back.
pub fn held_back(s: &Snapshot, published_before: Option<&[Uuid]>) -> BTreeSet<Uuid> {
    let mut held = BTreeSet::new();
    let Some(before) = published_before else {
        return held;
    };
    if s.min_group_size <= 1 {
        return held;
    }
    let newcomers: Vec<_> = s
        .organisations
        .iter()
        .filter(|o| !before.contains(&o.id))
        .collect();
    let sectors: BTreeSet<&str> = newcomers.iter().map(|o| o.sector.as_str()).collect();
    for sector in sectors {
        let group: BTreeSet<Uuid> = newcomers
            .iter()
            .filter(|o| o.sector == sector)
            .map(|o| o.id)
            .collect();
        if too_few(s, &group) {
            held.extend(group);
        }
    }
    let rest: BTreeSet<Uuid> = newcomers
        .iter()
        .map(|o| o.id)
        .filter(|id| !held.contains(id))
        .collect();
    if too_few(s, &rest) {
        held.extend(rest);
    }
    held
}

/// Whether a group of companies, published on its own, would have a figure hidden for
/// describing too few people (or one company's money): what the difference between two
/// releases would publish about it.
fn too_few(s: &Snapshot, group: &BTreeSet<Uuid>) -> bool {
    if group.is_empty() {
        return false;
    }
    let others: BTreeSet<Uuid> = s
        .organisations
        .iter()
        .map(|o| o.id)
        .filter(|id| !group.contains(id))
        .collect();
    let mut only = s.clone().without(&others);
    only.whole_region = None;
    only.remembered.clear();
    let rule = Rule::anonymised(s.min_group_size);
    let hidden = |cell: Cell| matches!(cell, Cell::SmallGroup | Cell::Dominance);
    let o = figures::overview(&only, &rule);
    let e = figures::evaluation(&only, &rule);
    let f = figures::funding(&only, &rule);
    let totals = [
        o.employees_reached,
        o.uwv_referrals,
        o.development_plans,
        o.activities_planned,
        o.activities_completed,
        o.hours_planned,
        o.hours_attended,
        o.registrations,
        o.attendance_rate,
        o.average_feedback,
        e.participants_completed,
        e.credentials,
        e.hours_attended,
        e.feedback_count,
    ];
    totals.iter().any(|fig| hidden(fig.cell))
        || e.dimensions
            .iter()
            .any(|d| hidden(d.baseline_respondents.cell) || hidden(d.follow_up_respondents.cell))
        || f.sources.iter().any(|x| hidden(x.cell))
        || hidden(f.totals_cell)
}

/// Where a caller's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// Computed now from the read models: for callers who see figures in full.
    Live,
    /// A release: the one numbered, or the latest.
    Release(Option<i32>),
}

impl Edition {
    /// A named release is that release for anyone; otherwise callers who see figures in
    /// full get live ones and everyone else the latest release, never a live
    /// anonymised answer (two of those, apart in time, could be subtracted).
    pub fn of(requested: Option<i32>, full_view: bool) -> Edition {
        match requested {
            Some(number) => Edition::Release(Some(number)),
            None if full_view => Edition::Live,
            None => Edition::Release(None),
        }
    }
}

/// One answer a release holds, by what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    Overview(Option<&'a str>),
    Evaluation(Option<&'a str>),
    Funding,
    Progress(Uuid),
    Report(Option<&'a str>, Format),
}

impl Answer<'_> {
    /// Its key in the store: "overview", "evaluation/zorg-welzijn", "progress/<id>",
    /// "report.html", "report/zorg-welzijn.csv".
    pub fn key(&self) -> String {
        let view = |kind: &str, sector: &Option<&str>| match sector {
            Some(sector) => format!("{kind}/{sector}"),
            None => kind.to_owned(),
        };
        match self {
            Answer::Overview(sector) => view("overview", sector),
            Answer::Evaluation(sector) => view("evaluation", sector),
            Answer::Funding => "funding".to_owned(),
            Answer::Progress(organisation) => format!("progress/{organisation}"),
            Answer::Report(sector, format) => {
                format!("{}.{}", view("report", sector), format.extension())
            }
        }
    }

    /// How an error names what the release lacks.
    pub fn describe(&self) -> String {
        match self {
            Answer::Overview(Some(s))
            | Answer::Evaluation(Some(s))
            | Answer::Report(Some(s), _) => {
                format!("a view of sector {s}")
            }
            Answer::Progress(organisation) => format!("organisation {organisation}"),
            _ => "this answer".to_owned(),
        }
    }
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Organisation, Participant};

    fn company(s: &mut Snapshot, n: u128, sector: &str, people: usize) -> Uuid {
        let id = Uuid::from_u128(n);
        s.organisations.push(Organisation {
            id,
            name: format!("Bedrijf {n}"),
            sector: sector.into(),
            employee_count: 50,
        });
        for p in 0..people {
            s.participants.push(Participant {
                id: Uuid::from_u128(n * 1000 + p as u128),
                organisation_id: id,
                uwv_referral: false,
                enrolled: true,
            });
        }
        id
    }

    #[test]
    fn a_small_group_of_newcomers_waits_for_more_and_a_first_release_holds_nothing_back() {
        let mut s = Snapshot {
            min_group_size: 5,
            ..Default::default()
        };
        let old = company(&mut s, 1, "metaal", 8);
        let small = company(&mut s, 2, "metaal", 3);
        assert!(held_back(&s, None).is_empty(), "nothing to subtract from");
        assert_eq!(held_back(&s, Some(&[old])), BTreeSet::from([small]));
        // A second newcomer of the same sector makes the group large enough.
        let other = company(&mut s, 3, "metaal", 2);
        assert!(held_back(&s, Some(&[old])).is_empty());
        // In another sector, three newcomers alone would show in that sector's totals.
        let care = company(&mut s, 4, "zorg", 3);
        assert_eq!(held_back(&s, Some(&[old])), BTreeSet::from([care]));
        // A newcomer about nobody reveals nothing.
        let empty = company(&mut s, 5, "zorg", 0);
        assert!(!held_back(&s, Some(&[old, small, other, care])).contains(&empty));
        // Without a minimum everything is published.
        s.min_group_size = 1;
        assert!(held_back(&s, Some(&[old])).is_empty());
    }

    #[test]
    fn only_full_views_read_live_figures_and_only_when_no_release_is_named() {
        assert_eq!(Edition::of(None, true), Edition::Live);
        assert_eq!(Edition::of(None, false), Edition::Release(None));
        assert_eq!(Edition::of(Some(2), true), Edition::Release(Some(2)));
        assert_eq!(Edition::of(Some(2), false), Edition::Release(Some(2)));
    }

    #[test]
    fn every_answer_has_its_own_key() {
        let id = Uuid::nil();
        let keys = [
            Answer::Overview(None).key(),
            Answer::Overview(Some("zorg")).key(),
            Answer::Evaluation(None).key(),
            Answer::Evaluation(Some("zorg")).key(),
            Answer::Funding.key(),
            Answer::Progress(id).key(),
            Answer::Report(None, Format::Html).key(),
            Answer::Report(Some("zorg"), Format::Csv).key(),
        ];
        let distinct: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
        assert_eq!(keys[7], "report/zorg.csv");
    }
}
