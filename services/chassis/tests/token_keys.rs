//! Tokens from a real identity provider: ES256 keys from a JWKS file, `aud` as a
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! string or an array, and a key rotation picked up without a restart.
use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use llo_chassis::{
    auth::{Authenticator, Refusal},
    settings::AuthSettings,
};
use serde_json::json;

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");

fn settings(jwks_file: &Path, unknown_key_refresh_seconds: u64) -> AuthSettings {
    AuthSettings {
        issuer: "https://idp.example.nl".into(),
        audience: "llo-suite".into(),
        jwks_file: Some(jwks_file.to_owned()),
        public_key_pem: None,
        public_key_algorithm: "ES256".into(),
        allow_development_tokens: false,
        jwks_refresh_seconds: 3_600,
        jwks_unknown_key_refresh_seconds: unknown_key_refresh_seconds,
    }
}

/// A token signed by the provider's key `a` or `b`, with the given `aud` claim.
fn token(key: &str, aud: serde_json::Value) -> String {
    let pem = std::fs::read(format!("{KEYS}/issuer-{key}.key.pem")).unwrap();
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(format!("key-{key}"));
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": "hr-system-lensink",
        "iss": "https://idp.example.nl",
        "aud": aud,
        "exp": now + 300,
        "iat": now,
        "roles": ["integrator"],
        "regions": ["achterhoek"],
    });
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_pem(&pem).unwrap()).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A JWKS file of this test's own, so that rotating it touches nothing else; removed
/// when the test ends.
struct JwksFile(std::path::PathBuf);

impl JwksFile {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for JwksFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn jwks_copy(key: &str) -> JwksFile {
    let path = std::env::temp_dir().join(format!("llo-jwks-{}.json", uuid::Uuid::new_v4()));
    std::fs::copy(format!("{KEYS}/issuer-{key}.jwks.json"), &path).unwrap();
    JwksFile(path)
}

#[test]
fn aud_may_be_a_string_or_an_array_that_holds_ours() {
    let jwks = jwks_copy("a");
    let auth = Authenticator::from_settings(&settings(jwks.path(), 10)).unwrap();
    for aud in [
        json!("llo-suite"),
        json!(["llo-suite"]),
        json!(["account", "llo-suite"]),
    ] {
        let caller = auth
            .authenticate(Some(&bearer(&token("a", aud.clone()))))
            .unwrap_or_else(|refusal| panic!("{aud}: {refusal:?}"));
        assert_eq!(caller.subject, "hr-system-lensink");
    }
    for aud in [json!("other"), json!(["account", "other"]), json!([])] {
        assert_eq!(
            auth.authenticate(Some(&bearer(&token("a", aud.clone())))),
            Err(Refusal::Unauthenticated),
            "{aud}"
        );
    }
}

#[test]
fn a_rotated_key_set_is_trusted_without_a_restart() {
    let jwks = jwks_copy("a");
    let auth = Authenticator::from_settings(&settings(jwks.path(), 0)).unwrap();
    let new_key_token = bearer(&token("b", json!("llo-suite")));
    assert_eq!(
        auth.authenticate(Some(&new_key_token)),
        Err(Refusal::Unauthenticated)
    );
    // The provider rotates: the mounted Secret now holds key b only.
    std::fs::copy(format!("{KEYS}/issuer-b.jwks.json"), jwks.path()).unwrap();
    assert!(auth.authenticate(Some(&new_key_token)).is_ok());
    // The retired key is no longer trusted once the set has been read again.
    let old_key_token = bearer(&token("a", json!("llo-suite")));
    assert_eq!(
        auth.authenticate(Some(&old_key_token)),
        Err(Refusal::Unauthenticated)
    );
}

#[test]
fn unknown_key_ids_do_not_make_every_call_read_the_file() {
    let jwks = jwks_copy("a");
    let auth = Authenticator::from_settings(&settings(jwks.path(), 3_600)).unwrap();
    std::fs::copy(format!("{KEYS}/issuer-b.jwks.json"), jwks.path()).unwrap();
    // Within the refresh interval the set is not read again, whatever key id comes.
    assert_eq!(
        auth.authenticate(Some(&bearer(&token("b", json!("llo-suite"))))),
        Err(Refusal::Unauthenticated)
    );
    assert!(
        auth.authenticate(Some(&bearer(&token("a", json!("llo-suite")))))
            .is_ok()
    );
}

#[test]
fn an_unreadable_key_set_keeps_the_keys_read_before() {
    let jwks = jwks_copy("a");
    let auth = Authenticator::from_settings(&settings(jwks.path(), 0)).unwrap();
    std::fs::write(jwks.path(), "not json").unwrap();
    // An unknown key id makes it read the file, which fails: key a stays trusted.
    assert_eq!(
        auth.authenticate(Some(&bearer(&token("b", json!("llo-suite"))))),
        Err(Refusal::Unauthenticated)
    );
    assert!(
        auth.authenticate(Some(&bearer(&token("a", json!("llo-suite")))))
            .is_ok()
    );
}
