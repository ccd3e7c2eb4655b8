//! Bearer-token authentication (JWT) and the caller it yields. Which role may call
//! which RPC is data: each service hands the chassis an `AccessPolicy`.
use std::{
    collections::HashSet,
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
    sync::RwLock,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, jwk::JwkSet};
use serde::{Deserialize, Serialize};

use crate::settings::AuthSettings;

/// Well-known key for local development only; trusted when
/// `auth.allow_development_tokens` is on, which production settings refuse.
pub const DEVELOPMENT_KEY: &[u8] = b"llo-development-key--never-trust-this-in-production";
pub const DEVELOPMENT_KEY_ID: &str = "llo-development";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProgrammeManager,
    Coach,
    CompanyHr,
    Integrator,
    Evaluator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::ProgrammeManager,
        Role::Coach,
        Role::CompanyHr,
        Role::Integrator,
        Role::Evaluator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProgrammeManager => "programme_manager",
            Role::Coach => "coach",
            Role::CompanyHr => "company_hr",
            Role::Integrator => "integrator",
            Role::Evaluator => "evaluator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}; one of programme_manager, coach, company_hr, integrator, evaluator"))
    }
}

/// The token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: Audience,
    pub exp: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Regions the caller works in.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The caller's organisation, for company roles (and provider integrators).
    #[serde(default)]
    pub org: Option<String>,
}

/// The `aud` claim: one audience or several (many identity providers send an array).
/// The signature check compares it with the configured audience.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl From<&str> for Audience {
    fn from(audience: &str) -> Audience {
        Audience::One(audience.to_owned())
    }
}

/// Who is calling, as proven by the token. Handlers find it in the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: String,
    pub roles: HashSet<Role>,
    pub regions: HashSet<String>,
    pub organisation_id: Option<String>,
}

impl Caller {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.roles.contains(r))
    }

    pub fn may_see_region(&self, region: &str) -> bool {
        self.regions.contains(region)
    }

    /// Bound to one organisation: company HR, and an integrator whose token names an
    /// organisation (a company's HR system, a provider). Programme managers, coaches,
    /// evaluators and region-wide integrators (UWV) see the whole region.
    pub fn is_company_scoped(&self) -> bool {
        !self.has_any(&[Role::ProgrammeManager, Role::Coach, Role::Evaluator])
            && (self.has_role(Role::CompanyHr) || self.organisation_id.is_some())
    }

    /// May the caller see data of this organisation in this region?
    pub fn may_see_organisation(&self, region: &str, organisation_id: &str) -> bool {
        self.may_see_region(region)
            && (!self.is_company_scoped()
                || self.organisation_id.as_deref() == Some(organisation_id))
    }
}

/// Which roles may call each RPC, by full gRPC method path
/// (`/llo.intake.v1.IntakeService/RegisterOrganisation`).
pub type AccessPolicy = &'static [(&'static str, &'static [Role])];

/// Paths that need no token.
/// The methods every service serves beside its own (tonic-health, tonic-reflection).
const SHARED_METHODS: [&str; 4] = [
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

fn is_public(path: &str, reflection_public: bool) -> bool {
    path.starts_with("/grpc.health.v1.")
        || (reflection_public && path.starts_with("/grpc.reflection."))
}

pub fn allowed_roles(policy: AccessPolicy, path: &str) -> Option<&'static [Role]> {
    policy
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, roles)| *roles)
}

/// Why a call was refused, before it reached a handler.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Unauthenticated,
    PermissionDenied(String),
}

impl From<Refusal> for tonic::Status {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            // No detail: nothing that helps an attacker tell which check failed.
            Refusal::Unauthenticated => {
                tonic::Status::unauthenticated("a valid bearer token is required")
            }
            Refusal::PermissionDenied(message) => tonic::Status::permission_denied(message),
        }
    }
}

#[derive(Clone)]
struct TrustedKey {
    key_id: Option<String>,
    key: DecodingKey,
    algorithm: Algorithm,
}

/// The identity provider's key set, read from a file (a mounted Secret) and read
/// again periodically and when a token names a key id it does not hold, so that a
/// key rotation needs no restart.
struct Jwks {
    path: PathBuf,
    refresh: Duration,
    unknown_key_refresh: Duration,
    loaded: RwLock<(Vec<TrustedKey>, Instant)>,
}

impl Jwks {
    fn load(settings: &AuthSettings, path: &Path) -> anyhow::Result<Jwks> {
        Ok(Jwks {
            path: path.to_owned(),
            refresh: Duration::from_secs(settings.jwks_refresh_seconds),
            unknown_key_refresh: Duration::from_secs(settings.jwks_unknown_key_refresh_seconds),
            loaded: RwLock::new((load_jwks(path)?, Instant::now())),
        })
    }

    /// Runs `f` on the keys trusted now, under the read lock (nothing is copied: this
    /// is on every call's path).
    fn with_keys<T>(&self, f: impl FnOnce(&[TrustedKey]) -> T) -> Option<T> {
        self.loaded.read().ok().map(|loaded| f(&loaded.0))
    }

    fn holds(&self, key_id: &str) -> bool {
        self.with_keys(|keys| keys.iter().any(|k| k.key_id.as_deref() == Some(key_id)))
            .unwrap_or(false)
    }

    /// Reads the file again if it was last read at least `after` ago. A file that
    /// cannot be read keeps the keys trusted so far (and says so in the log).
    fn refresh_if_older_than(&self, after: Duration) {
        // The common case, on every call: fresh enough, seen under the shared lock.
        let fresh = |loaded: &(Vec<TrustedKey>, Instant)| loaded.1.elapsed() < after;
        if self.loaded.read().is_ok_and(|loaded| fresh(&loaded)) {
            return;
        }
        let Ok(mut loaded) = self.loaded.write() else {
            return;
        };
        if fresh(&loaded) {
            return;
        }
        loaded.1 = Instant::now();
        match load_jwks(&self.path) {
            Ok(keys) => loaded.0 = keys,
            Err(error) => {
                tracing::warn!(error = %error, "auth.jwks_file: keeping the keys read before")
            }
        }
    }
}

/// Checks bearer tokens against the configured keys, issuer and audience.
pub struct Authenticator {
    /// Keys that never change while the process runs (an inline PEM, the development key).
    fixed: Vec<TrustedKey>,
    jwks: Option<Jwks>,
    issuer: String,
    audience: String,
}

impl Authenticator {
    pub fn from_settings(settings: &AuthSettings) -> anyhow::Result<Self> {
        let jwks = settings
            .jwks_file
            .as_ref()
            .map(|path| Jwks::load(settings, path))
            .transpose()?;
        let mut keys = Vec::new();
        if let Some(pem) = &settings.public_key_pem {
            let algorithm = Algorithm::from_str(&settings.public_key_algorithm)
                .ok()
                .filter(|a| matches!(a, Algorithm::RS256 | Algorithm::ES256))
                .context("auth.public_key_algorithm must be RS256 or ES256")?;
            let key = match algorithm {
                Algorithm::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()),
                _ => DecodingKey::from_rsa_pem(pem.as_bytes()),
            }
            .context("auth.public_key_pem is not a valid PEM public key")?;
            keys.push(TrustedKey {
                key_id: None,
                key,
                algorithm,
            });
        }
        if settings.allow_development_tokens {
            keys.push(TrustedKey {
                key_id: Some(DEVELOPMENT_KEY_ID.into()),
                key: DecodingKey::from_secret(DEVELOPMENT_KEY),
                algorithm: Algorithm::HS256,
            });
        }
        if keys.is_empty()
            && jwks
                .as_ref()
                .is_none_or(|j| j.with_keys(<[_]>::is_empty) != Some(false))
        {
            anyhow::bail!(
                "no token keys configured: set auth.jwks_file or auth.public_key_pem \
                 (or auth.allow_development_tokens in development)"
            );
        }
        Ok(Self {
            fixed: keys,
            jwks,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        })
    }

    /// Checks an `authorization` header value and returns the caller.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, Refusal> {
        let token = authorization
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Refusal::Unauthenticated)?;
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Unauthenticated)?;
        if let Some(jwks) = &self.jwks {
            jwks.refresh_if_older_than(jwks.refresh);
            if let Some(kid) = &header.kid
                && kid != DEVELOPMENT_KEY_ID
                && !jwks.holds(kid)
            {
                jwks.refresh_if_older_than(jwks.unknown_key_refresh);
            }
        }
        let verified = |keys: &[TrustedKey]| {
            keys.iter()
                .filter(|k| k.algorithm == header.alg)
                .filter(|k| match (&header.kid, &k.key_id) {
                    (Some(kid), Some(key_id)) => kid == key_id,
                    _ => true,
                })
                .find_map(|k| self.verify(token, k).ok())
        };
        let claims = verified(&self.fixed)
            .or_else(|| self.jwks.as_ref()?.with_keys(verified).flatten())
            .ok_or(Refusal::Unauthenticated)?;
        caller_from(claims)
    }

    fn verify(&self, token: &str, key: &TrustedKey) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &key.key, &validation).map(|data| data.claims)
    }
}

fn caller_from(claims: Claims) -> Result<Caller, Refusal> {
    let roles: HashSet<Role> = claims.roles.iter().filter_map(|r| r.parse().ok()).collect();
    if roles.is_empty() || claims.regions.is_empty() {
        return Err(Refusal::PermissionDenied(
            "the token grants no role in any region".into(),
        ));
    }
    let caller = Caller {
        subject: claims.sub,
        roles,
        regions: claims.regions.into_iter().collect(),
        organisation_id: claims.org.filter(|o| !o.is_empty()),
    };
    if caller.is_company_scoped() && caller.organisation_id.is_none() {
        return Err(Refusal::PermissionDenied(
            "a company_hr token must name its organisation".into(),
        ));
    }
    Ok(caller)
}

fn load_jwks(path: &Path) -> anyhow::Result<Vec<TrustedKey>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("auth.jwks_file: cannot read {}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text)
        .with_context(|| format!("auth.jwks_file: {} is not a JWKS", path.display()))?;
    set.keys
        .iter()
        .map(|jwk| {
            let algorithm = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                _ => Algorithm::RS256,
            };
            Ok(TrustedKey {
                key_id: jwk.common.key_id.clone(),
                key: DecodingKey::from_jwk(jwk).context("auth.jwks_file: unusable key")?,
                algorithm,
            })
        })
        .collect()
}

/// Decides whether a call may reach its handler.
pub struct Gate {
    pub authenticator: Authenticator,
    pub policy: AccessPolicy,
    pub reflection_public: bool,
}

impl Gate {
    /// `Ok(None)` for public paths, `Ok(Some(caller))` for an allowed call.
    /// Whether `path` is a method the service serves: one of its policy's, or health
    /// or reflection. Telemetry names any other `_OTHER`, so that a caller cannot make
    /// up metric attributes.
    pub fn recognises(&self, path: &str) -> bool {
        self.serves(path) || SHARED_METHODS.contains(&path)
    }

    /// Whether `path` is one of the service's own methods (not health or reflection).
    pub fn serves(&self, path: &str) -> bool {
        allowed_roles(self.policy, path).is_some()
    }

    pub fn admit(
        &self,
        path: &str,
        authorization: Option<&str>,
    ) -> Result<Option<Caller>, Refusal> {
        if is_public(path, self.reflection_public) {
            return Ok(None);
        }
        let mut caller = self.authenticator.authenticate(authorization)?;
        let allowed = allowed_roles(self.policy, path).ok_or_else(|| {
            Refusal::PermissionDenied("this method is not open to any role".into())
        })?;
        if !caller.has_any(allowed) {
            let names: Vec<_> = allowed.iter().map(|r| r.as_str()).collect();
            return Err(Refusal::PermissionDenied(format!(
                "this method needs one of the roles: {}",
                names.join(", ")
            )));
        }
        // The handler sees only the roles that open this method, so a second role
        // cannot widen the first one's scope (company HR + evaluator stays company HR
        // on GetParticipant).
        caller.roles.retain(|role| allowed.contains(role));
        Ok(Some(caller))
    }
}

/// What a development token says.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub subject: String,
    pub roles: Vec<Role>,
    pub regions: Vec<String>,
    pub organisation_id: Option<String>,
    pub issuer: String,
    pub audience: String,
    pub valid_for_seconds: i64,
}

/// Mints a token signed with the development key (`llo token`, tests, the demo).
pub fn mint_development_token(request: &TokenRequest) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: request.subject.clone(),
        iss: request.issuer.clone(),
        aud: Audience::One(request.audience.clone()),
        exp: now + request.valid_for_seconds,
        nbf: Some(now - 1),
        iat: Some(now),
        roles: request
            .roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        regions: request.regions.clone(),
        org: request.organisation_id.clone(),
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(DEVELOPMENT_KEY_ID.into());
    Ok(jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(DEVELOPMENT_KEY),
    )?)
}

/// Reads the caller the gate put in the request.
pub fn caller<T>(request: &tonic::Request<T>) -> Result<&Caller, tonic::Status> {
    request
        .extensions()
        .get::<Caller>()
        .ok_or_else(|| tonic::Status::unauthenticated("a valid bearer token is required"))
}
