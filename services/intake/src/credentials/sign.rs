//! VC-JWT as Open Badges 3.0 §8.2 has it: the credential's JSON is the JWT payload,
//! with `iss` (the issuer's id), `jti` (the credential's id) and `nbf` (its validFrom)
//! beside it; the header names the key by a URL that serves it as a JWK (`kid`).
//! No `sub`: the subject has no id (it is named by an identity hash), and OB 3.0 asks
//! `sub` only for a subject's id.
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Header, Validation, errors::ErrorKind};
use serde_json::Value;

use super::keys::SigningKey;

/// The compact JWT of `credential`, signed RS256 with `key` (named by `kid`).
pub fn sign(credential: &Value, key: &SigningKey, kid: &str) -> anyhow::Result<String> {
    let mut payload = credential.clone();
    let valid_from = credential
        .get("validFrom")
        .and_then(Value::as_str)
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .ok_or_else(|| anyhow::anyhow!("a credential without validFrom"))?;
    payload["iss"] = issuer_id(credential).into();
    payload["jti"] = credential.get("id").cloned().unwrap_or(Value::Null);
    payload["nbf"] = valid_from.timestamp().into();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    Ok(jsonwebtoken::encode(&header, &payload, &key.encoding)?)
}

/// `issuer.id` (OB 3.0's issuer is a Profile), or a plain issuer IRI.
pub fn issuer_id(credential: &Value) -> String {
    match credential.get("issuer") {
        Some(Value::String(id)) => id.clone(),
        Some(profile) => profile
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        None => String::new(),
    }
}

/// The `kid` a token's header names, if it is readable at all.
pub fn key_id(jwt: &str) -> Result<Option<String>, String> {
    jsonwebtoken::decode_header(jwt)
        .map(|h| h.kid)
        .map_err(|_| "not a JWT".to_owned())
}

/// The payload, if the signature verifies with `key` and its `iss` is `issuer` and its
/// `nbf` has passed (a minute's leeway for clocks); otherwise why not.
pub fn verify(
    jwt: &str,
    key: &SigningKey,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_required_spec_claims(&["iss", "nbf"]);
    validation.set_issuer(&[issuer]);
    validation.validate_nbf = true;
    // A credential without validUntil does not expire; one with it has `exp`.
    validation.validate_exp = false;
    validation.leeway = 60;
    let payload = jsonwebtoken::decode::<Value>(jwt, &key.decoding, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => "signature does not verify".to_owned(),
            ErrorKind::ImmatureSignature => "not valid yet (nbf)".to_owned(),
            ErrorKind::InvalidIssuer => format!("iss is not {issuer}"),
            ErrorKind::InvalidAlgorithm => "not signed with RS256".to_owned(),
            ErrorKind::MissingRequiredClaim(claim) => format!("no {claim} claim"),
            _ => format!("not a valid JWT: {e}"),
        })?;
    if let Some(until) = date(&payload, "validUntil")
        && until < now
    {
        return Err("expired (validUntil has passed)".into());
    }
    Ok(payload)
}

/// A date-time member of a credential, if present and readable.
pub fn date(credential: &Value, name: &str) -> Option<DateTime<Utc>> {
    credential
        .get(name)
        .and_then(Value::as_str)
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|d| d.with_timezone(&Utc))
}
