//! Open Badges 3.0 credentials: issued from trajectories' completion event, once; checked
//! by VerifyCredential and by an independent verifier (Node's OpenSSL, over the served
//! JWKS); revoked through the status list; kept valid, and forgotten, on erasure.
use std::{
    io::Read as _,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use llo_chassis::{auth::Role, testing::app::eventually};
use llo_proto::{events::v1 as events, intake::v1 as pb};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use tonic::Code;
use uuid::Uuid;

use crate::helpers::{Client, REGION, TestApp, enrol, register, violations};

const SKILL: &str = "http://data.europa.eu/esco/skill/0a1b2c3d-0000-4000-8000-000000000001";

/// A folder of test-only keys, made by openssl for this test, removed at the end.
struct KeysDir(PathBuf);

impl KeysDir {
    fn new() -> KeysDir {
        let dir = std::env::temp_dir().join(format!("llo-credential-keys-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        KeysDir(dir)
    }

    /// Generates `<region>.<name>.pem` (RSA, `bits`).
    fn generate(&self, region: &str, name: &str, bits: u32) -> PathBuf {
        let path = self.0.join(format!("{region}.{name}.pem"));
        generate_key(&path, bits);
        path
    }
}

impl Drop for KeysDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn generate_key(path: &Path, bits: u32) {
    llo_intake::credentials::keys::generate(path, bits).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Intake with a signing key for the Achterhoek and its HTTP surface on a free port.
struct Issuing {
    app: TestApp,
    keys: KeysDir,
    base: String,
}

async fn spawn_issuing() -> Issuing {
    spawn_issuing_with(&[]).await
}

async fn spawn_issuing_with(more: &[(&str, String)]) -> Issuing {
    let keys = KeysDir::new();
    keys.generate(REGION, "2026-12", 2048);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut settings = vec![
        ("credentials.keys_dir", keys.0.display().to_string()),
        ("credentials.http_listen", format!("127.0.0.1:{port}")),
        ("credentials.public_base_url", base.clone()),
    ];
    settings.extend(more.iter().cloned());
    let app = TestApp::spawn_with(&settings).await;
    Issuing { app, keys, base }
}

struct Learner {
    participant: pb::Participant,
    organisation_id: String,
}

async fn learner(client: &mut Client, kvk: &str) -> Learner {
    let organisation = register(client, kvk).await;
    let participant = enrol(client, &organisation.organisation_id, 1).await;
    Learner {
        participant,
        organisation_id: organisation.organisation_id,
    }
}

fn completed(learner: &Learner, credential: bool) -> events::LearningActivityCompleted {
    events::LearningActivityCompleted {
        activity_id: Uuid::now_v7().to_string(),
        participant_id: learner.participant.participant_id.clone(),
        organisation_id: learner.organisation_id.clone(),
        region: REGION.into(),
        actual_hours: 16,
        credential_awarded: credential,
        kind: "course".into(),
        theme: "vakmanschap".into(),
        occur_time: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() - 3600,
            nanos: 0,
        }),
        credential_name: if credential {
            "VCA Basis".into()
        } else {
            String::new()
        },
        credential_issuer: if credential {
            "Graafschap College".into()
        } else {
            String::new()
        },
        credential_url: String::new(),
        title: "VCA Basis veiligheid".into(),
        provider: "Graafschap College".into(),
        esco_skill_uris: vec![SKILL.into()],
    }
}

async fn list(client: &mut Client, participant_id: &str) -> Vec<pb::Credential> {
    client
        .list_credentials(pb::ListCredentialsRequest {
            participant_id: participant_id.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .credentials
}

/// Waits until the participant holds `n` credentials.
async fn credentials(client: &Client, participant_id: &str, n: usize) -> Vec<pb::Credential> {
    eventually("the credentials", || {
        let mut client = client.clone();
        async move {
            let found = list(&mut client, participant_id).await;
            (found.len() == n).then_some(found)
        }
    })
    .await
}

async fn verify(client: &mut Client, jwt: &str) -> pb::VerifyCredentialResponse {
    client
        .verify_credential(pb::VerifyCredentialRequest { jwt: jwt.into() })
        .await
        .unwrap()
        .into_inner()
}

fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The JWT with one payload member changed, its signature kept.
fn altered(jwt: &str, change: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut body = payload(jwt);
    change(&mut body);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap());
    format!("{}.{body}.{}", parts[0], parts[2])
}

/// Node's own crypto (OpenSSL), not ours: it fetches the issuer's JWKS over HTTP (the
/// `iss` + `/jwks.json`), takes the key the header names and checks the RS256 signature.
/// "valid" or "invalid", within a deadline.
async fn node_verifies(jwt: &str) -> String {
    const SCRIPT: &str = r#"
const crypto = require('crypto');
const jwt = process.argv[1];
const [h, p, s] = jwt.split('.');
const header = JSON.parse(Buffer.from(h, 'base64url'));
const claims = JSON.parse(Buffer.from(p, 'base64url'));
fetch(claims.iss + '/jwks.json').then(r => r.json()).then(jwks => {
  const jwk = jwks.keys.find(k => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') { console.log('invalid'); return; }
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify('sha256', Buffer.from(h + '.' + p), key, Buffer.from(s, 'base64url'));
  console.log(ok ? 'valid' : 'invalid');
}).catch(e => { console.error(e); process.exit(2); });
"#;
    let jwt = jwt.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new("node")
            .args(["-e", SCRIPT, &jwt])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let mut out = String::new();
                child
                    .stdout
                    .take()
                    .unwrap()
                    .read_to_string(&mut out)
                    .unwrap();
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                assert!(status.success(), "node failed: {err}");
                return out.trim().to_owned();
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("node did not answer within 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .unwrap()
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completion_with_a_credential_issues_an_open_badge_once() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000001").await;
    let event = completed(&learner, true);
    app.env.publish(&event).await;

    let issued = credentials(&client, &learner.participant.participant_id, 1).await;
    let credential = &issued[0];
    assert_eq!(credential.activity_id, event.activity_id);
    assert_eq!(credential.achievement_name, "VCA Basis");
    assert!(!credential.revoked);

    let jwt = &credential.jwt;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let issuer = format!("{}/issuers/{REGION}", issuing.base);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], format!("{issuer}/keys/2026-12"));

    let vc = payload(jwt);
    assert_eq!(
        vc["@context"],
        serde_json::json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(
        vc["type"],
        serde_json::json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(vc["id"], format!("urn:uuid:{}", credential.credential_id));
    assert_eq!(vc["jti"], vc["id"]);
    assert_eq!(vc["iss"], issuer);
    assert_eq!(vc["issuer"]["id"], issuer);
    assert_eq!(vc["issuer"]["type"], serde_json::json!(["Profile"]));
    assert_eq!(vc["issuer"]["name"], "LLO Achterhoek — MKB!DEE");
    assert_eq!(
        vc["nbf"].as_i64(),
        event.occur_time.map(|t| t.seconds),
        "nbf is validFrom, the completion"
    );
    let subject = &vc["credentialSubject"];
    assert_eq!(subject["type"], serde_json::json!(["AchievementSubject"]));
    let identity = &subject["identifier"][0];
    assert_eq!(identity["type"], "IdentityObject");
    assert_eq!(identity["identityType"], "emailAddress");
    assert_eq!(identity["hashed"], true);
    let salt = identity["salt"].as_str().unwrap();
    let email = learner.participant.email.as_str();
    let hash: String = Sha256::digest(format!("{email}{salt}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(identity["identityHash"], format!("sha256${hash}"));
    // No personal data in the credential: not the address, not the name.
    let text = vc.to_string();
    for personal in [
        email,
        &learner.participant.given_name,
        &learner.participant.family_name,
    ] {
        assert!(!text.contains(personal), "{personal} leaked into {text}");
    }
    let achievement = &subject["achievement"];
    assert_eq!(achievement["type"], serde_json::json!(["Achievement"]));
    assert_eq!(achievement["name"], "VCA Basis");
    assert!(
        achievement["criteria"]["narrative"]
            .as_str()
            .unwrap()
            .contains("VCA Basis veiligheid")
    );
    assert_eq!(achievement["creator"]["name"], "Graafschap College");
    let alignment = &achievement["alignment"][0];
    assert_eq!(alignment["type"], serde_json::json!(["Alignment"]));
    assert_eq!(alignment["targetUrl"], SKILL);
    assert_eq!(alignment["targetFramework"], "ESCO");
    let status = &vc["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    assert_eq!(
        status["statusListIndex"],
        credential.status_list_index.to_string()
    );
    assert_eq!(
        status["statusListCredential"],
        format!("{}/status/{REGION}", issuing.base)
    );

    // Redelivered under the same message id, and published again under a new one: still one.
    app.env.publish(&event).await;
    let another = completed(&learner, true);
    app.env.publish(&another).await;
    let issued = credentials(&client, &learner.participant.participant_id, 2).await;
    assert!(issued.iter().any(|c| c.activity_id == another.activity_id));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM credentials WHERE activity_id = '{}'",
            event.activity_id
        ))
        .await,
        1
    );
    // Every credential its own salt and status bit.
    let salts: Vec<_> = issued
        .iter()
        .map(|c| payload(&c.jwt)["credentialSubject"]["identifier"][0]["salt"].clone())
        .collect();
    assert_ne!(salts[0], salts[1]);
    assert_ne!(issued[0].status_list_index, issued[1].status_list_index);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completion_without_a_credential_issues_nothing() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000002").await;
    let plain = completed(&learner, false);
    app.env.publish(&plain).await;
    // A later completion with a credential shows the first was handled.
    let with = completed(&learner, true);
    app.env.publish(&with).await;
    let issued = credentials(&client, &learner.participant.participant_id, 1).await;
    assert_eq!(issued[0].activity_id, with.activity_id);
    assert_eq!(app.count("SELECT count(*) AS n FROM credentials").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_event_without_the_new_fields_still_issues() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000003").await;
    let old = events::LearningActivityCompleted {
        credential_name: String::new(),
        credential_issuer: String::new(),
        title: String::new(),
        provider: String::new(),
        esco_skill_uris: Vec::new(),
        ..completed(&learner, true)
    };
    app.env.publish(&old).await;
    let issued = credentials(&client, &learner.participant.participant_id, 1).await;
    let vc = payload(&issued[0].jwt);
    assert_eq!(vc["credentialSubject"]["achievement"]["name"], "course");
    assert!(
        vc["credentialSubject"]["achievement"]
            .get("alignment")
            .is_none()
    );
    assert!(verify(&mut client, &issued[0].jwt).await.valid);
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_finds_altered_foreign_and_revoked_credentials() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000004").await;
    app.env.publish(&completed(&learner, true)).await;
    let credential = credentials(&client, &learner.participant.participant_id, 1)
        .await
        .remove(0);
    let jwt = credential.jwt.clone();

    // Any authenticated caller may verify: an evaluator too.
    let mut evaluator = app.as_role(Role::Evaluator, REGION, None).await;
    let answer = verify(&mut evaluator, &jwt).await;
    assert!(answer.valid, "{:?}", answer.reasons);
    assert_eq!(answer.credential_id, credential.credential_id);
    assert_eq!(answer.achievement_name, "VCA Basis");
    assert!(answer.key_id.ends_with("/keys/2026-12"));

    // An altered achievement keeps its signature, which no longer fits.
    let forged = altered(&jwt, |vc| {
        vc["credentialSubject"]["achievement"]["name"] = "Lasser niveau 3".into();
    });
    let answer = verify(&mut client, &forged).await;
    assert!(!answer.valid);
    assert_eq!(answer.reasons, ["signature does not verify"]);

    // Signed by someone else's key under this issuer's key id.
    let foreign = issuing.keys.0.join("foreign.pem");
    generate_key(&foreign, 2048);
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&std::fs::read(&foreign).unwrap()).unwrap();
    let header: jsonwebtoken::Header = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let resigned = jsonwebtoken::encode(&header, &payload(&jwt), &key).unwrap();
    let answer = verify(&mut client, &resigned).await;
    assert_eq!(answer.reasons, ["signature does not verify"]);
    // And under a key id of another issuer.
    let mut elsewhere = header.clone();
    elsewhere.kid = Some("https://badges.example.org/issuers/achterhoek/keys/1".into());
    let answer = verify(
        &mut client,
        &jsonwebtoken::encode(&elsewhere, &payload(&jwt), &key).unwrap(),
    )
    .await;
    assert!(
        answer.reasons[0].starts_with("signed with a key of another issuer"),
        "{:?}",
        answer.reasons
    );
    let answer = verify(&mut client, "not.a.jwt").await;
    assert_eq!(answer.reasons, ["not a JWT"]);

    // A coach may not revoke; the programme manager may, once (a retry answers the same).
    let revoke = pb::RevokeCredentialRequest {
        credential_id: credential.credential_id.clone(),
        reason: "uitgegeven in fout".into(),
        request_id: Uuid::new_v4().to_string(),
    };
    let status = client.revoke_credential(revoke.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    let revoked = manager
        .revoke_credential(revoke.clone())
        .await
        .unwrap()
        .into_inner();
    let again = manager
        .revoke_credential(revoke)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revoked, again);
    assert!(revoked.credential.as_ref().unwrap().revoked);
    let answer = verify(&mut client, &jwt).await;
    assert!(!answer.valid && answer.revoked);
    assert_eq!(answer.reasons, ["revoked by the issuer"]);

    // Its bit is set in the published status list, a VC-JWT signed by the same issuer.
    let index = credential.status_list_index as usize;
    let response = get(&format!("{}/status/{REGION}", issuing.base)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vc+jwt");
    let list_jwt = response.text().await.unwrap();
    assert_eq!(node_verifies(&list_jwt).await, "valid");
    let list = payload(&list_jwt);
    assert_eq!(
        list["type"],
        serde_json::json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    let subject = &list["credentialSubject"];
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "revocation");
    let encoded = subject["encodedList"].as_str().unwrap();
    assert!(encoded.starts_with('u'), "multibase base64url");
    let gzip = URL_SAFE_NO_PAD.decode(&encoded[1..]).unwrap();
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&gzip[..])
        .read_to_end(&mut bits)
        .unwrap();
    assert!(bits.len() * 8 >= 131_072);
    let set: Vec<usize> = (0..bits.len() * 8)
        .filter(|i| bits[i / 8] & (0x80 >> (i % 8)) != 0)
        .collect();
    assert_eq!(set, [index]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_independent_verifier_accepts_the_credential_over_the_served_jwks() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000005").await;
    app.env.publish(&completed(&learner, true)).await;
    let jwt = credentials(&client, &learner.participant.participant_id, 1)
        .await
        .remove(0)
        .jwt;

    assert_eq!(node_verifies(&jwt).await, "valid");
    let forged = altered(&jwt, |vc| vc["validFrom"] = "2020-01-01T00:00:00Z".into());
    assert_eq!(node_verifies(&forged).await, "invalid");

    // What the verifier read: the JWKS, the key its kid names, the issuer's profile.
    let issuer = format!("{}/issuers/{REGION}", issuing.base);
    let jwks: Value = get(&format!("{issuer}/jwks.json"))
        .await
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert!(key.get("d").is_none(), "no private part");
    let kid = key["kid"].as_str().unwrap();
    let served: Value = get(kid).await.json().await.unwrap();
    assert_eq!(served["n"], key["n"]);
    let response = get(&issuer).await;
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let profile: Value = response.json().await.unwrap();
    assert_eq!(profile["id"], issuer);
    assert_eq!(profile["type"], serde_json::json!(["Profile"]));
    assert_eq!(
        get(&format!("{}/issuers/twente/jwks.json", issuing.base))
            .await
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_forgets_the_holder_and_the_credential_stays_valid() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000006").await;
    app.env.publish(&completed(&learner, true)).await;
    let credential = credentials(&client, &learner.participant.participant_id, 1)
        .await
        .remove(0);

    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    manager
        .erase_participant(pb::EraseParticipantRequest {
            participant_id: learner.participant.participant_id.clone(),
            reason: "AVG-verzoek".into(),
            ..Default::default()
        })
        .await
        .unwrap();

    assert!(
        list(&mut client, &learner.participant.participant_id)
            .await
            .is_empty()
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM credentials WHERE id = '{}' AND participant_id IS NULL \
             AND jwt IS NULL AND status_index = {}",
            credential.credential_id, credential.status_list_index
        ))
        .await,
        1,
        "the issuer keeps the id and the status bit, not the person or the copy"
    );
    // The holder's copy still verifies, and can still be revoked.
    assert!(verify(&mut client, &credential.jwt).await.valid);
    let revoked = manager
        .revoke_credential(pb::RevokeCredentialRequest {
            credential_id: credential.credential_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .credential
        .unwrap();
    assert!(revoked.revoked && revoked.participant_id.is_empty() && revoked.jwt.is_empty());
    assert!(verify(&mut client, &credential.jwt).await.revoked);

    // A completion arriving after the erasure issues nothing: no one to name.
    app.env.publish(&completed(&learner, true)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.count("SELECT count(*) AS n FROM credentials").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_name_their_fields() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let status = client
        .verify_credential(pb::VerifyCredentialRequest { jwt: " ".into() })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["jwt"]);
    let status = client
        .verify_credential(pb::VerifyCredentialRequest {
            jwt: "a".repeat(70_000),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["jwt"]);
    let status = client
        .list_credentials(pb::ListCredentialsRequest {
            participant_id: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["participant_id"]);
    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    let status = manager
        .revoke_credential(pb::RevokeCredentialRequest {
            credential_id: "nope".into(),
            reason: "x".repeat(2_001),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["credential_id", "reason"]);
    let status = manager
        .revoke_credential(pb::RevokeCredentialRequest {
            credential_id: Uuid::now_v7().to_string(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    // Another region's programme manager sees no credential of the Achterhoek.
    let mut twente = app.as_role(Role::ProgrammeManager, "twente", None).await;
    let learner = learner(&mut client, "81000007").await;
    app.env.publish(&completed(&learner, true)).await;
    let credential = credentials(&client, &learner.participant.participant_id, 1)
        .await
        .remove(0);
    let status = twente
        .revoke_credential(pb::RevokeCredentialRequest {
            credential_id: credential.credential_id,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_added_to_the_folder_signs_the_next_credentials_and_the_old_ones_still_verify() {
    // Keys read again on every use here (a deployment: every 300 s).
    let issuing = spawn_issuing_with(&[("credentials.keys_refresh_seconds", "0".into())]).await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000008").await;
    app.env.publish(&completed(&learner, true)).await;
    let old = credentials(&client, &learner.participant.participant_id, 1)
        .await
        .remove(0);

    // The next key beside the first, as a rotated Secret shows it; no restart.
    issuing.keys.generate(REGION, "2027-06", 2048);
    app.env.publish(&completed(&learner, true)).await;
    let issued = credentials(&client, &learner.participant.participant_id, 2).await;
    let kid = |jwt: &str| -> String {
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jwt.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    let issuer = format!("{}/issuers/{REGION}", issuing.base);
    assert_eq!(kid(&issued[0].jwt), format!("{issuer}/keys/2026-12"));
    assert_eq!(kid(&issued[1].jwt), format!("{issuer}/keys/2027-06"));

    let jwks: Value = get(&format!("{issuer}/jwks.json"))
        .await
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids,
        [
            format!("{issuer}/keys/2026-12"),
            format!("{issuer}/keys/2027-06")
        ]
    );
    for jwt in [&old.jwt, &issued[1].jwt] {
        assert!(verify(&mut client, jwt).await.valid);
        assert_eq!(node_verifies(jwt).await, "valid");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_or_unreadable_key_stops_the_start_naming_the_file() {
    let keys = KeysDir::new();
    keys.generate(REGION, "weak", 1024);
    let env = llo_chassis::testing::TestEnv::new();
    let error = llo_intake::Application::build(env.settings_with(
        llo_chassis::ServiceName::Intake,
        &[("credentials.keys_dir", keys.0.display().to_string())],
    ))
    .await
    .err()
    .expect("refused");
    let error = format!("{error:#}");
    assert!(
        error.contains("achterhoek.weak.pem") && error.contains("2048"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_learners_credentials_page_for_those_who_may_see_the_learner() {
    let issuing = spawn_issuing().await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "81000009").await;
    app.env.publish(&completed(&learner, true)).await;
    app.env.publish(&completed(&learner, true)).await;
    let all = credentials(&client, &learner.participant.participant_id, 2).await;

    let request = |page_token: String| pb::ListCredentialsRequest {
        participant_id: learner.participant.participant_id.clone(),
        page_size: 1,
        page_token,
    };
    let first = client
        .list_credentials(request(String::new()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.credentials, all[..1]);
    let second = client
        .list_credentials(request(first.next_page_token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.credentials, all[1..]);
    assert!(second.next_page_token.is_empty());

    // The company's own HR sees them; another company's HR does not learn they exist;
    // an integrator may not ask.
    let mut own = app
        .as_role(Role::CompanyHr, REGION, Some(&learner.organisation_id))
        .await;
    assert_eq!(
        list(&mut own, &learner.participant.participant_id)
            .await
            .len(),
        2
    );
    let other = register(&mut client, "81000010").await;
    let mut other_hr = app
        .as_role(Role::CompanyHr, REGION, Some(&other.organisation_id))
        .await;
    let status = other_hr
        .list_credentials(request(String::new()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let mut integrator = app.as_role(Role::Integrator, REGION, None).await;
    let status = integrator
        .list_credentials(request(String::new()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_learner_is_sent_the_link_to_a_credential_once() {
    let mail_dir = std::env::temp_dir().join(format!("llo-mail-{}", Uuid::new_v4()));
    let issuing = spawn_issuing_with(&[
        ("notices.mail_dir", mail_dir.display().to_string()),
        ("notices.poll_ms", "50".into()),
    ])
    .await;
    let app = &issuing.app;
    let mut client = app.coach().await;
    let learner = learner(&mut client, "83000001").await;
    let event = completed(&learner, true);
    app.env.publish(&event).await;
    app.env.publish(&event).await;
    let credential = credentials(&client, &learner.participant.participant_id, 1)
        .await
        .remove(0);
    let mail = eventually("the credential's notice as an .eml file", || async {
        let file = std::fs::read_dir(&mail_dir)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "eml"))?;
        std::fs::read_to_string(file.path()).ok()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(std::fs::read_dir(&mail_dir).unwrap().count(), 1);
    assert!(mail.contains("To: medewerker1@bedrijf.nl"), "{mail}");
    assert!(
        mail.contains("Subject: Je hebt een digitaal bewijs ontvangen: VCA Basis"),
        "{mail}"
    );
    // The link serves the signed credential itself.
    let link = format!("{}/credentials/{}", issuing.base, credential.credential_id);
    // Quoted-printable: soft line breaks undone.
    let unfolded = mail.replace("=\r\n", "").replace("=\n", "");
    assert!(unfolded.contains(&link), "{mail}");
    assert!(
        unfolded.contains(&format!("<a href=3D\"{link}\">")),
        "{mail}"
    );
    let served = get(&link).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.text().await.unwrap(), credential.jwt);
    assert_eq!(
        get(&format!("{}/credentials/{}", issuing.base, Uuid::new_v4()))
            .await
            .status(),
        404
    );
    std::fs::remove_dir_all(&mail_dir).unwrap();
}
