//! Logging in to a school's API with OAuth 2.0 client credentials (RFC 6749 §4.4): a
//! bearer token asked of the token endpoint with the client id and secret (HTTP Basic),
//! kept until shortly before it expires. The secret is read from the environment
//! variable the login names (a Kubernetes Secret), when a token is needed, so that a
//! rotated secret is taken without a restart once the process's environment has it.
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// What the suite knows of a school's login; never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub token_url: String,
    pub client_id: String,
    #[serde(default)]
    pub scope: String,
    pub client_secret_env: String,
}

/// Environment variables a login may name: only these, so that a caller cannot have
/// another of the process's secrets sent to a token endpoint of its choosing.
pub const SECRET_ENV_PREFIX: &str = "OOAPI_CLIENT_SECRET_";

/// A token is renewed this long before the school says it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// A login and the token it last got.
pub struct Session {
    login: Login,
    token: Mutex<Option<(String, Instant)>>,
}

impl Session {
    pub fn new(login: Login) -> Session {
        Session {
            login,
            token: Mutex::new(None),
        }
    }

    /// A valid bearer token: the kept one, or a new one.
    pub async fn token(&self, http: &reqwest::Client) -> Result<String, String> {
        let mut kept = self.token.lock().await;
        if let Some((token, until)) = kept.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let (token, lifetime) = self.ask(http).await?;
        let until = Instant::now() + lifetime.saturating_sub(RENEW_BEFORE);
        *kept = Some((token.clone(), until));
        Ok(token)
    }

    /// Forgets the kept token (the school refused it).
    pub async fn forget(&self) {
        *self.token.lock().await = None;
    }

    async fn ask(&self, http: &reqwest::Client) -> Result<(String, Duration), String> {
        let login = &self.login;
        let secret = std::env::var(&login.client_secret_env).map_err(|_| {
            format!(
                "the client secret is missing: set {} in the trajectories process",
                login.client_secret_env
            )
        })?;
        let mut form = vec![("grant_type", "client_credentials")];
        if !login.scope.is_empty() {
            form.push(("scope", login.scope.as_str()));
        }
        let response = http
            .post(&login.token_url)
            .basic_auth(&login.client_id, Some(secret))
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("the token endpoint cannot be reached: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the token endpoint answered HTTP {status}"));
        }
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|e| format!("not a token answer: {e}"))?;
        // Without expires_in, a token is kept for five minutes.
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(360));
        Ok((answer.access_token, lifetime))
    }
}
