//! TLS and mutual TLS from settings, with certificates made by the openssl command.
use std::{path::Path, process::Command};

use llo_chassis::{ServiceName, auth::Role, telemetry::ClientContext, testing::TestEnv};
use llo_proto::intake::v1::{self as pb, intake_service_client::IntakeServiceClient};
use tokio_util::sync::CancellationToken;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        status.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// A CA, a server certificate for localhost and a client certificate, all signed by the CA.
fn make_certificates(dir: &Path) {
    std::fs::write(dir.join("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n").unwrap();
    std::fs::write(
        dir.join("client.ext"),
        "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=LLO test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    for name in ["server", "client"] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={name}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.pem"),
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
            ],
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mutual_tls_admits_a_client_with_a_certificate_and_refuses_one_without() {
    let dir = std::env::temp_dir().join(format!("llo-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    make_certificates(&dir);
    let env = TestEnv::new();
    let health_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let path = |name: &str| dir.join(name).display().to_string();
    let settings = env.settings_with(
        ServiceName::Intake,
        &[
            ("tls.cert_file", path("server.pem")),
            ("tls.key_file", path("server.key")),
            ("tls.client_ca_file", path("ca.pem")),
            ("tls.health_port", health_port.to_string()),
        ],
    );
    let app = llo_intake::Application::build(settings).await.unwrap();
    let port = app.port();
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run(shutdown.clone()));
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let token = ClientContext {
        bearer_token: Some(env.token(Role::Coach, "achterhoek", None)),
    };

    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read("ca.pem")))
        .domain_name("localhost")
        .identity(Identity::from_pem(read("client.pem"), read("client.key")));
    let channel = Channel::from_shared(format!("https://127.0.0.1:{port}"))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = IntakeServiceClient::with_interceptor(channel, token.clone());
    client
        .list_organisations(pb::ListOrganisationsRequest::default())
        .await
        .unwrap();

    let no_identity = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read("ca.pem")))
        .domain_name("localhost");
    let refused = match Channel::from_shared(format!("https://127.0.0.1:{port}"))
        .unwrap()
        .tls_config(no_identity)
        .unwrap()
        .connect()
        .await
    {
        Err(_) => true,
        Ok(channel) => IntakeServiceClient::with_interceptor(channel, token)
            .list_organisations(pb::ListOrganisationsRequest::default())
            .await
            .is_err(),
    };
    assert!(refused, "a client without a certificate must be refused");

    // Kubernetes' probes speak plain text: health is served on its own port.
    let plain = Channel::from_shared(format!("http://127.0.0.1:{health_port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(plain);
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    shutdown.cancel();
    let _ = std::fs::remove_dir_all(&dir);
}
