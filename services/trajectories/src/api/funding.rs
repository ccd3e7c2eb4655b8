use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError,
    auth::{Caller, Role},
    bus::record,
    idempotency::{self, RequestKey},
    packs::CostType,
};
use llo_proto::trajectories::v1 as pb;

use super::{Context, mapping};
use crate::{
    domain::{
        commands::AllocateFunding,
        funding::{self as rules, Kind, Source},
    },
    events,
    store::{
        funding::{self as store, NewAllocation},
        plans, trajectories,
    },
};

fn kind_to_proto(kind: Kind) -> pb::FundingKind {
    match kind {
        Kind::Grant => pb::FundingKind::Grant,
        Kind::SubsidyPercentage => pb::FundingKind::SubsidyPercentage,
        Kind::SectorFund => pb::FundingKind::SectorFund,
        Kind::EmployerShare => pb::FundingKind::EmployerShare,
    }
}

pub async fn allocate(
    ctx: &Context,
    caller: &Caller,
    request: pb::AllocateFundingRequest,
) -> Result<pb::AllocateFundingResponse, ApiError> {
    let key = RequestKey::new(caller, "AllocateFunding", &request.request_id, &request)?;
    let command = AllocateFunding::try_from(request)?;
    let activity_id = command.activity_id;
    let amount = command.amount.get();
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let not_found = || ApiError::not_found(format!("learning activity {activity_id}"));
            let activity = plans::activity_for_update(conn, activity_id)
                .await?
                .ok_or_else(not_found)?;
            let plan = plans::find(conn, activity.plan_id)
                .await?
                .ok_or_else(not_found)?;
            if !caller.may_see_organisation(&plan.region, &plan.organisation_id.to_string()) {
                return Err(not_found());
            }
            let organisation = rules::registered(
                trajectories::find_organisation(conn, plan.organisation_id).await?,
            )?;
            let region = rules::region_pack(&ctx.packs, &plan.region)?;
            let sources = rules::sources(&ctx.packs, region, &organisation.sector);
            let source = rules::find_source(&sources, &command.source)
                .map_err(|message| ApiError::invalid("source", message))?;
            // A learning activity's cost is a school's fee.
            source.pays(CostType::TrainingFees)?;
            // Serialise allocations against this source, then count under the lock.
            store::lock_source(conn, &plan.region, &source.id).await?;
            let allocated = store::allocated(
                conn,
                &plan.region,
                &source.id,
                activity.id,
                plan.participant_id,
            )
            .await?;
            rules::check(
                source,
                activity.cost_cents,
                organisation.employee_count,
                allocated,
                amount,
            )?;
            let row = store::insert(
                conn,
                &NewAllocation {
                    activity_id: activity.id,
                    participant_id: plan.participant_id,
                    organisation_id: plan.organisation_id,
                    region: &plan.region,
                    source: &source.id,
                    amount_cents: amount,
                },
            )
            .await?;
            record(conn, &events::funding_allocated(&row)).await?;
            Ok(pb::AllocateFundingResponse {
                allocation: Some(pb::FundingAllocation {
                    allocation_id: row.id.to_string(),
                    activity_id: row.activity_id.to_string(),
                    source: row.source,
                    amount_cents: row.amount_cents,
                    create_time: Some(mapping::timestamp(row.created_at)),
                }),
            })
        })
        .await
    })
    .await
}

pub async fn budget(
    ctx: &Context,
    caller: &Caller,
    request: pb::GetBudgetRequest,
) -> Result<pb::GetBudgetResponse, ApiError> {
    let region_id = caller.region_or_only(&request.region)?;
    let asked = super::optional_id("organisation_id", &request.organisation_id)?;
    // One company's use of public money is that company's figure: an evaluator sees the
    // region's, never a company's on its own (the report's rules decide what is shown).
    if asked.is_some()
        && caller.own_organisation().is_none()
        && !caller.has_any(&[Role::ProgrammeManager, Role::Coach])
    {
        return Err(ApiError::denied(
            "an evaluator sees the region's use of the sources, not one company's",
        ));
    }
    // A company sees its own use of the sources.
    let organisation = caller.own_organisation().or(asked);
    let region = ctx
        .packs
        .region(&region_id)
        .ok_or_else(|| ApiError::invalid("region", format!("unknown region {region_id:?}")))?;
    let mut sources: Vec<Source> = Vec::new();
    for sector in &region.sectors {
        for source in rules::sources(&ctx.packs, region, sector) {
            if !sources.iter().any(|s| s.id == source.id) {
                sources.push(source);
            }
        }
    }
    let mut conn = ctx.pool.get().await?;
    let used = store::use_per_source(&mut conn, &region_id, organisation).await?;
    let sources = sources
        .into_iter()
        .map(|s| {
            let (committed, spent) = used
                .iter()
                .find(|u| u.source == s.id)
                .map_or((0, 0), |u| (u.committed_cents, u.spent_cents));
            let budget = s.budget_cents.unwrap_or(0);
            pb::SourceBudget {
                source: s.id.clone(),
                name: s.name.clone(),
                kind: kind_to_proto(s.kind) as i32,
                budget_cents: budget,
                committed_cents: committed,
                spent_cents: spent,
                remaining_cents: if s.budget_cents.is_some() {
                    budget - committed - spent
                } else {
                    0
                },
                percentage: s.percentage.map_or(0, |p| p as i32),
                small_firm_percentage: s.small_firm_percentage.map_or(0, |p| p as i32),
                per_person_cap_cents: s.per_person_cap_cents.unwrap_or(0),
                regulation: s
                    .eligibility
                    .as_ref()
                    .map(|e| e.regulation.clone())
                    .unwrap_or_default(),
                eligible_costs: s
                    .eligibility
                    .iter()
                    .flat_map(|e| &e.eligible_costs)
                    .map(|c| c.as_str().to_owned())
                    .collect(),
            }
        })
        .collect();
    Ok(pb::GetBudgetResponse {
        region: region_id,
        sources,
    })
}
