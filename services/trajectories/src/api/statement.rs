//! ExportStatement: the grant's final statement for the funder, rendered whole and
//! streamed in chunks (programme manager only; exact figures).
use std::collections::HashMap;

use chrono::Utc;
use llo_chassis::{ApiError, auth::Caller, download::chunks, packs::CostType};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use super::{
    Context,
    books::{grant_budget, realise, region_pack},
};
use crate::{
    statement::{self, CostsByType, DayOfHours, InvoiceLine, Statement},
    store::books as store,
};

pub async fn export(
    ctx: &Context,
    caller: &Caller,
    request: pb::ExportStatementRequest,
) -> Result<Vec<pb::ExportStatementResponse>, ApiError> {
    let format = match pb::StatementFormat::try_from(request.format) {
        Ok(
            f @ (pb::StatementFormat::Json | pb::StatementFormat::Csv | pb::StatementFormat::Html),
        ) => f,
        _ => return Err(ApiError::invalid("format", "must be JSON, CSV or HTML")),
    };
    let region = caller.region_or_only(&request.region)?;
    let pack = region_pack(ctx, &region)?;
    let budget = grant_budget(pack, &request.source)?;
    let mut conn = ctx.pool.get().await?;
    let books = realise(&mut conn, &region, budget).await?;
    let (realisation, participants, plan) = (books.realisation, books.participants, books.plan);
    let key_of: HashMap<Uuid, &str> = plan.iter().map(|(p, _)| (p.id, p.key.as_str())).collect();
    let key = |id: Uuid| key_of.get(&id).copied().unwrap_or_default().to_owned();

    let costs = |participant: &str| {
        let mut costs = CostsByType::default();
        let Some(p) = participants.iter().find(|p| p.key == participant) else {
            return costs;
        };
        costs.own_staff_hours = realisation
            .participants
            .iter()
            .filter(|r| r.key == participant)
            .flat_map(|r| &r.lines)
            .map(|l| l.hours_cents)
            .sum();
        for (_, cost, cents) in &p.approved_invoices {
            match cost {
                CostType::OwnStaffHours => costs.own_staff_hours += cents,
                CostType::ThirdPartyServices => costs.third_party_services += cents,
                CostType::TrainingFees => costs.training_fees += cents,
                CostType::Materials => costs.materials += cents,
                CostType::Travel => costs.travel += cents,
            }
        }
        costs
    };
    let hours = store::approved_days(&mut conn, &region)
        .await?
        .into_iter()
        .map(|d| DayOfHours {
            participant: key(d.participant_id),
            person_id: d.person_id,
            day: d.day.to_string(),
            work_package: d.work_package,
            minutes: d.minutes,
            hourly_rate_cents: d.rate_cents,
        })
        .collect();
    let invoices = store::approved_invoice_rows(&mut conn, &region)
        .await?
        .into_iter()
        .map(|i| InvoiceLine {
            participant: key(i.participant_id),
            supplier: i.supplier,
            number: i.number,
            day: i.day.to_string(),
            work_package: i.work_package,
            cost_type: i.cost_type,
            excl_vat_cents: i.excl_vat_cents,
            incl_vat_cents: i.incl_vat_cents,
        })
        .collect();
    let document = Statement {
        region: region.clone(),
        programme: pack.programme.clone(),
        source: budget.source.clone(),
        source_name: budget.name.clone(),
        regulation: budget
            .eligibility
            .as_ref()
            .map(|e| e.regulation.clone())
            .unwrap_or_default(),
        generated_at: Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        participants: Statement::participants(&realisation, costs),
        budgeted_cents: realisation.budgeted_cents,
        realised_cents: realisation.realised_cents,
        eligible_cents: realisation.eligible_cents,
        grant_cents: realisation.grant_cents,
        sme_participants: realisation.participants.iter().filter(|p| p.sme).count(),
        rules: realisation.checks.into_iter().map(Into::into).collect(),
        hours,
        invoices,
    };
    let (text, content_type, extension) = match format {
        pb::StatementFormat::Csv => (statement::csv(&document), "text/csv; charset=utf-8", "csv"),
        pb::StatementFormat::Html => (
            statement::html(&document),
            "text/html; charset=utf-8",
            "html",
        ),
        _ => (statement::json(&document), "application/json", "json"),
    };
    let file_name = format!("llo-statement-{region}-{}.{extension}", budget.source);
    Ok(chunks(text.as_bytes(), content_type, &file_name)
        .into_iter()
        .map(|c| pb::ExportStatementResponse {
            content_type: c.content_type,
            file_name: c.file_name,
            data: c.data,
        })
        .collect())
}
