//! The issuer's RS256 signing keys, a set per region, read from `credentials.keys_dir`:
//! files named `<region>.<key name>.pem`. Per region the greatest key name signs (name
//! keys by date, e.g. `achterhoek.2026-12.pem`); the older ones stay in the region's JWKS,
//! so that credentials signed with them still verify. Rotating is adding a file (read
//! again within `credentials.keys_refresh_seconds`); retiring a key is removing it, which
//! makes its credentials unverifiable.
use std::{collections::BTreeMap, path::Path, sync::Arc};

use anyhow::Context as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, jwk::Jwk};

/// RSA keys below this size are refused (NIST SP 800-131A; Open Badges asks RS256 with
/// 2048 bits at least).
const MIN_MODULUS_BYTES: usize = 256;

/// One private key and what a verifier gets of it.
pub struct SigningKey {
    /// The file's key name (the part between the region and `.pem`).
    pub name: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// The public key as a JWK (no `kid` yet: that is its URL, see `Issuer::key_url`).
    pub public: Jwk,
}

/// Every region's keys, each region's sorted by name (the last signs).
#[derive(Default)]
pub struct Keyring {
    regions: BTreeMap<String, Vec<Arc<SigningKey>>>,
}

impl Keyring {
    /// Reads every `<region>.<name>.pem` of `dir`; a file that is no RSA private key stops
    /// the start, naming the file.
    pub fn load(dir: &Path) -> anyhow::Result<Keyring> {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("credentials.keys_dir: cannot read {}", dir.display()))?;
        let mut regions: BTreeMap<String, Vec<Arc<SigningKey>>> = BTreeMap::new();
        for entry in entries {
            let path = entry?.path();
            let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
                continue;
            };
            let Some(stem) = file.strip_suffix(".pem") else {
                continue;
            };
            let Some((region, name)) = stem.split_once('.') else {
                anyhow::bail!("credentials.keys_dir: {file} is not named <region>.<key name>.pem");
            };
            let pem = std::fs::read(&path)
                .with_context(|| format!("credentials.keys_dir: cannot read {file}"))?;
            let key = SigningKey::from_pem(name, &pem)
                .with_context(|| format!("credentials.keys_dir: {file}"))?;
            regions
                .entry(region.to_owned())
                .or_default()
                .push(Arc::new(key));
        }
        for keys in regions.values_mut() {
            keys.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(Keyring { regions })
    }

    /// The key that signs the region's new credentials: its newest.
    pub fn signing(&self, region: &str) -> Option<&Arc<SigningKey>> {
        self.regions.get(region).and_then(|keys| keys.last())
    }

    /// One of the region's keys, by name.
    pub fn key(&self, region: &str, name: &str) -> Option<&Arc<SigningKey>> {
        self.keys(region).iter().find(|k| k.name == name)
    }

    /// The region's keys, oldest first; none for a region without keys.
    pub fn keys(&self, region: &str) -> &[Arc<SigningKey>] {
        self.regions.get(region).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
}

/// Makes an RSA private key of `bits` at `path` with `openssl genpkey`, readable by its
/// owner alone: for development (`llo up`) and tests; a deployment brings its own keys.
pub fn generate(path: &Path, bits: u32) -> anyhow::Result<()> {
    let made = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt"])
        .arg(format!("rsa_keygen_bits:{bits}"))
        .arg("-out")
        .arg(path)
        .output()
        .context("openssl, to make a credential key (or set credentials.keys_dir)")?;
    if !made.status.success() {
        anyhow::bail!(
            "openssl could not make {}: {}",
            path.display(),
            String::from_utf8_lossy(&made.stderr)
        );
    }
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

/// A key named `name` (2048 bits) in `dir` for every region pack in `packs_dir` that has
/// none by that name yet.
pub fn generate_for_regions(dir: &Path, packs_dir: &Path, name: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let regions = std::fs::read_dir(packs_dir.join("regions"))
        .with_context(|| format!("{}: no regions folder", packs_dir.display()))?;
    for entry in regions {
        let path = entry?.path();
        let Some(region) = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_suffix(".toml"))
        else {
            continue;
        };
        let key = dir.join(format!("{region}.{name}.pem"));
        if !key.exists() {
            generate(&key, 2048)?;
        }
    }
    Ok(())
}

impl SigningKey {
    /// A PEM RSA private key (PKCS#1 or PKCS#8), of 2048 bits or more.
    pub fn from_pem(name: &str, pem: &[u8]) -> anyhow::Result<SigningKey> {
        let encoding = EncodingKey::from_rsa_pem(pem).context("not a PEM RSA private key")?;
        let public = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .context("cannot derive the public key")?;
        let jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) = &public.algorithm else {
            anyhow::bail!("not an RSA key");
        };
        let modulus =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &rsa.n)?;
        if modulus.len() < MIN_MODULUS_BYTES {
            anyhow::bail!(
                "an RSA key of {} bits; at least 2048 are needed",
                modulus.len() * 8
            );
        }
        let decoding = DecodingKey::from_jwk(&public).context("cannot use the public key")?;
        Ok(SigningKey {
            name: name.to_owned(),
            encoding,
            decoding,
            public,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_newest_key_signs_and_the_older_stay() {
        let dir = std::env::temp_dir().join(format!("llo-keyring-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        generate(&dir.join("achterhoek.2027-06.pem"), 2048).unwrap();
        generate(&dir.join("achterhoek.2026-12.pem"), 2048).unwrap();
        std::fs::write(dir.join("README"), "not a key").unwrap();
        let keys = Keyring::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let keys = keys.unwrap();
        assert_eq!(keys.signing("achterhoek").unwrap().name, "2027-06");
        let names: Vec<_> = keys
            .keys("achterhoek")
            .iter()
            .map(|k| k.name.as_str())
            .collect();
        assert_eq!(names, ["2026-12", "2027-06"]);
        assert!(keys.signing("twente").is_none());
    }
}
