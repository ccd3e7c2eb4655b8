//! The public surface a verifier with a standard JWT or VC library reads over plain
//! HTTP(S), without authentication (it serves public keys and revocation bits only):
//!
//! - `/issuers/{region}`: the issuer's profile (the credentials' `iss`),
//! - `/issuers/{region}/jwks.json`: the region's public keys (JWKS),
//! - `/issuers/{region}/keys/{name}`: one key as a JWK (a credential's `kid`),
//! - `/status/{region}`: the revocation status list, a signed VC-JWT,
//! - `/credentials/{id}`: one credential, the signed VC-JWT its holder is sent the link to
//!   (the id is random; the credential names its holder by a salted hash only).
use std::{net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;
use llo_chassis::{db::PgPool, packs::Packs};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Issuer, model, sign, status};
use crate::store::credentials as store;

#[derive(Clone)]
struct Surface {
    issuer: Arc<Issuer>,
    pool: PgPool,
    packs: Packs,
}

/// Binds `address` now (a taken port fails the start) and returns the server, which runs
/// until `shutdown`.
pub fn serve(
    address: SocketAddr,
    issuer: Arc<Issuer>,
    pool: PgPool,
    packs: Packs,
    shutdown: CancellationToken,
) -> anyhow::Result<futures_util::future::BoxFuture<'static, ()>> {
    let listener = std::net::TcpListener::bind(address)
        .map_err(|e| anyhow::anyhow!("credentials.http_listen: cannot listen on {address}: {e}"))?;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tracing::info!(address = %listener.local_addr()?, "serving credentials over HTTP");
    let app = router(Surface {
        issuer,
        pool,
        packs,
    });
    Ok(Box::pin(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "the credentials HTTP listener stopped");
        }
    }))
}

fn router(surface: Surface) -> Router {
    Router::new()
        .route("/issuers/{region}", get(profile))
        .route("/issuers/{region}/jwks.json", get(jwks))
        .route("/issuers/{region}/keys/{name}", get(key))
        .route("/status/{region}", get(status_list))
        .route("/credentials/{id}", get(credential))
        .with_state(surface)
        .layer(axum::middleware::map_response(any_origin))
}

/// Public data for any verifier, a web wallet in someone's browser too.
async fn any_origin(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    response
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

impl Surface {
    /// The region's programme name, for regions this issuer has keys for.
    fn programme(&self, region: &str) -> Option<String> {
        self.issuer.signing(region)?;
        Some(
            self.packs
                .region(region)
                .map_or_else(|| region.to_owned(), |p| p.programme.clone()),
        )
    }
}

async fn profile(State(s): State<Surface>, Path(region): Path<String>) -> Response {
    let Some(programme) = s.programme(&region) else {
        return not_found();
    };
    let mut profile = model::issuer_profile(&s.issuer.urls, &region, &programme);
    profile["@context"] = json!([model::VC_CONTEXT, model::OB_CONTEXT]);
    Json(profile).into_response()
}

async fn jwks(State(s): State<Surface>, Path(region): Path<String>) -> Response {
    match s.issuer.jwks(&region) {
        Some(jwks) => (
            [(header::CONTENT_TYPE, "application/jwk-set+json")],
            Json(jwks),
        )
            .into_response(),
        None => not_found(),
    }
}

async fn key(State(s): State<Surface>, Path((region, name)): Path<(String, String)>) -> Response {
    match s.issuer.key(&region, &name) {
        Some(key) => (
            [(header::CONTENT_TYPE, "application/jwk+json")],
            Json(s.issuer.jwk(&region, &key)),
        )
            .into_response(),
        None => not_found(),
    }
}

/// The credential as issued; gone (404) once its holder is erased.
async fn credential(State(s): State<Surface>, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_found();
    };
    let found = async {
        let mut conn = s.pool.get().await?;
        anyhow::Ok(store::find(&mut conn, id).await?)
    };
    match found.await {
        Ok(Some(row)) => match row.jwt {
            Some(jwt) => ([(header::CONTENT_TYPE, "application/vc+jwt")], jwt).into_response(),
            None => not_found(),
        },
        Ok(None) => not_found(),
        Err(error) => {
            tracing::warn!(error = %format!("{error:#}"), "cannot read a credential");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Signed on each request with the region's newest key: a verifier checks it like a
/// credential. Short-lived caches are fine (`max-age` 60 s): a revocation shows within it.
async fn status_list(State(s): State<Surface>, Path(region): Path<String>) -> Response {
    let (Some(programme), Some((key, kid))) = (s.programme(&region), s.issuer.signing(&region))
    else {
        return not_found();
    };
    let signed = async {
        let mut conn = s.pool.get().await?;
        let revoked = store::revoked_indexes(&mut conn, &region).await?;
        let list = status::credential(&s.issuer.urls, &region, &programme, &revoked, Utc::now())?;
        sign::sign(&list, &key, &kid)
    };
    match signed.await {
        Ok(jwt) => (
            [
                (header::CONTENT_TYPE, "application/vc+jwt"),
                (header::CACHE_CONTROL, "public, max-age=60"),
            ],
            jwt,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), region, "status list not served");
            (StatusCode::SERVICE_UNAVAILABLE, "status list unavailable").into_response()
        }
    }
}
