//! `ImportParticipants`: rows stream in and are taken in chunks, each chunk in one
//! transaction, so a 10,000-row stream costs a few dozen round trips and holds at
//! most one chunk in memory. A bad row is rejected with its reasons; good rows go in;
//! a row whose external reference this importer sent before is not imported again.
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
};
use llo_proto::{common::v1 as common, intake::v1 as pb};
use tonic::{Status, Streaming};
use uuid::Uuid;

use super::{Context, commands};
use crate::{
    domain::commands::Participant,
    events,
    store::{
        organisations::{self, OrganisationRow},
        participants::{self, NewParticipant, Origin},
    },
};

pub const CHUNK_ROWS: usize = 500;

pub async fn import(
    ctx: Arc<Context>,
    caller: Caller,
    mut stream: Streaming<pb::ImportParticipantsRequest>,
) -> Result<pb::ImportParticipantsResponse, Status> {
    let mut response = pb::ImportParticipantsResponse::default();
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    let mut row_number = 0_i64;
    // References seen earlier in this stream, so a repeat inside one call is caught too.
    let mut seen: HashMap<String, String> = HashMap::new();
    loop {
        let next = stream.message().await?;
        let done = next.is_none();
        if let Some(row) = next {
            row_number += 1;
            chunk.push((row_number, row));
        }
        if chunk.len() >= CHUNK_ROWS || (done && !chunk.is_empty()) {
            let rows = std::mem::take(&mut chunk);
            let (ctx, caller, known) = (ctx.clone(), caller.clone(), seen.clone());
            // Each chunk runs to its end even if the client goes away mid-stream.
            let results = llo_chassis::call::run_to_end(async move {
                import_chunk(&ctx, &caller, rows, &known).await
            })
            .await?;
            for result in results {
                match pb::ImportOutcome::try_from(result.outcome) {
                    Ok(pb::ImportOutcome::Created) => response.created_count += 1,
                    Ok(pb::ImportOutcome::AlreadyImported) => response.already_imported_count += 1,
                    _ => response.rejected_count += 1,
                }
                if !result.participant_id.is_empty() {
                    seen.insert(
                        result.external_reference.clone(),
                        result.participant_id.clone(),
                    );
                }
                response.results.push(result);
            }
        }
        if done {
            break;
        }
    }
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
    reference: String,
    organisation: OrganisationRow,
    participant: Participant,
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
    reference: &str,
    outcome: pb::ImportOutcome,
    id: &str,
) -> pb::ImportRowResult {
    pb::ImportRowResult {
        row_number,
        external_reference: reference.to_owned(),
        outcome: outcome as i32,
        participant_id: id.to_owned(),
        violations: Vec::new(),
    }
}

async fn import_chunk(
    ctx: &Context,
    caller: &Caller,
    rows: Vec<(i64, pb::ImportParticipantsRequest)>,
    seen: &HashMap<String, String>,
) -> Result<Vec<pb::ImportRowResult>, ApiError> {
    let mut conn = ctx.pool.get().await?;
    let mut results: Vec<pb::ImportRowResult> = Vec::with_capacity(rows.len());
    let mut organisations_seen: HashMap<Uuid, Option<OrganisationRow>> = HashMap::new();
    let mut candidates = Vec::with_capacity(rows.len());
    let mut references_in_chunk: HashSet<String> = HashSet::new();
    for (row_number, row) in rows {
        let reference = row.external_reference.trim().to_owned();
        if let Some(id) = seen.get(&reference) {
            results.push(done(
                row_number,
                &reference,
                pb::ImportOutcome::AlreadyImported,
                id,
            ));
            continue;
        }
        let parsed = commands::import_row(&row);
        let mut violations = match &parsed {
            Ok(_) => Vec::new(),
            Err(ApiError::InvalidArgument(violations)) => violations.clone(),
            Err(other) => return Err(anyhow::anyhow!("import row: {other}").into()),
        };
        let mut violate = |field: &str, description: &str| {
            violations.push(FieldViolation {
                field: field.into(),
                description: description.into(),
            })
        };
        if !reference.is_empty() && !references_in_chunk.insert(reference.clone()) {
            violate("external_reference", "appears twice in this import");
        }
        // Looked up even when other fields are bad, so the row names every problem.
        let organisation = match check_id(&row.organisation_id) {
            Ok(id) => {
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
            Err(_) => None,
        };
        match (parsed, organisation) {
            (Ok(row), Some(organisation)) if violations.is_empty() => candidates.push(Candidate {
                row_number,
                reference: row.external_reference.into_string(),
                organisation,
                participant: row.participant,
            }),
            _ => results.push(rejected(row_number, &reference, violations)),
        }
    }
    let source = caller.subject.clone();
    let written = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let mut results = Vec::with_capacity(candidates.len());
            let references: Vec<&str> = candidates.iter().map(|c| c.reference.as_str()).collect();
            let imported: HashMap<String, Uuid> =
                participants::imported(conn, &source, &references)
                    .await?
                    .into_iter()
                    .collect();
            let pairs: Vec<(Uuid, &str)> = candidates
                .iter()
                .map(|c| (c.organisation.id, c.participant.email.as_str()))
                .collect();
            let mut taken: HashSet<(Uuid, String)> = participants::emails_in(conn, &pairs)
                .await?
                .into_iter()
                .collect();
            let mut fresh: Vec<(&Candidate, Uuid)> = Vec::new();
            for candidate in &candidates {
                if let Some(id) = imported.get(&candidate.reference) {
                    results.push(done(
                        candidate.row_number,
                        &candidate.reference,
                        pb::ImportOutcome::AlreadyImported,
                        &id.to_string(),
                    ));
                } else if !taken.insert((
                    candidate.organisation.id,
                    candidate.participant.email.as_str().to_owned(),
                )) {
                    let violation = FieldViolation {
                        field: "email".into(),
                        description: "is already enrolled in the organisation".into(),
                    };
                    results.push(rejected(
                        candidate.row_number,
                        &candidate.reference,
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
                        request_id: None,
                        import_source: Some(&source),
                        external_reference: Some(&c.reference),
                    };
                    NewParticipant::new(*id, c.organisation.id, &c.participant, &origin)
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
                    OutboxEvent::of(
                        &c.organisation.region,
                        &events::participant_enrolled(row, &c.organisation.region),
                    )
                })
                .collect();
            record_all(conn, &outbox).await?;
            for (candidate, id) in &fresh {
                results.push(done(
                    candidate.row_number,
                    &candidate.reference,
                    pb::ImportOutcome::Created,
                    &id.to_string(),
                ));
            }
            Ok(results)
        })
        .await?;
    results.extend(written);
    results.sort_by_key(|r| r.row_number);
    Ok(results)
}
