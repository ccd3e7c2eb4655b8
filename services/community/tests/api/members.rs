use llo_chassis::auth::Role;
use llo_proto::{common::v1 as common, community::v1 as pb};
use tonic::Code;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn companies_join_from_intake_and_partners_register_with_a_type() {
    let app = TestApp::spawn().await;
    let mut joined = app.env.probe("community.member_joined.v1").await;
    let mut coach = app.coach().await;
    let company = app.company("EM Kwadraad").await;
    // The same registration delivered again under a new id joins nobody twice.
    app.publish(&llo_proto::events::v1::OrganisationRegistered {
        organisation_id: company.clone(),
        region: REGION.into(),
        sector: "techniek-metaal".into(),
        organisation_name: "EM Kwadraad".into(),
        municipality: "Ulft".into(),
        employee_count: 40,
        occur_time: None,
    })
    .await;
    let union = coach
        .register_partner(pb::RegisterPartnerRequest {
            request_id: "fnv".into(),
            region: REGION.into(),
            member_type: common::CommunityMemberType::Union as i32,
            name: "FNV".into(),
            contact_role: "bestuurder".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .member
        .unwrap();
    let school = app.host().await;
    let _ = school;

    let list = |member_type: common::CommunityMemberType| pb::ListMembersRequest {
        region: REGION.into(),
        member_type: member_type as i32,
        ..Default::default()
    };
    let companies = coach
        .list_members(list(common::CommunityMemberType::Company))
        .await
        .unwrap()
        .into_inner()
        .members;
    assert_eq!(companies.len(), 1);
    assert_eq!(companies[0].organisation_id, company);
    let unions = coach
        .list_members(list(common::CommunityMemberType::Union))
        .await
        .unwrap()
        .into_inner()
        .members;
    assert_eq!(unions.len(), 1);
    assert_eq!(unions[0].member_id, union.member_id);
    assert_eq!(unions[0].contact_role, "bestuurder");
    let everyone = coach
        .list_members(pb::ListMembersRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(everyone.members.len(), 2);
    assert!(!everyone.next_page_token.is_empty());

    // Both deliveries were applied (inbox), yet the company joined once: three joined.
    eventually("both registrations applied", || async {
        (app.count(
            "SELECT count(*) AS n FROM inbox WHERE routing_key = 'intake.organisation_registered.v1'",
        )
        .await
            == 2)
            .then_some(())
    })
    .await;
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM outbox WHERE routing_key = 'community.member_joined.v1'"
        )
        .await,
        3
    );
    let mut n = 0;
    while n < 3 {
        joined
            .next(std::time::Duration::from_secs(15))
            .await
            .expect("MemberJoined");
        n += 1;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_partner_gets_every_violation_and_other_regions_are_closed() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let status = coach
        .register_partner(pb::RegisterPartnerRequest {
            request_id: "x".repeat(129),
            region: "nergens".into(),
            member_type: common::CommunityMemberType::Company as i32,
            name: String::new(),
            contact_role: String::new(),
        })
        .await
        .unwrap_err();
    let mut fields = violations(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "contact_role",
            "member_type",
            "name",
            "region",
            "request_id"
        ]
    );
    let status = coach
        .register_partner(pb::RegisterPartnerRequest {
            request_id: String::new(),
            region: OTHER_REGION.into(),
            member_type: common::CommunityMemberType::Adviser as i32,
            name: "Adviesbureau".into(),
            contact_role: "adviseur".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let host = app.host().await;
    let mut twente = app.as_role(Role::Evaluator, OTHER_REGION, None).await;
    let status = twente
        .get_member(pb::GetMemberRequest { member_id: host })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}
