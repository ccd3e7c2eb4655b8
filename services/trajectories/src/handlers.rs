//! Trajectories' reactions to intake's events. Each runs inside the consumer's
//! transaction, together with the inbox row, so it is applied exactly once.
use diesel_async::AsyncPgConnection;
use llo_chassis::{
    bus::{
        HandleError, OutboxEvent, Subscriptions,
        erasure::{ErasedParticipant, event_id},
        record, record_all,
    },
    idempotency,
    packs::{Packs, ProposedActivity},
};
use llo_proto::{common::v1 as common, events::v1 as events};
use uuid::Uuid;

use crate::{
    domain::proposal,
    events as out, proposals,
    store::{
        enrolments, plans,
        trajectories::{self, NewIntervention, NewTrajectory, OrganisationRow},
    },
};

/// The reaction state: the sector packs (for the intervention catalogue).
pub struct Reactions {
    pub packs: Packs,
}

/// Everything trajectories reacts to, one line per event type: its queue's bindings.
pub fn subscriptions(packs: &Packs) -> Subscriptions<Reactions> {
    Subscriptions::new(Reactions {
        packs: packs.clone(),
    })
    .on::<events::OrganisationRegistered>(|_, conn, event| {
        Box::pin(organisation_registered(conn, event))
    })
    .on_many::<events::ParticipantEnrolled>(|_, conn, events| {
        Box::pin(participants_enrolled(conn, events))
    })
    .on::<events::NeedsAssessmentCompleted>(|reactions, conn, event| {
        Box::pin(reactions.needs_assessment_completed(conn, event))
    })
    .on::<events::LearningNeedsRecorded>(|_, conn, event| {
        Box::pin(learning_needs_recorded(conn, event))
    })
    .on::<events::ParticipantErased>(|_, conn, event| Box::pin(participant_erased(conn, event)))
    .on::<events::WorkshopAttended>(|reactions, conn, event| {
        Box::pin(reactions.workshop_attended(conn, event))
    })
}

impl Reactions {
    /// A workshop whose attendance is recorded was held: the grant's books propose the
    /// time of the people who ran it (once each), and the attendee's plan gets it.
    async fn workshop_attended(
        &self,
        conn: &mut AsyncPgConnection,
        event: events::WorkshopAttended,
    ) -> Result<(), HandleError> {
        if let Some(pack) = self.packs.region(&event.region) {
            propose_facilitation(conn, pack, &event).await?;
        }
        workshop_attended(conn, event).await
    }
}

/// Each facilitator's time on the workshop, proposed on the work package that takes
/// hosted workshops (see `proposals::propose` for when the books do not take it).
async fn propose_facilitation(
    conn: &mut AsyncPgConnection,
    pack: &llo_chassis::packs::RegionPack,
    event: &events::WorkshopAttended,
) -> Result<(), HandleError> {
    let time = |t: Option<&prost_types::Timestamp>| {
        t.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
    };
    let (Some(start), Some(end)) = (
        time(event.workshop_start_time.as_ref()),
        time(event.workshop_end_time.as_ref()),
    ) else {
        return Ok(());
    };
    let minutes = i32::try_from((end - start).num_minutes()).unwrap_or(0);
    for facilitator in &event.facilitator_ids {
        let proposal = proposals::Proposal {
            activity: ProposedActivity::HostedWorkshops,
            person: facilitator,
            at: start,
            minutes,
            note: &format!("Workshop: {}", event.workshop_title),
            recorded_by: "community",
            source: format!("workshop:{}", event.workshop_id),
        };
        proposals::propose(conn, pack, proposal).await?;
    }
    Ok(())
}

/// A workshop attended in the learning community lands in the participant's plan as a
/// completed activity of kind workshop: once per registration, whatever the redeliveries.
/// A no-show adds nothing.
async fn workshop_attended(
    conn: &mut AsyncPgConnection,
    event: events::WorkshopAttended,
) -> Result<(), HandleError> {
    let attended = match common::WorkshopAttendance::try_from(event.attendance) {
        Ok(
            common::WorkshopAttendance::FullyAttended
            | common::WorkshopAttendance::PartiallyAttended,
        ) => true,
        Ok(common::WorkshopAttendance::NoShow) => false,
        _ => {
            return Err(HandleError::Malformed(format!(
                "attendance {} is not one trajectories knows",
                event.attendance
            )));
        }
    };
    if !attended {
        return Ok(());
    }
    if !(0.0..=24.0).contains(&event.hours_attended) {
        return Err(HandleError::Malformed(format!(
            "hours_attended {} is outside 0..=24",
            event.hours_attended
        )));
    }
    let participant = id("participant_id", &event.participant_id)?;
    let organisation = id("organisation_id", &event.organisation_id)?;
    let registration = id("registration_id", &event.registration_id)?;
    let plan = plan_for(conn, participant, organisation, &event.region).await?;
    if plan.erased_at.is_some() {
        return Ok(());
    }
    let attended_at = event
        .workshop_start_time
        .or(event.occur_time)
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .unwrap_or_else(chrono::Utc::now);
    // Plans count whole hours; a workshop of 1.5 hours counts as 2.
    let hours = event.hours_attended.round() as i32;
    let inserted = plans::insert_attended_workshop(
        conn,
        &plans::AttendedWorkshop {
            plan_id: plan.id,
            registration_id: registration,
            title: &event.workshop_title,
            theme: &event.theme,
            hours,
            attended_at,
        },
    )
    .await?;
    if let Some(activity) = inserted {
        record(conn, &out::activity_planned(&plan, &activity)).await?;
        record(conn, &out::activity_completed(&plan, &activity)).await?;
    }
    Ok(())
}

fn id(field: &str, value: &str) -> Result<Uuid, HandleError> {
    event_id(field, value)
}

/// Erasure: the plan's goals and texts go; an erased plan is left behind even when the
/// enrolment never reached us, so a late event cannot bring the participant back.
async fn participant_erased(
    conn: &mut AsyncPgConnection,
    event: events::ParticipantErased,
) -> Result<(), HandleError> {
    let erased = ErasedParticipant::try_from(event)?;
    plans::ensure(
        conn,
        erased.participant_id,
        erased.organisation_id,
        &erased.region,
    )
    .await?;
    plans::purge(conn, erased.participant_id).await?;
    if let Some(plan) = plans::by_participant(conn, erased.participant_id).await? {
        enrolments::forget_plan(conn, plan.id).await?;
    }
    idempotency::forget_about(conn, erased.participant_id).await?;
    Ok(())
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
        record(conn, &message).await?;
    }
    Ok(plan)
}

/// Every enrolled participant gets an (empty) development plan: the enrolments that
/// arrived together in two statements (the plans, their events).
async fn participants_enrolled(
    conn: &mut AsyncPgConnection,
    events: Vec<events::ParticipantEnrolled>,
) -> Result<(), HandleError> {
    let mut new = Vec::with_capacity(events.len());
    for event in &events {
        new.push(plans::NewPlan {
            participant_id: id("participant_id", &event.participant_id)?,
            organisation_id: id("organisation_id", &event.organisation_id)?,
            region: &event.region,
        });
    }
    let created = plans::create_missing(conn, &new).await?;
    let messages: Vec<OutboxEvent> = created
        .iter()
        .map(|plan| OutboxEvent::of(&out::development_plan_created(plan)))
        .collect();
    record_all(conn, &messages).await?;
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
        // The packs were checked at start: each entry's kind is one of the pack's kinds.
        for item in proposal::interventions_for(pack, &event.priority_dimension_ids) {
            let row = trajectories::insert_intervention(
                conn,
                &NewIntervention {
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
        let mut outbox = vec![OutboxEvent::of(&out::trajectory_proposed(
            &trajectory,
            &interventions,
        )?)];
        outbox.extend(
            interventions
                .iter()
                .map(|i| OutboxEvent::of(&out::intervention_planned(&trajectory, i))),
        );
        record_all(conn, &outbox).await?;
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
            &need.theme,
            &need.description,
            Some(need_id),
            &[],
        )
        .await?;
    }
    Ok(())
}
