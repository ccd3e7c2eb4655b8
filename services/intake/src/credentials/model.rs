//! The Open Badges 3.0 `OpenBadgeCredential` (W3C VC 2.0 data model) of a completed
//! learning activity, as JSON. Pure: no keys, no I/O.
//!
//! The learner is named only by a salted hash of their e-mail address (an OB 3.0
//! `IdentityObject`): no name or address leaves intake in a credential.
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::Urls;

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// What a credential says, gathered from the completion event and the participant.
pub struct Award<'a> {
    pub credential_id: Uuid,
    pub activity_id: Uuid,
    pub region: &'a str,
    /// The region pack's programme name: the issuer's name.
    pub programme: &'a str,
    pub email: &'a str,
    pub salt: &'a str,
    pub achievement_name: &'a str,
    pub title: &'a str,
    pub provider: &'a str,
    /// Who awarded it, as the provider reported; named as the achievement's creator.
    pub awarded_by: &'a str,
    /// The provider's page of the credential; the achievement's id when given.
    pub credential_url: &'a str,
    pub esco_skill_uris: &'a [String],
    pub hours: i32,
    pub completed_at: DateTime<Utc>,
    pub status_index: i32,
}

/// `sha256$<hex>` of the address (trimmed, lower case: as it was enrolled, whatever its
/// case) followed by the salt, as OB 3.0's `IdentityHash` defines it.
pub fn identity_hash(email: &str, salt: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(email.trim().to_lowercase().as_bytes());
    hasher.update(salt.as_bytes());
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256${hex}")
}

/// A fresh salt per credential, so two credentials of one person cannot be linked by
/// their hashes.
pub fn new_salt() -> String {
    Uuid::new_v4().simple().to_string()
}

/// RFC 3339 in UTC with seconds, as VC 2.0's `validFrom` takes it.
pub fn date_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The issuer: the region's programme.
pub fn issuer_profile(urls: &Urls, region: &str, programme: &str) -> Value {
    json!({
        "id": urls.issuer(region),
        "type": ["Profile"],
        "name": programme,
    })
}

/// The credential's JSON (the VC-JWT's payload before its registered claims).
pub fn credential(urls: &Urls, award: &Award<'_>) -> Value {
    let issuer = urls.issuer(award.region);
    let achievement_id = if award.credential_url.is_empty() {
        format!("urn:uuid:{}", award.activity_id)
    } else {
        award.credential_url.to_owned()
    };
    let mut achievement = json!({
        "id": achievement_id,
        "type": ["Achievement"],
        "name": award.achievement_name,
        "description": description(award),
        "criteria": { "narrative": narrative(award) },
    });
    if !award.awarded_by.is_empty() {
        achievement["creator"] = json!({
            "id": format!("{issuer}/providers/{}", slug(award.awarded_by)),
            "type": ["Profile"],
            "name": award.awarded_by,
        });
    }
    if !award.esco_skill_uris.is_empty() {
        achievement["alignment"] = award
            .esco_skill_uris
            .iter()
            .map(|uri| alignment(uri))
            .collect();
    }
    json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": format!("urn:uuid:{}", award.credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(urls, award.region, award.programme),
        "validFrom": date_time(award.completed_at),
        "name": award.achievement_name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": true,
                "identityHash": identity_hash(award.email, award.salt),
                "salt": award.salt,
            }],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": format!("{}#{}", urls.status_list(award.region), award.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            // A string, as the Bitstring Status List data model has it.
            "statusListIndex": award.status_index.to_string(),
            "statusListCredential": urls.status_list(award.region),
        },
    })
}

/// An ESCO skill the offering names, as an OB 3.0 `Alignment` (an extension target type:
/// OB 3.0's own list has no ESCO entry).
fn alignment(uri: &str) -> Value {
    json!({
        "type": ["Alignment"],
        "targetName": skill_name(uri),
        "targetUrl": uri,
        "targetFramework": "ESCO",
        "targetType": "ext:ESCOSkill",
    })
}

/// The skill's code from its URI (the catalogue keeps URIs only; the label lives in ESCO).
fn skill_name(uri: &str) -> String {
    let code = uri.rsplit('/').next().unwrap_or(uri);
    format!("ESCO skill {code}")
}

fn description(award: &Award<'_>) -> String {
    match award.provider.is_empty() {
        true => format!("{} afgerond.", award.title),
        false => format!("{} afgerond bij {}.", award.title, award.provider),
    }
}

fn narrative(award: &Award<'_>) -> String {
    let mut text = format!(
        "De leeractiviteit \"{}\" is afgerond op {}",
        award.title,
        award.completed_at.format("%Y-%m-%d")
    );
    if !award.provider.is_empty() {
        text.push_str(&format!(" bij {}", award.provider));
    }
    if award.hours > 0 {
        text.push_str(&format!(", {} uur", award.hours));
    }
    text.push('.');
    text
}

/// Lower-case letters and digits, the rest as single dashes: a URL path segment.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_hash_is_sha256_of_the_address_and_the_salt() {
        assert_eq!(
            identity_hash(" A@b.nl ", "salt"),
            identity_hash("a@b.nl", "salt")
        );
        // printf 'a@b.nlsalt' | sha256sum
        assert_eq!(
            identity_hash("a@b.nl", "salt"),
            "sha256$f7c85649cc4237794288bf70676c4f7849a0e262c58717dc40439927a74cdb8f"
        );
        assert_ne!(
            identity_hash("a@b.nl", "salt"),
            identity_hash("a@b.nl", "pepper")
        );
    }

    #[test]
    fn slugs_are_path_segments() {
        assert_eq!(slug("Graafschap College"), "graafschap-college");
        assert_eq!(slug("  ROC  (Twente) "), "roc-twente");
    }
}
