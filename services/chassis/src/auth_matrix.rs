//! Checks that the README's role × method matrix says what a service's policy does.
//! A table starts with a header row `| <Service> | programme_manager | coach | … |`;
//! each row names methods (comma-separated) and marks an allowed role with any text.
use std::collections::{BTreeMap, BTreeSet};

use crate::auth::{AccessPolicy, Role};

/// Method name → allowed role names, as the README's table for `service` has them.
pub fn from_readme(readme: &str, service: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut matrix = BTreeMap::new();
    let mut roles: Vec<String> = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if line.trim_start().starts_with(&format!("| {service} |")) {
            roles = cells[1..]
                .iter()
                .map(|c| c.split_whitespace().next().unwrap_or("").to_owned())
                .collect();
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if !line.trim_start().starts_with('|') {
            break;
        }
        if cells.first().is_some_and(|c| c.starts_with("---")) {
            continue;
        }
        let allowed: BTreeSet<String> = cells[1..]
            .iter()
            .zip(&roles)
            .filter(|(cell, _)| !cell.is_empty())
            .map(|(_, role)| role.clone())
            .collect();
        for method in cells[0].split(',').map(str::trim).filter(|m| !m.is_empty()) {
            matrix.insert(method.to_owned(), allowed.clone());
        }
    }
    matrix
}

/// The same, from the policy the gate applies.
pub fn from_policy(policy: AccessPolicy) -> BTreeMap<String, BTreeSet<String>> {
    policy
        .iter()
        .map(|(path, roles)| {
            let method = path.rsplit('/').next().unwrap_or(path).to_owned();
            (
                method,
                roles.iter().map(|r| Role::as_str(*r).to_owned()).collect(),
            )
        })
        .collect()
}
