use llo_chassis::auth::Role;
use llo_proto::{events::v1 as ev, reporting::v1 as pb};
use tonic::Code;
use uuid::Uuid;

use crate::{helpers::*, pilot::Pilot};

#[tokio::test(flavor = "multi_thread")]
async fn migrations_go_down_and_up_again() {
    let app = TestApp::spawn().await;
    llo_chassis::db::redo_all(&app.database_url, llo_reporting::store::MIGRATIONS)
        .await
        .unwrap();
    assert_eq!(app.count("SELECT count(*) AS n FROM events").await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM rm_registrations")
            .await,
        0
    );
}

#[test]
fn the_readme_matrix_is_what_the_server_applies() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let documented = llo_chassis::auth_matrix::from_readme(&readme, "ReportingService");
    assert_eq!(
        documented,
        llo_chassis::auth_matrix::from_policy(llo_reporting::access::POLICY)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_fields_are_named_and_regions_are_scoped() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;

    let bad = manager
        .get_programme_overview(pb::GetProgrammeOverviewRequest {
            region: String::new(),
            sector: String::new(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), vec!["region"]);
    let bad = manager
        .get_evaluation(pb::GetEvaluationRequest {
            region: REGION.into(),
            sector: "zorg-welzijn".into(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&bad),
        vec!["sector"],
        "a sector of another region"
    );
    let bad = manager
        .get_funding_status(pb::GetFundingStatusRequest {
            region: "atlantis".into(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), vec!["region"]);
    let bad = manager
        .export_report(pb::ExportReportRequest {
            region: String::new(),
            sector: String::new(),
            format: 0,
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), vec!["region", "format"]);
    let bad = manager
        .export_report(pb::ExportReportRequest {
            region: REGION.into(),
            sector: String::new(),
            format: 42,
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), vec!["format"]);
    let bad = manager
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: "not-an-id".into(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), vec!["organisation_id"]);
    let bad = manager
        .rebuild_read_models(pb::RebuildReadModelsRequest {
            request_id: "x".repeat(129),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), vec!["request_id"]);

    // Naming another region: PERMISSION_DENIED.
    let denied = manager
        .get_programme_overview(pb::GetProgrammeOverviewRequest {
            region: OTHER_REGION.into(),
            sector: String::new(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    // Another region's company: NOT_FOUND, as is an unknown one.
    let twente = Uuid::now_v7().to_string();
    let mut stream = Pilot::empty();
    stream.push(ev::OrganisationRegistered {
        organisation_id: twente.clone(),
        region: OTHER_REGION.into(),
        sector: "zorg-welzijn".into(),
        organisation_name: "Zorggroep Oost".into(),
        municipality: "Enschede".into(),
        employee_count: 300,
        occur_time: None,
    });
    app.feed(&stream.events, 1).await;
    for id in [twente.clone(), Uuid::now_v7().to_string()] {
        let missing = manager
            .get_organisation_progress(pb::GetOrganisationProgressRequest {
                organisation_id: id,
                release: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
    }
    let mut twente_manager = app
        .as_role(Role::ProgrammeManager, OTHER_REGION, None)
        .await;
    let found = twente_manager
        .get_organisation_progress(pb::GetOrganisationProgressRequest {
            organisation_id: twente,
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.size_class, pb::SizeClass::Large as i32);

    // The operator RPC is the programme manager's only.
    let mut evaluator = app.evaluator().await;
    let refused = evaluator
        .rebuild_read_models(pb::RebuildReadModelsRequest {
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let mut hr = app
        .as_role(Role::CompanyHr, REGION, Some(&Uuid::now_v7().to_string()))
        .await;
    let refused = hr
        .get_programme_overview(pb::GetProgrammeOverviewRequest {
            region: REGION.into(),
            sector: String::new(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_region_has_zero_figures() {
    let app = TestApp::spawn().await;
    app.release().await;
    let overview = app
        .evaluator()
        .await
        .get_programme_overview(pb::GetProgrammeOverviewRequest {
            region: REGION.into(),
            sector: "techniek-metaal".into(),
            release: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value(&overview.employees_reached), 0.0);
    assert_eq!(overview.companies.unwrap().total, 0);
    assert!(overview.as_of_time.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_field_of_a_request_is_named_at_once_with_its_bound() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let bad = manager
        .export_report(pb::ExportReportRequest {
            region: "r".repeat(201),
            sector: "s".repeat(201),
            format: 42,
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        violation_details(&bad),
        [
            ("region", "must be at most 200 characters"),
            ("sector", "must be at most 200 characters"),
            ("format", "is not a report format"),
        ]
        .map(|(f, d)| (f.to_owned(), d.to_owned()))
    );
    let bad = manager
        .get_evaluation(pb::GetEvaluationRequest {
            region: "atlantis".into(),
            sector: "a\u{7}bell".into(),
            release: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        violation_details(&bad),
        [
            ("region", "is not a region of this installation"),
            ("sector", "must not contain control characters"),
        ]
        .map(|(f, d)| (f.to_owned(), d.to_owned()))
    );
    // A request id longer than the chassis keeps is refused before any work.
    let bad = manager
        .rebuild_read_models(pb::RebuildReadModelsRequest {
            request_id: "x".repeat(129),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violation_details(&bad),
        [("request_id", "must be at most 128 characters")]
            .map(|(f, d)| (f.to_owned(), d.to_owned()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_status_the_code_does_not_know_is_an_error_not_a_default() {
    let app = TestApp::spawn().await;
    let mut manager = app.manager().await;
    let overview = || pb::GetProgrammeOverviewRequest {
        region: REGION.into(),
        sector: String::new(),
        release: 0,
    };
    manager.get_programme_overview(overview()).await.unwrap();
    // Read as "proposed", a trajectory of a newer status would be counted wrong and
    // nobody would know.
    app.execute(&format!(
        "INSERT INTO rm_trajectories (id, organisation_id, region, status, status_rank, status_time) \
         VALUES ('{}', '{}', '{REGION}', 'paused', 2, now())",
        Uuid::now_v7(),
        Uuid::now_v7()
    ))
    .await;
    let status = manager
        .get_programme_overview(overview())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
}
