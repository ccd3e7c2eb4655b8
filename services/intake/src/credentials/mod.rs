//! Open Badges 3.0 credentials for completed learning, issued here because intake holds
//! the person's data (the credential names them by a salted hash only). See
//! docs/credentials.md.
//!
//! `model` builds the credential, `sign` makes and checks VC-JWTs, `keys` reads the
//! region's keys, `status` the revocation list, `http` the public surface verifiers read.
pub mod http;
pub mod keys;
pub mod model;
pub mod sign;
pub mod status;

use std::{
    path::PathBuf,
    sync::{Arc, PoisonError, RwLock},
    time::{Duration, Instant},
};

use llo_chassis::Settings;

use self::keys::{Keyring, SigningKey};

/// Where a verifier finds what a credential refers to: every URL starts with
/// `credentials.public_base_url`.
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
}

impl Urls {
    pub fn new(base: &str) -> Urls {
        Urls {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The region's issuer profile: the credentials' `issuer.id` and JWT `iss`.
    pub fn issuer(&self, region: &str) -> String {
        format!("{}/issuers/{region}", self.base)
    }

    /// The region's public keys (JWKS).
    pub fn jwks(&self, region: &str) -> String {
        format!("{}/jwks.json", self.issuer(region))
    }

    /// One key as a JWK: the `kid` of what it signs (OB 3.0: a URL that serves the key).
    pub fn key(&self, region: &str, name: &str) -> String {
        format!("{}/keys/{name}", self.issuer(region))
    }

    /// One credential, signed (`/credentials/{id}`): the link its holder is sent.
    pub fn credential(&self, id: uuid::Uuid) -> String {
        format!("{}/credentials/{id}", self.base)
    }

    /// The region's revocation status list credential.
    pub fn status_list(&self, region: &str) -> String {
        format!("{}/status/{region}", self.base)
    }

    /// The region and key name a `kid` of this issuer names; `None` for anyone else's.
    pub fn parse_key(&self, kid: &str) -> Option<(String, String)> {
        let rest = kid.strip_prefix(&format!("{}/issuers/", self.base))?;
        let (region, name) = rest.split_once("/keys/")?;
        (!region.contains('/') && !name.contains('/')).then(|| (region.to_owned(), name.to_owned()))
    }
}

/// The issuer: its keys and URLs. Absent (`None` where it is held) when no keys are set.
pub struct Issuer {
    pub urls: Urls,
    dir: PathBuf,
    refresh: Duration,
    loaded: RwLock<Loaded>,
}

/// The keys as last read, and when.
struct Loaded {
    at: Instant,
    keys: Arc<Keyring>,
}

impl Issuer {
    /// From `credentials.*`; `None` without `credentials.keys_dir`.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Arc<Issuer>>> {
        let Some(dir) = &settings.credentials.keys_dir else {
            return Ok(None);
        };
        let keys = load(dir)?;
        Ok(Some(Arc::new(Issuer {
            urls: Urls::new(&settings.credentials.public_base_url),
            dir: dir.clone(),
            refresh: Duration::from_secs(settings.credentials.keys_refresh_seconds),
            loaded: RwLock::new(Loaded {
                at: Instant::now(),
                keys: Arc::new(keys),
            }),
        })))
    }

    /// The keys, read again from the folder once they are older than
    /// `credentials.keys_refresh_seconds`, so that a rotated Secret is used without a
    /// restart (as the token keys are). A folder that cannot be read, or holds no key,
    /// keeps the keys read before (a warning in the log).
    pub fn keys(&self) -> Arc<Keyring> {
        {
            let loaded = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
            if loaded.at.elapsed() < self.refresh {
                return loaded.keys.clone();
            }
        }
        let mut loaded = self.loaded.write().unwrap_or_else(PoisonError::into_inner);
        if loaded.at.elapsed() >= self.refresh {
            match load(&self.dir) {
                Ok(keys) => loaded.keys = Arc::new(keys),
                Err(error) => tracing::warn!(
                    error = %format!("{error:#}"),
                    "credential keys not read again; the keys read before stay"
                ),
            }
            loaded.at = Instant::now();
        }
        loaded.keys.clone()
    }

    /// The region's signing key and its `kid`.
    pub fn signing(&self, region: &str) -> Option<(Arc<SigningKey>, String)> {
        self.keys()
            .signing(region)
            .map(|key| (key.clone(), self.urls.key(region, &key.name)))
    }

    /// One of the region's keys, by name.
    pub fn key(&self, region: &str, name: &str) -> Option<Arc<SigningKey>> {
        self.keys().key(region, name).cloned()
    }

    /// The region's public keys as a JWKS document, each with its URL as `kid`; `None` for
    /// a region without keys.
    pub fn jwks(&self, region: &str) -> Option<serde_json::Value> {
        let keyring = self.keys();
        let keys: Vec<serde_json::Value> = keyring
            .keys(region)
            .iter()
            .map(|key| self.jwk(region, key))
            .collect();
        (!keys.is_empty()).then(|| serde_json::json!({ "keys": keys }))
    }

    /// One public key as a JWK with its `kid`, `use` and `alg`.
    pub fn jwk(&self, region: &str, key: &SigningKey) -> serde_json::Value {
        let mut jwk = serde_json::to_value(&key.public).unwrap_or_default();
        jwk["kid"] = self.urls.key(region, &key.name).into();
        jwk["use"] = "sig".into();
        jwk["alg"] = "RS256".into();
        jwk
    }
}

/// The folder's keys; none at all is an error (a mount that went wrong).
fn load(dir: &std::path::Path) -> anyhow::Result<Keyring> {
    let keys = Keyring::load(dir)?;
    if keys.is_empty() {
        anyhow::bail!(
            "credentials.keys_dir: {} holds no <region>.<key name>.pem",
            dir.display()
        );
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_url_reads_back_and_others_do_not() {
        let urls = Urls::new("https://badges.example.nl/");
        let kid = urls.key("achterhoek", "2026-12");
        assert_eq!(
            kid,
            "https://badges.example.nl/issuers/achterhoek/keys/2026-12"
        );
        assert_eq!(
            urls.parse_key(&kid),
            Some(("achterhoek".into(), "2026-12".into()))
        );
        assert_eq!(
            urls.parse_key("https://evil.example/issuers/achterhoek/keys/1"),
            None
        );
        assert_eq!(
            urls.parse_key("https://badges.example.nl/issuers/a/b/keys/1"),
            None
        );
    }
}
