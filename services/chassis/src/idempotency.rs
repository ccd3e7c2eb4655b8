//! AIP-155 request ids, one mechanism for every service: for a caller and a
//! `request_id`, the use case runs once inside its transaction and its response is
//! stored; a retry gets that response, and a reused id with a different request gets
//! `ALREADY_EXISTS` (`REQUEST_ID_REUSED`). A concurrent retry waits on the first
//! call's row lock and then replays its answer. The answer is replayed only to a token
//! of the same scope (roles, regions, organisation) as the first call's: a narrower
//! token of the same subject is refused, since the replay skips the handler's checks.
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{ApiError, auth::Caller};

diesel::table! {
    idempotent_requests (key) {
        key -> Text,
        method -> Text,
        request -> Bytea,
        response -> Nullable<Bytea>,
        about -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

/// Longest `request_id` accepted.
pub const MAX_REQUEST_ID: usize = 128;

/// A caller's retry key for one call: who, which method, which request.
#[derive(Debug, Clone)]
pub struct RequestKey {
    key: String,
    method: &'static str,
    request: Vec<u8>,
    about: Option<Uuid>,
}

impl RequestKey {
    /// `None` when the caller sent no `request_id` (the call is then not retry-safe).
    pub fn new(
        caller: &Caller,
        method: &'static str,
        request_id: &str,
        request: &impl prost::Message,
    ) -> Result<Option<RequestKey>, ApiError> {
        let Some(key) = crate::fields::scoped_request_id(caller, request_id)? else {
            return Ok(None);
        };
        // The caller's scope first, then the request: a replay compares both.
        let mut scoped = scope(caller);
        scoped.extend(request.encode_to_vec());
        Ok(Some(RequestKey {
            key,
            method,
            request: scoped,
            about: None,
        }))
    }

    /// Marks the call as concerning this participant, so their erasure forgets it.
    pub fn about(mut self, participant: Uuid) -> Self {
        self.about = Some(participant);
        self
    }
}

/// Runs `work` once per key, inside the transaction `conn` is in (open it around this
/// call, so the stored response commits with the effects): the first call's response is
/// stored; a retry returns it without running `work`.
pub async fn once<R, F>(
    conn: &mut AsyncPgConnection,
    key: Option<&RequestKey>,
    work: F,
) -> Result<R, ApiError>
where
    R: prost::Message + Default,
    F: AsyncFnOnce(&mut AsyncPgConnection) -> Result<R, ApiError>,
{
    let Some(key) = key else {
        return work(conn).await;
    };
    // Claim the key; a concurrent holder makes this wait until it commits or rolls back.
    let claimed = diesel::insert_into(idempotent_requests::table)
        .values((
            idempotent_requests::key.eq(&key.key),
            idempotent_requests::method.eq(key.method),
            idempotent_requests::request.eq(&key.request),
            idempotent_requests::about.eq(key.about),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if claimed == 0 {
        return replay(conn, key).await;
    }
    let response = work(conn).await?;
    diesel::update(idempotent_requests::table.find(&key.key))
        .set(idempotent_requests::response.eq(response.encode_to_vec()))
        .execute(conn)
        .await?;
    Ok(response)
}

async fn replay<R: prost::Message + Default>(
    conn: &mut AsyncPgConnection,
    key: &RequestKey,
) -> Result<R, ApiError> {
    let (method, request, response): (String, Vec<u8>, Option<Vec<u8>>) =
        idempotent_requests::table
            .find(&key.key)
            .select((
                idempotent_requests::method,
                idempotent_requests::request,
                idempotent_requests::response,
            ))
            .first(conn)
            .await?;
    if method == key.method && request != key.request && same_request(&request, &key.request) {
        return Err(ApiError::denied(
            "this request_id was first used with a token of another scope (roles, regions, \
             organisation): retry with that token, or send a new request_id",
        ));
    }
    if method != key.method || request != key.request {
        return Err(request_id_reused());
    }
    let response = response.ok_or_else(|| {
        ApiError::Unavailable("the first call with this request_id is still running".into())
    })?;
    R::decode(response.as_slice())
        .map_err(|error| ApiError::Unexpected(anyhow::anyhow!("stored response: {error}")))
}

/// What a token may do, as bytes ending in a separator no role, region or id holds.
fn scope(caller: &Caller) -> Vec<u8> {
    let mut roles: Vec<&str> = caller.roles.iter().map(|r| r.as_str()).collect();
    roles.sort_unstable();
    let mut regions: Vec<&str> = caller.regions.iter().map(String::as_str).collect();
    regions.sort_unstable();
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1e}",
        roles.join(","),
        regions.join(","),
        caller.organisation_id.as_deref().unwrap_or_default()
    )
    .into_bytes()
}

/// The same request under another scope: the parts after the scope are equal.
fn same_request(stored: &[u8], asked: &[u8]) -> bool {
    let body = |bytes: &[u8]| -> Option<Vec<u8>> {
        let at = bytes.iter().position(|b| *b == 0x1e)?;
        Some(bytes[at + 1..].to_vec())
    };
    matches!((body(stored), body(asked)), (Some(a), Some(b)) if a == b)
}

/// The answer when a request id comes back with a different request.
pub fn request_id_reused() -> ApiError {
    ApiError::exists(
        "REQUEST_ID_REUSED",
        "this request_id was used for a different request",
    )
}

/// Marks a call, once it knows whom it concerns, so that person's erasure forgets its
/// stored answer (use inside `once`).
pub async fn concerns(
    conn: &mut AsyncPgConnection,
    key: Option<&RequestKey>,
    participant: Uuid,
) -> QueryResult<()> {
    if let Some(key) = key {
        diesel::update(idempotent_requests::table.find(&key.key))
            .set(idempotent_requests::about.eq(participant))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Forgets the stored answers of calls about an erased participant.
pub async fn forget_about(conn: &mut AsyncPgConnection, participant: Uuid) -> QueryResult<usize> {
    diesel::delete(idempotent_requests::table.filter(idempotent_requests::about.eq(participant)))
        .execute(conn)
        .await
}

/// Deletes answers older than `hours` (retries come within minutes; AIP-155 asks
/// for a bounded window).
pub async fn prune(conn: &mut AsyncPgConnection, hours: u64) -> QueryResult<usize> {
    let cutoff = chrono::Utc::now()
        - chrono::Duration::hours(i64::try_from(hours).unwrap_or(i64::MAX / 3600));
    diesel::delete(idempotent_requests::table.filter(idempotent_requests::created_at.lt(cutoff)))
        .execute(conn)
        .await
}
