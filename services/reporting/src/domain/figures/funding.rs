//! Funding per source and per company.
use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::*;
use crate::domain::{
    model::*,
    suppression::{Cell, Rule, Tally},
};

#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    pub source: Source,
    /// Whether the amounts are shown (they are 0 when hidden): a source's money
    /// describes the participants it funds.
    pub cell: Cell,
    pub committed_cents: i64,
    pub spent_cents: i64,
    pub remaining_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompanyFunding {
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub public_cents: Fig,
    pub total_cents: Fig,
    pub participants: Fig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Funding {
    pub sources: Vec<SourceStatus>,
    /// Whether the region's total and the number funded are shown (they are 0 when
    /// hidden): hidden with the cost per participant, which they would give back.
    pub totals_cell: Cell,
    pub total_cents: i64,
    pub participants_funded: u32,
    pub cost_per_participant_cents: Fig,
    pub companies: Vec<CompanyFunding>,
    pub tally: Tally,
}

/// Funding of a view; a sector's is held against the region and its siblings.
pub fn funding(s: &Snapshot, rule: &Rule) -> Funding {
    siblings::held_funding(s, rule, funding_of)
}

fn funding_of(s: &Snapshot, rule: &Rule) -> Funding {
    let mut t = Tally::default();
    let completed: BTreeSet<Uuid> = s
        .activities
        .iter()
        .filter(|a| a.completed)
        .map(|a| a.id)
        .collect();
    let mut sources: Vec<Source> = s.sources.clone();
    for a in &s.allocations {
        if !sources.iter().any(|x| x.id == a.source) {
            sources.push(Source {
                id: a.source.clone(),
                name: a.source.clone(),
                kind: String::new(),
                budget_cents: None,
            });
        }
    }
    // The sources are a table whose total (all funding) is published: planned by the
    // participants each funds, a second source hidden where one would follow.
    let funded_by: Vec<u64> = sources
        .iter()
        .map(|x| {
            people(
                s.allocations
                    .iter()
                    .filter(|a| a.source == x.id)
                    .map(|a| a.participant_id),
            )
        })
        .collect();
    // Money per company, per source and in all: what the dominance rule looks at.
    let by_company = |source: Option<&str>| -> Vec<i64> {
        let mut amounts: BTreeMap<Uuid, i64> = BTreeMap::new();
        let taken = s.allocations.iter();
        for a in taken.filter(|a| source.is_none_or(|x| a.source == x)) {
            *amounts.entry(a.organisation_id).or_default() += a.amount_cents;
        }
        amounts.into_values().collect()
    };
    let mut source_cells = rule.rows(&funded_by).rows;
    for (cell, source) in source_cells.iter_mut().zip(&sources) {
        if cell.is_shown() && rule.dominated(&by_company(Some(&source.id))) {
            *cell = Cell::Dominance;
        }
    }
    rule.pair_single_hidden(&funded_by, &mut source_cells);
    let sources: Vec<SourceStatus> = sources
        .into_iter()
        .zip(source_cells)
        .map(|(source, cell)| {
            let (mut committed, mut spent) = (0i64, 0i64);
            for a in s.allocations.iter().filter(|a| a.source == source.id) {
                if completed.contains(&a.activity_id) {
                    spent += a.amount_cents;
                } else {
                    committed += a.amount_cents;
                }
            }
            let cell = t.count(cell);
            let shown = |cents: i64| if cell.is_shown() { cents } else { 0 };
            SourceStatus {
                remaining_cents: source.budget_cents.map(|b| shown(b - committed - spent)),
                source,
                cell,
                committed_cents: shown(committed),
                spent_cents: shown(spent),
            }
        })
        .collect();
    let public: BTreeSet<&str> = sources
        .iter()
        .filter(|x| x.source.is_public())
        .map(|x| x.source.id.as_str())
        .collect();
    let total_cents: i64 = s.allocations.iter().map(|a| a.amount_cents).sum();
    let funded = people(s.allocations.iter().map(|a| a.participant_id));
    let plans = plans(s, rule);
    let companies = sorted_organisations(s)
        .into_iter()
        .map(|o| {
            let cell = plans.funding.get(&o.id).copied().unwrap_or(Cell::Shown);
            let mine = || s.allocations.iter().filter(|a| a.organisation_id == o.id);
            CompanyFunding {
                organisation_id: o.id,
                organisation_name: o.name.clone(),
                public_cents: Fig::new(
                    mine()
                        .filter(|a| public.contains(a.source.as_str()))
                        .map(|a| a.amount_cents as f64)
                        .sum(),
                    cell,
                    &mut t,
                ),
                total_cents: Fig::new(mine().map(|a| a.amount_cents as f64).sum(), cell, &mut t),
                participants: Fig::new(funded_of(s, o.id) as f64, cell, &mut t),
            }
        })
        .collect();
    let totals_cell = match rule.single(funded) {
        Cell::Shown if rule.dominated(&by_company(None)) => Cell::Dominance,
        cell => cell,
    };
    let totals_cell = t.count(totals_cell);
    let shown = |value: i64| if totals_cell.is_shown() { value } else { 0 };
    Funding {
        sources,
        totals_cell,
        total_cents: shown(total_cents),
        participants_funded: shown(funded as i64) as u32,
        cost_per_participant_cents: Fig::new(
            if funded > 0 {
                (total_cents as f64 / funded as f64).round()
            } else {
                0.0
            },
            totals_cell,
            &mut t,
        ),
        companies,
        tally: t,
    }
}
