//! Rows and domain values to protobuf, and protobuf enums to domain values.
use chrono::{DateTime, Utc};
use llo_proto::{common::v1 as common, community::v1 as pb};

use crate::{
    domain::{
        model::{KnowledgeKind, MemberType, Visibility, WorkshopStatus},
        registration::{Attendance, Status},
    },
    store::{
        knowledge::KnowledgeRow,
        members::MemberRow,
        registrations::RegistrationRow,
        workshops::{FeedbackRow, Figures, WorkshopRow},
    },
};

/// A protobuf enum number that no variant has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownEnumValue(pub i32);

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

pub fn member_type_from_proto(value: i32) -> Option<MemberType> {
    use common::CommunityMemberType as P;
    Some(match P::try_from(value).ok()? {
        P::Unspecified => return None,
        P::Company => MemberType::Company,
        P::EmployersOrganisation => MemberType::EmployersOrganisation,
        P::Union => MemberType::Union,
        P::EducationProvider => MemberType::EducationProvider,
        P::PublicEmploymentService => MemberType::PublicEmploymentService,
        P::Adviser => MemberType::Adviser,
        P::Other => MemberType::Other,
    })
}

pub fn member_type_to_proto(member_type: MemberType) -> common::CommunityMemberType {
    use common::CommunityMemberType as P;
    match member_type {
        MemberType::Company => P::Company,
        MemberType::EmployersOrganisation => P::EmployersOrganisation,
        MemberType::Union => P::Union,
        MemberType::EducationProvider => P::EducationProvider,
        MemberType::PublicEmploymentService => P::PublicEmploymentService,
        MemberType::Adviser => P::Adviser,
        MemberType::Other => P::Other,
    }
}

pub fn status_to_proto(status: Status) -> common::WorkshopRegistrationStatus {
    use common::WorkshopRegistrationStatus as P;
    match status {
        Status::Requested => P::Unspecified,
        Status::Booked => P::Booked,
        Status::WaitListed => P::WaitListed,
        Status::Cancelled => P::Cancelled,
        Status::AttendedFully => P::AttendedFully,
        Status::AttendedPartially => P::AttendedPartially,
        Status::NoShow => P::NoShow,
    }
}

/// `Ok(None)` for unspecified (no filter), `Err` for a number no enum has.
pub fn status_from_proto(value: i32) -> Result<Option<Status>, UnknownEnumValue> {
    use common::WorkshopRegistrationStatus as P;
    Ok(Some(
        match P::try_from(value).map_err(|_| UnknownEnumValue(value))? {
            P::Unspecified => return Ok(None),
            P::Booked => Status::Booked,
            P::WaitListed => Status::WaitListed,
            P::Cancelled => Status::Cancelled,
            P::AttendedFully => Status::AttendedFully,
            P::AttendedPartially => Status::AttendedPartially,
            P::NoShow => Status::NoShow,
        },
    ))
}

pub fn attendance_from_proto(value: i32) -> Option<Attendance> {
    use common::WorkshopAttendance as P;
    match P::try_from(value).ok()? {
        P::Unspecified => None,
        P::FullyAttended => Some(Attendance::Fully),
        P::PartiallyAttended => Some(Attendance::Partially),
        P::NoShow => Some(Attendance::NoShow),
    }
}

pub fn attendance_to_proto(attendance: Attendance) -> common::WorkshopAttendance {
    match attendance {
        Attendance::Fully => common::WorkshopAttendance::FullyAttended,
        Attendance::Partially => common::WorkshopAttendance::PartiallyAttended,
        Attendance::NoShow => common::WorkshopAttendance::NoShow,
    }
}

pub fn kind_from_proto(value: i32) -> Option<KnowledgeKind> {
    match pb::KnowledgeItemKind::try_from(value).ok()? {
        pb::KnowledgeItemKind::Unspecified => None,
        pb::KnowledgeItemKind::LearningExperience => Some(KnowledgeKind::LearningExperience),
        pb::KnowledgeItemKind::Instrument => Some(KnowledgeKind::Instrument),
        pb::KnowledgeItemKind::Strategy => Some(KnowledgeKind::Strategy),
    }
}

pub fn kind_to_proto(kind: KnowledgeKind) -> pb::KnowledgeItemKind {
    match kind {
        KnowledgeKind::LearningExperience => pb::KnowledgeItemKind::LearningExperience,
        KnowledgeKind::Instrument => pb::KnowledgeItemKind::Instrument,
        KnowledgeKind::Strategy => pb::KnowledgeItemKind::Strategy,
    }
}

pub fn visibility_from_proto(value: i32) -> Option<Visibility> {
    match pb::KnowledgeVisibility::try_from(value).ok()? {
        pb::KnowledgeVisibility::Unspecified => None,
        pb::KnowledgeVisibility::Community => Some(Visibility::Community),
        pb::KnowledgeVisibility::Public => Some(Visibility::Public),
    }
}

pub fn visibility_to_proto(visibility: Visibility) -> pb::KnowledgeVisibility {
    match visibility {
        Visibility::Community => pb::KnowledgeVisibility::Community,
        Visibility::Public => pb::KnowledgeVisibility::Public,
    }
}

pub fn workshop_status_from_proto(value: i32) -> Result<Option<WorkshopStatus>, UnknownEnumValue> {
    match pb::WorkshopStatus::try_from(value).map_err(|_| UnknownEnumValue(value))? {
        pb::WorkshopStatus::Unspecified => Ok(None),
        pb::WorkshopStatus::Scheduled => Ok(Some(WorkshopStatus::Scheduled)),
        pb::WorkshopStatus::Cancelled => Ok(Some(WorkshopStatus::Cancelled)),
    }
}

pub fn member(row: &MemberRow) -> pb::Member {
    pb::Member {
        member_id: row.id.to_string(),
        region: row.region.clone(),
        member_type: member_type_to_proto(row.member_type) as i32,
        name: row.name.clone(),
        organisation_id: row
            .organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        sector: row.sector.clone().unwrap_or_default(),
        contact_role: row.contact_role.clone().unwrap_or_default(),
        join_time: Some(timestamp(row.created_at)),
    }
}

pub fn workshop(row: &WorkshopRow, figures: Figures) -> pb::Workshop {
    let status = match row.status {
        WorkshopStatus::Scheduled => pb::WorkshopStatus::Scheduled,
        WorkshopStatus::Cancelled => pb::WorkshopStatus::Cancelled,
    };
    let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    pb::Workshop {
        workshop_id: row.id.to_string(),
        region: row.region.clone(),
        theme: row.theme.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        start_time: Some(timestamp(row.starts_at)),
        end_time: Some(timestamp(row.ends_at)),
        location: row.location.clone().unwrap_or_default(),
        online_url: row.online_url.clone().unwrap_or_default(),
        capacity: row.capacity,
        seats_per_company: row.seats_per_company.unwrap_or(0),
        registration_cutoff_time: Some(timestamp(row.registration_closes_at)),
        host_member_id: row.host_member_id.to_string(),
        facilitator_ids: row.facilitator_ids.clone(),
        already_held: row.already_held,
        status: status as i32,
        cancel_reason: row.cancel_reason.clone().unwrap_or_default(),
        booked_count: count(figures.booked),
        wait_listed_count: count(figures.wait_listed),
        attended_count: count(figures.attended),
        feedback_count: count(figures.feedback),
        average_rating: figures.average_rating,
        create_time: Some(timestamp(row.created_at)),
        cancel_time: row.cancelled_at.map(timestamp),
    }
}

/// `position`: the place on the wait list (1 = next), 0 when not waiting.
pub fn registration(row: &RegistrationRow, position: usize) -> pb::Registration {
    pb::Registration {
        registration_id: row.id.to_string(),
        workshop_id: row.workshop_id.to_string(),
        participant_id: row
            .participant_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        organisation_id: row.organisation_id.to_string(),
        status: status_to_proto(row.status) as i32,
        wait_list_position: i32::try_from(position).unwrap_or(i32::MAX),
        hours_attended: hours(row.minutes_attended),
        cancel_reason: row.cancel_reason.clone().unwrap_or_default(),
        create_time: Some(timestamp(row.created_at)),
        update_time: Some(timestamp(row.updated_at)),
    }
}

pub fn hours(minutes: Option<i32>) -> f64 {
    f64::from(minutes.unwrap_or(0)) / 60.0
}

pub fn feedback(row: &FeedbackRow) -> pb::WorkshopFeedback {
    pb::WorkshopFeedback {
        feedback_id: row.id.to_string(),
        registration_id: row.registration_id.to_string(),
        workshop_id: row.workshop_id.to_string(),
        rating: row.rating,
        comment: row.comment.clone(),
        create_time: Some(timestamp(row.created_at)),
    }
}

pub fn knowledge_item(row: &KnowledgeRow) -> pb::KnowledgeItem {
    pb::KnowledgeItem {
        knowledge_item_id: row.id.to_string(),
        region: row.region.clone(),
        kind: kind_to_proto(row.kind) as i32,
        title: row.title.clone(),
        body: row.body.clone(),
        themes: row.themes.clone(),
        author_member_id: row.author_member_id.to_string(),
        visibility: visibility_to_proto(row.visibility) as i32,
        publish_time: Some(timestamp(row.created_at)),
    }
}
