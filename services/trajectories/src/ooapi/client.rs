//! An OOAPI v5 client (reqwest): one page of a list at a time, and associations asked
//! and read; each request with a deadline, retried with back-off when the school's
//! server fails or is slow, and a bounded body, so that a sync's memory does not grow
//! with the catalogue.
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::{
    login::{Login, Session},
    model::{Association, Page},
};

/// How a client waits: per request, and between attempts (doubled each time).
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub timeout: Duration,
    pub attempts: u32,
    pub backoff: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            timeout: Duration::from_secs(15),
            attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Items asked for per page (OOAPI's `pageSize`).
pub const PAGE_SIZE: u32 = 100;
/// The largest page body read; a school's page of 100 records is far smaller.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Pages read of one list at most: a server that always has a next page ends here.
pub const MAX_PAGES: u32 = 10_000;

/// A request that failed after its attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub url: String,
    pub reason: String,
    /// The HTTP status the server answered with, when it answered.
    pub status: Option<u16>,
}

/// One failed attempt: why, whether another may succeed, and the HTTP status if any.
struct Attempt {
    reason: String,
    retry: bool,
    status: Option<u16>,
}

impl Attempt {
    fn failed(reason: impl Into<String>, retry: bool) -> Attempt {
        Attempt {
            reason: reason.into(),
            retry,
            status: None,
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    base_url: String,
    patience: Patience,
    /// The school's login, when its API asks for a token.
    session: Option<Session>,
}

impl Client {
    pub fn new(base_url: &str, patience: Patience) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(patience.timeout)
            .connect_timeout(patience.timeout)
            .user_agent(concat!("llo-trajectories/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(Client {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            patience,
            session: None,
        })
    }

    /// Every request with a bearer token got through `login`.
    pub fn with_login(mut self, login: Option<Login>) -> Client {
        self.session = login.map(Session::new);
        self
    }

    /// Page `number` (from 1) of the list at `path`, e.g. `courses` or
    /// `courses/{id}/offerings`.
    pub async fn page(&self, path: &str, number: u32) -> Result<Page, Failure> {
        let url = format!(
            "{}/{path}?pageSize={PAGE_SIZE}&pageNumber={number}",
            self.base_url
        );
        self.with_retries(url, |url| self.http.get(url)).await
    }

    /// Asks the school for a place (`POST /associations/external/me`). Retried like a
    /// read: `key` goes as the `Idempotency-Key` header, so that a school seeing the
    /// same request twice (an answer lost on the way) keeps one association.
    pub async fn associate(
        &self,
        body: &serde_json::Value,
        key: &str,
    ) -> Result<Association, Failure> {
        let url = format!("{}/associations/external/me", self.base_url);
        self.with_retries(url, |url| {
            self.http
                .post(url)
                .header("Idempotency-Key", key)
                .json(body)
        })
        .await
    }

    /// Where an association stands (`GET /associations/{id}`).
    pub async fn association(&self, id: &str) -> Result<Association, Failure> {
        let url = format!("{}/associations/{id}", self.base_url);
        self.with_retries(url, |url| self.http.get(url)).await
    }

    /// Sends the request `build` makes until it answers, or fails for good, or the
    /// attempts are spent.
    async fn with_retries<T: DeserializeOwned>(
        &self,
        url: String,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<T, Failure> {
        let mut wait = self.patience.backoff;
        let mut attempt = 1;
        loop {
            let mut request = build(&url);
            if let Some(session) = &self.session {
                match session.token(&self.http).await {
                    Ok(token) => request = request.bearer_auth(token),
                    Err(reason) => {
                        let status = None;
                        return Err(Failure {
                            url,
                            reason,
                            status,
                        });
                    }
                }
            }
            match self.once(request).await {
                Ok(answer) => return Ok(answer),
                // A token the school no longer takes: a new one, at once.
                Err(failed)
                    if failed.status == Some(401)
                        && attempt < self.patience.attempts
                        && self.session.is_some() =>
                {
                    if let Some(session) = &self.session {
                        session.forget().await;
                    }
                    attempt += 1;
                }
                Err(failed) if failed.retry && attempt < self.patience.attempts => {
                    let reason = &failed.reason;
                    tracing::warn!(%url, attempt, %reason, "OOAPI request failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                Err(failed) => {
                    let reason = if attempt > 1 {
                        format!("{} after {attempt} attempts", failed.reason)
                    } else {
                        failed.reason
                    };
                    return Err(Failure {
                        url,
                        reason,
                        status: failed.status,
                    });
                }
            }
        }
    }

    /// One attempt; the error says whether another may succeed (a timeout, a refused
    /// connection, a 5xx or 429), or not (any other answer).
    async fn once<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Attempt> {
        let mut response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| Attempt::failed(describe(&e), true))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Attempt {
                reason: format!("HTTP {status}"),
                retry: status.is_server_error() || status.as_u16() == 429,
                status: Some(status.as_u16()),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Attempt::failed(describe(&e), true))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                let reason = format!("the answer is larger than {MAX_BODY_BYTES} bytes");
                return Err(Attempt::failed(reason, false));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body)
            .map_err(|e| Attempt::failed(format!("not an OOAPI answer: {e}"), false))
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "cannot connect".to_owned()
    } else {
        error.to_string()
    }
}
