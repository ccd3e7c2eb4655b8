//! Domain figures → proto.
use chrono::{DateTime, Utc};
use llo_proto::reporting::v1 as pb;

use crate::domain::{
    figures::{self, Fig},
    model::{SizeClass, TrajectoryStatus},
    release::Release,
    suppression::{Cell, Rule, Tally},
};

pub fn release(r: &Release) -> pb::Release {
    pb::Release {
        region: r.region.clone(),
        number: r.number,
        published_time: Some(timestamp(r.published_at)),
        as_of_time: r.as_of.map(timestamp),
        note: r.note.clone(),
        published_by: r.published_by.clone(),
        min_group_size: r.min_group_size,
        sectors: r.sectors.clone(),
        organisations: r.organisation_ids.len() as i32,
        held_back: r.held_back,
    }
}

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn cell(cell: Cell) -> i32 {
    (match cell {
        Cell::Shown => pb::CellStatus::Shown,
        Cell::SmallGroup => pb::CellStatus::SuppressedSmallGroup,
        Cell::Complementary => pb::CellStatus::SuppressedComplementary,
        Cell::Dominance => pb::CellStatus::SuppressedDominance,
        Cell::NotAvailable => pb::CellStatus::NotAvailable,
    }) as i32
}

pub fn fig(f: Fig) -> Option<pb::Figure> {
    Some(pb::Figure {
        value: f.value,
        status: cell(f.cell),
    })
}

pub fn amount(f: Fig) -> Option<pb::Amount> {
    Some(pb::Amount {
        cents: f.value.round() as i64,
        status: cell(f.cell),
    })
}

pub fn notice(rule: &Rule, tally: &Tally) -> Option<pb::SuppressionNotice> {
    Some(pb::SuppressionNotice {
        min_group_size: i32::try_from(rule.min_group_size).unwrap_or(i32::MAX),
        small_group_cells: i32::try_from(tally.small_group).unwrap_or(i32::MAX),
        complementary_cells: i32::try_from(tally.complementary).unwrap_or(i32::MAX),
        dominance_cells: i32::try_from(tally.dominance).unwrap_or(i32::MAX),
        applied: rule.applies,
        explanation: tally.explanation(rule),
    })
}

pub fn size_class(class: SizeClass) -> i32 {
    (match class {
        SizeClass::Micro => pb::SizeClass::Micro,
        SizeClass::Small => pb::SizeClass::Small,
        SizeClass::Medium => pb::SizeClass::Medium,
        SizeClass::Large => pb::SizeClass::Large,
    }) as i32
}

pub fn trajectory_state(status: TrajectoryStatus) -> i32 {
    (match status {
        TrajectoryStatus::Proposed => pb::TrajectoryState::Proposed,
        TrajectoryStatus::Active => pb::TrajectoryState::Active,
        TrajectoryStatus::Completed => pb::TrajectoryState::Completed,
        TrajectoryStatus::Cancelled => pb::TrajectoryState::Cancelled,
    }) as i32
}

pub fn dimension(row: &figures::DimensionRow) -> pb::DimensionProgress {
    pb::DimensionProgress {
        dimension_id: row.dimension_id.clone(),
        dimension_name: row.dimension_name.clone(),
        baseline: fig(row.baseline),
        follow_up: fig(row.follow_up),
        change: fig(row.change),
        baseline_respondents: fig(row.baseline_respondents),
        follow_up_respondents: fig(row.follow_up_respondents),
    }
}

pub fn overview(
    o: &figures::Overview,
    region: &str,
    sector: Option<&str>,
    rule: &Rule,
    as_of: Option<DateTime<Utc>>,
) -> pb::GetProgrammeOverviewResponse {
    let class = |c| o.companies.get(&c).copied().unwrap_or(0) as i32;
    pb::GetProgrammeOverviewResponse {
        region: region.to_owned(),
        sector: sector.unwrap_or_default().to_owned(),
        companies: Some(pb::CompaniesBySize {
            micro: class(SizeClass::Micro),
            small: class(SizeClass::Small),
            medium: class(SizeClass::Medium),
            large: class(SizeClass::Large),
            total: o.companies_total as i32,
        }),
        employees_reached: fig(o.employees_reached),
        uwv_referrals: fig(o.uwv_referrals),
        development_plans: fig(o.development_plans),
        learning_activities_planned: fig(o.activities_planned),
        learning_activities_completed: fig(o.activities_completed),
        learning_hours_planned: fig(o.hours_planned),
        learning_hours_attended: fig(o.hours_attended),
        coaching_sessions: o.coaching_sessions as i32,
        coaching_hours: o.coaching_hours,
        workshops_held: o.workshops_held as i32,
        workshop_registrations: fig(o.registrations),
        workshop_attendance_rate: fig(o.attendance_rate),
        average_feedback_rating: fig(o.average_feedback),
        knowledge_items: o.knowledge_items as i32,
        trajectories: [
            TrajectoryStatus::Proposed,
            TrajectoryStatus::Active,
            TrajectoryStatus::Completed,
            TrajectoryStatus::Cancelled,
        ]
        .into_iter()
        .map(|s| pb::TrajectoryStateCount {
            state: trajectory_state(s),
            count: o.trajectories.get(&s).copied().unwrap_or(0) as i32,
        })
        .collect(),
        suppression: notice(rule, &o.tally),
        as_of_time: as_of.map(timestamp),
        release: None,
    }
}

pub fn progress(
    p: &figures::Progress,
    region: &str,
    rule: &Rule,
) -> pb::GetOrganisationProgressResponse {
    pb::GetOrganisationProgressResponse {
        organisation_id: p.organisation.id.to_string(),
        region: region.to_owned(),
        sector: p.organisation.sector.clone(),
        organisation_name: p.organisation.name.clone(),
        employee_count: p.organisation.employee_count,
        size_class: size_class(SizeClass::of(p.organisation.employee_count)),
        dimensions: p.dimensions.iter().map(dimension).collect(),
        trajectory_id: p
            .trajectory
            .as_ref()
            .map(|t| t.id.to_string())
            .unwrap_or_default(),
        trajectory_state: p
            .trajectory
            .as_ref()
            .map_or(0, |t| trajectory_state(t.status)),
        coach_assigned: p.trajectory.as_ref().is_some_and(|t| t.coach_assigned),
        interventions: p
            .interventions
            .iter()
            .map(|i| pb::InterventionSummary {
                intervention_id: i.id.to_string(),
                kind: i.kind.clone(),
                // An anonymised view does not show which dimensions a company works on:
                // its weakest, from which a small scan would be read.
                dimension_id: if rule.applies {
                    String::new()
                } else {
                    i.dimension_id.clone()
                },
                planned_hours: i.planned_hours,
            })
            .collect(),
        participants: fig(p.participants),
        uwv_referrals: fig(p.uwv_referrals),
        development_plans: fig(p.development_plans),
        learning_activities_planned: fig(p.activities_planned),
        learning_activities_completed: fig(p.activities_completed),
        credentials_awarded: fig(p.credentials),
        learning_hours_planned: fig(p.hours_planned),
        learning_hours_attended: fig(p.hours_attended),
        coaching_sessions: p.coaching_sessions as i32,
        coaching_hours: p.coaching_hours,
        funding: p
            .funding
            .iter()
            .map(|f| pb::SourceFunding {
                source: f.source.clone(),
                name: f.name.clone(),
                committed: amount(f.committed),
                spent: amount(f.spent),
                public_source: f.public,
            })
            .collect(),
        suppression: notice(rule, &p.tally),
        release: None,
    }
}

pub fn evaluation(
    e: &figures::Evaluation,
    region: &str,
    sector: Option<&str>,
    rule: &Rule,
) -> pb::GetEvaluationResponse {
    pb::GetEvaluationResponse {
        region: region.to_owned(),
        sector: sector.unwrap_or_default().to_owned(),
        dimensions: e
            .dimensions
            .iter()
            .map(|d| pb::DimensionEvaluation {
                dimension_id: d.dimension_id.clone(),
                dimension_name: d.dimension_name.clone(),
                sector: d.sector.clone().unwrap_or_default(),
                mean_baseline: fig(d.mean_baseline),
                mean_follow_up: fig(d.mean_follow_up),
                change: fig(d.change),
                companies: d.companies as i32,
                baseline_respondents: fig(d.baseline_respondents),
                follow_up_respondents: fig(d.follow_up_respondents),
            })
            .collect(),
        companies: e
            .companies
            .iter()
            .map(|c| pb::CompanyEvaluation {
                organisation_id: c.organisation_id.to_string(),
                organisation_name: c.organisation_name.clone(),
                status: cell(c.cell),
                dimensions: c.dimensions.iter().map(dimension).collect(),
            })
            .collect(),
        reaction: Some(pb::ReactionLevel {
            workshop_participants: fig(e.workshop_participants),
            attendance_rate: fig(e.attendance_rate),
            average_feedback_rating: fig(e.average_feedback),
            feedback_count: fig(e.feedback_count),
        }),
        learning: Some(pb::LearningLevel {
            participants_completed: fig(e.participants_completed),
            activities_completed: fig(e.activities_completed),
            credentials_awarded: fig(e.credentials),
            hours_attended: fig(e.hours_attended),
            by_skill: e
                .by_skill
                .iter()
                .map(|k| pb::SkillLearning {
                    skill_uri: k.skill_uri.clone(),
                    label: k.label.clone(),
                    participants: fig(k.participants),
                    activities: fig(k.activities),
                })
                .collect(),
        }),
        behaviour: Some(pb::BehaviourLevel {
            companies_compared: e.companies_compared as i32,
            mean_change: fig(e.mean_change),
            dimensions_improved: e.dimensions_improved as i32,
            dimensions_declined: e.dimensions_declined as i32,
        }),
        suppression: notice(rule, &e.tally),
        release: None,
    }
}

pub fn funding(
    f: &figures::Funding,
    project: Option<&figures::ProjectCosts>,
    region: &str,
    rule: &Rule,
) -> pb::GetFundingStatusResponse {
    pb::GetFundingStatusResponse {
        project: project.map(project_costs),
        region: region.to_owned(),
        sources: f
            .sources
            .iter()
            .map(|s| pb::SourceStatus {
                source: s.source.id.clone(),
                name: s.source.name.clone(),
                kind: s.source.kind.clone(),
                budget_cents: s.source.budget_cents.unwrap_or(0),
                has_budget: s.source.budget_cents.is_some(),
                committed_cents: s.committed_cents,
                spent_cents: s.spent_cents,
                remaining_cents: s.remaining_cents.unwrap_or(0),
                public_source: s.source.is_public(),
                status: cell(s.cell),
            })
            .collect(),
        total_funding_cents: f.total_cents,
        participants_funded: f.participants_funded as i32,
        totals_status: cell(f.totals_cell),
        cost_per_participant: amount(f.cost_per_participant_cents),
        companies: f
            .companies
            .iter()
            .map(|c| pb::CompanyFunding {
                organisation_id: c.organisation_id.to_string(),
                organisation_name: c.organisation_name.clone(),
                public_funding: amount(c.public_cents),
                total_funding: amount(c.total_cents),
                participants_funded: fig(c.participants),
            })
            .collect(),
        suppression: notice(rule, &f.tally),
        release: None,
    }
}

fn project_costs(p: &figures::ProjectCosts) -> pb::ProjectCosts {
    pb::ProjectCosts {
        grant: p.grant_name.clone(),
        regulation: p.regulation.clone(),
        work_packages: p
            .work_packages
            .iter()
            .map(|w| pb::WorkPackageCosts {
                work_package: w.id.clone(),
                name: w.name.clone(),
                phase: w.phase.clone().unwrap_or_default(),
                budgeted_cents: w.budgeted_cents,
                realised_cents: w.realised_cents,
                eligible_cents: w.eligible_cents,
            })
            .collect(),
        budgeted_cents: p.budgeted_cents,
        realised_cents: p.realised_cents,
        eligible_cents: p.eligible_cents,
        grant_cents: p.grant_cents,
        cap_cents: p.cap_cents,
        participants: p.participants as i32,
        sme_participants: p.smes as i32,
        not_eligible_cents: p.not_eligible_cents,
    }
}
