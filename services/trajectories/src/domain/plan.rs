//! Personal development plans: what a learning activity is, its two states, and the
//! rules a change to a plan obeys.
use chrono::{DateTime, Utc};
use llo_chassis::Refused;

llo_chassis::text_enum! {
    pub enum ActivityKind {
        Course => "course",
        Workshop => "workshop",
        Coaching => "coaching",
        OnTheJob => "on_the_job",
        ELearning => "e_learning",
    }
}

llo_chassis::text_enum! {
    pub enum ActivityStatus {
        Planned => "planned",
        Completed => "completed",
    }
}

/// An erased participant's plan takes nothing new: what was purged stays purged.
pub fn ensure_not_erased(erased_at: Option<DateTime<Utc>>) -> Result<(), Refused> {
    match erased_at {
        Some(_) => Err(Refused::new(
            "PARTICIPANT_ERASED",
            "the participant was erased",
        )),
        None => Ok(()),
    }
}

/// An activity is completed once; a second report would count its hours twice.
pub fn ensure_not_completed(status: ActivityStatus) -> Result<(), Refused> {
    match status {
        ActivityStatus::Completed => Err(Refused::new(
            "ACTIVITY_COMPLETED",
            "the activity is completed already",
        )),
        ActivityStatus::Planned => Ok(()),
    }
}

/// A course of the catalogue, as far as it shapes an activity planned from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogued {
    pub title: String,
    pub provider: String,
    pub hours: i32,
    pub price_cents: i64,
    pub themes: Vec<String>,
}

/// An activity as it goes into the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedActivity {
    pub kind: ActivityKind,
    pub title: String,
    pub provider: String,
    pub theme: String,
    pub planned_hours: i32,
    pub cost_cents: i64,
}

/// An offering fixes title, provider, hours and price; what the planner left open is a
/// course on the offering's first theme.
pub fn from_offering(
    offering: Catalogued,
    kind: Option<ActivityKind>,
    theme: Option<&str>,
) -> PlannedActivity {
    PlannedActivity {
        kind: kind.unwrap_or(ActivityKind::Course),
        theme: match theme {
            Some(theme) => theme.to_owned(),
            None => offering.themes.into_iter().next().unwrap_or_default(),
        },
        title: offering.title,
        provider: offering.provider,
        planned_hours: offering.hours,
        cost_cents: offering.price_cents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn welding() -> Catalogued {
        Catalogued {
            title: "TIG-lassen".into(),
            provider: "graafschap-college".into(),
            hours: 24,
            price_cents: 95_000,
            themes: vec!["lassen".into(), "metaal".into()],
        }
    }

    #[test]
    fn every_kind_and_status_reads_back_from_its_word() {
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ActivityKind::parse("Course"), None);
        for status in [ActivityStatus::Planned, ActivityStatus::Completed] {
            assert_eq!(ActivityStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ActivityStatus::parse("cancelled"), None);
    }

    #[test]
    fn an_erased_plan_takes_nothing_new() {
        assert_eq!(ensure_not_erased(None), Ok(()));
        assert_eq!(
            ensure_not_erased(Some(Utc::now())).unwrap_err().reason,
            "PARTICIPANT_ERASED"
        );
    }

    #[test]
    fn an_activity_is_completed_once() {
        assert_eq!(ensure_not_completed(ActivityStatus::Planned), Ok(()));
        assert_eq!(
            ensure_not_completed(ActivityStatus::Completed)
                .unwrap_err()
                .reason,
            "ACTIVITY_COMPLETED"
        );
    }

    #[test]
    fn an_offering_fixes_title_provider_hours_and_price() {
        let planned = from_offering(welding(), None, None);
        assert_eq!(
            planned,
            PlannedActivity {
                kind: ActivityKind::Course,
                title: "TIG-lassen".into(),
                provider: "graafschap-college".into(),
                theme: "lassen".into(),
                planned_hours: 24,
                cost_cents: 95_000,
            }
        );
        let chosen = from_offering(welding(), Some(ActivityKind::ELearning), Some("metaal"));
        assert_eq!(
            (chosen.kind, chosen.theme.as_str(), chosen.cost_cents),
            (ActivityKind::ELearning, "metaal", 95_000)
        );
    }
}
