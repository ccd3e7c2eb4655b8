//! Trajectories' reactions to intake's events. Each runs inside the consumer's
//! transaction, together with the inbox row, so it is applied exactly once.
use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use llo_chassis::{
    bus::{EventHandler, HandleError, IncomingEvent, OutboxEvent, enqueue},
    packs::Packs,
};
use llo_proto::{common::v1 as common, events::v1 as events};
use uuid::Uuid;

use crate::{
    domain::proposal,
    events as out,
    store::{
        plans,
        trajectories::{self, NewIntervention, NewTrajectory, OrganisationRow},
    },
};

pub const ORGANISATION_REGISTERED: &str = "intake.organisation_registered.v1";
pub const PARTICIPANT_ENROLLED: &str = "intake.participant_enrolled.v1";
pub const NEEDS_ASSESSMENT_COMPLETED: &str = "intake.needs_assessment_completed.v1";
pub const LEARNING_NEEDS_RECORDED: &str = "intake.learning_needs_recorded.v1";
pub const PARTICIPANT_ERASED: &str = llo_chassis::bus::erasure::PARTICIPANT_ERASED;

/// Everything this service subscribes to: its queue's bindings.
pub const SUBSCRIPTIONS: &[&str] = &[
    ORGANISATION_REGISTERED,
    PARTICIPANT_ENROLLED,
    NEEDS_ASSESSMENT_COMPLETED,
    LEARNING_NEEDS_RECORDED,
    PARTICIPANT_ERASED,
];

pub struct Reactions {
    pub packs: Packs,
}

fn id(field: &str, value: &str) -> Result<Uuid, HandleError> {
    value
        .parse()
        .map_err(|_| HandleError::Malformed(format!("{field} {value:?} is not a UUID")))
}

impl EventHandler for Reactions {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>> {
        Box::pin(async move {
            if let Some(erased) = llo_chassis::bus::erasure::erased_participant(event)? {
                // Erased before (or without) its enrolment reaching us: leave an erased
                // plan behind, so a late event cannot bring the participant back.
                plans::ensure(
                    conn,
                    erased.participant_id,
                    erased.organisation_id,
                    &erased.region,
                )
                .await?;
                plans::purge(conn, erased.participant_id).await?;
                return Ok(());
            }
            match event.routing_key.as_str() {
                ORGANISATION_REGISTERED => organisation_registered(conn, event.decode()?).await,
                PARTICIPANT_ENROLLED => participant_enrolled(conn, event.decode()?).await,
                NEEDS_ASSESSMENT_COMPLETED => {
                    self.needs_assessment_completed(conn, event.decode()?).await
                }
                LEARNING_NEEDS_RECORDED => learning_needs_recorded(conn, event.decode()?).await,
                other => {
                    tracing::debug!(routing_key = other, "not an event trajectories reacts to");
                    Ok(())
                }
            }
        })
    }
}

async fn organisation_registered(
    conn: &mut AsyncPgConnection,
    event: events::OrganisationRegistered,
) -> Result<(), HandleError> {
    let row = OrganisationRow {
        id: id("organisation_id", &event.organisation_id)?,
        region: event.region,
        sector: event.sector,
        name: event.organisation_name,
        employee_count: event.employee_count,
    };
    trajectories::upsert_organisation(conn, &row).await?;
    Ok(())
}

/// The participant's plan; a new one is announced with DevelopmentPlanCreated.
async fn plan_for(
    conn: &mut AsyncPgConnection,
    participant: Uuid,
    organisation: Uuid,
    region: &str,
) -> Result<plans::PlanRow, HandleError> {
    let (plan, created) = plans::ensure(conn, participant, organisation, region).await?;
    if created {
        let message = out::development_plan_created(&plan);
        enqueue(
            conn,
            &[OutboxEvent::new(
                out::DEVELOPMENT_PLAN_CREATED,
                &plan.region,
                &message,
            )],
        )
        .await?;
    }
    Ok(plan)
}

/// Every enrolled participant gets an (empty) development plan.
async fn participant_enrolled(
    conn: &mut AsyncPgConnection,
    event: events::ParticipantEnrolled,
) -> Result<(), HandleError> {
    let participant = id("participant_id", &event.participant_id)?;
    let organisation = id("organisation_id", &event.organisation_id)?;
    plan_for(conn, participant, organisation, &event.region).await?;
    Ok(())
}

impl Reactions {
    /// A completed baseline scan becomes a proposed trajectory, with the catalogue's
    /// interventions for its weakest dimensions.
    async fn needs_assessment_completed(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::NeedsAssessmentCompleted,
    ) -> Result<(), HandleError> {
        if event.round != common::AssessmentRound::Baseline as i32 {
            return Ok(());
        }
        let pack = self.packs.sector(&event.sector).ok_or_else(|| {
            HandleError::Malformed(format!("sector pack {:?} is not installed", event.sector))
        })?;
        let new = NewTrajectory {
            id: Uuid::now_v7(),
            organisation_id: id("organisation_id", &event.organisation_id)?,
            region: &event.region,
            sector: &event.sector,
            assessment_id: id("assessment_id", &event.assessment_id)?,
            priority_dimension_ids: &event.priority_dimension_ids,
        };
        let Some(trajectory) = trajectories::insert_proposed(conn, &new).await? else {
            return Ok(()); // this scan has its trajectory already
        };
        let mut interventions = Vec::new();
        for item in proposal::interventions_for(pack, &event.priority_dimension_ids) {
            let row = trajectories::insert_intervention(
                conn,
                &NewIntervention {
                    request_id: None,
                    trajectory_id: trajectory.id,
                    kind: &item.kind,
                    title: &item.title,
                    description: &item.description,
                    dimension_id: Some(&item.dimension),
                    planned_hours: i32::try_from(item.planned_hours).unwrap_or(i32::MAX),
                },
            )
            .await?;
            interventions.push(row);
        }
        let mut outbox = vec![OutboxEvent::new(
            out::TRAJECTORY_PROPOSED,
            &trajectory.region,
            &out::trajectory_proposed(&trajectory, &interventions),
        )];
        outbox.extend(interventions.iter().map(|i| {
            OutboxEvent::new(
                out::INTERVENTION_PLANNED,
                &trajectory.region,
                &out::intervention_planned(&trajectory, i),
            )
        }));
        enqueue(conn, &outbox).await?;
        Ok(())
    }
}

/// Each recorded need becomes a goal in the participant's plan (once per need).
async fn learning_needs_recorded(
    conn: &mut AsyncPgConnection,
    event: events::LearningNeedsRecorded,
) -> Result<(), HandleError> {
    let participant = id("participant_id", &event.participant_id)?;
    let organisation = id("organisation_id", &event.organisation_id)?;
    let plan = plan_for(conn, participant, organisation, &event.region).await?;
    if plan.erased_at.is_some() {
        return Ok(());
    }
    for need in &event.needs {
        let need_id = id("need_id", &need.need_id)?;
        plans::insert_goal(
            conn,
            plan.id,
            None,
            &need.theme,
            &need.description,
            Some(need_id),
        )
        .await?;
    }
    Ok(())
}
