//! Rows and domain values to protobuf, and protobuf enums to domain values.
use chrono::{DateTime, Utc};
use llo_chassis::packs::SectorPack;
use llo_proto::{common::v1 as common, intake::v1 as pb};

use crate::{
    domain::{
        model::{AssessmentStatus, ParticipantRole, ParticipantSource, Round},
        scoring::PriorityTheme,
    },
    store::{
        assessments::AssessmentRow, organisations::OrganisationRow, participants::ParticipantRow,
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

pub fn role_from_proto(value: i32) -> Option<ParticipantRole> {
    match common::ParticipantRole::try_from(value).ok()? {
        common::ParticipantRole::Director => Some(ParticipantRole::Director),
        common::ParticipantRole::Manager => Some(ParticipantRole::Manager),
        common::ParticipantRole::Supervisor => Some(ParticipantRole::Supervisor),
        common::ParticipantRole::Employee => Some(ParticipantRole::Employee),
        common::ParticipantRole::Unspecified => None,
    }
}

/// A stored value, parsed; one the code does not know is reported and shown as
/// unspecified rather than failing every read of the row.
fn known<T>(parsed: Option<T>, kind: &str, text: &str) -> Option<T> {
    if parsed.is_none() {
        tracing::error!(
            kind,
            value = text,
            "stored value is unknown to this version"
        );
    }
    parsed
}

pub fn role_to_proto(text: &str) -> common::ParticipantRole {
    match known(ParticipantRole::parse(text), "participant role", text) {
        Some(ParticipantRole::Director) => common::ParticipantRole::Director,
        Some(ParticipantRole::Manager) => common::ParticipantRole::Manager,
        Some(ParticipantRole::Supervisor) => common::ParticipantRole::Supervisor,
        Some(ParticipantRole::Employee) => common::ParticipantRole::Employee,
        None => common::ParticipantRole::Unspecified,
    }
}

/// `Ok(None)` for unspecified (the default applies), `Err` for a number no enum has.
pub fn source_from_proto(value: i32) -> Result<Option<ParticipantSource>, UnknownEnumValue> {
    match common::ParticipantSource::try_from(value).map_err(|_| UnknownEnumValue(value))? {
        common::ParticipantSource::Unspecified => Ok(None),
        common::ParticipantSource::Company => Ok(Some(ParticipantSource::Company)),
        common::ParticipantSource::UwvReferral => Ok(Some(ParticipantSource::UwvReferral)),
    }
}

pub fn source_to_proto(text: &str) -> common::ParticipantSource {
    match known(ParticipantSource::parse(text), "participant source", text) {
        Some(ParticipantSource::Company) => common::ParticipantSource::Company,
        Some(ParticipantSource::UwvReferral) => common::ParticipantSource::UwvReferral,
        None => common::ParticipantSource::Unspecified,
    }
}

pub fn round_from_proto(value: i32) -> Option<Round> {
    match common::AssessmentRound::try_from(value).ok()? {
        common::AssessmentRound::Baseline => Some(Round::Baseline),
        common::AssessmentRound::FollowUp => Some(Round::FollowUp),
        common::AssessmentRound::Unspecified => None,
    }
}

pub fn round_to_proto(round: Round) -> common::AssessmentRound {
    match round {
        Round::Baseline => common::AssessmentRound::Baseline,
        Round::FollowUp => common::AssessmentRound::FollowUp,
    }
}

pub fn organisation(row: &OrganisationRow) -> pb::Organisation {
    pb::Organisation {
        organisation_id: row.id.to_string(),
        region: row.region.clone(),
        sector: row.sector.clone(),
        name: row.name.clone(),
        kvk_number: row.kvk_number.clone(),
        municipality: row.municipality.clone(),
        employee_count: row.employee_count,
        create_time: Some(timestamp(row.created_at)),
        hr_contact_email: row.hr_contact_email.clone().unwrap_or_default(),
        hr_contact_name: row.hr_contact_name.clone().unwrap_or_default(),
    }
}

pub fn participant(row: &ParticipantRow) -> pb::Participant {
    pb::Participant {
        participant_id: row.id.to_string(),
        organisation_id: row.organisation_id.to_string(),
        given_name: row.given_name.clone().unwrap_or_default(),
        family_name: row.family_name.clone().unwrap_or_default(),
        email: row.email.clone().unwrap_or_default(),
        role: role_to_proto(&row.role) as i32,
        job_title: row.job_title.clone().unwrap_or_default(),
        consent_given: row.consent_given,
        consent_time: row.consent_at.map(timestamp),
        source: source_to_proto(&row.source) as i32,
        uwv_reference: row.uwv_reference.clone().unwrap_or_default(),
        external_reference: row.external_reference.clone().unwrap_or_default(),
        erased: row.erased_at.is_some(),
        create_time: Some(timestamp(row.created_at)),
        erase_time: row.erased_at.map(timestamp),
    }
}

pub fn questionnaire(pack: &SectorPack) -> pb::Questionnaire {
    pb::Questionnaire {
        sector: pack.id.clone(),
        likert_min: pack.likert_min,
        likert_max: pack.likert_max,
        dimensions: pack
            .dimensions
            .iter()
            .map(|d| pb::Dimension {
                dimension_id: d.id.clone(),
                name: d.name.clone(),
                description: d.description.clone(),
            })
            .collect(),
        items: pack
            .items
            .iter()
            .map(|i| pb::QuestionnaireItem {
                item_id: i.id.clone(),
                dimension_id: i.dimension.clone(),
                text: i.text.clone(),
                reverse_scored: i.reverse,
            })
            .collect(),
    }
}

pub fn assessment(
    row: &AssessmentRow,
    pack: Option<&SectorPack>,
    response_count: i64,
) -> pb::Assessment {
    let results = row.results();
    let status = match known(
        AssessmentStatus::parse(&row.status),
        "scan status",
        &row.status,
    ) {
        Some(AssessmentStatus::Open) => pb::AssessmentStatus::Open,
        Some(AssessmentStatus::Completed) => pb::AssessmentStatus::Completed,
        None => pb::AssessmentStatus::Unspecified,
    };
    pb::Assessment {
        assessment_id: row.id.to_string(),
        organisation_id: row.organisation_id.to_string(),
        round: known(Round::parse(&row.round), "scan round", &row.round)
            .map_or(common::AssessmentRound::Unspecified, round_to_proto) as i32,
        status: status as i32,
        questionnaire: pack.map(questionnaire),
        response_count: response_count as i32,
        results: results
            .scores
            .iter()
            .map(|s| pb::DimensionResult {
                dimension_id: s.dimension_id.clone(),
                name: s.name.clone(),
                mean: s.mean,
                respondent_count: s.respondent_count as i32,
            })
            .collect(),
        priority_themes: results
            .priority_themes
            .iter()
            .map(|t| match t {
                PriorityTheme::Scan {
                    dimension_id,
                    description,
                } => pb::PriorityTheme {
                    source: pb::PriorityThemeSource::Scan as i32,
                    dimension_id: dimension_id.clone(),
                    description: description.clone(),
                },
                PriorityTheme::ManagementInterview { description } => pb::PriorityTheme {
                    source: pb::PriorityThemeSource::ManagementInterview as i32,
                    dimension_id: String::new(),
                    description: description.clone(),
                },
            })
            .collect(),
        start_time: Some(timestamp(row.created_at)),
        complete_time: row.completed_at.map(timestamp),
    }
}
