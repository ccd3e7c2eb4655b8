//! Releases: a dated, numbered publication of a region's anonymised figures, which
//! answers it holds, and which callers read one rather than live figures. Pure; the
//! store keeps releases, the api publishes and serves them.
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::queries::Format;

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
    /// The companies it holds an anonymised progress answer for.
    pub organisations: i32,
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
