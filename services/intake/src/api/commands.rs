//! Requests to commands: the one place a request's fields are read. Every bad field is
//! reported at once, in one `BadRequest`; what comes out is well formed.
use llo_chassis::{
    ApiError,
    fields::{Email, Fields, Name, Prose, check_id, occurred},
    packs::{LearningThemes, Packs},
};
use llo_proto::intake::v1 as pb;

use super::mapping;
use crate::domain::{
    commands::{
        CompleteAssessment, EnrolParticipant, EraseParticipant, ExternalReference, ImportRow,
        LearningNeed, MAX_ANSWERS, MAX_NEEDS, MAX_PRIORITY_NEEDS, Participant, RecordLearningNeeds,
        RegisterOrganisation, StartAssessment, SubmitResponse, Theme,
    },
    participant, programme,
    scoring::Answer,
};

/// Registration needs the packs: the region and sector must be installed.
pub fn register_organisation(
    r: &pb::RegisterOrganisationRequest,
    packs: &Packs,
) -> Result<RegisterOrganisation, ApiError> {
    let mut f = Fields::new();
    let place = programme::place(packs, &r.region, &r.sector, &mut f);
    let name = f.take("name", Name::required(&r.name));
    let kvk_number = f.take(
        "kvk_number",
        llo_chassis::fields::KvkNumber::parse(&r.kvk_number),
    );
    let municipality = f.take("municipality", Name::required(&r.municipality));
    let employee_count = f.take(
        "employee_count",
        if r.employee_count >= 1 {
            Ok(r.employee_count)
        } else {
            Err("must be at least 1".to_owned())
        },
    );
    // Both optional: the HR contact is business contact data (docs/notices.md).
    let hr_contact = f
        .take(
            "hr_contact_email",
            match r.hr_contact_email.trim() {
                "" => Ok(None),
                email => Email::parse(email).map(Some),
            },
        )
        .zip(f.take("hr_contact_name", Name::optional(&r.hr_contact_name)));
    let (
        (region, sector),
        name,
        kvk_number,
        municipality,
        employee_count,
        (hr_contact_email, hr_contact_name),
    ) = f.finish((
        place,
        name,
        kvk_number,
        municipality,
        employee_count,
        hr_contact,
    ))?;
    Ok(RegisterOrganisation {
        region,
        sector,
        name,
        kvk_number,
        municipality,
        employee_count,
        hr_contact_email,
        hr_contact_name: hr_contact_name.non_empty(),
    })
}

/// The person's fields, shared by enrolment and import rows.
#[allow(clippy::too_many_arguments)]
fn participant(
    f: &mut Fields,
    given_name: &str,
    family_name: &str,
    email: &str,
    role: i32,
    job_title: &str,
    consent_given: bool,
    source: i32,
    uwv_reference: &str,
) -> Option<Participant> {
    let given_name = f.take("given_name", Name::required(given_name));
    let family_name = f.take("family_name", Name::required(family_name));
    let email = f.take("email", Email::parse(email));
    let role = f.take(
        "role",
        mapping::role_from_proto(role)
            .ok_or_else(|| "is required: director, manager, supervisor or employee".to_owned()),
    );
    let job_title = f.take("job_title", Name::optional(job_title));
    f.check(
        "consent_given",
        if consent_given {
            Ok(())
        } else {
            Err("nobody is enrolled without their consent".into())
        },
    );
    let source = f.take(
        "source",
        mapping::source_from_proto(source).map_err(|_| "unknown source".to_owned()),
    );
    // The reference is judged against the source only when the source was readable.
    let origin = source
        .and_then(|source| f.take("uwv_reference", participant::origin(source, uwv_reference)));
    let (given_name, family_name, email, role, job_title, (source, uwv_reference)) = (
        given_name?,
        family_name?,
        email?,
        role?,
        job_title?,
        origin?,
    );
    Some(Participant {
        given_name,
        family_name,
        email,
        role,
        job_title,
        source,
        uwv_reference,
    })
}

impl TryFrom<pb::EnrolParticipantRequest> for EnrolParticipant {
    type Error = ApiError;
    fn try_from(r: pb::EnrolParticipantRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let organisation_id = f.take("organisation_id", check_id(&r.organisation_id));
        let person = participant(
            &mut f,
            &r.given_name,
            &r.family_name,
            &r.email,
            r.role,
            &r.job_title,
            r.consent_given,
            r.source,
            &r.uwv_reference,
        );
        let (organisation_id, participant) = f.finish((organisation_id, person))?;
        Ok(EnrolParticipant {
            organisation_id,
            participant,
        })
    }
}

/// An import row, or the violations that reject it (the row's outcome, not an error).
pub fn import_row(r: &pb::ImportParticipantsRequest) -> Result<ImportRow, ApiError> {
    let mut f = Fields::new();
    let external_reference = f.take(
        "external_reference",
        ExternalReference::required(&r.external_reference),
    );
    let organisation_id = f.take("organisation_id", check_id(&r.organisation_id));
    let person = participant(
        &mut f,
        &r.given_name,
        &r.family_name,
        &r.email,
        r.role,
        &r.job_title,
        r.consent_given,
        r.source,
        &r.uwv_reference,
    );
    let (external_reference, organisation_id, participant) =
        f.finish((external_reference, organisation_id, person))?;
    Ok(ImportRow {
        external_reference,
        organisation_id,
        participant,
    })
}

/// A learning theme: bounded text and, when the themes are known, one of them or `other`.
fn learning_theme(value: &str, themes: Option<&LearningThemes>) -> Result<Theme, String> {
    let theme = Theme::required(value)?;
    if let Some(themes) = themes {
        themes.check(&theme)?;
    }
    Ok(theme)
}

impl RecordLearningNeeds {
    /// `themes`: the learning themes of the participant's company's sector pack, when the
    /// participant was found (the lookup after parsing refuses the request otherwise).
    pub fn parse(
        r: pb::RecordLearningNeedsRequest,
        themes: Option<&LearningThemes>,
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let participant_id = f.take("participant_id", check_id(&r.participant_id));
        if r.needs.is_empty() {
            f.add("needs", "record at least one learning need");
        }
        let needs = f.list("needs", r.needs, MAX_NEEDS, |f, path, need| {
            let theme = f.take(format!("{path}.theme"), learning_theme(&need.theme, themes));
            let description = f.take(
                format!("{path}.description"),
                Prose::required(&need.description),
            );
            Some(LearningNeed {
                theme: theme?,
                description: description?,
            })
        });
        let (participant_id, needs) = f.finish((participant_id, needs))?;
        Ok(RecordLearningNeeds {
            participant_id,
            needs,
        })
    }
}

impl TryFrom<pb::EraseParticipantRequest> for EraseParticipant {
    type Error = ApiError;
    fn try_from(r: pb::EraseParticipantRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let participant_id = f.take("participant_id", check_id(&r.participant_id));
        let reason = f.take("reason", Prose::optional(&r.reason));
        let (participant_id, reason) = f.finish((participant_id, reason))?;
        Ok(EraseParticipant {
            participant_id,
            reason,
        })
    }
}

impl TryFrom<pb::StartAssessmentRequest> for StartAssessment {
    type Error = ApiError;
    fn try_from(r: pb::StartAssessmentRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let organisation_id = f.take("organisation_id", check_id(&r.organisation_id));
        let round = f.take(
            "round",
            mapping::round_from_proto(r.round)
                .ok_or_else(|| "is required: baseline or follow-up".to_owned()),
        );
        let (organisation_id, round) = f.finish((organisation_id, round))?;
        Ok(StartAssessment {
            organisation_id,
            round,
        })
    }
}

impl TryFrom<pb::SubmitAssessmentResponseRequest> for SubmitResponse {
    type Error = ApiError;
    fn try_from(r: pb::SubmitAssessmentResponseRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let assessment_id = f.take("assessment_id", check_id(&r.assessment_id));
        let participant_id = f.take("participant_id", check_id(&r.participant_id));
        // Item ids and scores are checked against the sector's questionnaire later;
        // here only the size of what may be held.
        let answers = f.list("answers", r.answers, MAX_ANSWERS, |f, path, answer| {
            let item_id = f.take(format!("{path}.item_id"), Name::required(&answer.item_id))?;
            Some(Answer {
                item_id: item_id.into_string(),
                score: answer.score,
            })
        });
        let (assessment_id, participant_id, answers) =
            f.finish((assessment_id, participant_id, answers))?;
        Ok(SubmitResponse {
            assessment_id,
            participant_id,
            answers,
        })
    }
}

impl TryFrom<pb::CompleteAssessmentRequest> for CompleteAssessment {
    type Error = ApiError;
    fn try_from(r: pb::CompleteAssessmentRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        let assessment_id = f.take("assessment_id", check_id(&r.assessment_id));
        let priority_needs = f.list(
            "priority_needs",
            r.priority_needs,
            MAX_PRIORITY_NEEDS,
            |f, path, need| f.take(path, Prose::required(&need)),
        );
        let completed_at = f.take("complete_time", occurred(r.complete_time.as_ref()));
        let (assessment_id, priority_needs, completed_at) =
            f.finish((assessment_id, priority_needs, completed_at))?;
        Ok(CompleteAssessment {
            assessment_id,
            priority_needs,
            completed_at,
        })
    }
}
