//! The four read RPCs: parse and check, scope, then either the release asked for (or
//! the latest, for callers who see figures anonymised) or the live figures. The
//! `*_answer` functions compute an answer from a snapshot: live here, once per release
//! in `releases`.
use chrono::{DateTime, Utc};
use llo_chassis::{ApiError, auth::Caller};
use llo_proto::reporting::v1 as pb;

use super::{Context, mapping, region_rule, releases::served};
use crate::{
    domain::{
        figures,
        model::{Organisation, Snapshot},
        queries::{OrganisationProgress, Scope},
        release::{Answer, Edition},
        suppression::Rule,
    },
    store,
};

pub fn overview_answer(
    snapshot: &Snapshot,
    rule: &Rule,
    as_of: Option<DateTime<Utc>>,
) -> pb::GetProgrammeOverviewResponse {
    let figures = figures::overview(snapshot, rule);
    let sector = snapshot.sector.as_deref();
    mapping::overview(&figures, &snapshot.region, sector, rule, as_of)
}

pub fn evaluation_answer(snapshot: &Snapshot, rule: &Rule) -> pb::GetEvaluationResponse {
    let evaluation = figures::evaluation(snapshot, rule);
    let sector = snapshot.sector.as_deref();
    mapping::evaluation(&evaluation, &snapshot.region, sector, rule)
}

pub fn funding_answer(snapshot: &Snapshot, rule: &Rule) -> pb::GetFundingStatusResponse {
    let funding = figures::funding(snapshot, rule);
    let project = figures::project_costs(snapshot);
    mapping::funding(&funding, project.as_ref(), &snapshot.region, rule)
}

pub fn progress_answer(
    snapshot: &Snapshot,
    organisation: &Organisation,
    rule: &Rule,
) -> pb::GetOrganisationProgressResponse {
    let progress = figures::progress(snapshot, organisation, rule);
    mapping::progress(&progress, &snapshot.region, rule)
}

/// Where the caller's figures of a region come from (see `Edition::of`).
fn edition(caller: &Caller, ctx: &Context, region: &str, release: Option<i32>) -> (Edition, Rule) {
    let rule = region_rule(caller, ctx.min_group_size(region));
    (Edition::of(release, !rule.applies), rule)
}

pub async fn overview(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetProgrammeOverviewRequest,
) -> Result<pb::GetProgrammeOverviewResponse, ApiError> {
    let scope = Scope::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let sector = scope.sector.as_deref();
    let (edition, rule) = edition(caller, ctx, &scope.region, scope.release);
    if let Edition::Release(number) = edition {
        return served(&mut conn, &scope.region, number, Answer::Overview(sector)).await;
    }
    let snapshot = ctx.snapshot(&mut conn, &scope.region, sector).await?;
    let as_of = store::read::as_of(&mut conn, &scope.region).await?;
    Ok(overview_answer(&snapshot, &rule, as_of))
}

/// One company: in full for the region's programme managers and coaches and for the
/// company's own HR; from a release (anonymised, with the region's plans) for anyone
/// else. Another region's or another company's organisation is NOT_FOUND.
pub async fn progress(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetOrganisationProgressRequest,
) -> Result<pb::GetOrganisationProgressResponse, ApiError> {
    let OrganisationProgress {
        organisation_id: id,
        release,
    } = OrganisationProgress::try_from(request)?;
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
    let (edition, rule) = match own {
        Some(_) => (
            Edition::of(release, true),
            Rule::full(ctx.min_group_size(&region)),
        ),
        None => edition(caller, ctx, &region, release),
    };
    if let Edition::Release(number) = edition {
        return served(&mut conn, &region, number, Answer::Progress(id)).await;
    }
    let snapshot = ctx.snapshot(&mut conn, &region, None).await?;
    Ok(progress_answer(&snapshot, &organisation, &rule))
}

pub async fn evaluation(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetEvaluationRequest,
) -> Result<pb::GetEvaluationResponse, ApiError> {
    let scope = Scope::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let sector = scope.sector.as_deref();
    let (edition, rule) = edition(caller, ctx, &scope.region, scope.release);
    if let Edition::Release(number) = edition {
        return served(&mut conn, &scope.region, number, Answer::Evaluation(sector)).await;
    }
    let snapshot = ctx.snapshot(&mut conn, &scope.region, sector).await?;
    Ok(evaluation_answer(&snapshot, &rule))
}

pub async fn funding(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetFundingStatusRequest,
) -> Result<pb::GetFundingStatusResponse, ApiError> {
    let scope = Scope::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let (edition, rule) = edition(caller, ctx, &scope.region, scope.release);
    if let Edition::Release(number) = edition {
        return served(&mut conn, &scope.region, number, Answer::Funding).await;
    }
    let snapshot = ctx.snapshot(&mut conn, &scope.region, None).await?;
    Ok(funding_answer(&snapshot, &rule))
}
