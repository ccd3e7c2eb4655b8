use llo_proto::{common::v1 as common, intake::v1 as pb};
use tonic::Code;

use crate::helpers::{Client, TestApp, answer_all, enrol, reason, register, violations};

async fn start(
    client: &mut Client,
    organisation_id: &str,
    round: common::AssessmentRound,
) -> Result<pb::Assessment, tonic::Status> {
    client
        .start_assessment(pb::StartAssessmentRequest {
            request_id: String::new(),
            organisation_id: organisation_id.into(),
            round: round as i32,
        })
        .await
        .map(|r| r.into_inner().assessment.unwrap())
}

async fn submit(
    client: &mut Client,
    assessment_id: &str,
    participant_id: &str,
    answers: Vec<pb::ItemAnswer>,
) -> Result<pb::SubmitAssessmentResponseResponse, tonic::Status> {
    client
        .submit_assessment_response(pb::SubmitAssessmentResponseRequest {
            request_id: String::new(),
            assessment_id: assessment_id.into(),
            participant_id: participant_id.into(),
            answers,
        })
        .await
        .map(|r| r.into_inner())
}

fn mean(assessment: &pb::Assessment, dimension: &str) -> (f64, i32) {
    let result = assessment
        .results
        .iter()
        .find(|r| r.dimension_id == dimension)
        .unwrap();
    (result.mean, result.respondent_count)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_scan_scores_each_dimension_as_computed_by_hand() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "11111111").await;
    let people: Vec<_> = {
        let mut people = Vec::new();
        for n in 0..3 {
            people.push(enrol(&mut client, &organisation.organisation_id, n).await);
        }
        people
    };
    let scan = start(
        &mut client,
        &organisation.organisation_id,
        common::AssessmentRound::Baseline,
    )
    .await
    .unwrap();
    let questionnaire = scan.questionnaire.clone().unwrap();
    assert_eq!(questionnaire.items.len(), 20);
    assert!(questionnaire.items.iter().any(|i| i.reverse_scored));

    submit(
        &mut client,
        &scan.assessment_id,
        &people[0].participant_id,
        answer_all(&questionnaire, 4),
    )
    .await
    .unwrap();
    submit(
        &mut client,
        &scan.assessment_id,
        &people[1].participant_id,
        answer_all(&questionnaire, 2),
    )
    .await
    .unwrap();
    let mut third = answer_all(&questionnaire, 5);
    // leiderschap-3 is reverse-scored: an answer of 1 counts as 5.
    third
        .iter_mut()
        .find(|a| a.item_id == "leiderschap-3")
        .unwrap()
        .score = 1;
    let submitted = submit(
        &mut client,
        &scan.assessment_id,
        &people[2].participant_id,
        third,
    )
    .await
    .unwrap();
    assert_eq!(submitted.response_count, 3);

    let completed = client
        .complete_assessment(pb::CompleteAssessmentRequest {
            request_id: String::new(),
            assessment_id: scan.assessment_id.clone(),
            priority_needs: vec!["Kennisoverdracht van oudere vakmensen".into()],
            complete_time: None,
        })
        .await
        .unwrap()
        .into_inner()
        .assessment
        .unwrap();
    assert_eq!(completed.status, pb::AssessmentStatus::Completed as i32);

    // By hand (reverse items count 6 - answer):
    // leiderschap (3 normal, 1 reverse): A 4+4+4+2, B 2+2+2+4, C 5+5+5+5 = 44 / 12
    // leerklimaat (2 normal, 1 reverse): A 4+4+2, B 2+2+4, C 5+5+1 = 29 / 9
    // kennisdeling (2 normal, 2 reverse): A 4+4+2+2, B 2+2+4+4, C 5+5+1+1 = 36 / 12
    let expected = [
        ("leiderschap", 44.0 / 12.0),
        ("leerklimaat", 29.0 / 9.0),
        ("kennisdeling", 3.0),
        ("loopbaan", 29.0 / 9.0),
        ("personeelsplanning", 29.0 / 9.0),
        ("eigen-regie", 29.0 / 9.0),
    ];
    for (dimension, want) in expected {
        let (got, respondents) = mean(&completed, dimension);
        assert!((got - want).abs() < 1e-9, "{dimension}: {got} != {want}");
        assert_eq!(respondents, 3);
    }
    // Weakest first (ties in the pack's order), then the coach's needs.
    let themes: Vec<_> = completed
        .priority_themes
        .iter()
        .map(|t| (t.source, t.dimension_id.clone()))
        .collect();
    assert_eq!(
        themes,
        [
            (
                pb::PriorityThemeSource::Scan as i32,
                "kennisdeling".to_owned()
            ),
            (
                pb::PriorityThemeSource::Scan as i32,
                "leerklimaat".to_owned()
            ),
            (
                pb::PriorityThemeSource::ManagementInterview as i32,
                String::new()
            ),
        ]
    );
    let fetched = client
        .get_assessment(pb::GetAssessmentRequest {
            assessment_id: scan.assessment_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .assessment
        .unwrap();
    assert_eq!(fetched.results, completed.results);
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_are_checked_item_by_item() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "22222222").await;
    let other = register(&mut client, "33333333").await;
    let person = enrol(&mut client, &organisation.organisation_id, 1).await;
    let stranger = enrol(&mut client, &other.organisation_id, 2).await;
    let scan = start(
        &mut client,
        &organisation.organisation_id,
        common::AssessmentRound::Baseline,
    )
    .await
    .unwrap();
    let questionnaire = scan.questionnaire.unwrap();

    let mut answers = answer_all(&questionnaire, 3);
    answers[0].score = 6;
    answers[1].item_id = answers[2].item_id.clone();
    answers.pop();
    let status = submit(
        &mut client,
        &scan.assessment_id,
        &person.participant_id,
        answers,
    )
    .await
    .unwrap_err();
    assert_eq!(
        violations(&status),
        ["answers[0].score", "answers[2].item_id", "answers"]
    );

    let status = submit(
        &mut client,
        &scan.assessment_id,
        &stranger.participant_id,
        answer_all(&questionnaire, 3),
    )
    .await
    .unwrap_err();
    assert_eq!(violations(&status), ["participant_id"]);

    submit(
        &mut client,
        &scan.assessment_id,
        &person.participant_id,
        answer_all(&questionnaire, 3),
    )
    .await
    .unwrap();
    let status = submit(
        &mut client,
        &scan.assessment_id,
        &person.participant_id,
        answer_all(&questionnaire, 3),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_scan_takes_no_answers_and_the_rounds_go_in_order() {
    let app = TestApp::spawn().await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "44444444").await;
    let first = enrol(&mut client, &organisation.organisation_id, 1).await;
    let second = enrol(&mut client, &organisation.organisation_id, 2).await;

    let status = start(
        &mut client,
        &organisation.organisation_id,
        common::AssessmentRound::FollowUp,
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(reason(&status), "BASELINE_NOT_COMPLETED");

    let scan = start(
        &mut client,
        &organisation.organisation_id,
        common::AssessmentRound::Baseline,
    )
    .await
    .unwrap();
    let status = client
        .complete_assessment(pb::CompleteAssessmentRequest {
            request_id: String::new(),
            assessment_id: scan.assessment_id.clone(),
            priority_needs: vec![],
            complete_time: None,
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "NO_RESPONSES");

    let questionnaire = scan.questionnaire.unwrap();
    submit(
        &mut client,
        &scan.assessment_id,
        &first.participant_id,
        answer_all(&questionnaire, 3),
    )
    .await
    .unwrap();
    client
        .complete_assessment(pb::CompleteAssessmentRequest {
            request_id: String::new(),
            assessment_id: scan.assessment_id.clone(),
            priority_needs: vec![],
            complete_time: None,
        })
        .await
        .unwrap();
    let status = submit(
        &mut client,
        &scan.assessment_id,
        &second.participant_id,
        answer_all(&questionnaire, 3),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(reason(&status), "ASSESSMENT_CLOSED");

    let status = start(
        &mut client,
        &organisation.organisation_id,
        common::AssessmentRound::Baseline,
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    let follow_up = start(
        &mut client,
        &organisation.organisation_id,
        common::AssessmentRound::FollowUp,
    )
    .await
    .unwrap();
    assert_eq!(follow_up.round, common::AssessmentRound::FollowUp as i32);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_completion_returns_the_first_scores_and_publishes_once() {
    let app = TestApp::spawn().await;
    let mut completed_events = app.env.probe("intake.needs_assessment_completed.v1").await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "45454545").await;
    let person = enrol(&mut client, &organisation.organisation_id, 1).await;
    let scan = start(
        &mut client,
        &organisation.organisation_id,
        common::AssessmentRound::Baseline,
    )
    .await
    .unwrap();
    submit(
        &mut client,
        &scan.assessment_id,
        &person.participant_id,
        answer_all(&scan.questionnaire.clone().unwrap(), 4),
    )
    .await
    .unwrap();
    let complete = pb::CompleteAssessmentRequest {
        request_id: "complete-scan-1".into(),
        assessment_id: scan.assessment_id.clone(),
        priority_needs: vec!["Vakmanschap borgen".into()],
        complete_time: None,
    };
    let first = client
        .complete_assessment(complete.clone())
        .await
        .unwrap()
        .into_inner();
    let retried = client
        .complete_assessment(complete.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, retried, "the first answer, not ASSESSMENT_CLOSED");
    let reused = client
        .complete_assessment(pb::CompleteAssessmentRequest {
            priority_needs: vec!["Iets anders".into()],
            ..complete
        })
        .await
        .unwrap_err();
    assert_eq!(
        status_reason(&reused),
        (Code::AlreadyExists, "REQUEST_ID_REUSED".into())
    );
    assert!(
        completed_events
            .next(std::time::Duration::from_secs(10))
            .await
            .is_some()
    );
    assert!(
        completed_events
            .next(std::time::Duration::from_secs(1))
            .await
            .is_none(),
        "one NeedsAssessmentCompleted"
    );
}

fn status_reason(status: &tonic::Status) -> (Code, String) {
    (status.code(), reason(status))
}

fn at(rfc3339: &str) -> prost_types::Timestamp {
    let at: chrono::DateTime<chrono::Utc> = rfc3339.parse().unwrap();
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

/// A scan closed on paper and recorded afterwards keeps its date, within the programme's
/// calendar; a date outside it or in the future is refused on `complete_time` and the
/// scan stays open.
#[tokio::test(flavor = "multi_thread")]
async fn a_scan_recorded_afterwards_keeps_its_date_within_the_programme() {
    use llo_proto::{IntegrationEvent, events::v1 as events};
    use prost::Message as _;
    let app = TestApp::spawn().await;
    let mut probe = app
        .env
        .probe(events::NeedsAssessmentCompleted::ROUTING_KEY)
        .await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "55555555").await;
    let person = enrol(&mut client, &organisation.organisation_id, 1).await;
    let round = common::AssessmentRound::Baseline;
    let scan = start(&mut client, &organisation.organisation_id, round)
        .await
        .unwrap();
    let answers = answer_all(scan.questionnaire.as_ref().unwrap(), 4);
    submit(
        &mut client,
        &scan.assessment_id,
        &person.participant_id,
        answers,
    )
    .await
    .unwrap();
    let complete = |when: prost_types::Timestamp| pb::CompleteAssessmentRequest {
        request_id: String::new(),
        assessment_id: scan.assessment_id.clone(),
        priority_needs: vec![],
        complete_time: Some(when),
    };
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
    for (when, why) in [
        (
            "2020-12-31T12:00:00Z",
            "lies before the programme's start (2021-03-01)",
        ),
        (
            "2023-03-01T12:00:00Z",
            "lies after the programme's end (2022-12-31)",
        ),
        (tomorrow.as_str(), "lies in the future"),
    ] {
        let refused = client
            .complete_assessment(complete(at(when)))
            .await
            .unwrap_err();
        assert_eq!(violations(&refused), ["complete_time"], "{when}");
        assert!(refused.message().contains(why), "{when}: {refused:?}");
    }
    let completed = client
        .complete_assessment(complete(at("2021-06-15T16:00:00Z")))
        .await
        .unwrap()
        .into_inner()
        .assessment
        .unwrap();
    assert_eq!(completed.status, pb::AssessmentStatus::Completed as i32);
    assert_eq!(
        completed.complete_time.map(|t| t.seconds),
        Some(at("2021-06-15T16:00:00Z").seconds)
    );
    let delivery = probe
        .next(std::time::Duration::from_secs(20))
        .await
        .expect("published");
    let event = events::NeedsAssessmentCompleted::decode(delivery.data.as_slice()).unwrap();
    assert_eq!(
        event.occur_time().map(|t| t.seconds),
        Some(at("2021-06-15T16:00:00Z").seconds)
    );
}
