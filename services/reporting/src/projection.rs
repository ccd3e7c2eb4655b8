//! Events → read models. Every integration event of the suite is decoded by its
//! routing key and applied with the store's order-independent upserts; the same
//! function serves the live consumer and a rebuild from the copy.
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use llo_chassis::bus::{HandleError, erasure::event_id};
use llo_proto::{
    SuiteEvent,
    common::v1::{self as common},
};
use prost::Message as _;
use uuid::Uuid;

use crate::{
    domain::model::{Round, TrajectoryStatus},
    store::{
        many::{self, Rows},
        write::{self, Registration},
    },
};

/// What the copy records about an event besides its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub region: String,
    pub participant_id: Option<Uuid>,
    pub occur_time: Option<DateTime<Utc>>,
}

fn time(t: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
}

fn optional_participant(value: &str) -> Option<Uuid> {
    value.parse().ok()
}

/// Decodes an event of the suite, once, by its routing key.
pub fn decode(routing_key: &str, payload: &[u8]) -> Result<SuiteEvent, HandleError> {
    SuiteEvent::decode(routing_key, payload).map_err(|e| HandleError::Malformed(e.0))
}

impl Meta {
    /// Region, participant and occur time of any event of the suite.
    pub fn of(event: &SuiteEvent) -> Meta {
        Meta {
            region: event.region().to_owned(),
            participant_id: event.participant_id().and_then(optional_participant),
            occur_time: time(event.occur_time()),
        }
    }
}

/// A person's free text in an event body, removed: the descriptions of their learning
/// needs (and a theme that is not a slug, which may be free text). `None`: nothing to
/// remove in this kind of event.
pub fn without_free_text(event: &SuiteEvent) -> Option<Vec<u8>> {
    let SuiteEvent::LearningNeedsRecorded(event) = event else {
        return None;
    };
    let mut event = event.clone();
    for need in &mut event.needs {
        need.description.clear();
        if !is_slug(&need.theme) {
            need.theme.clear();
        }
    }
    Some(event.encode_to_vec())
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn registration_status(status: i32) -> (&'static str, i32) {
    use common::WorkshopRegistrationStatus as S;
    match S::try_from(status).unwrap_or(S::Unspecified) {
        S::Unspecified => ("", 0),
        S::WaitListed => ("wait_listed", 1),
        S::Booked => ("booked", 2),
        S::Cancelled => ("cancelled", 3),
        S::AttendedFully => ("attended_fully", 4),
        S::AttendedPartially => ("attended_partially", 4),
        S::NoShow => ("no_show", 4),
    }
}

fn attendance(value: i32) -> Option<&'static str> {
    use common::WorkshopAttendance as A;
    match A::try_from(value).unwrap_or(A::Unspecified) {
        A::FullyAttended => Some("fully"),
        A::PartiallyAttended => Some("partially"),
        A::NoShow => Some("no_show"),
        A::Unspecified => None,
    }
}

/// Applies one event to the read models. `at` is the occur time the copy recorded.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    event: &SuiteEvent,
    at: DateTime<Utc>,
) -> Result<(), HandleError> {
    let mut rows = Rows::default();
    if collect(&mut rows, event, at)? {
        return Ok(rows.write(conn).await?);
    }
    apply_alone(conn, event, at).await
}

/// The learning activity both its events name (their fields have the same names).
macro_rules! activity {
    ($e:ident) => {
        write::Activity {
            id: event_id("activity_id", &$e.activity_id)?,
            participant_id: event_id("participant_id", &$e.participant_id)?,
            organisation_id: event_id("organisation_id", &$e.organisation_id)?,
            region: &$e.region,
            kind: &$e.kind,
        }
    };
}

/// The registration both its events name.
macro_rules! registration {
    ($e:ident) => {
        Registration {
            id: event_id("registration_id", &$e.registration_id)?,
            workshop_id: event_id("workshop_id", &$e.workshop_id)?,
            participant_id: optional_participant(&$e.participant_id),
            organisation_id: event_id("organisation_id", &$e.organisation_id)?,
            region: &$e.region,
        }
    };
}

/// Adds the rows of an event of the frequent kinds to a batch's `rows` (written with
/// one statement per table); `false`: this kind is applied alone ([`apply_alone`]).
pub fn collect<'a>(
    rows: &mut Rows<'a>,
    event: &'a SuiteEvent,
    at: DateTime<Utc>,
) -> Result<bool, HandleError> {
    match event {
        SuiteEvent::OrganisationRegistered(e) => rows.organisations.push(many::Organisation {
            id: event_id("organisation_id", &e.organisation_id)?,
            region: &e.region,
            sector: &e.sector,
            name: &e.organisation_name,
            employee_count: e.employee_count,
            at,
        }),
        SuiteEvent::ParticipantEnrolled(e) => rows.enrolments.push(many::Enrolment {
            id: event_id("participant_id", &e.participant_id)?,
            organisation_id: event_id("organisation_id", &e.organisation_id)?,
            region: &e.region,
            source: match common::ParticipantSource::try_from(e.source) {
                Ok(common::ParticipantSource::UwvReferral) => "uwv_referral",
                Ok(common::ParticipantSource::Company) => "company",
                _ => "",
            },
        }),
        SuiteEvent::DevelopmentPlanCreated(e) => rows.plans.push(write::DevelopmentPlan {
            id: event_id("plan_id", &e.plan_id)?,
            participant_id: event_id("participant_id", &e.participant_id)?,
            organisation_id: event_id("organisation_id", &e.organisation_id)?,
            region: &e.region,
        }),
        SuiteEvent::LearningActivityPlanned(e) => rows.planned.push(many::Planned {
            activity: activity!(e),
            planned_hours: e.planned_hours,
            cost_cents: e.cost_cents,
        }),
        SuiteEvent::LearningActivityCompleted(e) => rows.completed.push((
            activity!(e),
            write::Completion {
                actual_hours: e.actual_hours,
                credential: e.credential_awarded,
                at,
                skill_uris: e.esco_skill_uris.join(" "),
            },
        )),
        SuiteEvent::WorkshopScheduled(e) => rows.workshops.push(many::Workshop {
            id: event_id("workshop_id", &e.workshop_id)?,
            region: &e.region,
            theme: &e.theme,
            start: time(e.start_time.as_ref()),
        }),
        SuiteEvent::WorkshopRegistrationChanged(e) => {
            let (status, rank) = registration_status(e.to_status);
            rows.statuses.push(many::Status {
                registration: registration!(e),
                status,
                rank,
                at,
            });
        }
        SuiteEvent::WorkshopAttended(e) => rows.attended.push(many::Attended {
            registration: registration!(e),
            attendance: attendance(e.attendance)
                .ok_or_else(|| HandleError::Malformed("attendance unspecified".into()))?,
            hours: e.hours_attended,
            at,
        }),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Applies an event of the less frequent kinds, its own statements.
async fn apply_alone(
    conn: &mut AsyncPgConnection,
    event: &SuiteEvent,
    at: DateTime<Utc>,
) -> Result<(), HandleError> {
    match event {
        // Collected into a batch's rows (`collect`).
        SuiteEvent::OrganisationRegistered(_)
        | SuiteEvent::ParticipantEnrolled(_)
        | SuiteEvent::DevelopmentPlanCreated(_)
        | SuiteEvent::LearningActivityPlanned(_)
        | SuiteEvent::LearningActivityCompleted(_)
        | SuiteEvent::WorkshopScheduled(_)
        | SuiteEvent::WorkshopRegistrationChanged(_)
        | SuiteEvent::WorkshopAttended(_) => {}
        SuiteEvent::NeedsAssessmentCompleted(e) => {
            let round = match common::AssessmentRound::try_from(e.round) {
                Ok(common::AssessmentRound::Baseline) => Round::Baseline,
                Ok(common::AssessmentRound::FollowUp) => Round::FollowUp,
                _ => {
                    return Err(HandleError::Malformed(
                        "assessment round unspecified".into(),
                    ));
                }
            };
            let scores = serde_json::Value::Array(
                e.scores
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "dimension_id": s.dimension_id,
                            "mean": s.mean,
                            "respondents": s.respondent_count,
                        })
                    })
                    .collect(),
            );
            write::scan(
                conn,
                &write::Scan {
                    organisation_id: event_id("organisation_id", &e.organisation_id)?,
                    round: round.as_str(),
                    region: &e.region,
                    sector: &e.sector,
                    assessment_id: event_id("assessment_id", &e.assessment_id)?,
                    respondent_count: e.respondent_count,
                    scores,
                    at,
                },
            )
            .await?;
        }
        // Learning needs feed no figure; their copy is kept (and scrubbed on erasure).
        SuiteEvent::LearningNeedsRecorded(_) => {}
        SuiteEvent::ParticipantErased(e) => {
            write::participant_erased(
                conn,
                event_id("participant_id", &e.participant_id)?,
                event_id("organisation_id", &e.organisation_id)?,
                &e.region,
            )
            .await?;
        }
        SuiteEvent::TrajectoryProposed(e) => {
            let status = TrajectoryStatus::Proposed;
            write::trajectory_state(
                conn,
                event_id("trajectory_id", &e.trajectory_id)?,
                event_id("organisation_id", &e.organisation_id)?,
                &e.region,
                status.as_str(),
                status.rank(),
                at,
            )
            .await?;
        }
        SuiteEvent::TrajectoryStatusChanged(e) => {
            let status = TrajectoryStatus::parse(&e.to_status).ok_or_else(|| {
                HandleError::Malformed(format!("trajectory status {:?}", e.to_status))
            })?;
            write::trajectory_state(
                conn,
                event_id("trajectory_id", &e.trajectory_id)?,
                event_id("organisation_id", &e.organisation_id)?,
                &e.region,
                status.as_str(),
                status.rank(),
                at,
            )
            .await?;
        }
        SuiteEvent::CoachAssigned(e) => {
            write::coach_assigned(
                conn,
                event_id("trajectory_id", &e.trajectory_id)?,
                event_id("organisation_id", &e.organisation_id)?,
                &e.region,
            )
            .await?;
        }
        SuiteEvent::InterventionPlanned(e) => {
            let row = write::Intervention {
                id: event_id("intervention_id", &e.intervention_id)?,
                trajectory_id: event_id("trajectory_id", &e.trajectory_id)?,
                organisation_id: event_id("organisation_id", &e.organisation_id)?,
                region: &e.region,
                kind: &e.kind,
                dimension_id: &e.dimension_id,
                planned_hours: e.planned_hours,
            };
            write::intervention(conn, std::slice::from_ref(&row)).await?;
        }
        SuiteEvent::CoachingSessionHeld(e) => {
            let row = write::CoachingSession {
                id: event_id("session_id", &e.session_id)?,
                trajectory_id: event_id("trajectory_id", &e.trajectory_id)?,
                organisation_id: event_id("organisation_id", &e.organisation_id)?,
                region: &e.region,
                duration_minutes: e.duration_minutes,
            };
            write::coaching_session(conn, std::slice::from_ref(&row)).await?;
        }
        SuiteEvent::FundingAllocated(e) => {
            let row = write::Allocation {
                id: event_id("allocation_id", &e.allocation_id)?,
                activity_id: event_id("activity_id", &e.activity_id)?,
                participant_id: event_id("participant_id", &e.participant_id)?,
                organisation_id: event_id("organisation_id", &e.organisation_id)?,
                region: &e.region,
                source: &e.source,
                amount_cents: e.amount_cents,
            };
            write::funding(conn, std::slice::from_ref(&row)).await?;
        }
        // Partners are not figures of the programme; companies come from intake.
        SuiteEvent::MemberJoined(_) => {}
        // A school's answer on a place is not a figure; the completion it may bring is.
        SuiteEvent::SchoolEnrolmentChanged(_) => {}
        SuiteEvent::WorkshopCancelled(e) => {
            write::workshop_cancelled(conn, event_id("workshop_id", &e.workshop_id)?, &e.region)
                .await?;
        }
        SuiteEvent::KnowledgeItemPublished(e) => {
            let row = write::KnowledgeItem {
                id: event_id("knowledge_item_id", &e.knowledge_item_id)?,
                region: &e.region,
                kind: &e.kind,
            };
            write::knowledge_item(conn, std::slice::from_ref(&row)).await?;
        }
        SuiteEvent::WorkshopFeedbackSubmitted(e) => {
            if !(1..=5).contains(&e.rating) {
                return Err(HandleError::Malformed(format!(
                    "rating {} is outside 1..=5",
                    e.rating
                )));
            }
            write::feedback(
                conn,
                &[write::Feedback {
                    id: event_id("feedback_id", &e.feedback_id)?,
                    region: &e.region,
                    registration_id: event_id("registration_id", &e.registration_id)?,
                    workshop_id: event_id("workshop_id", &e.workshop_id)?,
                    participant_id: optional_participant(&e.participant_id),
                    organisation_id: event_id("organisation_id", &e.organisation_id)?,
                    rating: e.rating,
                }],
            )
            .await?;
        }
        SuiteEvent::ProjectParticipantSet(e) => {
            let budget = serde_json::Value::Array(
                e.budget
                    .iter()
                    .map(|l| {
                        serde_json::json!({
                            "work_package": l.work_package,
                            "planned_cents": l.planned_cents,
                        })
                    })
                    .collect(),
            );
            write::project_participant(
                conn,
                &write::ProjectParticipant {
                    region: &e.region,
                    participant: &e.participant,
                    sme: e.sme,
                    budget,
                    at,
                },
            )
            .await?;
        }
        SuiteEvent::ProjectCostApproved(e) => {
            let cost_date = e.cost_date.parse().map_err(|_| {
                HandleError::Malformed(format!("cost_date {:?} is no date", e.cost_date))
            })?;
            write::project_cost(
                conn,
                &[write::ProjectCost {
                    id: event_id("cost_id", &e.cost_id)?,
                    region: &e.region,
                    participant: &e.participant,
                    work_package: &e.work_package,
                    cost_type: &e.cost_type,
                    minutes: e.minutes,
                    hourly_rate_cents: e.hourly_rate_cents,
                    invoiced_cents: e.invoiced_cents,
                    cost_date,
                }],
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use llo_proto::events::v1 as ev;

    use super::*;

    #[test]
    fn every_routing_key_of_the_suite_is_understood() {
        for key in llo_proto::integration::ALL_ROUTING_KEYS {
            assert!(decode(key, &[]).is_ok(), "{key}");
        }
        assert!(matches!(
            decode("intake.unknown.v1", &[]),
            Err(HandleError::Malformed(_))
        ));
    }

    #[test]
    fn erasure_blanks_descriptions_and_free_themes_only() {
        let event = ev::LearningNeedsRecorded {
            participant_id: Uuid::now_v7().to_string(),
            organisation_id: Uuid::now_v7().to_string(),
            region: "achterhoek".into(),
            needs: vec![
                common::LearningNeed {
                    need_id: "n1".into(),
                    theme: "lasrobot-programmeren".into(),
                    description: "Ik wil leren lassen, zegt Jan".into(),
                },
                common::LearningNeed {
                    need_id: "n2".into(),
                    theme: "Omgaan met mijn burn-out".into(),
                    description: "privé".into(),
                },
            ],
            occur_time: None,
        };
        let scrubbed =
            without_free_text(&SuiteEvent::LearningNeedsRecorded(event.clone())).unwrap();
        let back = ev::LearningNeedsRecorded::decode(scrubbed.as_slice()).unwrap();
        assert_eq!(back.needs[0].theme, "lasrobot-programmeren");
        assert!(back.needs.iter().all(|n| n.description.is_empty()));
        assert!(back.needs[1].theme.is_empty());
        assert_eq!(back.needs[1].need_id, "n2");
        let enrolled = SuiteEvent::ParticipantEnrolled(Default::default());
        assert!(without_free_text(&enrolled).is_none());
    }
}
