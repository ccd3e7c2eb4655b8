//! Issue 22: releases. Evaluators and region-wide integrators read only what a programme
//! manager published; a release never changes; releases of a region are numbered one
//! after another even when published at once.
use llo_chassis::auth::Role;
use llo_proto::reporting::v1 as pb;
use tonic::Code;

use crate::{
    helpers::*,
    pilot::{Pilot, distinct},
};

fn evaluation(release: i32) -> pb::GetEvaluationRequest {
    pb::GetEvaluationRequest {
        region: REGION.into(),
        sector: String::new(),
        release,
    }
}

fn overview(release: i32) -> pb::GetProgrammeOverviewRequest {
    pb::GetProgrammeOverviewRequest {
        region: REGION.into(),
        sector: String::new(),
        release,
    }
}

fn publish(note: &str, request_id: &str) -> pb::PublishReleaseRequest {
    pb::PublishReleaseRequest {
        region: REGION.into(),
        note: note.into(),
        request_id: request_id.into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_evaluator_reads_only_releases_and_a_release_never_changes() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    let mut manager = app.manager().await;
    let mut evaluator = app.evaluator().await;

    // Nothing published yet: no live anonymised answer instead.
    let none = evaluator.get_evaluation(evaluation(0)).await.unwrap_err();
    assert_eq!(none.code(), Code::FailedPrecondition, "{none:?}");
    assert!(none.message().contains("PublishRelease"), "{none:?}");

    let first = manager
        .publish_release(publish("Tussenrapportage fase 1", "release-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.number, 1);
    assert_eq!(first.region, REGION);
    assert_eq!(first.note, "Tussenrapportage fase 1");
    assert_eq!(first.min_group_size, 5);
    assert_eq!(first.organisations, pilot.companies.len() as i32);
    assert!(first.sectors.contains(&"techniek-metaal".to_owned()));
    assert!(first.as_of_time.is_some());
    // A retry of the same request is the same release, not a second one.
    let retried = manager
        .publish_release(publish("Tussenrapportage fase 1", "release-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried, first);

    let published = evaluator
        .get_evaluation(evaluation(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(published.release.as_ref(), Some(&first));
    assert!(published.suppression.as_ref().unwrap().applied);
    let live = manager
        .get_evaluation(evaluation(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(live.release, None, "a programme manager reads live figures");
    assert!(!live.suppression.unwrap().applied);

    let reached = |o: pb::GetProgrammeOverviewResponse| value(&o.employees_reached);
    let published_reached = reached(
        evaluator
            .get_programme_overview(overview(0))
            .await
            .unwrap()
            .into_inner(),
    );

    // The data change (three more people reached): the live figures follow, the
    // release does not.
    let lensink = &pilot.companies[0].id;
    app.execute(&format!(
        "INSERT INTO rm_participants (id, organisation_id, region, enrolled) \
         SELECT gen_random_uuid(), '{lensink}', '{REGION}', true FROM generate_series(1, 3)"
    ))
    .await;
    let live_reached = reached(
        manager
            .get_programme_overview(overview(0))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(live_reached, published_reached + 3.0);
    let still = evaluator
        .get_evaluation(evaluation(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(still, published, "the latest release, unchanged");
    let still_reached = reached(
        evaluator
            .get_programme_overview(overview(0))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(still_reached, published_reached);

    let second = manager
        .publish_release(publish("", ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.number, 2);
    let latest = evaluator
        .get_programme_overview(overview(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(latest.release.as_ref().map(|r| r.number), Some(2));
    assert_eq!(reached(latest), live_reached);
    let named = evaluator
        .get_evaluation(evaluation(1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(named, published, "release 1 by number, as it was published");
    // A manager may read a release too: what evaluators see.
    let managers_view = manager
        .get_evaluation(evaluation(1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(managers_view, published);

    let listed = evaluator
        .list_releases(pb::ListReleasesRequest {
            region: REGION.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .releases;
    assert_eq!(listed, [second.clone(), first.clone()], "newest first");

    // The database refuses to change or remove a release or its answers.
    let mut conn = app.database().await;
    for sql in [
        "UPDATE releases SET note = 'changed'",
        "DELETE FROM releases",
        "UPDATE release_answers SET body = ''::bytea",
        "DELETE FROM release_answers",
    ] {
        let refused = diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut conn).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    let unchanged = evaluator
        .get_evaluation(evaluation(1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unchanged, published);

    // A release that does not exist, a bad number, a sector it has no view of.
    let missing = evaluator.get_evaluation(evaluation(7)).await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
    let bad = evaluator.get_evaluation(evaluation(-1)).await.unwrap_err();
    assert_eq!(violations(&bad), ["release"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_caller_outside_the_company_reads_the_release_and_the_company_itself_reads_live() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    let release = app.release().await;
    let company = pilot.companies[1].id.clone();
    let progress = |release: i32| pb::GetOrganisationProgressRequest {
        organisation_id: company.clone(),
        release,
    };
    let mut uwv = app.as_role(Role::Integrator, REGION, None).await;
    let seen_by_uwv = uwv
        .get_organisation_progress(progress(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen_by_uwv.release.as_ref(), Some(&release));
    let mut evaluator = app.evaluator().await;
    let seen_by_evaluator = evaluator
        .get_organisation_progress(progress(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen_by_evaluator, seen_by_uwv, "one release, whoever asks");
    let mut hr = app.as_role(Role::CompanyHr, REGION, Some(&company)).await;
    let own = hr
        .get_organisation_progress(progress(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        own.release, None,
        "a company's HR sees its own company live"
    );

    let overview = evaluator
        .get_programme_overview(pb::GetProgrammeOverviewRequest {
            region: REGION.into(),
            sector: "techniek-metaal".into(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(overview.sector, "techniek-metaal");
    assert_eq!(overview.release.as_ref(), Some(&release));
    let funding = evaluator
        .get_funding_status(pb::GetFundingStatusRequest {
            region: REGION.into(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(funding.release.as_ref(), Some(&release));

    // Only a programme manager of the region publishes; a bad note is named.
    let refused = evaluator
        .publish_release(publish("", ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let mut other = app
        .as_role(Role::ProgrammeManager, OTHER_REGION, None)
        .await;
    let refused = other.publish_release(publish("", "")).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let mut manager = app.manager().await;
    let bad = manager
        .publish_release(publish(&"x".repeat(501), &"r".repeat(129)))
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), ["note", "request_id"]);
    let listed = manager
        .list_releases(pb::ListReleasesRequest {
            region: REGION.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.releases.len(), 1, "refused calls published nothing");
}

/// Without the region's lock two publications read the same last number and one of
/// them fails on the key; with it they follow each other.
#[tokio::test(flavor = "multi_thread")]
async fn releases_published_at_once_are_numbered_one_after_another() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    let mut calls = Vec::new();
    for _ in 0..4 {
        let mut manager = app.manager().await;
        calls.push(tokio::spawn(async move {
            manager
                .publish_release(publish("", ""))
                .await
                .map(|r| r.into_inner().number)
        }));
    }
    let mut numbers = Vec::new();
    for call in calls {
        numbers.push(call.await.unwrap().expect("every publication succeeds"));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2, 3, 4]);
}

/// A programme manager's draft export is anonymised with what releases hid but is not
/// a publication: it adds nothing to the memory; a release does.
#[tokio::test(flavor = "multi_thread")]
async fn a_draft_remembers_nothing_and_a_release_remembers_what_it_hid() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    let remembered = "SELECT count(*) AS n FROM suppression_memory";
    let (_, draft) = crate::export::export(&mut app.manager().await, pb::ReportFormat::Csv).await;
    assert!(draft.contains("Draft of the live figures"));
    assert_eq!(app.count(remembered).await, 0);
    app.release().await;
    assert!(app.count(remembered).await > 0);
}

/// A company that joins small between two releases would be the difference of their
/// totals: the next release holds it back (and says so) until enough have joined.
#[tokio::test(flavor = "multi_thread")]
async fn a_small_newcomer_waits_for_the_release_that_can_hide_it() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    let first = app.release().await;
    assert_eq!(
        first.held_back, 0,
        "a first release has nothing to subtract from"
    );
    let app = &app;
    let join = |id: uuid::Uuid, people: usize| async move {
        app.execute(&format!(
            "INSERT INTO rm_organisations (id, region, sector, name, employee_count, version_time) \
             VALUES ('{id}', '{REGION}', 'techniek-metaal', 'Nieuwkomer {id}', 12, now())"
        ))
        .await;
        app.execute(&format!(
            "INSERT INTO rm_participants (id, organisation_id, region, enrolled) \
             SELECT gen_random_uuid(), '{id}', '{REGION}', true FROM generate_series(1, {people})"
        ))
        .await;
    };
    let small = uuid::Uuid::now_v7();
    join(small, 2).await;
    let second = app.release().await;
    assert_eq!(second.held_back, 1);
    assert_eq!(second.organisations, first.organisations);
    let mut evaluator = app.evaluator().await;
    let reached = |o: pb::GetProgrammeOverviewResponse| value(&o.employees_reached);
    let overview = |release| pb::GetProgrammeOverviewRequest {
        region: REGION.into(),
        sector: String::new(),
        release,
    };
    assert_eq!(
        reached(
            evaluator
                .get_programme_overview(overview(2))
                .await
                .unwrap()
                .into_inner()
        ),
        reached(
            evaluator
                .get_programme_overview(overview(1))
                .await
                .unwrap()
                .into_inner()
        ),
        "the two people are not in release 2's totals"
    );
    let waiting = evaluator
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: small.to_string(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(waiting.code(), Code::NotFound, "{waiting:?}");
    let (_, html) = crate::export::export_release(&mut evaluator, pb::ReportFormat::Html, 2).await;
    assert!(html.contains("1 company that joined"), "the report says so");

    // A second newcomer of four: six people together, published in release 3.
    join(uuid::Uuid::now_v7(), 4).await;
    let third = app.release().await;
    assert_eq!(third.held_back, 0);
    assert_eq!(third.organisations, first.organisations + 2);
    let in_third = reached(
        evaluator
            .get_programme_overview(overview(3))
            .await
            .unwrap()
            .into_inner(),
    );
    let in_first = reached(
        evaluator
            .get_programme_overview(overview(1))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(in_third, in_first + 6.0);
}
