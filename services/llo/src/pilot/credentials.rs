//! The Open Badges 3.0 credentials intake issued for the pilot's completed courses: each
//! participant's, listed (ListCredentials), checked by intake (VerifyCredential) and, as a
//! holder's verifier would, with a standard JWT library against the issuer's JWKS fetched
//! over HTTP.
use std::{collections::HashMap, time::Duration};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use llo_proto::intake::v1 as pb;
use tonic::Code;

use super::{Enrolled, needs::Intake};

/// How long the pilot waits for the next credential while fewer are issued than the
/// courses earned (intake issues as it consumes the completions).
const QUIET_FOR: Duration = Duration::from_secs(15);

/// What the pilot's people hold.
pub struct Found {
    /// Courses completed with a credential.
    pub earned: usize,
    pub issued: usize,
    pub valid: usize,
    pub verified_over_jwks: usize,
    pub jwks_url: String,
}

/// Waits until at least `expected` credentials are issued, then checks each. `None` when
/// this intake issues none (no `credentials.keys_dir`).
pub async fn check(
    intake: &mut Intake,
    enrolled: &[Enrolled<'_>],
    expected: usize,
) -> anyhow::Result<Option<Found>> {
    let probe = intake
        .verify_credential(pb::VerifyCredentialRequest {
            jwt: "not.a.jwt".into(),
        })
        .await;
    if matches!(&probe, Err(status) if status.code() == Code::FailedPrecondition) {
        return Ok(None);
    }
    probe?;
    let people: Vec<&str> = enrolled
        .iter()
        .flat_map(|e| e.people.iter().map(|p| p.participant_id.as_str()))
        .collect();
    // Until all are there, or none came for a while: courses completed before this intake
    // had keys (an earlier run on the same databases) earn none afterwards.
    let mut last_change = std::time::Instant::now();
    let mut seen = 0;
    let credentials = loop {
        let held = held(intake, &people).await?;
        if held.len() != seen {
            seen = held.len();
            last_change = std::time::Instant::now();
        }
        if held.len() >= expected || last_change.elapsed() > QUIET_FOR {
            break held;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let mut found = Found {
        earned: expected,
        issued: credentials.len(),
        valid: 0,
        verified_over_jwks: 0,
        jwks_url: String::new(),
    };
    let mut key_sets: HashMap<String, JwkSet> = HashMap::new();
    for credential in &credentials {
        let answer = intake
            .verify_credential(pb::VerifyCredentialRequest {
                jwt: credential.jwt.clone(),
            })
            .await?
            .into_inner();
        if answer.valid {
            found.valid += 1;
        }
        let jwks_url = format!("{}/jwks.json", answer.issuer);
        if !key_sets.contains_key(&jwks_url) {
            // A suite elsewhere may publish its keys where this machine does not reach:
            // then nothing verifies over JWKS, and the line says so by its count.
            let set = fetch(&jwks_url).await.unwrap_or_else(|error| {
                say!("  the JWKS at {jwks_url} is out of reach: {error:#}");
                JwkSet { keys: Vec::new() }
            });
            key_sets.insert(jwks_url.clone(), set);
        }
        if let Some(set) = key_sets.get(&jwks_url)
            && verifies(&credential.jwt, set, &answer.issuer)
        {
            found.verified_over_jwks += 1;
        }
        found.jwks_url = jwks_url;
    }
    Ok(Some(found))
}

async fn fetch(url: &str) -> anyhow::Result<JwkSet> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    Ok(client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Every credential the people hold, every page.
async fn held(intake: &mut Intake, people: &[&str]) -> anyhow::Result<Vec<pb::Credential>> {
    let mut all = Vec::new();
    for participant in people {
        let mut page_token = String::new();
        loop {
            let page = intake
                .list_credentials(pb::ListCredentialsRequest {
                    participant_id: (*participant).to_owned(),
                    page_size: 100,
                    page_token,
                })
                .await?
                .into_inner();
            all.extend(page.credentials);
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
    }
    Ok(all)
}

/// RS256 against the key the token's header names, as any JWT library checks it.
fn verifies(jwt: &str, set: &JwkSet, issuer: &str) -> bool {
    let Some(key) = jsonwebtoken::decode_header(jwt)
        .ok()
        .and_then(|h| h.kid)
        .and_then(|kid| set.find(&kid).cloned())
        .and_then(|jwk| DecodingKey::from_jwk(&jwk).ok())
    else {
        return false;
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["iss", "nbf"]);
    validation.validate_exp = false;
    jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation).is_ok()
}
