//! Production keys: RS256 from a JWKS file, ES256 from an inline PEM; the development
//! key is not trusted outside development.
use std::{path::Path, process::Command};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::intake::v1::{self as pb, intake_service_client::IntakeServiceClient};
use tokio_util::sync::CancellationToken;
use tonic::{Code, transport::Channel};

fn openssl(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn claims() -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    serde_json::json!({"sub": "uwv-koppeling", "iss": "llo", "aud": "llo-suite", "exp": now + 600, "nbf": now - 1,
        "roles": ["integrator"], "regions": ["achterhoek"]})
}

async fn serve(env: &TestEnv, auth: &[(&str, String)]) -> (u16, CancellationToken) {
    let mut overrides = vec![
        ("environment", "production".to_owned()),
        ("auth.allow_development_tokens", "false".to_owned()),
    ];
    overrides.extend(auth.iter().map(|(k, v)| (*k, v.clone())));
    let app = llo_intake::Application::build(env.settings_with(ServiceName::Intake, &overrides))
        .await
        .unwrap();
    let port = app.port();
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run(shutdown.clone()));
    (port, shutdown)
}

async fn list_with(port: u16, token: String) -> Result<(), tonic::Status> {
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = IntakeServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token),
        },
    );
    client
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .map(|_| ())
}

#[tokio::test(flavor = "multi_thread")]
async fn rs256_tokens_are_checked_against_a_jwks_file_and_es256_against_a_pem_key() {
    let dir = std::env::temp_dir().join(format!("llo-keys-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    openssl(
        &dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.key",
        ],
    );
    let modulus = openssl(&dir, &["rsa", "-in", "rsa.key", "-noout", "-modulus"]);
    let modulus = modulus.trim().trim_start_matches("Modulus=");
    let n: Vec<u8> = (0..modulus.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&modulus[i..i + 2], 16).unwrap())
        .collect();
    let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "idp-2026", "alg": "RS256", "use": "sig", "n": URL_SAFE_NO_PAD.encode(n), "e": "AQAB"}]});
    std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
    openssl(
        &dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ec.key",
        ],
    );
    openssl(
        &dir,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "ec.key", "-out", "ec8.key",
        ],
    );
    openssl(&dir, &["ec", "-in", "ec.key", "-pubout", "-out", "ec.pub"]);
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();

    let rsa_token = {
        let header = Header {
            kid: Some("idp-2026".into()),
            ..Header::new(Algorithm::RS256)
        };
        jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_rsa_pem(&read("rsa.key")).unwrap(),
        )
        .unwrap()
    };
    let ec_token = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &claims(),
        &EncodingKey::from_ec_pem(&read("ec8.key")).unwrap(),
    )
    .unwrap();
    let env = TestEnv::new();
    let development_token = env.token(Role::ProgrammeManager, "achterhoek", None);

    let (jwks_port, stop_jwks) = serve(
        &env,
        &[(
            "auth.jwks_file",
            dir.join("jwks.json").display().to_string(),
        )],
    )
    .await;
    list_with(jwks_port, rsa_token.clone()).await.unwrap();
    assert_eq!(
        list_with(jwks_port, ec_token.clone())
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    assert_eq!(
        list_with(jwks_port, development_token.clone())
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    stop_jwks.cancel();

    let pem = String::from_utf8(read("ec.pub")).unwrap();
    let (pem_port, stop_pem) = serve(
        &env,
        &[
            ("auth.public_key_pem", pem),
            ("auth.public_key_algorithm", "ES256".to_owned()),
        ],
    )
    .await;
    list_with(pem_port, ec_token).await.unwrap();
    assert_eq!(
        list_with(pem_port, rsa_token).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    assert_eq!(
        list_with(pem_port, development_token)
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    stop_pem.cancel();
    let _ = std::fs::remove_dir_all(&dir);
}
