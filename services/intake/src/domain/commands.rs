//! What intake's callers ask it to do, as parsed at the edge (`api::commands`): every
//! value here is already known to be well formed, so the use cases only check rules
//! that need the database.
use llo_chassis::fields::{Email, KvkNumber, Name, Prose, Text};
use uuid::Uuid;

use super::{
    model::{ParticipantRole, ParticipantSource, Round},
    scoring::Answer,
};

/// A theme of a learning need; short, like the sector pack's theme names.
pub type Theme = Text<100>;
/// A reference an importer gives each row (its own id for the person).
pub type ExternalReference = Text<128>;

/// At most this many learning needs in one call.
pub const MAX_NEEDS: usize = 20;
/// At most this many priority needs taken from the management interview.
pub const MAX_PRIORITY_NEEDS: usize = 20;
/// More answers than any questionnaire has items is not a scan answer.
pub const MAX_ANSWERS: usize = 200;

#[derive(Debug, Clone)]
pub struct RegisterOrganisation {
    /// A region of the installed packs, which the caller's token covers.
    pub region: String,
    /// A sector of that region's programme.
    pub sector: String,
    pub name: Name,
    pub kvk_number: KvkNumber,
    pub municipality: Name,
    pub employee_count: i32,
    /// The company's HR contact, if any (business contact data, not a participant's).
    pub hr_contact_email: Option<Email>,
    pub hr_contact_name: Option<Name>,
}

/// A person as enrolment or an import row describes them; consent is given (nobody
/// is enrolled without it), and a UWV referral carries its reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub given_name: Name,
    pub family_name: Name,
    pub email: Email,
    pub role: ParticipantRole,
    /// May be empty.
    pub job_title: Name,
    pub source: ParticipantSource,
    pub uwv_reference: Option<Name>,
}

#[derive(Debug, Clone)]
pub struct EnrolParticipant {
    pub organisation_id: Uuid,
    pub participant: Participant,
}

/// One row of `ImportParticipants`.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub external_reference: ExternalReference,
    pub organisation_id: Uuid,
    pub participant: Participant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearningNeed {
    pub theme: Theme,
    pub description: Prose,
}

#[derive(Debug, Clone)]
pub struct RecordLearningNeeds {
    pub participant_id: Uuid,
    /// One to [`MAX_NEEDS`].
    pub needs: Vec<LearningNeed>,
}

#[derive(Debug, Clone)]
pub struct EraseParticipant {
    pub participant_id: Uuid,
    /// May be empty.
    pub reason: Prose,
}

#[derive(Debug, Clone)]
pub struct StartAssessment {
    pub organisation_id: Uuid,
    pub round: Round,
}

#[derive(Debug, Clone)]
pub struct SubmitResponse {
    pub assessment_id: Uuid,
    pub participant_id: Uuid,
    /// Checked against the sector's questionnaire by `scoring::check_answers`.
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone)]
pub struct CompleteAssessment {
    pub assessment_id: Uuid,
    /// Needs the coach took from the management interview; at most
    /// [`MAX_PRIORITY_NEEDS`].
    pub priority_needs: Vec<Prose>,
    /// When the scan was closed, recorded afterwards; now when `None`.
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
}
