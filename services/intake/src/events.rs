//! Intake's integration events, built from rows (their routing keys live with the
//! message types, in `llo_proto::integration`).
//! They carry ids, never a person's name or e-mail address.
use llo_proto::{common::v1 as common, events::v1 as events};

use crate::{
    api::mapping::{role_to_proto, round_to_proto, source_to_proto, timestamp},
    domain::{model::Round, scoring::DimensionScore},
    store::{
        learning_needs::LearningNeedRow, organisations::OrganisationRow,
        participants::ParticipantRow,
    },
};

pub fn organisation_registered(row: &OrganisationRow) -> events::OrganisationRegistered {
    events::OrganisationRegistered {
        organisation_id: row.id.to_string(),
        region: row.region.clone(),
        sector: row.sector.clone(),
        organisation_name: row.name.clone(),
        municipality: row.municipality.clone(),
        employee_count: row.employee_count,
        occur_time: Some(timestamp(row.created_at)),
    }
}

pub fn participant_enrolled(row: &ParticipantRow, region: &str) -> events::ParticipantEnrolled {
    events::ParticipantEnrolled {
        participant_id: row.id.to_string(),
        organisation_id: row.organisation_id.to_string(),
        region: region.to_owned(),
        role: role_to_proto(&row.role) as i32,
        source: source_to_proto(&row.source) as i32,
        occur_time: Some(timestamp(row.created_at)),
    }
}

pub struct CompletedScan<'a> {
    pub assessment_id: uuid::Uuid,
    pub organisation: &'a OrganisationRow,
    pub round: Round,
    pub scores: &'a [DimensionScore],
    pub weakest: Vec<String>,
    pub needs: &'a [String],
    pub respondents: i32,
    pub completed_at: chrono::DateTime<chrono::Utc>,
}

pub fn needs_assessment_completed(scan: &CompletedScan<'_>) -> events::NeedsAssessmentCompleted {
    events::NeedsAssessmentCompleted {
        assessment_id: scan.assessment_id.to_string(),
        organisation_id: scan.organisation.id.to_string(),
        region: scan.organisation.region.clone(),
        sector: scan.organisation.sector.clone(),
        round: round_to_proto(scan.round) as i32,
        scores: scan
            .scores
            .iter()
            .map(|s| common::DimensionScore {
                dimension_id: s.dimension_id.clone(),
                mean: s.mean,
                respondent_count: s.respondent_count as i32,
            })
            .collect(),
        priority_dimension_ids: scan.weakest.clone(),
        priority_needs: scan.needs.to_vec(),
        respondent_count: scan.respondents,
        occur_time: Some(timestamp(scan.completed_at)),
    }
}

pub fn learning_needs_recorded(
    participant: &ParticipantRow,
    region: &str,
    needs: &[LearningNeedRow],
) -> events::LearningNeedsRecorded {
    events::LearningNeedsRecorded {
        participant_id: participant.id.to_string(),
        organisation_id: participant.organisation_id.to_string(),
        region: region.to_owned(),
        needs: needs
            .iter()
            .map(|n| common::LearningNeed {
                need_id: n.id.to_string(),
                theme: n.theme.clone(),
                description: n.description.clone(),
            })
            .collect(),
        occur_time: Some(timestamp(chrono::Utc::now())),
    }
}

pub fn participant_erased(
    participant: &ParticipantRow,
    region: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> events::ParticipantErased {
    events::ParticipantErased {
        participant_id: participant.id.to_string(),
        organisation_id: participant.organisation_id.to_string(),
        region: region.to_owned(),
        occur_time: Some(timestamp(at)),
    }
}
