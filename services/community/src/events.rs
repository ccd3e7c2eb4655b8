//! Community's integration events, built from rows (their routing keys live with the
//! message types, in `llo_proto::integration`). They carry ids, never a person's name
//! or e-mail address.
use chrono::Utc;
use llo_proto::events::v1 as events;

use crate::{
    api::mapping::{attendance_to_proto, member_type_to_proto, status_to_proto, timestamp},
    domain::registration::{Attendance, Status},
    store::{
        knowledge::KnowledgeRow,
        members::MemberRow,
        registrations::RegistrationRow,
        workshops::{FeedbackRow, WorkshopRow},
    },
};

pub fn member_joined(row: &MemberRow) -> events::MemberJoined {
    events::MemberJoined {
        member_id: row.id.to_string(),
        region: row.region.clone(),
        member_type: member_type_to_proto(row.member_type) as i32,
        organisation_id: row
            .organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        occur_time: Some(timestamp(row.created_at)),
    }
}

pub fn workshop_scheduled(row: &WorkshopRow) -> events::WorkshopScheduled {
    events::WorkshopScheduled {
        workshop_id: row.id.to_string(),
        region: row.region.clone(),
        theme: row.theme.clone(),
        workshop_title: row.title.clone(),
        host_member_id: row.host_member_id.to_string(),
        start_time: Some(timestamp(row.starts_at)),
        end_time: Some(timestamp(row.ends_at)),
        capacity: row.capacity,
        seats_per_company: row.seats_per_company.unwrap_or(0),
        registration_cutoff_time: Some(timestamp(row.registration_closes_at)),
        occur_time: Some(timestamp(row.created_at)),
        facilitator_ids: row.facilitator_ids.clone(),
        already_held: row.already_held,
        location: row.location.clone().unwrap_or_default(),
        online_url: row.online_url.clone().unwrap_or_default(),
    }
}

/// `from`: the status before (`Requested` for a new registration).
pub fn registration_changed(
    workshop: &WorkshopRow,
    row: &RegistrationRow,
    from: Status,
    position: usize,
) -> events::WorkshopRegistrationChanged {
    events::WorkshopRegistrationChanged {
        registration_id: row.id.to_string(),
        workshop_id: row.workshop_id.to_string(),
        participant_id: row
            .participant_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        organisation_id: row.organisation_id.to_string(),
        region: workshop.region.clone(),
        from_status: status_to_proto(from) as i32,
        to_status: status_to_proto(row.status) as i32,
        wait_list_position: i32::try_from(position).unwrap_or(i32::MAX),
        occur_time: Some(timestamp(row.updated_at)),
        // Set by CancelWorkshop only.
        workshop_cancelled: false,
        cancel_reason: String::new(),
    }
}

pub fn workshop_attended(
    workshop: &WorkshopRow,
    row: &RegistrationRow,
    attendance: Attendance,
) -> events::WorkshopAttended {
    events::WorkshopAttended {
        registration_id: row.id.to_string(),
        workshop_id: workshop.id.to_string(),
        participant_id: row
            .participant_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        organisation_id: row.organisation_id.to_string(),
        region: workshop.region.clone(),
        theme: workshop.theme.clone(),
        workshop_title: workshop.title.clone(),
        attendance: attendance_to_proto(attendance) as i32,
        hours_attended: crate::api::mapping::hours(row.minutes_attended),
        workshop_start_time: Some(timestamp(workshop.starts_at)),
        occur_time: Some(timestamp(row.updated_at)),
        workshop_end_time: Some(timestamp(workshop.ends_at)),
        facilitator_ids: workshop.facilitator_ids.clone(),
    }
}

/// A rating without its comment: free text stays in community.
pub fn feedback_submitted(
    workshop: &WorkshopRow,
    registration: &RegistrationRow,
    feedback: &FeedbackRow,
) -> events::WorkshopFeedbackSubmitted {
    events::WorkshopFeedbackSubmitted {
        feedback_id: feedback.id.to_string(),
        registration_id: registration.id.to_string(),
        workshop_id: workshop.id.to_string(),
        participant_id: registration
            .participant_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        organisation_id: registration.organisation_id.to_string(),
        region: workshop.region.clone(),
        theme: workshop.theme.clone(),
        rating: feedback.rating,
        occur_time: Some(timestamp(feedback.created_at)),
    }
}

pub fn workshop_cancelled(
    workshop: &WorkshopRow,
    registrations: &[RegistrationRow],
) -> events::WorkshopCancelled {
    events::WorkshopCancelled {
        workshop_id: workshop.id.to_string(),
        region: workshop.region.clone(),
        cancelled_registration_ids: registrations.iter().map(|r| r.id.to_string()).collect(),
        occur_time: Some(timestamp(workshop.cancelled_at.unwrap_or_else(Utc::now))),
        // Set by CancelWorkshop, which has it.
        reason: String::new(),
    }
}

pub fn knowledge_item_published(row: &KnowledgeRow) -> events::KnowledgeItemPublished {
    events::KnowledgeItemPublished {
        knowledge_item_id: row.id.to_string(),
        region: row.region.clone(),
        kind: row.kind.as_str().to_owned(),
        themes: row.themes.clone(),
        author_member_id: row.author_member_id.to_string(),
        visibility: row.visibility.as_str().to_owned(),
        occur_time: Some(timestamp(row.created_at)),
    }
}
