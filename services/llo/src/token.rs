use llo_chassis::auth::{Role, TokenRequest, mint_development_token};

#[derive(clap::Args)]
pub struct TokenArgs {
    /// programme_manager, coach, company_hr, integrator or evaluator (repeatable).
    #[arg(long = "role", required = true)]
    roles: Vec<Role>,
    /// Region(s) the token covers (repeatable).
    #[arg(long = "region", default_value = "achterhoek")]
    regions: Vec<String>,
    /// Organisation id, for company_hr (and a provider's integrator).
    #[arg(long)]
    org: Option<String>,
    #[arg(long, default_value = "llo-cli")]
    subject: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 8 * 3600)]
    ttl: i64,
}

pub fn request(
    roles: Vec<Role>,
    regions: Vec<String>,
    org: Option<String>,
    subject: &str,
    ttl: i64,
) -> TokenRequest {
    TokenRequest {
        subject: subject.to_owned(),
        roles,
        regions,
        organisation_id: org,
        issuer: "llo".into(),
        audience: "llo-suite".into(),
        valid_for_seconds: ttl,
    }
}

pub fn print(args: TokenArgs) -> anyhow::Result<()> {
    let token = mint_development_token(&request(
        args.roles,
        args.regions,
        args.org,
        &args.subject,
        args.ttl,
    ))?;
    println!("{token}");
    Ok(())
}
