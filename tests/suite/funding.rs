use llo_proto::trajectories::v1 as pb;
use tonic::Code;

use crate::helpers::{Suite, Trajectories, company, plan, reason, violations};

async fn activity(trajectories: &mut Trajectories, participant: &str, cost_cents: i64) -> String {
    trajectories
        .plan_learning_activity(pb::PlanLearningActivityRequest {
            request_id: String::new(),
            participant_id: participant.into(),
            goal_id: String::new(),
            kind: pb::ActivityKind::Course as i32,
            title: "MIG/MAG-lassen".into(),
            provider: "Graafschap College".into(),
            theme: "lassen".into(),
            planned_hours: 40,
            cost_cents,
            offering_id: String::new(),
            run_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .activity
        .unwrap()
        .activity_id
}

async fn allocate(
    trajectories: &mut Trajectories,
    activity: &str,
    source: &str,
    amount_cents: i64,
) -> Result<pb::FundingAllocation, tonic::Status> {
    trajectories
        .allocate_funding(pb::AllocateFundingRequest {
            request_id: String::new(),
            activity_id: activity.into(),
            source: source.into(),
            amount_cents,
        })
        .await
        .map(|r| r.into_inner().allocation.unwrap())
}

fn source<'a>(budget: &'a pb::GetBudgetResponse, id: &str) -> &'a pb::SourceBudget {
    budget.sources.iter().find(|s| s.source == id).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_source_is_funded_beyond_its_share_or_the_cost() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    // 40 employees: a small firm, so SLIM may carry 80%.
    let (_, people) = company(&mut intake_client, "33000001", 40, 1).await;
    plan(&mut trajectories, &people[0]).await;
    let course = activity(&mut trajectories, &people[0], 100_000).await;

    allocate(&mut trajectories, &course, "slim", 80_000)
        .await
        .unwrap();
    let status = allocate(&mut trajectories, &course, "slim", 1)
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason(&status).as_str()),
        (Code::FailedPrecondition, "EXCEEDS_PERCENTAGE")
    );
    allocate(&mut trajectories, &course, "werkgever", 20_000)
        .await
        .unwrap();
    let status = allocate(&mut trajectories, &course, "werkgever", 1)
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "EXCEEDS_COST");
    let status = allocate(&mut trajectories, &course, "loterij", 1)
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["source"]);
    let status = allocate(&mut trajectories, &course, "slim", 0)
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["amount_cents"]);

    let budget = achterhoek_budget(&mut trajectories).await;
    let slim = source(&budget, "slim");
    assert_eq!((slim.committed_cents, slim.spent_cents), (80_000, 0));
    assert_eq!(slim.remaining_cents, slim.budget_cents - 80_000);
    assert_eq!(source(&budget, "mkb-idee").budget_cents, 20_000_000);

    trajectories
        .complete_learning_activity(pb::CompleteLearningActivityRequest {
            request_id: String::new(),
            activity_id: course,
            actual_hours: 38,
            credential: Some(pb::Credential {
                name: "Lascertificaat MIG/MAG".into(),
                issuer: "Graafschap College".into(),
                url: "https://example.nl/c/1".into(),
            }),
            complete_time: None,
        })
        .await
        .unwrap();
    let budget = achterhoek_budget(&mut trajectories).await;
    let slim = source(&budget, "slim");
    assert_eq!((slim.committed_cents, slim.spent_cents), (0, 80_000));
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_allocations_never_overspend_a_cap_or_a_cost() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "33000002", 120, 1).await;
    plan(&mut trajectories, &people[0]).await;

    // The sector fund caps each person at €1,500: 20 parallel €100 allocations, 15 fit.
    let mut activities = Vec::new();
    for _ in 0..20 {
        activities.push(activity(&mut trajectories, &people[0], 50_000).await);
    }
    let calls = activities.iter().map(|a| {
        let mut client = trajectories.clone();
        let a = a.clone();
        tokio::spawn(async move { allocate(&mut client, &a, "opleidingsfonds-ot", 10_000).await })
    });
    let results: Vec<_> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let granted = results.iter().filter(|r| r.is_ok()).count();
    let capped = results
        .iter()
        .filter(|r| r.as_ref().is_err_and(|s| reason(s) == "EXCEEDS_PERSON_CAP"))
        .count();
    assert_eq!((granted, capped), (15, 5));

    // One €1,000 course, 20 parallel €100 employer allocations: 10 fit.
    let course = activity(&mut trajectories, &people[0], 100_000).await;
    let calls = (0..20).map(|_| {
        let mut client = trajectories.clone();
        let course = course.clone();
        tokio::spawn(async move { allocate(&mut client, &course, "werkgever", 10_000).await })
    });
    let results: Vec<_> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 10);
    let plan = plan(&mut trajectories, &people[0]).await;
    let funded = plan
        .activities
        .iter()
        .find(|a| a.activity_id == course)
        .unwrap()
        .funded_cents;
    assert_eq!(funded, 100_000);
}

/// MKB!DEE pays the project's hours and third parties, never a school's fee: a course
/// booked on it is refused naming the regulation, and nothing is committed.
#[tokio::test(flavor = "multi_thread")]
async fn a_training_fee_on_a_grant_that_does_not_pay_them_is_refused_naming_its_rule() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "33000005", 40, 1).await;
    plan(&mut trajectories, &people[0]).await;
    let course = activity(&mut trajectories, &people[0], 40_000).await;
    let status = allocate(&mut trajectories, &course, "mkb-idee", 10_000)
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), reason(&status).as_str()),
        (Code::FailedPrecondition, "NOT_ELIGIBLE"),
        "{status:?}"
    );
    assert!(
        status.message().contains("does not pay training fees")
            && status.message().contains("Regeling MKB!DEE"),
        "{}",
        status.message()
    );
    assert_eq!(committed(&mut trajectories, "mkb-idee").await, 0);
    let budget = achterhoek_budget(&mut trajectories).await;
    let grant = source(&budget, "mkb-idee");
    assert_eq!(
        grant.eligible_costs,
        ["own_staff_hours", "third_party_services"],
        "GetBudget shows what the grant pays for"
    );
    assert!(grant.regulation.contains("MKB!DEE"), "{}", grant.regulation);
    // The same course on the sources that do pay training fees is funded.
    allocate(&mut trajectories, &course, "slim", 10_000)
        .await
        .unwrap();
    allocate(&mut trajectories, &course, "werkgever", 30_000)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_amount_is_refused_and_changes_nothing() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "33000003", 40, 1).await;
    plan(&mut trajectories, &people[0]).await;
    let course = activity(&mut trajectories, &people[0], 100_000).await;
    allocate(&mut trajectories, &course, "opleidingsfonds-ot", 1)
        .await
        .unwrap();
    let status = allocate(&mut trajectories, &course, "opleidingsfonds-ot", i64::MAX)
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["amount_cents"]);
    let budget = achterhoek_budget(&mut trajectories).await;
    assert_eq!(source(&budget, "opleidingsfonds-ot").committed_cents, 1);
}

/// The Achterhoek's budget per source, as a coach sees it.
async fn achterhoek_budget(trajectories: &mut Trajectories) -> pb::GetBudgetResponse {
    trajectories
        .get_budget(pb::GetBudgetRequest {
            region: "achterhoek".into(),
            organisation_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn committed(trajectories: &mut Trajectories, id: &str) -> i64 {
    let budget = achterhoek_budget(trajectories).await;
    source(&budget, id).committed_cents
}

/// A coach whose AllocateFunding answer got lost sends it again with the same request_id:
/// they get the first allocation back (same id, same amount, same time) and the budget is
/// committed once. The same request_id with another amount, source or activity is another
/// request: ALREADY_EXISTS with reason REQUEST_ID_REUSED, and nothing is committed for it.
#[tokio::test(flavor = "multi_thread")]
async fn a_retried_allocation_returns_the_first_answer_and_commits_once() {
    let suite = Suite::spawn().await;
    let (mut intake_client, mut trajectories) = suite.coach().await;
    let (_, people) = company(&mut intake_client, "33000004", 40, 1).await;
    plan(&mut trajectories, &people[0]).await;
    let course = activity(&mut trajectories, &people[0], 100_000).await;
    let other_course = activity(&mut trajectories, &people[0], 100_000).await;
    assert_eq!(committed(&mut trajectories, "opleidingsfonds-ot").await, 0);

    let request = pb::AllocateFundingRequest {
        request_id: "allocatie-1".into(),
        activity_id: course.clone(),
        source: "opleidingsfonds-ot".into(),
        amount_cents: 30_000,
    };
    let first = trajectories
        .allocate_funding(request.clone())
        .await
        .unwrap()
        .into_inner()
        .allocation
        .unwrap();
    assert_eq!(first.amount_cents, 30_000);
    assert_eq!(
        committed(&mut trajectories, "opleidingsfonds-ot").await,
        30_000
    );

    let again = trajectories
        .allocate_funding(request.clone())
        .await
        .unwrap()
        .into_inner()
        .allocation
        .unwrap();
    assert_eq!(again, first, "the retry answers with the first allocation");
    assert_eq!(
        committed(&mut trajectories, "opleidingsfonds-ot").await,
        30_000,
        "the retry committed nothing more"
    );

    for (what, changed) in [
        (
            "another amount",
            pb::AllocateFundingRequest {
                amount_cents: 40_000,
                ..request.clone()
            },
        ),
        (
            "another source",
            pb::AllocateFundingRequest {
                source: "werkgever".into(),
                ..request.clone()
            },
        ),
        (
            "another activity",
            pb::AllocateFundingRequest {
                activity_id: other_course.clone(),
                ..request.clone()
            },
        ),
    ] {
        let status = match trajectories.allocate_funding(changed).await {
            Err(status) => status,
            Ok(answer) => panic!(
                "{what}: answered {:?} instead of REQUEST_ID_REUSED",
                answer.into_inner().allocation
            ),
        };
        assert_eq!(
            (status.code(), reason(&status).as_str()),
            (Code::AlreadyExists, "REQUEST_ID_REUSED"),
            "{what}: {status:?}"
        );
    }
    assert_eq!(
        committed(&mut trajectories, "opleidingsfonds-ot").await,
        30_000
    );
    assert_eq!(committed(&mut trajectories, "werkgever").await, 0);
    let funded: Vec<(String, i64)> = plan(&mut trajectories, &people[0])
        .await
        .activities
        .into_iter()
        .map(|a| (a.activity_id, a.funded_cents))
        .collect();
    assert!(funded.contains(&(course, 30_000)), "{funded:?}");
    assert!(funded.contains(&(other_course, 0)), "{funded:?}");
}
