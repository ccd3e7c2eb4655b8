//! The gate in front of every RPC: which tokens prove a caller, which callers a
//! method admits, and what the handlers see of them. No broker or database needed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::collections::HashSet;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use llo_chassis::{
    auth::{
        AccessPolicy, Authenticator, Caller, Claims, DEVELOPMENT_KEY, DEVELOPMENT_KEY_ID, Gate,
        Refusal, Role, TokenRequest, allowed_roles, caller, mint_development_token,
    },
    settings::AuthSettings,
};

const ISSUER: &str = "https://login.llo.test";
const AUDIENCE: &str = "llo";

/// A P-256 key pair made with openssl for these tests only (never trusted anywhere).
const EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgx76aX92JHmJf72eS
SGCF3wiNY+d4gW+rUFFOW/e9IzihRANCAAQY/eCG6MGzT5+SocrzweccBVMlMF+y
VB93vKKVGlcdq3bM9tlIcwi72tIt5q2bTTRihXhcZGflc7ak92yG5JzL
-----END PRIVATE KEY-----
";
const EC_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGP3ghujBs0+fkqHK88HnHAVTJTBf
slQfd7yilRpXHat2zPbZSHMIu9rSLeatm000YoV4XGRn5XO2pPdshuScyw==
-----END PUBLIC KEY-----
";
/// The same public key as a JWK (x and y of the point).
const EC_X: &str = "GP3ghujBs0-fkqHK88HnHAVTJTBfslQfd7yilRpXHas";
const EC_Y: &str = "dsz22UhzCLva0i3mrZtNNGKFeFxkZ-VztqT3bIbknMs";
/// Another P-256 key: a token signed with it must not pass for the first.
const OTHER_EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg99H+umzobNrwChzZ
ZbxUFinajOkmeP9Y9qkprCC1S2WhRANCAAT41HzhCk/9VIby8LZc0dlhMdIu0ISx
/7kbZBbHvtAFxCdITLO4O+58AqAOZc3804gLgzNl9naeTqaxH4GjCLlS
-----END PRIVATE KEY-----
";

fn settings() -> AuthSettings {
    AuthSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        jwks_file: None,
        public_key_pem: None,
        public_key_algorithm: "RS256".into(),
        allow_development_tokens: true,
        jwks_refresh_seconds: 300,
        jwks_unknown_key_refresh_seconds: 10,
    }
}

fn development() -> Authenticator {
    Authenticator::from_settings(&settings()).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Claims {
    Claims {
        sub: "coach-1".into(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        exp: now() + 300,
        // (an absent nbf would be serialised as null, which the validation rejects)
        nbf: Some(now() - 1),
        iat: Some(now()),
        roles: vec!["coach".into()],
        regions: vec!["twente".into()],
        org: None,
    }
}

/// A token signed with the development key (HS256, its key id) with these claims.
fn development_token(claims: &Claims) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(DEVELOPMENT_KEY_ID.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(DEVELOPMENT_KEY)).unwrap()
}

fn ec_token(private_pem: &str, kid: Option<&str>, claims: &Claims) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_ec_pem(private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn request(roles: &[Role], regions: &[&str], organisation: Option<&str>) -> TokenRequest {
    TokenRequest {
        subject: "user-1".into(),
        roles: roles.to_vec(),
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        organisation_id: organisation.map(str::to_owned),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        valid_for_seconds: 300,
    }
}

fn denied(result: Result<Caller, Refusal>) -> String {
    match result {
        Err(Refusal::PermissionDenied(message)) => message,
        other => panic!("expected a permission refusal, got {other:?}"),
    }
}

#[test]
fn a_development_token_proves_its_caller() {
    let token = mint_development_token(&request(
        &[Role::CompanyHr, Role::Evaluator],
        &["twente", "drenthe"],
        Some("org-1"),
    ))
    .unwrap();
    let caller = development().authenticate(Some(&bearer(&token))).unwrap();
    assert_eq!(
        caller,
        Caller {
            subject: "user-1".into(),
            roles: HashSet::from([Role::CompanyHr, Role::Evaluator]),
            regions: HashSet::from(["twente".to_owned(), "drenthe".to_owned()]),
            organisation_id: Some("org-1".into()),
        }
    );
    // The scheme is case-insensitive in practice; surrounding blanks are ignored.
    let lower = format!("bearer  {token} ");
    assert_eq!(
        development().authenticate(Some(&lower)).unwrap().subject,
        "user-1"
    );
}

#[test]
fn a_minted_token_carries_what_was_asked_for() {
    let token = mint_development_token(&request(&[Role::Integrator], &["twente"], None)).unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.kid.as_deref(), Some(DEVELOPMENT_KEY_ID));
    let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let claims = jsonwebtoken::decode::<Claims>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(DEVELOPMENT_KEY),
        &validation,
    )
    .unwrap()
    .claims;
    let iat = claims.iat.expect("issued at");
    assert!((iat - now()).abs() <= 2, "{claims:?}");
    assert_eq!(claims.exp, iat + 300, "valid for the seconds asked");
    assert_eq!(claims.nbf, Some(iat - 1), "valid from a second before");
    assert_eq!(claims.roles, ["integrator"]);
    assert_eq!(claims.regions, ["twente"]);
    assert_eq!(claims.sub, "user-1");
}

#[test]
fn missing_or_odd_authorization_headers_are_unauthenticated() {
    let auth = development();
    let token = development_token(&claims());
    for header in [
        None,
        Some(String::new()),
        Some("Bearer ".to_owned()),
        Some("Bearer    ".to_owned()),
        Some(token.clone()),
        Some(format!("Basic {token}")),
        Some(format!("BEARER {token}")),
        Some("Bearer not-a-jwt".to_owned()),
    ] {
        assert_eq!(
            auth.authenticate(header.as_deref()),
            Err(Refusal::Unauthenticated),
            "{header:?}"
        );
    }
}

#[test]
fn issuer_audience_and_times_are_checked() {
    let auth = development();
    assert!(
        auth.authenticate(Some(&bearer(&development_token(&claims()))))
            .is_ok()
    );
    let refused = |claims: Claims| {
        assert_eq!(
            auth.authenticate(Some(&bearer(&development_token(&claims)))),
            Err(Refusal::Unauthenticated),
            "{claims:?}"
        );
    };
    refused(Claims {
        iss: "https://elsewhere.test".into(),
        ..claims()
    });
    refused(Claims {
        aud: "other".into(),
        ..claims()
    });
    // Expired beyond the 30 s leeway; not yet valid beyond it.
    refused(Claims {
        exp: now() - 60,
        ..claims()
    });
    refused(Claims {
        nbf: Some(now() + 120),
        ..claims()
    });
    // Within the leeway both still pass.
    let within = Claims {
        exp: now() - 10,
        nbf: Some(now() + 10),
        ..claims()
    };
    assert!(
        auth.authenticate(Some(&bearer(&development_token(&within))))
            .is_ok()
    );
}

#[test]
fn a_token_signed_with_another_key_or_naming_another_key_is_refused() {
    let auth = development();
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(b"some-other-secret"),
    )
    .unwrap();
    assert_eq!(
        auth.authenticate(Some(&bearer(&forged))),
        Err(Refusal::Unauthenticated)
    );
    // The development key, but the header names another key.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("someone-else".into());
    let other_kid = jsonwebtoken::encode(
        &header,
        &claims(),
        &EncodingKey::from_secret(DEVELOPMENT_KEY),
    )
    .unwrap();
    assert_eq!(
        auth.authenticate(Some(&bearer(&other_kid))),
        Err(Refusal::Unauthenticated)
    );
    // No key id at all: the development key is tried.
    let no_kid = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(DEVELOPMENT_KEY),
    )
    .unwrap();
    assert!(auth.authenticate(Some(&bearer(&no_kid))).is_ok());
    // An ES256 token where only the development key is trusted.
    let ec = ec_token(EC_PRIVATE, None, &claims());
    assert_eq!(
        auth.authenticate(Some(&bearer(&ec))),
        Err(Refusal::Unauthenticated)
    );
}

#[test]
fn a_token_must_grant_a_known_role_in_a_region() {
    let auth = development();
    let check = |claims: Claims| auth.authenticate(Some(&bearer(&development_token(&claims))));
    let message = denied(check(Claims {
        roles: vec![],
        ..claims()
    }));
    assert_eq!(message, "the token grants no role in any region");
    denied(check(Claims {
        regions: vec![],
        ..claims()
    }));
    denied(check(Claims {
        roles: vec!["janitor".into()],
        ..claims()
    }));
    // Unknown roles are ignored, the known ones kept.
    let caller = check(Claims {
        roles: vec!["janitor".into(), "evaluator".into()],
        ..claims()
    })
    .unwrap();
    assert_eq!(caller.roles, HashSet::from([Role::Evaluator]));
}

#[test]
fn a_company_hr_token_must_name_its_organisation() {
    let auth = development();
    let check = |org: Option<&str>| {
        auth.authenticate(Some(&bearer(&development_token(&Claims {
            roles: vec!["company_hr".into()],
            org: org.map(str::to_owned),
            ..claims()
        }))))
    };
    assert_eq!(
        denied(check(None)),
        "a company_hr token must name its organisation"
    );
    denied(check(Some("")));
    assert_eq!(
        check(Some("org-1")).unwrap().organisation_id.as_deref(),
        Some("org-1")
    );
    // A coach's token with an empty org claim has no organisation.
    let caller = auth
        .authenticate(Some(&bearer(&development_token(&Claims {
            org: Some(String::new()),
            ..claims()
        }))))
        .unwrap();
    assert_eq!(caller.organisation_id, None);
}

#[test]
fn settings_without_keys_or_with_an_unsupported_algorithm_are_refused() {
    let none = AuthSettings {
        allow_development_tokens: false,
        ..settings()
    };
    let error = Authenticator::from_settings(&none).err().unwrap();
    assert!(
        error.to_string().contains("no token keys configured"),
        "{error}"
    );
    for algorithm in ["HS256", "PS256", "nonsense"] {
        let odd = AuthSettings {
            public_key_pem: Some(EC_PUBLIC.into()),
            public_key_algorithm: algorithm.into(),
            ..settings()
        };
        let error = Authenticator::from_settings(&odd).err().unwrap();
        assert!(
            error.to_string().contains("must be RS256 or ES256"),
            "{error}"
        );
    }
    // An EC key announced as RSA is not a valid RSA key.
    let mismatched = AuthSettings {
        public_key_pem: Some(EC_PUBLIC.into()),
        public_key_algorithm: "RS256".into(),
        ..settings()
    };
    let error = Authenticator::from_settings(&mismatched).err().unwrap();
    assert!(error.to_string().contains("not a valid PEM"), "{error}");
}

#[test]
fn an_es256_public_key_verifies_tokens_of_its_private_key_only() {
    let auth = Authenticator::from_settings(&AuthSettings {
        public_key_pem: Some(EC_PUBLIC.into()),
        public_key_algorithm: "ES256".into(),
        allow_development_tokens: false,
        ..settings()
    })
    .unwrap();
    // A key from settings has no id, so any key id in the header is accepted.
    for kid in [None, Some("2026-11")] {
        let token = ec_token(EC_PRIVATE, kid, &claims());
        assert_eq!(
            auth.authenticate(Some(&bearer(&token))).unwrap().subject,
            "coach-1"
        );
    }
    let other = ec_token(OTHER_EC_PRIVATE, None, &claims());
    assert_eq!(
        auth.authenticate(Some(&bearer(&other))),
        Err(Refusal::Unauthenticated)
    );
    // Development tokens are off.
    let development = development_token(&claims());
    assert_eq!(
        auth.authenticate(Some(&bearer(&development))),
        Err(Refusal::Unauthenticated)
    );
}

#[test]
fn a_jwks_file_supplies_keys_by_id() {
    let dir = std::env::temp_dir().join(format!("llo-auth-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jwks.json");
    let jwks = serde_json::json!({
        "keys": [{
            "kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y,
            "kid": "issuer-1", "use": "sig", "alg": "ES256"
        }]
    });
    std::fs::write(&path, jwks.to_string()).unwrap();
    let auth = Authenticator::from_settings(&AuthSettings {
        jwks_file: Some(path.clone()),
        allow_development_tokens: false,
        ..settings()
    })
    .unwrap();
    for kid in [Some("issuer-1"), None] {
        let token = ec_token(EC_PRIVATE, kid, &claims());
        assert!(auth.authenticate(Some(&bearer(&token))).is_ok(), "{kid:?}");
    }
    let wrong_kid = ec_token(EC_PRIVATE, Some("issuer-2"), &claims());
    assert_eq!(
        auth.authenticate(Some(&bearer(&wrong_kid))),
        Err(Refusal::Unauthenticated)
    );
    std::fs::write(&path, "{ not json").unwrap();
    let error = Authenticator::from_settings(&AuthSettings {
        jwks_file: Some(path.clone()),
        ..settings()
    })
    .err()
    .unwrap();
    assert!(error.to_string().contains("is not a JWKS"), "{error}");
    let error = Authenticator::from_settings(&AuthSettings {
        jwks_file: Some(dir.join("missing.json")),
        ..settings()
    })
    .err()
    .unwrap();
    assert!(error.to_string().contains("cannot read"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

const POLICY: AccessPolicy = &[
    (
        "/llo.test.v1.TestService/Read",
        &[Role::ProgrammeManager, Role::CompanyHr],
    ),
    ("/llo.test.v1.TestService/Write", &[Role::ProgrammeManager]),
];

fn gate(reflection_public: bool) -> Gate {
    Gate {
        authenticator: development(),
        policy: POLICY,
        reflection_public,
    }
}

fn token_for(roles: &[Role], organisation: Option<&str>) -> String {
    bearer(&mint_development_token(&request(roles, &["twente"], organisation)).unwrap())
}

#[test]
fn health_is_public_and_reflection_only_when_configured() {
    let health = "/grpc.health.v1.Health/Check";
    let reflection = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
    assert_eq!(gate(false).admit(health, None), Ok(None));
    assert_eq!(gate(true).admit(reflection, None), Ok(None));
    assert_eq!(
        gate(false).admit(reflection, None),
        Err(Refusal::Unauthenticated)
    );
    assert_eq!(
        gate(true).admit("/llo.test.v1.TestService/Read", None),
        Err(Refusal::Unauthenticated)
    );
}

#[test]
fn a_method_outside_the_policy_is_open_to_nobody() {
    let token = token_for(&[Role::ProgrammeManager], None);
    assert_eq!(
        gate(false).admit("/llo.test.v1.TestService/Delete", Some(&token)),
        Err(Refusal::PermissionDenied(
            "this method is not open to any role".into()
        ))
    );
    assert_eq!(
        allowed_roles(POLICY, "/llo.test.v1.TestService/Delete"),
        None
    );
    assert_eq!(
        allowed_roles(POLICY, "/llo.test.v1.TestService/Write"),
        Some(&[Role::ProgrammeManager][..])
    );
}

#[test]
fn a_caller_without_an_allowed_role_is_told_which_roles_open_the_method() {
    let token = token_for(&[Role::Coach, Role::Evaluator], None);
    assert_eq!(
        gate(false).admit("/llo.test.v1.TestService/Read", Some(&token)),
        Err(Refusal::PermissionDenied(
            "this method needs one of the roles: programme_manager, company_hr".into()
        ))
    );
}

#[test]
fn the_handler_sees_only_the_roles_that_open_the_method() {
    let token = token_for(&[Role::CompanyHr, Role::Evaluator], Some("org-1"));
    let caller = gate(false)
        .admit("/llo.test.v1.TestService/Read", Some(&token))
        .unwrap()
        .unwrap();
    assert_eq!(caller.roles, HashSet::from([Role::CompanyHr]));
    assert_eq!(caller.organisation_id.as_deref(), Some("org-1"));
    let token = token_for(&[Role::ProgrammeManager, Role::Coach], None);
    let caller = gate(false)
        .admit("/llo.test.v1.TestService/Write", Some(&token))
        .unwrap()
        .unwrap();
    assert_eq!(caller.roles, HashSet::from([Role::ProgrammeManager]));
}

fn caller_with(roles: &[Role], organisation: Option<&str>) -> Caller {
    Caller {
        subject: "s".into(),
        roles: roles.iter().copied().collect(),
        regions: HashSet::from(["twente".to_owned()]),
        organisation_id: organisation.map(str::to_owned),
    }
}

#[test]
fn company_roles_are_scoped_to_their_organisation_region_roles_are_not() {
    use Role::*;
    let scoped = |roles: &[Role], org| caller_with(roles, org).is_company_scoped();
    assert!(scoped(&[CompanyHr], Some("o")));
    assert!(scoped(&[CompanyHr], None));
    assert!(scoped(&[Integrator], Some("o")));
    assert!(!scoped(&[Integrator], None));
    for region_wide in [ProgrammeManager, Coach, Evaluator] {
        assert!(
            !scoped(&[region_wide, CompanyHr], Some("o")),
            "{region_wide}"
        );
        assert!(!scoped(&[region_wide], None), "{region_wide}");
    }

    let hr = caller_with(&[CompanyHr], Some("o"));
    assert!(hr.may_see_organisation("twente", "o"));
    assert!(!hr.may_see_organisation("twente", "p"));
    assert!(!hr.may_see_organisation("drenthe", "o"));
    let coach = caller_with(&[Coach], None);
    assert!(coach.may_see_organisation("twente", "p"));
    assert!(!coach.may_see_organisation("drenthe", "p"));
    assert!(coach.may_see_region("twente"));
    assert!(coach.has_role(Coach));
    assert!(!coach.has_role(CompanyHr));
    assert!(coach.has_any(&[CompanyHr, Coach]));
    assert!(!coach.has_any(&[CompanyHr, Evaluator]));
    assert!(!coach.has_any(&[]));
}

#[test]
fn roles_read_back_from_their_names() {
    let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        [
            "programme_manager",
            "coach",
            "company_hr",
            "integrator",
            "evaluator"
        ]
    );
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        assert_eq!(role.to_string(), role.as_str());
    }
    let error = "janitor".parse::<Role>().unwrap_err();
    assert!(error.starts_with("unknown role \"janitor\""), "{error}");
}

#[test]
fn refusals_become_grpc_statuses_without_detail_for_bad_tokens() {
    let status = tonic::Status::from(Refusal::Unauthenticated);
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert_eq!(status.message(), "a valid bearer token is required");
    let status = tonic::Status::from(Refusal::PermissionDenied("no".into()));
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert_eq!(status.message(), "no");
}

#[test]
fn handlers_find_the_caller_the_gate_put_in_the_request() {
    let mut request = tonic::Request::new(());
    assert_eq!(
        caller(&request).unwrap_err().code(),
        tonic::Code::Unauthenticated
    );
    let coach = caller_with(&[Role::Coach], None);
    request.extensions_mut().insert(coach.clone());
    assert_eq!(caller(&request).unwrap(), &coach);
}
