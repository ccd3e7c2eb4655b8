//! The four read RPCs: parse and check, scope, load the region's read models, compute.
use llo_chassis::{ApiError, auth::Caller, fields::parse_id};
use llo_proto::reporting::v1 as pb;

use super::{Context, mapping, region_rule};
use crate::{
    domain::{figures, queries::Scope, suppression::Rule},
    store,
};

pub async fn overview(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetProgrammeOverviewRequest,
) -> Result<pb::GetProgrammeOverviewResponse, ApiError> {
    let scope = Scope::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let snapshot = ctx
        .snapshot(&mut conn, &scope.region, scope.sector.as_deref())
        .await?;
    let as_of = store::read::as_of(&mut conn, &scope.region).await?;
    let rule = region_rule(caller, snapshot.min_group_size);
    let figures = figures::overview(&snapshot, &rule);
    ctx.remember(&mut conn, &snapshot, &rule).await?;
    Ok(mapping::overview(
        &figures,
        &scope.region,
        scope.sector.as_deref(),
        &rule,
        as_of,
    ))
}

/// One company: in full for the region's programme managers and coaches and for the
/// company's own HR; anonymised (with the region's plans) for anyone else. Another
/// region's or another company's organisation is NOT_FOUND.
pub async fn progress(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetOrganisationProgressRequest,
) -> Result<pb::GetOrganisationProgressResponse, ApiError> {
    let id = parse_id("organisation_id", &request.organisation_id)?;
    let not_found = || ApiError::not_found(format!("organisation {id}"));
    let own = caller.own_organisation();
    if own.is_some_and(|own| own != id) {
        return Err(not_found());
    }
    let mut conn = ctx.pool.get().await?;
    let Some((organisation, region)) = store::read::organisation(&mut conn, id).await? else {
        return Err(not_found());
    };
    if !caller.may_see_region(&region) {
        return Err(not_found());
    }
    let snapshot = ctx.snapshot(&mut conn, &region, None).await?;
    let rule = if own.is_some() {
        Rule::full(snapshot.min_group_size)
    } else {
        region_rule(caller, snapshot.min_group_size)
    };
    let progress = figures::progress(&snapshot, &organisation, &rule);
    ctx.remember(&mut conn, &snapshot, &rule).await?;
    Ok(mapping::progress(&progress, &region, &rule))
}

pub async fn evaluation(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetEvaluationRequest,
) -> Result<pb::GetEvaluationResponse, ApiError> {
    let scope = Scope::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let snapshot = ctx
        .snapshot(&mut conn, &scope.region, scope.sector.as_deref())
        .await?;
    let rule = region_rule(caller, snapshot.min_group_size);
    let evaluation = figures::evaluation(&snapshot, &rule);
    ctx.remember(&mut conn, &snapshot, &rule).await?;
    Ok(mapping::evaluation(
        &evaluation,
        &scope.region,
        scope.sector.as_deref(),
        &rule,
    ))
}

pub async fn funding(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetFundingStatusRequest,
) -> Result<pb::GetFundingStatusResponse, ApiError> {
    let scope = Scope::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let snapshot = ctx.snapshot(&mut conn, &scope.region, None).await?;
    let rule = region_rule(caller, snapshot.min_group_size);
    let funding = figures::funding(&snapshot, &rule);
    let project = figures::project_costs(&snapshot);
    ctx.remember(&mut conn, &snapshot, &rule).await?;
    Ok(mapping::funding(
        &funding,
        project.as_ref(),
        &scope.region,
        &rule,
    ))
}
