//! `ImportParticipants`: each row is parsed as it arrives (its raw message is dropped
//! at once), rows are written in chunks of [`CHUNK_ROWS`], each chunk in one
//! transaction, so a stream of any length holds at most one chunk of parsed rows.
//! A bad row is rejected with its reasons; good rows go in; a row whose organisation
//! and external reference this importer sent before is not imported again.
//!
//! The answer is bounded too (`llo_chassis::import`): counts cover every row, results
//! every row of the first thousand and after those only rows that were not created;
//! `omitted_result_count` says how many rows have no result (their participants are
//! listed by ListParticipants with their external reference).
use std::{
    collections::{HashMap, HashSet, hash_map::Entry},
    sync::Arc,
};

use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, FieldViolation,
    auth::Caller,
    bus::{OutboxEvent, record_all},
    fields::check_id,
    import::BoundedResults,
};
use llo_proto::{common::v1 as common, intake::v1 as pb};
use tonic::{Status, Streaming};
use uuid::Uuid;

use super::{Context, commands};
use crate::{
    domain::commands::{ExternalReference, ImportRow},
    events,
    store::{
        organisations::{self, OrganisationRow},
        participants::{self, NewParticipant, Origin},
    },
};

pub const CHUNK_ROWS: usize = 500;
/// A stream that has created this many participants refreshes the table's planner
/// statistics: each chunk looks up its keys, and a plan made for the table's size
/// before a large import scans what the import added (quadratic time) instead of
/// using the whole index. Autovacuum would do it too, but later, or not at all where
/// it is off.
const ANALYZE_EVERY: usize = 20_000;

async fn refresh_statistics(ctx: &Context) {
    match ctx.pool.get().await {
        Ok(mut conn) => {
            if let Err(error) = participants::analyze(&mut conn).await {
                tracing::warn!(%error, "import: refreshing the statistics failed");
            }
        }
        Err(error) => tracing::warn!(%error, "import: no connection to refresh the statistics"),
    }
}
/// A reference echoed back in a result is cut to this many characters.
const ECHOED_REFERENCE: usize = 128;

/// A row as it arrived: parsed, or the violations that reject it.
struct Arrived {
    row_number: i64,
    /// Trimmed and cut to [`ECHOED_REFERENCE`] characters.
    reference: String,
    /// Looked up even when other fields are bad, so the row names every problem.
    organisation_id: Option<Uuid>,
    parsed: Result<ImportRow, Vec<FieldViolation>>,
}

fn arrive(row_number: i64, row: &pb::ImportParticipantsRequest) -> Result<Arrived, ApiError> {
    let parsed = match commands::import_row(row) {
        Ok(parsed) => Ok(parsed),
        Err(ApiError::InvalidArgument(violations)) => Err(violations),
        Err(other) => return Err(other),
    };
    Ok(Arrived {
        row_number,
        reference: row
            .external_reference
            .trim()
            .chars()
            .take(ECHOED_REFERENCE)
            .collect(),
        organisation_id: check_id(&row.organisation_id).ok(),
        parsed,
    })
}

pub async fn import(
    ctx: Arc<Context>,
    caller: Caller,
    mut stream: Streaming<pb::ImportParticipantsRequest>,
) -> Result<pb::ImportParticipantsResponse, Status> {
    let mut response = pb::ImportParticipantsResponse::default();
    let mut results = BoundedResults::default();
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    let mut row_number = 0_i64;
    let mut created_since_analyze = 0;
    loop {
        let next = stream.message().await?;
        let done = next.is_none();
        if let Some(row) = next {
            row_number += 1;
            chunk.push(arrive(row_number, &row)?);
        }
        if created_since_analyze >= ANALYZE_EVERY {
            refresh_statistics(&ctx).await;
            created_since_analyze = 0;
        }
        if chunk.len() >= CHUNK_ROWS || (done && !chunk.is_empty()) {
            let rows = std::mem::take(&mut chunk);
            let (ctx, caller) = (ctx.clone(), caller.clone());
            // Each chunk runs to its end even if the client goes away mid-stream.
            let chunk_results =
                llo_chassis::call::run_to_end(
                    async move { import_chunk(&ctx, &caller, rows).await },
                )
                .await?;
            for result in chunk_results {
                let outcome = pb::ImportOutcome::try_from(result.outcome);
                match outcome {
                    Ok(pb::ImportOutcome::Created) => {
                        response.created_count += 1;
                        created_since_analyze += 1;
                    }
                    Ok(pb::ImportOutcome::AlreadyImported) => response.already_imported_count += 1,
                    _ => response.rejected_count += 1,
                }
                let noteworthy = outcome != Ok(pb::ImportOutcome::Created);
                results.add(result.row_number, noteworthy, result);
            }
        }
        if done {
            break;
        }
    }
    (response.results, response.omitted_result_count) = results.finish();
    tracing::debug!(
        created = response.created_count,
        already_imported = response.already_imported_count,
        rejected = response.rejected_count,
        "participants imported"
    );
    Ok(response)
}

struct Candidate {
    row_number: i64,
    organisation: OrganisationRow,
    row: ImportRow,
}

fn rejected(
    row_number: i64,
    reference: &str,
    violations: Vec<FieldViolation>,
) -> pb::ImportRowResult {
    pb::ImportRowResult {
        row_number,
        external_reference: reference.to_owned(),
        outcome: pb::ImportOutcome::Rejected as i32,
        participant_id: String::new(),
        violations: violations
            .into_iter()
            .map(|v| common::FieldViolation {
                field: v.field,
                description: v.description,
            })
            .collect(),
    }
}

fn done(
    row_number: i64,
    reference: &ExternalReference,
    outcome: pb::ImportOutcome,
    id: Uuid,
) -> pb::ImportRowResult {
    pb::ImportRowResult {
        row_number,
        external_reference: reference.to_string(),
        outcome: outcome as i32,
        participant_id: id.to_string(),
        violations: Vec::new(),
    }
}

async fn import_chunk(
    ctx: &Context,
    caller: &Caller,
    rows: Vec<Arrived>,
) -> Result<Vec<pb::ImportRowResult>, ApiError> {
    let mut conn = ctx.pool.get().await?;
    let mut results: Vec<pb::ImportRowResult> = Vec::with_capacity(rows.len());
    let mut organisations_seen: HashMap<Uuid, Option<OrganisationRow>> = HashMap::new();
    let mut candidates = Vec::with_capacity(rows.len());
    let mut keys_in_chunk: HashSet<(Option<Uuid>, String)> = HashSet::new();
    for arrived in rows {
        let mut violations = match &arrived.parsed {
            Ok(_) => Vec::new(),
            Err(violations) => violations.clone(),
        };
        let mut violate = |field: &str, description: &str| {
            violations.push(FieldViolation {
                field: field.into(),
                description: description.into(),
            })
        };
        let key = (arrived.organisation_id, arrived.reference.clone());
        if !arrived.reference.is_empty() && !keys_in_chunk.insert(key) {
            violate("external_reference", "appears twice in this import");
        }
        let organisation = match arrived.organisation_id {
            Some(id) => {
                if let Entry::Vacant(slot) = organisations_seen.entry(id) {
                    let found = organisations::find(&mut conn, id)
                        .await?
                        .filter(|o| caller.may_see_organisation(&o.region, &o.id.to_string()));
                    slot.insert(found);
                }
                let found = organisations_seen.get(&id).cloned().flatten();
                if found.is_none() {
                    violate("organisation_id", "no such organisation");
                }
                found
            }
            None => None,
        };
        match (arrived.parsed, organisation) {
            (Ok(row), Some(organisation)) if violations.is_empty() => candidates.push(Candidate {
                row_number: arrived.row_number,
                organisation,
                row,
            }),
            _ => results.push(rejected(arrived.row_number, &arrived.reference, violations)),
        }
    }
    let source = caller.subject.clone();
    let written = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let mut results = Vec::with_capacity(candidates.len());
            let keys: Vec<(Uuid, &str)> = candidates
                .iter()
                .map(|c| (c.organisation.id, c.row.external_reference.as_str()))
                .collect();
            // The import key: this importer, the organisation and its reference.
            let imported: HashMap<(Uuid, String), Uuid> =
                participants::imported(conn, &source, &keys)
                    .await?
                    .into_iter()
                    .map(|(organisation, reference, id)| ((organisation, reference), id))
                    .collect();
            let pairs: Vec<(Uuid, &str)> = candidates
                .iter()
                .map(|c| (c.organisation.id, c.row.participant.email.as_str()))
                .collect();
            let mut taken: HashSet<(Uuid, String)> = participants::emails_in(conn, &pairs)
                .await?
                .into_iter()
                .collect();
            let mut fresh: Vec<(&Candidate, Uuid)> = Vec::new();
            for candidate in &candidates {
                let key = (
                    candidate.organisation.id,
                    candidate.row.external_reference.to_string(),
                );
                if let Some(id) = imported.get(&key) {
                    results.push(done(
                        candidate.row_number,
                        &candidate.row.external_reference,
                        pb::ImportOutcome::AlreadyImported,
                        *id,
                    ));
                } else if !taken.insert((
                    candidate.organisation.id,
                    candidate.row.participant.email.as_str().to_owned(),
                )) {
                    let violation = FieldViolation {
                        field: "email".into(),
                        description: "is already enrolled in the organisation".into(),
                    };
                    results.push(rejected(
                        candidate.row_number,
                        candidate.row.external_reference.as_str(),
                        vec![violation],
                    ));
                } else {
                    fresh.push((candidate, Uuid::now_v7()));
                }
            }
            if fresh.is_empty() {
                return Ok(results);
            }
            let new_rows: Vec<NewParticipant<'_>> = fresh
                .iter()
                .map(|(c, id)| {
                    let origin = Origin {
                        import_source: Some(&source),
                        external_reference: Some(c.row.external_reference.as_str()),
                    };
                    NewParticipant::new(*id, c.organisation.id, &c.row.participant, &origin)
                })
                .collect();
            let mut inserted = Vec::with_capacity(new_rows.len());
            // Stay well under PostgreSQL's bind-parameter limit.
            for part in new_rows.chunks(1_000) {
                inserted.extend(participants::insert(conn, part).await.map_err(|e| {
                    match crate::store::unique_violation(&e) {
                        Some(_) => ApiError::Unavailable(
                            "a concurrent import wrote the same rows; retry".into(),
                        ),
                        None => e.into(),
                    }
                })?);
            }
            let outbox: Vec<OutboxEvent> = inserted
                .iter()
                .zip(&fresh)
                .map(|(row, (c, _))| {
                    OutboxEvent::of(&events::participant_enrolled(row, &c.organisation.region))
                })
                .collect();
            record_all(conn, &outbox).await?;
            for (candidate, id) in &fresh {
                results.push(done(
                    candidate.row_number,
                    &candidate.row.external_reference,
                    pb::ImportOutcome::Created,
                    *id,
                ));
            }
            Ok(results)
        })
        .await?;
    results.extend(written);
    results.sort_by_key(|r| r.row_number);
    Ok(results)
}
