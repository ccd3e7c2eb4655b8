//! The grant's books: the project plan and the time ledger, as the lead applicant keeps
//! them for the funder. Each refusal is named, and a refused call changes nothing.
use llo_chassis::{auth::Role, testing::app::reason};
use llo_proto::trajectories::v1 as pb;
use tonic::Code;
use uuid::Uuid;

use crate::helpers::{Client, REGION, TestApp, fields};

const COACH: &str = "test-coach";
/// A working day of the Achterhoek programme (2021-03-01 to 2022-12-31).
const DAY: &str = "2021-05-03";

fn line(work_package: &str, hours: i32, third_party_cents: i64) -> pb::BudgetLine {
    pb::BudgetLine {
        work_package: work_package.into(),
        planned_hours: hours,
        planned_third_party_cents: third_party_cents,
        ..Default::default()
    }
}

/// The lead applicant (whose team is the coach) and a company of `organisation`.
async fn plan(client: &mut Client, organisation: Uuid) {
    for participant in [
        pb::ProjectParticipant {
            key: "vno-ncw-midden".into(),
            name: "VNO-NCW Midden".into(),
            role: pb::ProjectRole::LeadApplicant as i32,
            hourly_rate_cents: 9_000,
            people: vec![COACH.into()],
            budget: vec![
                line("projectmanagement", 400, 0),
                line("ontwikkeltrajecten", 300, 2_000_000),
            ],
            ..Default::default()
        },
        pb::ProjectParticipant {
            key: "lensink".into(),
            name: "Lensink Metaal".into(),
            role: pb::ProjectRole::Company as i32,
            organisation_id: organisation.to_string(),
            sme: true,
            hourly_rate_cents: 6_000,
            people: vec!["employee-1".into(), COACH.into()],
            budget: vec![line("behoeftepeiling", 100, 0)],
            ..Default::default()
        },
    ] {
        client
            .set_project_participant(pb::SetProjectParticipantRequest {
                participant: Some(participant),
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

fn hours(participant: &str, person: &str, day: &str, minutes: i32) -> pb::RecordHoursRequest {
    pb::RecordHoursRequest {
        participant: participant.into(),
        person_id: person.into(),
        work_package: "ontwikkeltrajecten".into(),
        day: day.into(),
        minutes,
        note: "Coachgesprekken".into(),
        ..Default::default()
    }
}

async fn record(
    client: &mut Client,
    request: pb::RecordHoursRequest,
) -> Result<pb::TimeEntry, tonic::Status> {
    client
        .record_hours(request)
        .await
        .map(|r| r.into_inner().entry.unwrap())
}

async fn review(
    client: &mut Client,
    entry: &pb::TimeEntry,
    decision: pb::ReviewDecision,
) -> Result<pb::TimeEntry, tonic::Status> {
    client
        .review_hours(pb::ReviewHoursRequest {
            entry_id: entry.entry_id.clone(),
            decision: decision as i32,
            reason: "Niet projectgebonden".into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner().entry.unwrap())
}

async fn entries(client: &mut Client, state: pb::TimeEntryState) -> Vec<pb::TimeEntry> {
    client
        .list_time_entries(pb::ListTimeEntriesRequest {
            state: state as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries
}

fn refused(status: &tonic::Status) -> (Code, String) {
    (status.code(), reason(status))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_plan_holds_each_participant_with_its_budget_and_shows_a_company_its_own() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let organisation = Uuid::now_v7();
    plan(&mut manager, organisation).await;

    let shown = manager
        .get_project_plan(pb::GetProjectPlanRequest::default())
        .await
        .unwrap()
        .into_inner();
    let keys: Vec<&str> = shown.participants.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["lensink", "vno-ncw-midden"]);
    let lead = &shown.participants[1];
    // 400 h × €90 + (300 h × €90 + €20,000).
    assert_eq!(
        lead.planned_cost_cents,
        400 * 9_000 + 300 * 9_000 + 2_000_000
    );
    assert_eq!(
        shown.planned_cost_cents,
        lead.planned_cost_cents + 100 * 6_000
    );
    assert_eq!(shown.locked_through, "");

    // Setting a key again replaces its lines.
    manager
        .set_project_participant(pb::SetProjectParticipantRequest {
            participant: Some(pb::ProjectParticipant {
                budget: vec![line("evaluatie", 10, 0)],
                ..shown.participants[0].clone()
            }),
            ..Default::default()
        })
        .await
        .unwrap();

    let mut hr = Client::new(
        app.as_role_channel(Role::CompanyHr, REGION, Some(&organisation.to_string()))
            .await,
    );
    let own = hr
        .get_project_plan(pb::GetProjectPlanRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        own.participants.len(),
        1,
        "HR sees its own participant only"
    );
    assert_eq!(own.participants[0].budget.len(), 1);
    assert_eq!(own.participants[0].budget[0].work_package, "evaluatie");
    assert_eq!(own.planned_cost_cents, 10 * 6_000);

    let status = app
        .client(Role::Evaluator, REGION)
        .await
        .get_project_plan(pb::GetProjectPlanRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    // Every bad field at once, and nothing changes.
    let status = manager
        .set_project_participant(pb::SetProjectParticipantRequest {
            participant: Some(pb::ProjectParticipant {
                key: "Lensink BV".into(),
                role: 0,
                hourly_rate_cents: -1,
                people: vec!["p".into(), "p".into()],
                budget: vec![line("lassen", 1, 0)],
                ..shown.participants[0].clone()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        fields(&status),
        [
            "participant.key",
            "participant.role",
            "participant.hourly_rate_cents",
            "participant.people[1]",
            "participant.budget[0].work_package",
        ]
    );
    let again = manager
        .get_project_plan(pb::GetProjectPlanRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.participants.len(), 2);
    assert_eq!(again.participants[0].budget[0].work_package, "evaluatie");
}

#[tokio::test(flavor = "multi_thread")]
async fn hours_are_refused_beyond_a_day_outside_the_programme_and_off_the_team() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;

    let first = record(&mut manager, hours("vno-ncw-midden", COACH, DAY, 16 * 60))
        .await
        .unwrap();
    assert_eq!(first.state, pb::TimeEntryState::Submitted as i32);
    assert_eq!((first.day.as_str(), first.minutes), (DAY, 960));
    // The same person's day across participants: 8 more hours fit, a minute more does not.
    record(&mut manager, hours("lensink", COACH, DAY, 8 * 60))
        .await
        .unwrap();
    let status = record(&mut manager, hours("vno-ncw-midden", COACH, DAY, 1))
        .await
        .unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "MORE_THAN_A_DAY".into())
    );
    // A rejected entry no longer counts.
    review(&mut manager, &first, pb::ReviewDecision::Reject)
        .await
        .unwrap();
    record(&mut manager, hours("vno-ncw-midden", COACH, DAY, 60))
        .await
        .unwrap();

    let status = record(&mut manager, hours("vno-ncw-midden", "coach-erik", DAY, 60))
        .await
        .unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "NOT_ON_THE_TEAM".into())
    );
    let status = record(&mut manager, hours("han", COACH, DAY, 60))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    for (day, why) in [
        (
            "2021-02-26",
            "lies before the programme's start (2021-03-01)",
        ),
        ("2023-01-02", "lies after the programme's end (2022-12-31)"),
        (tomorrow.as_str(), "lies in the future"),
        ("3 mei 2021", "must be a day as YYYY-MM-DD"),
    ] {
        let status = record(&mut manager, hours("vno-ncw-midden", COACH, day, 60))
            .await
            .unwrap_err();
        assert_eq!(fields(&status), ["day"], "{day}");
        assert!(
            status.message().contains(why) || format!("{status:?}").contains(why),
            "{day}: {status:?}"
        );
    }
    let status = record(
        &mut manager,
        pb::RecordHoursRequest {
            work_package: "lassen".into(),
            minutes: 0,
            ..hours("vno-ncw-midden", COACH, DAY, 60)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&status), ["work_package", "minutes"]);

    let counted: i32 = entries(&mut manager, pb::TimeEntryState::Submitted)
        .await
        .iter()
        .map(|e| e.minutes)
        .sum();
    assert_eq!(counted, 8 * 60 + 60, "refused calls recorded nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_correction_reverses_approved_hours_and_a_locked_period_takes_nothing_more() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;
    let entry = record(&mut manager, hours("vno-ncw-midden", COACH, DAY, 480))
        .await
        .unwrap();
    let approved = review(&mut manager, &entry, pb::ReviewDecision::Approve)
        .await
        .unwrap();
    assert_eq!(approved.state, pb::TimeEntryState::Approved as i32);
    assert_eq!(approved.reviewed_by, "test-programme_manager");
    let status = review(&mut manager, &entry, pb::ReviewDecision::Reject)
        .await
        .unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "ILLEGAL_TRANSITION".into())
    );

    let reverse = |entry_id: String| pb::ReverseHoursRequest {
        entry_id,
        reason: "Dubbel geboekt".into(),
        ..Default::default()
    };
    let reversal = manager
        .reverse_hours(reverse(entry.entry_id.clone()))
        .await
        .unwrap()
        .into_inner()
        .entry
        .unwrap();
    assert_eq!(
        (reversal.minutes, reversal.reverses_entry_id.as_str()),
        (-480, entry.entry_id.as_str())
    );
    assert_eq!(reversal.state, pb::TimeEntryState::Submitted as i32);
    let status = manager
        .reverse_hours(reverse(entry.entry_id.clone()))
        .await
        .unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "ALREADY_REVERSED".into())
    );

    let lock = |through: &str| pb::LockPeriodRequest {
        through: through.into(),
        ..Default::default()
    };
    let status = manager.lock_period(lock("2021-05-31")).await.unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "HOURS_WAIT_FOR_REVIEW".into())
    );
    let reversal = review(&mut manager, &reversal, pb::ReviewDecision::Approve)
        .await
        .unwrap();
    let status = manager
        .reverse_hours(reverse(reversal.entry_id.clone()))
        .await
        .unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "ILLEGAL_TRANSITION".into())
    );
    let locked = manager
        .lock_period(lock("2021-05-31"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(locked.locked_through, "2021-05-31");

    let status = record(
        &mut manager,
        hours("vno-ncw-midden", COACH, "2021-05-31", 60),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "PERIOD_LOCKED".into())
    );
    record(
        &mut manager,
        hours("vno-ncw-midden", COACH, "2021-06-01", 60),
    )
    .await
    .unwrap();
    let status = manager.lock_period(lock("2021-04-30")).await.unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "LOCK_MOVES_FORWARD".into())
    );
    let net: i32 = entries(&mut manager, pb::TimeEntryState::Approved)
        .await
        .iter()
        .map(|e| e.minutes)
        .sum();
    assert_eq!(net, 0, "the approved hours and their reversal cancel out");
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_recordings_of_one_day_never_pass_24_hours_and_a_retry_counts_once() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;
    // The coach is on both teams: half the calls for each participant, so that only the
    // lock per person and day (not the participant's row) keeps the day at 24 hours.
    let calls = (0..10).map(|i| {
        let mut client = manager.clone();
        let participant = if i % 2 == 0 {
            "vno-ncw-midden"
        } else {
            "lensink"
        };
        tokio::spawn(async move { record(&mut client, hours(participant, COACH, DAY, 180)).await })
    });
    let results: Vec<_> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let recorded = results.iter().filter(|r| r.is_ok()).count();
    let refused_count = results
        .iter()
        .filter(|r| r.as_ref().is_err_and(|s| reason(s) == "MORE_THAN_A_DAY"))
        .count();
    assert_eq!((recorded, refused_count), (8, 2));

    let request = pb::RecordHoursRequest {
        request_id: "uren-1".into(),
        ..hours("vno-ncw-midden", COACH, "2021-05-04", 120)
    };
    let first = record(&mut manager, request.clone()).await.unwrap();
    let again = record(&mut manager, request).await.unwrap();
    assert_eq!(again, first);
    let on_the_fourth = entries(&mut manager, pb::TimeEntryState::Submitted)
        .await
        .into_iter()
        .filter(|e| e.day == "2021-05-04")
        .count();
    assert_eq!(on_the_fourth, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coach_records_their_own_hours_and_a_company_only_its_own_participants() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let organisation = Uuid::now_v7();
    plan(&mut manager, organisation).await;
    record(&mut manager, hours("lensink", "employee-1", DAY, 60))
        .await
        .unwrap();

    let mut coach = app.client(Role::Coach, REGION).await;
    record(&mut coach, hours("vno-ncw-midden", COACH, DAY, 60))
        .await
        .unwrap();
    let status = record(&mut coach, hours("lensink", "employee-1", DAY, 60))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let seen = entries(&mut coach, pb::TimeEntryState::Unspecified).await;
    assert_eq!(seen.len(), 1, "a coach sees their own hours only");
    assert_eq!(seen[0].person_id, COACH);
    let status = coach
        .lock_period(pb::LockPeriodRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let mut hr = Client::new(
        app.as_role_channel(Role::CompanyHr, REGION, Some(&organisation.to_string()))
            .await,
    );
    record(&mut hr, hours("lensink", "employee-1", "2021-05-04", 120))
        .await
        .unwrap();
    let status = record(&mut hr, hours("vno-ncw-midden", COACH, DAY, 60))
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::NotFound,
        "another participant is unknown to HR"
    );
    let seen = entries(&mut hr, pb::TimeEntryState::Unspecified).await;
    assert_eq!(
        seen.len(),
        2,
        "HR sees its own participant's hours: {seen:?}"
    );
    assert!(seen.iter().all(|e| e.participant == "lensink"));
}

/// The realisation is the ledger's approved hours at each participant's rate, net of
/// reversals, with the grant and each of MKB!DEE's rules checked; only for the manager.
#[tokio::test(flavor = "multi_thread")]
async fn the_realisation_adds_up_from_the_approved_hours_and_checks_the_rules() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;
    let approve = async |request: pb::RecordHoursRequest| {
        let entry = record(&mut manager.clone(), request).await.unwrap();
        review(&mut manager.clone(), &entry, pb::ReviewDecision::Approve)
            .await
            .unwrap()
    };
    approve(hours("vno-ncw-midden", COACH, DAY, 480)).await;
    let wrong = approve(hours("vno-ncw-midden", COACH, "2021-05-04", 300)).await;
    approve(pb::RecordHoursRequest {
        work_package: "behoeftepeiling".into(),
        ..hours("lensink", "employee-1", DAY, 450)
    })
    .await;
    // Submitted and rejected hours do not count; a reversal once approved cancels its entry.
    record(
        &mut manager,
        hours("lensink", "employee-1", "2021-05-05", 60),
    )
    .await
    .unwrap();
    let reversal = manager
        .reverse_hours(pb::ReverseHoursRequest {
            entry_id: wrong.entry_id.clone(),
            reason: "Verkeerde dag".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entry
        .unwrap();
    review(&mut manager, &reversal, pb::ReviewDecision::Approve)
        .await
        .unwrap();

    let books = manager
        .get_realisation(pb::GetRealisationRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(books.source, "mkb-idee");
    assert!(books.regulation.contains("MKB!DEE"));
    let of = |key: &str| {
        books
            .participants
            .iter()
            .find(|p| p.participant == key)
            .unwrap()
            .clone()
    };
    let lead = of("vno-ncw-midden");
    assert_eq!(
        lead.realised_cents,
        8 * 9_000,
        "8 h at €90, the reversed 5 h gone"
    );
    let line = lead
        .work_packages
        .iter()
        .find(|l| l.work_package == "ontwikkeltrajecten")
        .unwrap();
    assert_eq!(
        (line.approved_minutes, line.budgeted_cents),
        (480, 300 * 9_000 + 2_000_000)
    );
    let company = of("lensink");
    assert_eq!(company.realised_cents, 450 * 6_000 / 60);
    assert_eq!(
        company.grant_cents, company.eligible_cents,
        "MKB!DEE pays 100 %"
    );
    assert_eq!(books.grant_cents, lead.grant_cents + company.grant_cents);
    assert_eq!(
        books.realised_cents,
        lead.realised_cents + company.realised_cents
    );
    let checks: Vec<(&str, bool)> = books
        .checks
        .iter()
        .map(|c| (c.rule.as_str(), c.kept))
        .collect();
    assert_eq!(
        checks,
        [
            (
                "MKB!DEE-subsidie (programmabudget): at least € 25.000,00 per participant",
                false
            ),
            (
                "MKB!DEE-subsidie (programmabudget): at least 65 % of the participants are SMEs",
                false
            ),
        ]
    );

    let status = manager
        .get_realisation(pb::GetRealisationRequest {
            source: "loterij".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["source"]);
    let status = app
        .client(Role::Evaluator, REGION)
        .await
        .get_realisation(pb::GetRealisationRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

fn invoice(
    participant: &str,
    supplier: &str,
    number: &str,
    cost_type: &str,
    excl: i64,
) -> pb::RecordInvoiceRequest {
    pb::RecordInvoiceRequest {
        invoice: Some(pb::Invoice {
            participant: participant.into(),
            supplier: supplier.into(),
            number: number.into(),
            day: DAY.into(),
            excl_vat_cents: excl,
            incl_vat_cents: excl * 121 / 100,
            work_package: "ontwikkeltrajecten".into(),
            cost_type: cost_type.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn approved_invoice(client: &mut Client, request: pb::RecordInvoiceRequest) -> pb::Invoice {
    let recorded = client
        .record_invoice(request)
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    client
        .review_invoice(pb::ReviewInvoiceRequest {
            invoice_id: recorded.invoice_id,
            decision: pb::ReviewDecision::Approve as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap()
}

/// Third parties' invoices count in the realisation when approved, net of credit notes;
/// a school's fee is a realised cost MKB!DEE does not pay.
#[tokio::test(flavor = "multi_thread")]
async fn invoices_and_credit_notes_count_when_approved_and_only_eligible_kinds_are_paid() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let organisation = Uuid::now_v7();
    plan(&mut manager, organisation).await;
    let han = approved_invoice(
        &mut manager,
        invoice(
            "vno-ncw-midden",
            "HAN",
            "2021-0042",
            "third_party_services",
            500_000,
        ),
    )
    .await;
    assert_eq!(han.incl_vat_cents, 605_000);
    let mut hr = Client::new(
        app.as_role_channel(Role::CompanyHr, REGION, Some(&organisation.to_string()))
            .await,
    );
    hr.record_invoice(invoice(
        "lensink",
        "Graafschap College",
        "F-17",
        "training_fees",
        100_000,
    ))
    .await
    .unwrap();
    let school = manager
        .list_invoices(pb::ListInvoicesRequest {
            participant: "lensink".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .invoices;
    assert_eq!(school.len(), 1);
    manager
        .review_invoice(pb::ReviewInvoiceRequest {
            invoice_id: school[0].invoice_id.clone(),
            decision: pb::ReviewDecision::Approve as i32,
            ..Default::default()
        })
        .await
        .unwrap();

    let status = manager
        .record_invoice(invoice(
            "vno-ncw-midden",
            "HAN",
            "2021-0042",
            "third_party_services",
            1_000,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::AlreadyExists, "INVOICE_RECORDED".into())
    );
    let credit = |excl: i64| {
        let mut request = invoice(
            "vno-ncw-midden",
            "HAN",
            "2021-0042-C",
            "third_party_services",
            -excl,
        );
        if let Some(i) = request.invoice.as_mut() {
            i.credits_invoice_id = han.invoice_id.clone();
        }
        request
    };
    let status = manager.record_invoice(credit(600_000)).await.unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "EXCEEDS_COST".into())
    );
    approved_invoice(&mut manager, credit(100_000)).await;
    let status = manager.record_invoice(credit(1_000)).await.unwrap_err();
    assert_eq!(
        refused(&status),
        (Code::FailedPrecondition, "ALREADY_REVERSED".into()),
        "one credit note per invoice"
    );

    let status = manager
        .record_invoice(pb::RecordInvoiceRequest {
            invoice: Some(pb::Invoice {
                cost_type: "own_staff_hours".into(),
                excl_vat_cents: -5,
                ..invoice("vno-ncw-midden", "HAN", "X", "", 0)
                    .invoice
                    .unwrap()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        fields(&status),
        ["invoice.cost_type", "invoice.incl_vat_cents"]
    );

    let books = manager
        .get_realisation(pb::GetRealisationRequest::default())
        .await
        .unwrap()
        .into_inner();
    let of = |key: &str| {
        books
            .participants
            .iter()
            .find(|p| p.participant == key)
            .unwrap()
    };
    let lead = of("vno-ncw-midden");
    assert_eq!(
        (lead.realised_cents, lead.eligible_cents),
        (605_000 - 121_000, 484_000)
    );
    let company = of("lensink");
    assert_eq!(
        (
            company.realised_cents,
            company.eligible_cents,
            company.grant_cents
        ),
        (121_000, 0, 0),
        "MKB!DEE pays no training fees"
    );
    assert!(
        books.checks.iter().any(|c| c
            .rule
            .ends_with("pays own staff hours, third-party services only")
            && c.detail.starts_with("€ 1.210,00")),
        "{:?}",
        books.checks
    );
}

async fn statement(
    client: &mut Client,
    format: pb::StatementFormat,
) -> Result<(String, String, String), tonic::Status> {
    use futures_util::StreamExt as _;
    let mut stream = client
        .export_statement(pb::ExportStatementRequest {
            format: format as i32,
            ..Default::default()
        })
        .await?
        .into_inner();
    let (mut content_type, mut file_name, mut data) = (String::new(), String::new(), Vec::new());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if content_type.is_empty() {
            (content_type, file_name) = (chunk.content_type, chunk.file_name);
        }
        data.extend(chunk.data);
    }
    Ok((content_type, file_name, String::from_utf8(data).unwrap()))
}

/// Every figure of the final statement follows from its own appendices: each
/// participant's realised costs are its days of hours at its rate plus its invoices, the
/// totals the participants' sums; only the programme manager exports it.
#[tokio::test(flavor = "multi_thread")]
async fn the_final_statement_adds_up_from_its_appendices_in_every_format() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;
    for (participant, person, day, minutes) in [
        ("vno-ncw-midden", COACH, DAY, 480),
        ("vno-ncw-midden", COACH, "2021-05-04", 330),
        ("lensink", "employee-1", DAY, 240),
    ] {
        let entry = record(
            &mut manager,
            pb::RecordHoursRequest {
                work_package: "behoeftepeiling".into(),
                ..hours(participant, person, day, minutes)
            },
        )
        .await
        .unwrap();
        review(&mut manager, &entry, pb::ReviewDecision::Approve)
            .await
            .unwrap();
    }
    approved_invoice(
        &mut manager,
        invoice(
            "vno-ncw-midden",
            "=HAN",
            "2021-0042",
            "third_party_services",
            500_000,
        ),
    )
    .await;
    approved_invoice(
        &mut manager,
        invoice(
            "lensink",
            "Graafschap College",
            "F-1",
            "training_fees",
            50_000,
        ),
    )
    .await;

    let (content_type, file_name, json) = statement(&mut manager, pb::StatementFormat::Json)
        .await
        .unwrap();
    assert_eq!(content_type, "application/json");
    assert_eq!(file_name, "llo-statement-achterhoek-mkb-idee.json");
    let s: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rate = |key: &str| if key == "lensink" { 6_000 } else { 9_000 };
    let participants = s["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 2);
    for p in participants {
        let key = p["key"].as_str().unwrap();
        // Each day's hours at the rate the appendix gives it: the participant's.
        let minute_cents: i64 = s["hours"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["participant"] == key)
            .map(|h| {
                assert_eq!(h["hourly_rate_cents"].as_i64().unwrap(), rate(key), "{key}");
                h["minutes"].as_i64().unwrap() * h["hourly_rate_cents"].as_i64().unwrap()
            })
            .sum();
        let invoiced: i64 = s["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["participant"] == key)
            .map(|i| i["incl_vat_cents"].as_i64().unwrap())
            .sum();
        let costs = &p["costs"];
        assert_eq!(
            costs["own_staff_hours"].as_i64().unwrap(),
            minute_cents / 60,
            "{key}"
        );
        let by_type: i64 = [
            "own_staff_hours",
            "third_party_services",
            "training_fees",
            "materials",
            "travel",
        ]
        .iter()
        .map(|t| costs[t].as_i64().unwrap())
        .sum();
        assert_eq!(p["realised_cents"].as_i64().unwrap(), by_type, "{key}");
        assert_eq!(by_type, minute_cents / 60 + invoiced, "{key}");
        // MKB!DEE pays hours and third parties at 100 %, never the school's fee.
        let eligible = by_type - costs["training_fees"].as_i64().unwrap();
        assert_eq!(p["eligible_cents"].as_i64().unwrap(), eligible, "{key}");
        assert_eq!(p["grant_cents"].as_i64().unwrap(), eligible, "{key}");
    }
    for total in [
        "budgeted_cents",
        "realised_cents",
        "eligible_cents",
        "grant_cents",
    ] {
        let sum: i64 = participants
            .iter()
            .map(|p| p[total].as_i64().unwrap())
            .sum();
        assert_eq!(s[total].as_i64().unwrap(), sum, "{total}");
    }
    assert_eq!(
        s["grant_cents"].as_i64().unwrap(),
        (480 + 330) * 150 + 605_000 + 240 * 100
    );
    assert_eq!(s["sme_participants"], 1);
    assert!(
        s["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"].as_str().unwrap().contains("SMEs"))
    );

    let (_, _, csv) = statement(&mut manager, pb::StatementFormat::Csv)
        .await
        .unwrap();
    assert!(
        csv.contains("\"'=HAN 2021-0042 2021-05-03\""),
        "a formula stays text:\n{csv}"
    );
    assert!(
        csv.contains("\"total\",\"\",\"mkb-idee\",\"grant_cents\""),
        "{csv}"
    );
    let (content_type, _, html) = statement(&mut manager, pb::StatementFormat::Html)
        .await
        .unwrap();
    assert_eq!(content_type, "text/html; charset=utf-8");
    for words in [
        "Einddeclaratie MKB!DEE",
        "Bijlage A — uren per persoon per werkdag",
        "Bijlage B",
        "€ 6.050,00",
        "=HAN",
    ] {
        assert!(html.contains(words), "{words} missing");
    }

    let status = statement(&mut manager, pb::StatementFormat::Unspecified)
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["format"]);
    let mut evaluator = app.client(Role::Evaluator, REGION).await;
    let status = statement(&mut evaluator, pb::StatementFormat::Json)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

/// A coaching session held within the programme proposes its time for the trajectory's
/// coach on the work package that takes coaching sessions; one review approves it. A
/// session the books do not take (its coach on no team) proposes nothing and still counts.
#[tokio::test(flavor = "multi_thread")]
async fn a_coaching_session_proposes_its_time_entry_for_the_coach() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;
    let seeded = app.seed().await;
    for coach in [COACH, "coach-erik"] {
        manager
            .register_coach(pb::RegisterCoachRequest {
                coach_id: coach.into(),
                name: "Coach".into(),
                organisation_name: "VNO-NCW Midden".into(),
                regions: vec![REGION.into()],
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let assign = |coach: &str| pb::AssignCoachRequest {
        trajectory_id: seeded.trajectory_id.clone(),
        coach_id: coach.into(),
        ..Default::default()
    };
    manager.assign_coach(assign(COACH)).await.unwrap();
    manager
        .start_trajectory(pb::StartTrajectoryRequest {
            trajectory_id: seeded.trajectory_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let session = |day: &str| pb::RecordCoachingSessionRequest {
        trajectory_id: seeded.trajectory_id.clone(),
        held_time: Some(prost_types::Timestamp {
            seconds: format!("{day}T10:00:00Z")
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .timestamp(),
            nanos: 0,
        }),
        duration_minutes: 90,
        topic: "Leiderschap".into(),
        ..Default::default()
    };
    let held = manager
        .record_coaching_session(session("2022-01-10"))
        .await
        .unwrap()
        .into_inner();
    assert!(!held.proposed_time_entry_id.is_empty(), "{held:?}");
    let proposed = entries(&mut manager, pb::TimeEntryState::Submitted).await;
    assert_eq!(proposed.len(), 1);
    let entry = &proposed[0];
    assert_eq!(
        (
            entry.person_id.as_str(),
            entry.participant.as_str(),
            entry.work_package.as_str()
        ),
        (COACH, "lensink", "ontwikkeltrajecten"),
        "the coach's first team by key; the work package that takes coaching in that phase"
    );
    assert_eq!((entry.day.as_str(), entry.minutes), ("2022-01-10", 90));
    assert_eq!(entry.note, "Coachgesprek: Leiderschap");
    assert!(
        entry.proposed_by.starts_with("coaching_session:"),
        "{entry:?}"
    );
    review(&mut manager, entry, pb::ReviewDecision::Approve)
        .await
        .unwrap();

    // Before the trajectories' phase no work package takes it; a coach on no team neither.
    let early = manager
        .record_coaching_session(session("2021-05-10"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(early.proposed_time_entry_id, "");
    manager.assign_coach(assign("coach-erik")).await.unwrap();
    let other = manager
        .record_coaching_session(session("2022-01-11"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(other.proposed_time_entry_id, "");
    assert_eq!(other.trajectory.unwrap().coaching_session_count, 3);
}

/// Approvals in parallel never carry a participant's grant past its maximum: 160 hours at
/// €1,000 realise €160,000, of which MKB!DEE pays the €124,999 a participant may receive.
#[tokio::test(flavor = "multi_thread")]
async fn parallel_approvals_never_push_a_participant_past_its_maximum() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    manager
        .set_project_participant(pb::SetProjectParticipantRequest {
            participant: Some(pb::ProjectParticipant {
                key: "han".into(),
                name: "HAN".into(),
                role: pb::ProjectRole::Partner as i32,
                hourly_rate_cents: 100_000,
                people: vec!["lector".into()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut submitted = Vec::new();
    let first: chrono::NaiveDate = "2021-11-01".parse().unwrap();
    for day in first.iter_days().take(20) {
        let entry = record(&mut manager, hours("han", "lector", &day.to_string(), 480))
            .await
            .unwrap();
        submitted.push(entry);
    }
    let approvals = submitted.into_iter().map(|entry| {
        let mut client = manager.clone();
        tokio::spawn(async move { review(&mut client, &entry, pb::ReviewDecision::Approve).await })
    });
    for result in futures_util::future::join_all(approvals).await {
        result.unwrap().unwrap();
    }
    let books = manager
        .get_realisation(pb::GetRealisationRequest::default())
        .await
        .unwrap()
        .into_inner();
    let han = &books.participants[0];
    assert_eq!(han.realised_cents, 160 * 100_000);
    assert_eq!(han.grant_cents, 12_499_900);
    assert!(
        books
            .checks
            .iter()
            .any(|c| !c.kept && c.rule.ends_with("at most € 124.999,00 per participant")),
        "{:?}",
        books.checks
    );
}

/// A region's first lock, made while hours of that day are being recorded, never leaves
/// a submitted entry behind in the locked period: either the recordings came first and
/// the lock waits for their review, or the lock came first and they are refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_first_lock_and_recordings_of_its_days_never_interleave() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;
    let recordings = (0..10).map(|_| {
        let mut client = manager.clone();
        tokio::spawn(
            async move { record(&mut client, hours("vno-ncw-midden", COACH, DAY, 60)).await },
        )
    });
    let mut locker = manager.clone();
    let lock = tokio::spawn(async move {
        locker
            .lock_period(pb::LockPeriodRequest {
                through: DAY.into(),
                ..Default::default()
            })
            .await
    });
    let recorded = futures_util::future::join_all(recordings).await;
    let locked = lock.await.unwrap();
    let on_the_day = entries(&mut manager, pb::TimeEntryState::Submitted)
        .await
        .into_iter()
        .filter(|e| e.day == DAY)
        .count();
    match locked {
        Ok(_) => assert_eq!(
            on_the_day, 0,
            "the lock came first: nothing recorded on its days"
        ),
        Err(status) => {
            assert_eq!(reason(&status), "HOURS_WAIT_FOR_REVIEW", "{status:?}");
            assert!(on_the_day > 0);
        }
    }
    let refused = recorded
        .into_iter()
        .map(|r| r.unwrap())
        .filter(|r| r.as_ref().is_err_and(|s| reason(s) == "PERIOD_LOCKED"))
        .count();
    assert_eq!(refused + on_the_day, 10);
}

fn personal(rates: &[(&str, i64)]) -> pb::ProjectParticipant {
    pb::ProjectParticipant {
        key: "han".into(),
        name: "HAN University of Applied Sciences".into(),
        role: pb::ProjectRole::Partner as i32,
        hourly_rate_cents: 8_000,
        rate_method: pb::RateMethod::Personal as i32,
        people: vec!["han-1".into(), "han-2".into()],
        person_rates: rates
            .iter()
            .map(|(person, rate)| pb::PersonRate {
                person_id: (*person).into(),
                hourly_rate_cents: *rate,
            })
            .collect(),
        budget: vec![line("ontwikkeltrajecten", 100, 0)],
        ..Default::default()
    }
}

async fn set(
    client: &mut Client,
    participant: pb::ProjectParticipant,
) -> Result<(), tonic::Status> {
    client
        .set_project_participant(pb::SetProjectParticipantRequest {
            participant: Some(participant),
            ..Default::default()
        })
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_personal_rate_prices_each_persons_hours_at_the_rate_they_were_recorded_at() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    // Refused, naming the field, and nothing is set.
    for (participant, field) in [
        (personal(&[("han-1", 9_500)]), "participant.person_rates"),
        (
            personal(&[("han-1", 9_500), ("stranger", 1)]),
            "participant.person_rates[1].person_id",
        ),
        (
            personal(&[("han-1", 9_500), ("han-1", 1)]),
            "participant.person_rates[1].person_id",
        ),
        (
            personal(&[("han-1", 9_500), ("han-2", -1)]),
            "participant.person_rates[1].hourly_rate_cents",
        ),
        (
            pb::ProjectParticipant {
                rate_method: pb::RateMethod::Fixed as i32,
                ..personal(&[("han-1", 9_500)])
            },
            "participant.person_rates",
        ),
    ] {
        let status = set(&mut manager, participant).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(fields(&status), [field]);
    }
    let plan = manager
        .get_project_plan(pb::GetProjectPlanRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(plan.participants.is_empty());

    set(
        &mut manager,
        personal(&[("han-2", 7_000), ("han-1", 9_500)]),
    )
    .await
    .unwrap();
    let approve = async |person: &str, day: &str, minutes: i32| {
        let entry = record(&mut manager.clone(), hours("han", person, day, minutes))
            .await
            .unwrap();
        review(&mut manager.clone(), &entry, pb::ReviewDecision::Approve)
            .await
            .unwrap()
    };
    let first = approve("han-1", DAY, 90).await;
    assert_eq!(first.hourly_rate_cents, 9_500);
    assert_eq!(approve("han-2", DAY, 60).await.hourly_rate_cents, 7_000);
    // A new rate prices the hours recorded after it, never those before.
    set(
        &mut manager.clone(),
        personal(&[("han-1", 10_000), ("han-2", 7_000)]),
    )
    .await
    .unwrap();
    assert_eq!(
        approve("han-1", "2021-05-04", 30).await.hourly_rate_cents,
        10_000
    );
    let rejected = record(
        &mut manager.clone(),
        hours("han", "han-2", "2021-05-04", 15),
    )
    .await
    .unwrap();
    review(&mut manager.clone(), &rejected, pb::ReviewDecision::Reject)
        .await
        .unwrap();

    let books = manager
        .clone()
        .get_realisation(pb::GetRealisationRequest::default())
        .await
        .unwrap()
        .into_inner();
    let han = books
        .participants
        .iter()
        .find(|p| p.participant == "han")
        .unwrap();
    // 1.5 h at €95, 1 h at €70, 0.5 h at €100; the plan's 100 h at the plan's €80.
    assert_eq!(han.realised_cents, 14_250 + 7_000 + 5_000);
    assert_eq!(han.budgeted_cents, 100 * 8_000);
    let shown = manager
        .clone()
        .get_project_plan(pb::GetProjectPlanRequest::default())
        .await
        .unwrap()
        .into_inner();
    let rates: Vec<(String, i64)> = shown.participants[0]
        .person_rates
        .iter()
        .map(|r| (r.person_id.clone(), r.hourly_rate_cents))
        .collect();
    assert_eq!(rates, [("han-1".into(), 10_000), ("han-2".into(), 7_000)]);

    // Reporting is told of each plan set and each approval, never of a rejection.
    let count = |key: &str| {
        format!("SELECT count(*) AS n FROM outbox WHERE routing_key = 'trajectories.{key}.v1'")
    };
    assert_eq!(app.count(&count("project_participant_set")).await, 2);
    assert_eq!(app.count(&count("project_cost_approved")).await, 3);
}

/// Community's word that a workshop's attendance was recorded, for one registration.
fn attendance(
    workshop: &str,
    start: &str,
    attended: llo_proto::common::v1::WorkshopAttendance,
) -> llo_proto::events::v1::WorkshopAttended {
    let at = |text: &str| {
        let t = chrono::DateTime::parse_from_rfc3339(text).unwrap();
        Some(prost_types::Timestamp {
            seconds: t.timestamp(),
            nanos: 0,
        })
    };
    let start = at(start).unwrap();
    llo_proto::events::v1::WorkshopAttended {
        registration_id: Uuid::now_v7().to_string(),
        workshop_id: workshop.into(),
        participant_id: Uuid::now_v7().to_string(),
        organisation_id: Uuid::now_v7().to_string(),
        region: REGION.into(),
        theme: "hr-netwerkcafe".into(),
        workshop_title: "HR-netwerkcafé".into(),
        attendance: attended as i32,
        hours_attended: 2.5,
        workshop_end_time: Some(prost_types::Timestamp {
            seconds: start.seconds + 150 * 60,
            nanos: 0,
        }),
        workshop_start_time: Some(start),
        facilitator_ids: vec![COACH.into(), "not-on-a-team".into()],
        occur_time: at("2021-11-16T09:00:00Z"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_workshop_proposes_each_facilitators_time_once() {
    use llo_proto::{IntegrationEvent as _, common::v1::WorkshopAttendance};
    use prost::Message as _;
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    plan(&mut manager, Uuid::now_v7()).await;
    let workshop = Uuid::now_v7().to_string();
    let held = "2021-11-15T13:00:00Z";
    // Two registrations of the same workshop, the first delivered twice, a no-show too.
    let first = attendance(&workshop, held, WorkshopAttendance::FullyAttended);
    let id = app.env.publish(&first).await;
    app.env
        .publish_raw(
            llo_proto::events::v1::WorkshopAttended::ROUTING_KEY,
            id,
            first.encode_to_vec(),
        )
        .await;
    app.env
        .publish(&attendance(&workshop, held, WorkshopAttendance::NoShow))
        .await;
    // A workshop after the programme's end proposes nothing.
    let later = Uuid::now_v7().to_string();
    app.env
        .publish(&attendance(
            &later,
            "2026-11-15T13:00:00Z",
            WorkshopAttendance::FullyAttended,
        ))
        .await;
    llo_chassis::testing::app::eventually("the three events handled", || async {
        (app.count(
            "SELECT count(*) AS n FROM inbox WHERE routing_key = 'community.workshop_attended.v1'",
        )
        .await
            == 3)
            .then_some(())
    })
    .await;

    let proposed = entries(&mut manager, pb::TimeEntryState::Submitted).await;
    assert_eq!(proposed.len(), 1, "{proposed:?}");
    let entry = &proposed[0];
    assert_eq!(entry.person_id, COACH);
    assert_eq!(entry.work_package, "leergemeenschap");
    assert_eq!(entry.day, "2021-11-15");
    assert_eq!(entry.minutes, 150);
    assert!(entry.note.contains("HR-netwerkcafé"));
    assert_eq!(entry.recorded_by, "community");
    assert_eq!(entry.proposed_by, format!("workshop:{workshop}"));
    // One click to approve, not a second typing.
    let approved = review(&mut manager, entry, pb::ReviewDecision::Approve)
        .await
        .unwrap();
    assert_eq!(approved.state, pb::TimeEntryState::Approved as i32);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_evaluator_sees_the_regions_use_of_the_sources_not_one_companys() {
    let app = TestApp::spawn().await;
    let mut evaluator = app.client(Role::Evaluator, REGION).await;
    let company = Uuid::now_v7().to_string();
    let status = evaluator
        .get_budget(pb::GetBudgetRequest {
            region: REGION.into(),
            organisation_id: company.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    evaluator
        .get_budget(pb::GetBudgetRequest {
            region: REGION.into(),
            organisation_id: String::new(),
        })
        .await
        .unwrap();
    // The programme manager may look at one company's use.
    app.manager()
        .await
        .get_budget(pb::GetBudgetRequest {
            region: REGION.into(),
            organisation_id: company,
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_evaluator_does_not_see_a_companys_weakest_dimensions() {
    let app = TestApp::spawn().await;
    let seeded = app.seed().await;
    let get = |client: Client| {
        let id = seeded.trajectory_id.clone();
        async move {
            client
                .clone()
                .get_trajectory(pb::GetTrajectoryRequest { trajectory_id: id })
                .await
                .unwrap()
                .into_inner()
                .trajectory
                .unwrap()
        }
    };
    let shown = get(app.manager().await).await;
    assert_eq!(shown.priority_dimension_ids, ["leiderschap"]);
    let evaluator = app.client(Role::Evaluator, REGION).await;
    assert!(
        get(evaluator.clone())
            .await
            .priority_dimension_ids
            .is_empty()
    );
    let listed = evaluator
        .clone()
        .list_trajectories(pb::ListTrajectoriesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(!listed.trajectories.is_empty());
    assert!(
        listed
            .trajectories
            .iter()
            .all(|t| t.priority_dimension_ids.is_empty()
                && t.interventions.iter().all(|i| i.dimension_id.is_empty()))
    );
}
