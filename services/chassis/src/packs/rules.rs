//! What a schema cannot say about a pack: references between its parts (an item's
//! dimension, an intervention's kind), unique ids, ids fit for events, the reserved theme
//! `other`, a scale that reverse scoring can turn around, themes and kinds present. Works on the
//! parsed file, tolerant of its shape (the schema pass reports wrong types), so that
//! every mistake is found in one run.
use toml::Value;

use super::{OTHER_THEME, structure::closest};

/// The tables of an array of tables (`[[items]]`), with their index.
fn tables<'v>(root: &'v Value, key: &str) -> Vec<(usize, &'v toml::Table)> {
    root.get(key)
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.as_table().map(|t| (i, t)))
                .collect()
        })
        .unwrap_or_default()
}

fn text<'v>(table: &'v toml::Table, key: &str) -> Option<&'v str> {
    table.get(key).and_then(Value::as_str)
}

/// Each id of a list once: `items[5].id: duplicate id "x" (also items[2].id)`.
fn unique(root: &Value, list: &str, key: &str, found: &mut Vec<(String, String)>) {
    let entries = tables(root, list);
    for (position, (index, table)) in entries.iter().enumerate() {
        let Some(id) = text(table, key) else { continue };
        let first = entries[..position]
            .iter()
            .find(|(_, other)| text(other, key) == Some(id));
        if let Some((first, _)) = first {
            found.push((
                format!("{list}[{index}].{key}"),
                format!("duplicate {key} \"{id}\" (also {list}[{first}].{key})"),
            ));
        }
    }
}

/// `list[i].<key>` must name one of `known`.
fn references(
    root: &Value,
    list: &str,
    key: &str,
    what: &str,
    known: &[&str],
    found: &mut Vec<(String, String)>,
) {
    for (index, table) in tables(root, list) {
        let Some(name) = text(table, key) else {
            continue;
        };
        if !known.contains(&name) {
            found.push((format!("{list}[{index}].{key}"), unknown(what, name, known)));
        }
    }
}

fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    match closest(name, known) {
        Some(near) => format!("unknown {what} \"{name}\" (did you mean \"{near}\"?)"),
        None if known.is_empty() => format!("unknown {what} \"{name}\" (there are none)"),
        None => format!("unknown {what} \"{name}\"; one of: {}", known.join(", ")),
    }
}

/// Ids that travel in events and reports as they are: lower-case letters, digits, `-`
/// and `_` (reporting keeps such a theme when it erases a person's free text).
fn slugs(root: &Value, list: &str, found: &mut Vec<(String, String)>) {
    for (index, table) in tables(root, list) {
        let Some(id) = text(table, "id") else {
            continue;
        };
        let slug = id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !id.is_empty() && !slug {
            found.push((
                format!("{list}[{index}].id"),
                format!("\"{id}\" must be lower-case letters, digits, - and _ only"),
            ));
        }
    }
}

/// `other` is accepted wherever a theme is asked for; a pack cannot give it a meaning.
fn not_reserved(root: &Value, list: &str, found: &mut Vec<(String, String)>) {
    for (index, table) in tables(root, list) {
        if text(table, "id") == Some(OTHER_THEME) {
            found.push((
                format!("{list}[{index}].id"),
                format!(
                    "\"{OTHER_THEME}\" is reserved: every sector accepts it for what its themes \
                     do not cover (\"anders\"); leave it out"
                ),
            ));
        }
    }
}

/// The ids of a list's tables.
fn ids<'v>(root: &'v Value, list: &str) -> Vec<&'v str> {
    tables(root, list)
        .into_iter()
        .filter_map(|(_, t)| text(t, "id"))
        .collect()
}

pub(super) fn sector(root: &Value, skills_lists: &[String], found: &mut Vec<(String, String)>) {
    if let Some(list) = root.get("skills").and_then(Value::as_str) {
        let known: Vec<&str> = skills_lists.iter().map(String::as_str).collect();
        if !known.contains(&list) {
            found.push(("skills".into(), unknown("skills list", list, &known)));
        }
    }
    let dimensions = ids(root, "dimensions");
    let kinds = ids(root, "intervention_kinds");
    unique(root, "dimensions", "id", found);
    unique(root, "items", "id", found);
    unique(root, "intervention_kinds", "id", found);
    unique(root, "learning_themes", "id", found);
    unique(root, "themes", "id", found);
    unique(root, "funding_rules", "source", found);
    slugs(root, "intervention_kinds", found);
    slugs(root, "learning_themes", found);
    not_reserved(root, "learning_themes", found);
    not_reserved(root, "themes", found);
    references(root, "items", "dimension", "dimension", &dimensions, found);
    references(
        root,
        "interventions",
        "dimension",
        "dimension",
        &dimensions,
        found,
    );
    references(
        root,
        "interventions",
        "kind",
        "intervention kind",
        &kinds,
        found,
    );

    let items = tables(root, "items");
    for (index, dimension) in tables(root, "dimensions") {
        let Some(id) = text(dimension, "id") else {
            continue;
        };
        if !items.iter().any(|(_, i)| text(i, "dimension") == Some(id)) {
            found.push((
                format!("dimensions[{index}].id"),
                format!("dimension \"{id}\" has no items: the scan cannot score it"),
            ));
        }
    }

    let min = root.get("likert_min").and_then(Value::as_integer);
    let max = root.get("likert_max").and_then(Value::as_integer);
    if let (Some(min), Some(max)) = (min, max)
        && min >= max
    {
        found.push((
            "likert_max".into(),
            format!("must be above likert_min ({min}): a scale needs two or more points"),
        ));
        // Reverse scoring turns an answer around (min + max - answer): on a scale of
        // one point, or an upside-down one, there is nothing to turn.
        for (index, item) in &items {
            if item.get("reverse").and_then(Value::as_bool) == Some(true) {
                found.push((
                    format!("items[{index}].reverse"),
                    format!(
                        "item \"{}\" is reverse-scored, but the scale {min} to {max} cannot \
                             be reversed",
                        text(item, "id").unwrap_or("?")
                    ),
                ));
            }
        }
    }

    if let Some(priority) = root.get("priority_dimensions").and_then(Value::as_integer)
        && !dimensions.is_empty()
        && priority > dimensions.len() as i64
    {
        found.push((
            "priority_dimensions".into(),
            format!(
                "{priority} is more than the scan's {} dimension(s)",
                dimensions.len()
            ),
        ));
    }

    if tables(root, "themes").is_empty() {
        found.push((
            "themes".into(),
            "a sector pack needs its community themes: at least one [[themes]] with id and name"
                .into(),
        ));
    }
    if tables(root, "learning_themes").is_empty() {
        found.push((
            "learning_themes".into(),
            "a sector pack needs its learning themes (of learning needs, goals, activities and \
             courses): at least one [[learning_themes]] with id and name"
                .into(),
        ));
    }
    if tables(root, "intervention_kinds").is_empty() {
        found.push((
            "intervention_kinds".into(),
            "a sector pack needs its intervention kinds: at least one [[intervention_kinds]] \
             with id and name"
                .into(),
        ));
    }

    for (index, rule) in tables(root, "funding_rules") {
        let has = |key: &str| rule.contains_key(key);
        if text(rule, "kind") == Some("subsidy_percentage") && !has("percentage") {
            found.push((
                format!("funding_rules[{index}].percentage"),
                "missing: a subsidy_percentage rule needs the share it pays, in percent".into(),
            ));
        }
        if has("small_firm_percentage") && !has("small_firm_max_employees") {
            found.push((
                format!("funding_rules[{index}].small_firm_max_employees"),
                "missing: small_firm_percentage needs the size of a small firm".into(),
            ));
        }
        eligibility(rule, &format!("funding_rules[{index}]"), found);
    }
}

pub(super) fn region(root: &Value, sectors: &[String], found: &mut Vec<(String, String)>) {
    let known: Vec<&str> = sectors.iter().map(String::as_str).collect();
    let listed = root
        .get("sectors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, sector) in listed.iter().enumerate() {
        let Some(name) = sector.as_str() else {
            continue;
        };
        if !known.contains(&name) {
            found.push((format!("sectors[{index}]"), unknown("sector", name, &known)));
        } else if listed[..index].iter().any(|s| s.as_str() == Some(name)) {
            found.push((
                format!("sectors[{index}]"),
                format!("sector \"{name}\" is listed twice"),
            ));
        }
    }
    unique(root, "budgets", "source", found);
    for (index, budget) in tables(root, "budgets") {
        eligibility(budget, &format!("budgets[{index}]"), found);
    }
    calendar(root, found);
    unique(root, "work_packages", "id", found);
    slugs(root, "work_packages", found);
    let calendar = root
        .get("calendar")
        .cloned()
        .unwrap_or(Value::Table(toml::Table::new()));
    let phases = ids(&calendar, "phases");
    references(
        root,
        "work_packages",
        "phase",
        "calendar phase",
        &phases,
        found,
    );
}

/// A skills list: each skill once, by an ESCO skill URI.
pub(super) fn skills(root: &Value, found: &mut Vec<(String, String)>) {
    const ESCO_SKILL: &str = "http://data.europa.eu/esco/skill/";
    unique(root, "skills", "uri", found);
    for (index, skill) in tables(root, "skills") {
        let Some(uri) = text(skill, "uri") else {
            continue;
        };
        let id = uri.strip_prefix(ESCO_SKILL).unwrap_or_default();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            found.push((
                format!("skills[{index}].uri"),
                format!("\"{uri}\" is not an ESCO skill URI ({ESCO_SKILL}<id>)"),
            ));
        }
    }
}

/// A source's eligibility rules hold together: each cost type once, the least a
/// participant receives not above the most, the most not above the source's budget.
fn eligibility(source: &toml::Table, at: &str, found: &mut Vec<(String, String)>) {
    let Some(rules) = source.get("eligibility").and_then(Value::as_table) else {
        return;
    };
    let at = format!("{at}.eligibility");
    let costs = rules
        .get("eligible_costs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, cost) in costs.iter().enumerate() {
        if let Some(name) = cost.as_str()
            && costs[..index].iter().any(|c| c.as_str() == Some(name))
        {
            found.push((
                format!("{at}.eligible_costs[{index}]"),
                format!("cost type \"{name}\" is listed twice"),
            ));
        }
    }
    let cents = |table: &toml::Table, key: &str| table.get(key).and_then(Value::as_integer);
    let least = cents(rules, "participant_min_cents");
    let most = cents(rules, "participant_max_cents");
    if let (Some(least), Some(most)) = (least, most)
        && least > most
    {
        found.push((
            format!("{at}.participant_min_cents"),
            format!("lies above participant_max_cents ({most})"),
        ));
    }
    if let (Some(most), Some(budget)) = (most, cents(source, "budget_cents"))
        && most > budget
    {
        found.push((
            format!("{at}.participant_max_cents"),
            format!("one participant would receive more than the source's budget_cents ({budget})"),
        ));
    }
}

/// The date at `key`, or why it is none (`at`: where the table is, for the message).
fn day(
    table: &toml::Table,
    key: &str,
    at: &str,
    found: &mut Vec<(String, String)>,
) -> Option<chrono::NaiveDate> {
    let text = text(table, key)?;
    let parsed = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        found.push((
            format!("{at}.{key}"),
            format!("\"{text}\" is not a date (YYYY-MM-DD)"),
        ));
    }
    parsed
}

/// A calendar's days are real dates, each span runs forwards, and the phases lie within
/// the programme, in order, without overlapping.
fn calendar(root: &Value, found: &mut Vec<(String, String)>) {
    let Some(calendar) = root.get("calendar").and_then(Value::as_table) else {
        return;
    };
    let start = day(calendar, "start", "calendar", found);
    let end = day(calendar, "end", "calendar", found);
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        found.push((
            "calendar.end".into(),
            format!("lies before the start ({start})"),
        ));
    }
    let mut previous_end = None;
    let calendar_value = Value::Table(calendar.clone());
    for (index, phase) in tables(&calendar_value, "phases") {
        let at = format!("calendar.phases[{index}]");
        let (Some(from), Some(to)) = (
            day(phase, "start", &at, found),
            day(phase, "end", &at, found),
        ) else {
            continue;
        };
        if to < from {
            found.push((
                format!("{at}.end"),
                format!("lies before the phase's start ({from})"),
            ));
        }
        if start.is_some_and(|s| from < s) || end.is_some_and(|e| to > e) {
            found.push((
                at.clone(),
                "lies outside the programme's start and end".into(),
            ));
        }
        if let Some(before) = previous_end
            && from <= before
        {
            found.push((
                format!("{at}.start"),
                format!("overlaps the phase before, which ends {before}"),
            ));
        }
        previous_end = Some(to);
    }
    let mut duplicates = Vec::new();
    unique(&calendar_value, "phases", "id", &mut duplicates);
    found.extend(
        duplicates
            .into_iter()
            .map(|(key, why)| (format!("calendar.{key}"), why)),
    );
}
