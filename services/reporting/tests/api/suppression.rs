use llo_chassis::auth::Role;
use llo_proto::reporting::v1 as pb;

use crate::{
    helpers::*,
    pilot::{Pilot, distinct},
};

/// Wiggers has 3 respondents (minimum 5): hidden from an evaluator, and another
/// company is hidden with it, so the region's totals cannot give it back. Its HR
/// contact still sees it in full.
#[tokio::test(flavor = "multi_thread")]
async fn a_small_company_is_hidden_from_an_evaluator_and_cannot_be_recovered() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    app.release().await;
    let mut evaluator = app.evaluator().await;
    let evaluation = evaluator
        .get_evaluation(pb::GetEvaluationRequest {
            region: REGION.into(),
            sector: String::new(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let row = |name: &str| {
        evaluation
            .companies
            .iter()
            .find(|c| c.organisation_name == name)
            .unwrap()
            .clone()
    };
    let wiggers = row("Wiggers");
    assert_eq!(wiggers.status, pb::CellStatus::SuppressedSmallGroup as i32);
    assert!(wiggers.dimensions.is_empty(), "no figure of a hidden row");
    // Secondary suppression: with the totals published, exactly one more row is hidden
    // (the smallest other one, Lensink); the third is shown.
    let statuses: Vec<(&str, i32)> = evaluation
        .companies
        .iter()
        .map(|c| (c.organisation_name.as_str(), c.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (
                "Lensink Constructie",
                pb::CellStatus::SuppressedComplementary as i32
            ),
            ("Nijhuis Groep", pb::CellStatus::Shown as i32),
            ("Wiggers", pb::CellStatus::SuppressedSmallGroup as i32),
        ]
    );
    // The totals stay (16 and 15 respondents), and total minus the shown row is a
    // mix of two companies, not Wiggers.
    let leadership = &evaluation.dimensions[0];
    assert_eq!(value(&leadership.mean_baseline), 2.59);
    let notice = evaluation.suppression.unwrap();
    assert!(notice.applied);
    assert_eq!(notice.min_group_size, 5);
    // One row of each kind: the row is the unit, whatever its number of cells.
    assert_eq!(
        (notice.small_group_cells, notice.complementary_cells),
        (1, 1)
    );
    assert!(notice.explanation.contains("fewer than 5 people"));

    // One UWV referral: a cell of one person.
    let overview = evaluator
        .get_programme_overview(pb::GetProgrammeOverviewRequest {
            region: REGION.into(),
            sector: String::new(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status(&overview.uwv_referrals),
        pb::CellStatus::SuppressedSmallGroup
    );
    assert_eq!(overview.uwv_referrals.as_ref().unwrap().value, 0.0);
    assert_eq!(value(&overview.employees_reached), 15.0);

    // The same company through GetOrganisationProgress: hidden the same way.
    let wiggers_id = pilot.companies[2].id.clone();
    let progress = evaluator
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: wiggers_id.clone(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    for d in &progress.dimensions {
        assert_eq!(status(&d.baseline), pb::CellStatus::SuppressedSmallGroup);
        assert_eq!(status(&d.follow_up), pb::CellStatus::SuppressedSmallGroup);
    }
    assert_eq!(
        status(&progress.participants),
        pb::CellStatus::SuppressedSmallGroup
    );
    let lensink = evaluator
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: pilot.companies[0].id.clone(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status(&lensink.dimensions[0].baseline),
        pb::CellStatus::SuppressedComplementary
    );
    // Funding per company: Wiggers' 3 funded participants hidden, and one more.
    let funding = evaluator
        .get_funding_status(pb::GetFundingStatusRequest {
            region: REGION.into(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let funding_statuses: Vec<(&str, pb::CellStatus)> = funding
        .companies
        .iter()
        .map(|c| {
            (
                c.organisation_name.as_str(),
                pb::CellStatus::try_from(c.public_funding.as_ref().unwrap().status).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        funding_statuses,
        vec![
            (
                "Lensink Constructie",
                pb::CellStatus::SuppressedComplementary
            ),
            ("Nijhuis Groep", pb::CellStatus::Shown),
            ("Wiggers", pb::CellStatus::SuppressedSmallGroup),
        ]
    );

    // A region-wide integrator (UWV) is outside the company too: the small group's scan
    // scores are hidden from it the same way.
    let mut uwv = app.as_role(Role::Integrator, REGION, None).await;
    let seen_by_uwv = uwv
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: wiggers_id.clone(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    for d in &seen_by_uwv.dimensions {
        assert_eq!(status(&d.baseline), pb::CellStatus::SuppressedSmallGroup);
        assert_eq!(d.baseline.as_ref().unwrap().value, 0.0);
    }
    // The company's coach works with it: full figures.
    let mut coach = app.as_role(Role::Coach, REGION, None).await;
    let seen_by_coach = coach
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: wiggers_id.clone(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value(&seen_by_coach.dimensions[0].baseline), 2.0);

    // Wiggers' HR contact sees Wiggers in full.
    let mut hr = app
        .as_role(Role::CompanyHr, REGION, Some(&wiggers_id))
        .await;
    let own = hr
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: wiggers_id.clone(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value(&own.dimensions[0].baseline), 2.0);
    assert_eq!(value(&own.dimensions[0].follow_up), 4.0);
    assert_eq!(value(&own.dimensions[0].change), 2.0);
    assert_eq!(value(&own.participants), 3.0);
    assert!(!own.suppression.unwrap().applied);
    // ...and no other company.
    let other = hr
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: pilot.companies[0].id.clone(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(other.code(), tonic::Code::NotFound);
}

/// Issue 22, finding 8: the partner hidden to protect Wiggers stays hidden when the data
/// change: were it chosen anew, Nijhuis (now the smallest) would take its place and
/// Lensink's row, shown, would give Wiggers back from the earlier answer's totals.
#[tokio::test(flavor = "multi_thread")]
async fn a_row_hidden_in_one_answer_stays_hidden_in_the_next() {
    let app = TestApp::spawn().await;
    let pilot = Pilot::new();
    app.feed(&pilot.events, distinct(&pilot.events)).await;
    let statuses = |e: &pb::GetEvaluationResponse| -> Vec<(String, i32)> {
        e.companies
            .iter()
            .map(|c| (c.organisation_name.clone(), c.status))
            .collect()
    };
    let evaluate = || async {
        app.release().await;
        app.evaluator()
            .await
            .get_evaluation(pb::GetEvaluationRequest {
                region: REGION.into(),
                sector: String::new(),
                release: 0,
            })
            .await
            .unwrap()
            .into_inner()
    };
    let (lensink, nijhuis) = (&pilot.companies[0].id, &pilot.companies[1].id);
    let hidden = pb::CellStatus::SuppressedComplementary as i32;
    let first = evaluate().await;
    assert_eq!(statuses(&first)[0], ("Lensink Constructie".into(), hidden));
    let remembered =
        format!("SELECT count(*) AS n FROM suppression_memory WHERE cell_key = 'scans/{lensink}'");
    assert_eq!(app.count(&remembered).await, 1);

    // Nijhuis' follow-up now has 5 respondents: fewer than Lensink's, still not small.
    app.execute(&format!(
        "UPDATE rm_scans SET respondent_count = 5 WHERE organisation_id = '{nijhuis}'"
    ))
    .await;
    let second = evaluate().await;
    let shown = pb::CellStatus::Shown as i32;
    assert_eq!(
        statuses(&second),
        [
            ("Lensink Constructie".into(), hidden),
            ("Nijhuis Groep".into(), shown),
            (
                "Wiggers".into(),
                pb::CellStatus::SuppressedSmallGroup as i32
            ),
        ],
        "Lensink stays hidden, and hiding it with Wiggers already keeps the totals safe"
    );
    // Forgotten, the partner would be chosen anew: what the memory prevents.
    app.execute("DELETE FROM suppression_memory").await;
    let fresh = evaluate().await;
    assert_eq!(statuses(&fresh)[0], ("Lensink Constructie".into(), shown));
    assert_eq!(statuses(&fresh)[1], ("Nijhuis Groep".into(), hidden));
    // A programme manager's answer remembers nothing.
    app.execute("DELETE FROM suppression_memory").await;
    app.manager()
        .await
        .get_evaluation(pb::GetEvaluationRequest {
            region: REGION.into(),
            sector: String::new(),
            release: 0,
        })
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT count(*) AS n FROM suppression_memory")
            .await,
        0
    );
}
