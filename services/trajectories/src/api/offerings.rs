//! The course catalogue of education providers: published one by one, or synced as a
//! whole through a client stream, idempotent by the provider's own course code.
use std::sync::Arc;

use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, FieldViolation,
    auth::{Caller, Role},
    fields::non_empty,
    import::BoundedResults,
    paging::Page,
};
use llo_proto::{common::v1 as common, trajectories::v1 as pb};
use tonic::{Status, Streaming};

use super::{Context, commands, mapping};
use crate::{
    domain::commands::PublishOffering,
    store::offerings::{self as store, Upserted},
};

pub const CHUNK_ROWS: usize = 500;

/// A provider's integrator may only publish its own courses, in its own regions.
fn authorise(caller: &Caller, data: &PublishOffering) -> Result<(), ApiError> {
    caller.require_region(&data.region)?;
    let only_integrator =
        caller.has_role(Role::Integrator) && !caller.has_role(Role::ProgrammeManager);
    if only_integrator && caller.organisation_id.as_deref() != Some(data.provider.as_str()) {
        return Err(ApiError::denied(
            "a provider's token publishes that provider's courses only",
        ));
    }
    Ok(())
}

pub async fn publish(
    ctx: &Context,
    caller: &Caller,
    request: pb::PublishCourseOfferingRequest,
) -> Result<pb::PublishCourseOfferingResponse, ApiError> {
    let data = commands::publish_offering(request, &ctx.packs)?;
    authorise(caller, &data)?;
    let mut conn = ctx.pool.get().await?;
    let (row, _) = conn
        .transaction::<_, ApiError, _>(async |conn| Ok(store::upsert(conn, &data).await?))
        .await?;
    Ok(pb::PublishCourseOfferingResponse {
        offering: Some(mapping::offering(&row)?),
    })
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListCourseOfferingsRequest,
) -> Result<pb::ListCourseOfferingsResponse, ApiError> {
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let regions = caller.listing_regions(&request.region)?;
    // The same rule as every timestamp the suite accepts (2000–2100).
    let start_after = llo_chassis::fields::optional_instant(request.start_after.as_ref())
        .map_err(|description| ApiError::invalid("start_after", description))?;
    let mut conn = ctx.pool.get().await?;
    let rows = store::list(
        &mut conn,
        store::ListFilter {
            regions,
            theme: non_empty(&request.theme),
            skill_uri: non_empty(&request.skill_uri),
            provider: non_empty(&request.provider),
            start_after,
            after: page.after,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    let (rows, next_page_token) = page.finish(rows, |r| r.id);
    Ok(pb::ListCourseOfferingsResponse {
        offerings: rows
            .iter()
            .map(mapping::offering)
            .collect::<Result<_, _>>()?,
        next_page_token,
    })
}

/// The answer of an import (or a catalogue sync) as it is built: the count per outcome
/// and the results worth reporting, bounded whatever the number of rows.
#[derive(Default)]
pub struct ImportReport {
    response: pb::ImportCourseOfferingsResponse,
    results: BoundedResults<pb::OfferingImportResult>,
}

impl ImportReport {
    pub fn add(&mut self, result: pb::OfferingImportResult) {
        let outcome = pb::OfferingImportOutcome::try_from(result.outcome);
        let counts = &mut self.response;
        match outcome {
            Ok(pb::OfferingImportOutcome::Created) => counts.created_count += 1,
            Ok(pb::OfferingImportOutcome::Updated) => counts.updated_count += 1,
            Ok(pb::OfferingImportOutcome::Unchanged) => counts.unchanged_count += 1,
            _ => counts.rejected_count += 1,
        }
        let noteworthy = outcome == Ok(pb::OfferingImportOutcome::Rejected);
        self.results.add(result.row_number, noteworthy, result);
    }

    pub fn finish(self) -> pb::ImportCourseOfferingsResponse {
        let mut response = self.response;
        (response.results, response.omitted_result_count) = self.results.finish();
        response
    }
}

pub async fn import(
    ctx: Arc<Context>,
    caller: Caller,
    mut stream: Streaming<pb::ImportCourseOfferingsRequest>,
) -> Result<pb::ImportCourseOfferingsResponse, Status> {
    let mut report = ImportReport::default();
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    let mut row_number = 0_i64;
    loop {
        let next = stream.message().await?;
        let done = next.is_none();
        if let Some(row) = next {
            row_number += 1;
            // Parsed at once: the raw message is dropped, only the bounded row is held.
            chunk.push(arrive(
                &ctx,
                &caller,
                row_number,
                row.offering.unwrap_or_default(),
            )?);
        }
        if chunk.len() >= CHUNK_ROWS || (done && !chunk.is_empty()) {
            let rows = std::mem::take(&mut chunk);
            let ctx = ctx.clone();
            let chunk_results =
                llo_chassis::call::run_to_end(async move { import_chunk(&ctx, rows).await })
                    .await?;
            for result in chunk_results {
                report.add(result);
            }
        }
        if done {
            break;
        }
    }
    Ok(report.finish())
}

/// A row as it arrived: the offering to write, or its rejection.
pub type Arrived = (i64, Result<PublishOffering, pb::OfferingImportResult>);

/// A row refused before it could be read as an offering.
pub fn refused(row_number: i64, course_code: &str, violations: Vec<FieldViolation>) -> Arrived {
    (
        row_number,
        Err(pb::OfferingImportResult {
            row_number,
            course_code: course_code.chars().take(ECHOED_CODE).collect(),
            outcome: pb::OfferingImportOutcome::Rejected as i32,
            offering_id: String::new(),
            violations: violations
                .into_iter()
                .map(|v| common::FieldViolation {
                    field: v.field,
                    description: v.description,
                })
                .collect(),
        }),
    )
}

/// Checks a row and the caller's right to write it: the offering, or its rejection.
pub fn arrive(
    ctx: &Context,
    caller: &Caller,
    row_number: i64,
    request: pb::PublishCourseOfferingRequest,
) -> Result<Arrived, ApiError> {
    let course_code = request.course_code.clone();
    let checked = commands::import_row(request, &ctx.packs)?.and_then(|data| {
        match authorise(caller, &data) {
            Ok(()) => Ok(data),
            Err(error) => Err(vec![FieldViolation {
                field: if caller.may_see_region(&data.region) {
                    "provider"
                } else {
                    "region"
                }
                .into(),
                description: error.to_string(),
            }]),
        }
    });
    Ok(match checked {
        Ok(data) => (row_number, Ok(data)),
        Err(violations) => refused(row_number, &course_code, violations),
    })
}

/// A course code echoed back in a result is cut to this many characters.
const ECHOED_CODE: usize = 100;

/// Writes the valid rows of a chunk in one transaction; every row's result, in order.
pub async fn import_chunk(
    ctx: &Context,
    rows: Vec<Arrived>,
) -> Result<Vec<pb::OfferingImportResult>, ApiError> {
    let mut results = Vec::with_capacity(rows.len());
    let mut valid = Vec::with_capacity(rows.len());
    for (row_number, arrived) in rows {
        match arrived {
            Ok(data) => valid.push((row_number, data)),
            Err(rejected) => results.push(rejected),
        }
    }
    let mut conn = ctx.pool.get().await?;
    let written = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let mut written = Vec::with_capacity(valid.len());
            for (row_number, data) in &valid {
                let (row, outcome) = store::upsert(conn, data).await?;
                let outcome = match outcome {
                    Upserted::Created => pb::OfferingImportOutcome::Created,
                    Upserted::Updated => pb::OfferingImportOutcome::Updated,
                    Upserted::Unchanged => pb::OfferingImportOutcome::Unchanged,
                };
                written.push(pb::OfferingImportResult {
                    row_number: *row_number,
                    course_code: data.course_code.to_string(),
                    outcome: outcome as i32,
                    offering_id: row.id.to_string(),
                    violations: Vec::new(),
                });
            }
            Ok(written)
        })
        .await?;
    results.extend(written);
    results.sort_by_key(|r| r.row_number);
    Ok(results)
}
