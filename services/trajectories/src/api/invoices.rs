//! Third parties' invoices in the grant's books: RecordInvoice, ReviewInvoice and
//! ListInvoices, with the same review and lock as hours. A correction is a credit note.
use chrono::Utc;
use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Refused,
    auth::Caller,
    bus,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::trajectories::v1 as pb;
use uuid::Uuid;

use super::{
    Context,
    books::{may_see, participant_in_reach, region_pack, stored_state},
    books_requests as requests,
    mapping::timestamp,
};
use crate::{
    domain::books::{self as rules, EntryState, RecordInvoice},
    events,
    store::books::{self as store, InvoiceRow},
};

pub async fn record(
    ctx: &Context,
    caller: &Caller,
    request: pb::RecordInvoiceRequest,
) -> Result<pb::RecordInvoiceResponse, ApiError> {
    let key = RequestKey::new(caller, "RecordInvoice", &request.request_id, &request)?;
    let asked = request.invoice.as_ref().map_or("", |i| i.region.as_str());
    let region = caller.region_or_only(asked)?;
    let command = RecordInvoice::parse(region_pack(ctx, &region)?, request.invoice)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let participant =
                participant_in_reach(conn, caller, &region, command.participant.as_str()).await?;
            rules::open_day(command.day, store::locked_through(conn, &region).await?)?;
            if let Some(original) = command.credits {
                let credited = store::invoice_for_update(conn, original)
                    .await?
                    .filter(|i| i.region == region)
                    .ok_or_else(|| ApiError::not_found(format!("invoice {original}")))?;
                rules::creditable(
                    stored_state(&credited.state)?,
                    credited.participant_id == participant.id,
                    store::is_credited(conn, original).await?,
                    credited.incl_vat_cents,
                    command.incl_vat_cents,
                )?;
            }
            let row = InvoiceRow {
                id: Uuid::now_v7(),
                region: region.clone(),
                participant_id: participant.id,
                supplier: command.supplier.as_str().to_owned(),
                number: command.number.as_str().to_owned(),
                day: command.day,
                excl_vat_cents: command.excl_vat_cents,
                incl_vat_cents: command.incl_vat_cents,
                work_package: command.work_package.clone(),
                cost_type: command.cost_type.as_str().to_owned(),
                state: EntryState::Submitted.as_str().to_owned(),
                credits: command.credits,
                recorded_by: caller.subject.clone(),
                recorded_at: Utc::now(),
                reviewed_by: None,
                reviewed_at: None,
                reason: String::new(),
            };
            let saved = store::insert_invoice(conn, &row).await?.ok_or_else(|| {
                Refused::exists(
                    "INVOICE_RECORDED",
                    format!(
                        "invoice {} of {} is in the books already",
                        row.number, row.supplier
                    ),
                )
            })?;
            Ok(pb::RecordInvoiceResponse {
                invoice: Some(invoice(&saved, &participant.key)),
            })
        })
        .await
    })
    .await
}

pub async fn review(
    ctx: &Context,
    caller: &Caller,
    request: pb::ReviewInvoiceRequest,
) -> Result<pb::ReviewInvoiceResponse, ApiError> {
    let key = RequestKey::new(caller, "ReviewInvoice", &request.request_id, &request)?;
    let (id, decision, reason) = requests::invoice_review(&request)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let not_found = || ApiError::not_found(format!("invoice {id}"));
            let row = store::invoice_for_update(conn, id)
                .await?
                .filter(|i| caller.may_see_region(&i.region))
                .ok_or_else(not_found)?;
            let participant = store::participant(conn, row.participant_id)
                .await?
                .ok_or_else(not_found)?;
            let state = rules::review(stored_state(&row.state)?, decision)?;
            rules::open_day(row.day, store::locked_through(conn, &row.region).await?)?;
            let reviewed =
                store::review_invoice(conn, id, state.as_str(), &caller.subject, reason.as_str())
                    .await?;
            if state == EntryState::Approved {
                bus::record(conn, &events::invoice_approved(&reviewed, &participant.key)).await?;
            }
            Ok(pb::ReviewInvoiceResponse {
                invoice: Some(invoice(&reviewed, &participant.key)),
            })
        })
        .await
    })
    .await
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListInvoicesRequest,
) -> Result<pb::ListInvoicesResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let region = caller.region_or_only(&request.region)?;
    let mut conn = ctx.pool.get().await?;
    let plan = store::plan(&mut conn, &region).await?;
    let asked = llo_chassis::fields::non_empty(&request.participant);
    let visible: Vec<Uuid> = plan
        .iter()
        .filter(|(p, _)| asked.is_none_or(|key| key == p.key))
        .filter(|(p, _)| caller.own_organisation().is_none() || may_see(caller, p))
        .map(|(p, _)| p.id)
        .collect();
    let narrowed = asked.is_some() || caller.own_organisation().is_some();
    let rows = store::invoices(
        &mut conn,
        &region,
        narrowed.then_some(visible),
        page.after,
        page.fetch_limit(),
    )
    .await?;
    let (rows, next_page_token) = page.finish(rows, |i| i.id);
    let key_of = |id: Uuid| {
        plan.iter()
            .find(|(p, _)| p.id == id)
            .map_or("", |(p, _)| p.key.as_str())
    };
    Ok(pb::ListInvoicesResponse {
        invoices: rows
            .iter()
            .map(|row| invoice(row, key_of(row.participant_id)))
            .collect(),
        next_page_token,
    })
}

fn invoice(row: &InvoiceRow, participant: &str) -> pb::Invoice {
    pb::Invoice {
        invoice_id: row.id.to_string(),
        region: row.region.clone(),
        participant: participant.to_owned(),
        supplier: row.supplier.clone(),
        number: row.number.clone(),
        day: row.day.to_string(),
        excl_vat_cents: row.excl_vat_cents,
        incl_vat_cents: row.incl_vat_cents,
        work_package: row.work_package.clone(),
        cost_type: row.cost_type.clone(),
        state: super::books::state_to_proto(&row.state) as i32,
        credits_invoice_id: row.credits.map(|id| id.to_string()).unwrap_or_default(),
        recorded_by: row.recorded_by.clone(),
        record_time: Some(timestamp(row.recorded_at)),
        reviewed_by: row.reviewed_by.clone().unwrap_or_default(),
        review_time: row.reviewed_at.map(timestamp),
        reason: row.reason.clone(),
    }
}
