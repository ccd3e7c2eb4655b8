//! gRPC ↔ domain for ReportingService. Each unary method runs to its end on its own
//! task (see `llo_chassis::call`), as the caller proven by the auth gate.
pub mod export;
pub mod figures;
pub mod mapping;
pub mod queries;
pub mod rebuild;
pub mod releases;

use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use llo_chassis::{
    ApiError,
    auth::{Caller, Role},
    db::PgPool,
    packs::{Packs, Skills},
};
use llo_proto::reporting::v1::{self as pb, reporting_service_server::ReportingService};

use crate::{
    domain::{
        model::{ProjectRules, SectorScan, SkillLabel, Snapshot, Source, scan_dimensions},
        suppression::Rule,
    },
    store,
};

/// What every handler needs.
pub struct Context {
    pub pool: PgPool,
    pub packs: Packs,
}

impl Context {
    /// The installation requests are read against.
    pub fn installation(&self) -> queries::Installation<'_> {
        queries::Installation(&self.packs)
    }

    pub fn min_group_size(&self, region: &str) -> u32 {
        self.packs
            .region(region)
            .map_or(5, |r| r.min_group_size.max(1))
    }

    /// The read models of a region (one sector, if given) with what the packs add:
    /// the scan's dimensions, the funding sources, the minimum group size.
    pub async fn snapshot(
        &self,
        conn: &mut AsyncPgConnection,
        region: &str,
        sector: Option<&str>,
    ) -> Result<Snapshot, ApiError> {
        let mut snapshot = store::read::snapshot(conn, region).await?;
        snapshot.min_group_size = self.min_group_size(region);
        snapshot.remembered = store::memory::load(conn, region).await?;
        // The region's dimensions whichever view asks, so that a sector's rows are named
        // as the region's are (a sector's view keeps those of its own sector).
        let sectors: Vec<String> = self
            .packs
            .region(region)
            .map(|pack| pack.sectors.clone())
            .unwrap_or_default();
        let scans: Vec<SectorScan> = sectors
            .iter()
            .filter_map(|s| self.packs.sector(s))
            .map(|pack| {
                let dimensions = pack.dimensions.iter();
                (
                    pack.id.as_str(),
                    pack.name.as_str(),
                    dimensions
                        .map(|d| (d.id.as_str(), d.name.as_str()))
                        .collect(),
                )
            })
            .collect();
        let taking_part: Vec<&str> = snapshot
            .organisations
            .iter()
            .map(|o| o.sector.as_str())
            .collect();
        snapshot.dimensions = scan_dimensions(&scans, &taking_part);
        snapshot.sources = self.sources(region, &sectors);
        snapshot.skills = Skills::of_region(&self.packs, region)
            .unwrap_or_default()
            .all()
            .iter()
            .map(|k| SkillLabel {
                uri: k.skill.uri.clone(),
                label: k.skill.nl.clone(),
            })
            .collect();
        snapshot.project = self.project(region);
        Ok(match sector {
            Some(sector) => self.view(snapshot, sector),
            None => snapshot,
        })
    }

    /// A sector's view of the region's snapshot: the sector's funding sources and
    /// companies, with the region kept beside it.
    pub fn view(&self, mut whole: Snapshot, sector: &str) -> Snapshot {
        whole.sources = self.sources(&whole.region, &[sector.to_owned()]);
        whole.restrict_to_sector(sector)
    }

    /// After a release: remembers what its view hid, so that later releases hide it too
    /// and the difference between two of them gives nothing back.
    pub async fn remember(
        &self,
        conn: &mut AsyncPgConnection,
        snapshot: &Snapshot,
        rule: &Rule,
    ) -> Result<(), ApiError> {
        if rule.applies {
            let keys = crate::domain::figures::hidden_keys(snapshot);
            store::memory::remember(conn, &snapshot.region, &keys).await?;
        }
        Ok(())
    }

    /// The region's work packages and the grant its project's books are realised
    /// against (its budget of kind `grant`), if it has both.
    pub fn project(&self, region: &str) -> Option<ProjectRules> {
        let pack = self.packs.region(region)?;
        let grant = pack.budgets.iter().find(|b| b.kind == "grant")?;
        if pack.work_packages.is_empty() {
            return None;
        }
        Some(ProjectRules {
            work_packages: pack
                .work_packages
                .iter()
                .map(|w| {
                    // The phase by its name on the calendar, as the report shows phases.
                    let phase = w.phase.as_deref().map(|id| {
                        pack.calendar
                            .as_ref()
                            .and_then(|c| c.phase(id))
                            .map_or_else(|| id.to_owned(), |p| p.name.clone())
                    });
                    (w.id.clone(), w.name.clone(), phase)
                })
                .collect(),
            grant_name: grant.name.clone(),
            percentage: grant.percentage.unwrap_or(100),
            cap_cents: grant.budget_cents,
            eligibility: grant.eligibility.clone(),
        })
    }

    /// The region's funding sources: its budgets, merged with its sectors' rules by
    /// source id (as trajectories applies them).
    pub fn sources(&self, region: &str, sectors: &[String]) -> Vec<Source> {
        let mut sources: Vec<Source> = Vec::new();
        if let Some(pack) = self.packs.region(region) {
            for budget in &pack.budgets {
                sources.push(Source {
                    id: budget.source.clone(),
                    name: budget.name.clone(),
                    kind: budget.kind.clone(),
                    budget_cents: Some(budget.budget_cents),
                });
            }
        }
        for sector in sectors {
            let Some(pack) = self.packs.sector(sector) else {
                continue;
            };
            for rule in &pack.funding_rules {
                if sources.iter().any(|s| s.id == rule.source) {
                    continue;
                }
                sources.push(Source {
                    id: rule.source.clone(),
                    name: rule.name.clone(),
                    kind: rule.kind.clone(),
                    budget_cents: if rule.kind == "employer_share" {
                        None
                    } else {
                        rule.budget_cents
                    },
                });
            }
        }
        sources
    }
}

#[derive(Clone)]
pub struct ReportingApi {
    ctx: Arc<Context>,
}

impl ReportingApi {
    pub fn new(ctx: Context) -> Self {
        Self { ctx: Arc::new(ctx) }
    }
}

/// The caller's view of a region's figures: programme managers and coaches see them
/// in full, everyone else (evaluators, integrators) anonymised.
pub fn region_rule(caller: &Caller, min_group_size: u32) -> Rule {
    if caller.has_any(&[Role::ProgrammeManager, Role::Coach]) {
        Rule::full(min_group_size)
    } else {
        Rule::anonymised(min_group_size)
    }
}

llo_chassis::grpc_service! {
    impl ReportingService for ReportingApi {
        fn get_programme_overview(pb::GetProgrammeOverviewRequest) -> pb::GetProgrammeOverviewResponse = figures::overview;
        fn get_organisation_progress(pb::GetOrganisationProgressRequest) -> pb::GetOrganisationProgressResponse = figures::progress;
        fn get_evaluation(pb::GetEvaluationRequest) -> pb::GetEvaluationResponse = figures::evaluation;
        fn get_funding_status(pb::GetFundingStatusRequest) -> pb::GetFundingStatusResponse = figures::funding;
        fn rebuild_read_models(pb::RebuildReadModelsRequest) -> pb::RebuildReadModelsResponse = rebuild::rebuild;
        fn publish_release(pb::PublishReleaseRequest) -> pb::Release = releases::publish;
        fn list_releases(pb::ListReleasesRequest) -> pb::ListReleasesResponse = releases::list;
        download fn export_report(pb::ExportReportRequest) -> ExportReportStream of pb::ExportReportChunk = export::export;
    }
}
