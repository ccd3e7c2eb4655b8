//! ListCredentials, VerifyCredential and RevokeCredential: a learner's Open Badges 3.0
//! credentials, a check of one, and its revocation (the bit in the region's status list).
use chrono::Utc;
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use llo_chassis::{
    ApiError,
    auth::Caller,
    fields::{Fields, Text, check_id},
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::intake::v1 as pb;
use serde_json::Value;

use super::{Context, mapping, parse_id, visible_participant};
use crate::{
    credentials::{Issuer, sign},
    store::credentials::{self as store, CredentialRow},
};

/// The longest token VerifyCredential reads (a credential is a few kilobytes).
const MAX_JWT_CHARS: usize = 65_536;

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListCredentialsRequest,
) -> Result<pb::ListCredentialsResponse, ApiError> {
    let id = parse_id("participant_id", &request.participant_id)?;
    let page = Page::from_request(request.page_size, &request.page_token)?;
    let mut conn = ctx.pool.get().await?;
    // The same callers as GetParticipant, scoped the same way.
    visible_participant(&mut conn, caller, id).await?;
    let rows = store::of_participant(&mut conn, id, page.after, page.fetch_limit()).await?;
    let (rows, next_page_token) = page.finish(rows, |r| r.id);
    Ok(pb::ListCredentialsResponse {
        credentials: rows.iter().map(credential).collect(),
        next_page_token,
    })
}

pub async fn verify(
    ctx: &Context,
    _caller: &Caller,
    request: pb::VerifyCredentialRequest,
) -> Result<pb::VerifyCredentialResponse, ApiError> {
    let mut fields = Fields::new();
    let jwt = fields.take("jwt", Text::<MAX_JWT_CHARS>::required(&request.jwt));
    let jwt = fields.finish((jwt,))?.0;
    let jwt = jwt.as_str();
    let Some(issuer) = &ctx.issuer else {
        return Err(ApiError::precondition(
            "CREDENTIALS_NOT_CONFIGURED",
            "this intake issues no credentials (credentials.keys_dir is not set)",
        ));
    };
    let mut conn = ctx.pool.get().await?;
    check(&mut conn, issuer, jwt).await
}

/// Signature, issuer, validity time and revocation, each failure a reason.
async fn check(
    conn: &mut AsyncPgConnection,
    issuer: &Issuer,
    jwt: &str,
) -> Result<pb::VerifyCredentialResponse, ApiError> {
    let mut answer = pb::VerifyCredentialResponse::default();
    let refused = |mut answer: pb::VerifyCredentialResponse, reason: String| {
        answer.reasons.push(reason);
        Ok(answer)
    };
    let kid = match sign::key_id(jwt) {
        Ok(Some(kid)) => kid,
        Ok(None) => return refused(answer, "the header names no key (kid)".into()),
        Err(reason) => return refused(answer, reason),
    };
    answer.key_id = kid.clone();
    let Some((region, name)) = issuer.urls.parse_key(&kid) else {
        return refused(
            answer,
            format!("signed with a key of another issuer: {kid}"),
        );
    };
    let Some(key) = issuer.key(&region, &name) else {
        return refused(
            answer,
            format!("signed with a key this issuer does not hold: {kid}"),
        );
    };
    let issuer_id = issuer.urls.issuer(&region);
    let now = Utc::now();
    let payload = match sign::verify(jwt, &key, &issuer_id, now) {
        Ok(payload) => payload,
        Err(reason) => return refused(answer, reason),
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    answer.issuer = sign::issuer_id(&payload);
    answer.credential_id = text(payload.get("id"))
        .trim_start_matches("urn:uuid:")
        .to_owned();
    answer.achievement_name = text(
        payload
            .pointer("/credentialSubject/achievement/name")
            .or(payload.get("name")),
    );
    let valid_from = sign::date(&payload, "validFrom");
    answer.valid_from = valid_from.map(mapping::timestamp);
    if answer.issuer != issuer_id {
        answer.reasons.push(format!("issuer.id is not {issuer_id}"));
    }
    if payload.get("jti") != payload.get("id") {
        answer.reasons.push("jti is not the credential's id".into());
    }
    let types = payload.get("type").and_then(Value::as_array);
    if !types.is_some_and(|t| t.iter().any(|t| t == "OpenBadgeCredential")) {
        answer.reasons.push("not an OpenBadgeCredential".into());
    }
    match valid_from {
        Some(from) if from > now + chrono::Duration::seconds(60) => {
            answer.reasons.push("not valid yet (validFrom)".into())
        }
        Some(_) => {}
        None => answer.reasons.push("no readable validFrom".into()),
    }
    answer.revoked = revoked(conn, &region, &payload, &mut answer.reasons).await?;
    answer.valid = answer.reasons.is_empty();
    Ok(answer)
}

/// Whether the status list entry the credential names is set; a credential whose entry
/// is not this region's list gets a reason.
async fn revoked(
    conn: &mut AsyncPgConnection,
    region: &str,
    payload: &Value,
    reasons: &mut Vec<String>,
) -> Result<bool, ApiError> {
    let status = payload.get("credentialStatus");
    let list = status
        .and_then(|s| s.get("statusListCredential"))
        .and_then(Value::as_str);
    let index = status
        .and_then(|s| s.get("statusListIndex"))
        .and_then(Value::as_str)
        .and_then(|i| i.parse::<i32>().ok());
    let (Some(_), Some(index)) = (list, index) else {
        reasons.push("no readable credentialStatus".into());
        return Ok(false);
    };
    // The list is this issuer's: the signature vouches for the URL it names.
    let row = store::at_index(conn, region, index).await?;
    let revoked = row.is_some_and(|r| r.revoked_at.is_some());
    if revoked {
        reasons.push("revoked by the issuer".into());
    }
    Ok(revoked)
}

pub async fn revoke(
    ctx: &Context,
    caller: &Caller,
    request: pb::RevokeCredentialRequest,
) -> Result<pb::RevokeCredentialResponse, ApiError> {
    let key = RequestKey::new(caller, "RevokeCredential", &request.request_id, &request)?;
    let mut fields = Fields::new();
    let id = fields.take("credential_id", check_id(&request.credential_id));
    let reason = fields.take("reason", Text::<2_000>::optional(&request.reason));
    let (id, reason) = fields.finish((id, reason))?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let not_found = || ApiError::not_found(format!("credential {id}"));
            let row = store::find_for_update(conn, id)
                .await?
                .ok_or_else(not_found)?;
            if !caller.may_see_region(&row.region) {
                return Err(not_found());
            }
            // Revoking twice changes nothing: the first revocation stands.
            let row = match row.revoked_at {
                Some(_) => row,
                None => store::revoke(conn, id, reason.as_str()).await?,
            };
            Ok(pb::RevokeCredentialResponse {
                credential: Some(credential(&row)),
            })
        })
        .await
    })
    .await
}

fn credential(row: &CredentialRow) -> pb::Credential {
    pb::Credential {
        credential_id: row.id.to_string(),
        participant_id: row
            .participant_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        activity_id: row.activity_id.to_string(),
        region: row.region.clone(),
        achievement_name: row.achievement_name.clone(),
        issue_time: Some(mapping::timestamp(row.issue_time)),
        revoked: row.revoked_at.is_some(),
        revoke_time: row.revoked_at.map(mapping::timestamp),
        jwt: row.jwt.clone().unwrap_or_default(),
        status_list_index: row.status_index,
    }
}
