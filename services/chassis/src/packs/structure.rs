//! A pack file against its JSON Schema (generated from the pack types): unknown and
//! missing keys, wrong types, unknown kinds, values out of range, empty lists. Walks the
//! whole file and reports every mistake, where deserialising would stop at the first.
//! Only what the generated schemas use is understood: `$ref` into `$defs`, `type`,
//! `properties`, `required`, `additionalProperties: false`, `items`, `enum`, `minimum`,
//! `maximum`, `minLength`, `minItems`, and the integer `format`s.
use serde_json::Value as Json;
use toml::Value;

/// Appends `(key path, reason)` for every mistake of `value` against `schema`.
pub(super) fn check(schema: &Json, value: &Value, found: &mut Vec<(String, String)>) {
    Walk {
        root: schema,
        found,
    }
    .value(schema, value, "");
}

struct Walk<'a, 'f> {
    root: &'a Json,
    found: &'f mut Vec<(String, String)>,
}

impl<'a> Walk<'a, '_> {
    fn value(&mut self, schema: &'a Json, value: &Value, path: &str) {
        let schema = self.resolve(schema);
        let types = types_of(schema);
        if !types.is_empty() && !types.iter().any(|t| fits(t, value)) {
            let expected: Vec<&str> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| plain_type(t))
                .collect();
            self.push(
                path,
                format!(
                    "must be {}, not {}",
                    expected.join(" or "),
                    plain_type(type_of(value))
                ),
            );
            return;
        }
        if let Some(allowed) = allowed_values(schema) {
            let known = allowed.iter().any(|a| json_equals(a, value));
            if !known {
                let names: Vec<String> = allowed
                    .iter()
                    .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned))
                    .collect();
                let what = path.rsplit('.').next().unwrap_or(path);
                // An entry of a list is named by the list: `eligible_costs`, not `…[2]`.
                let what = what.split('[').next().unwrap_or(what);
                self.push(
                    path,
                    format!(
                        "unknown {what} {}; one of: {}",
                        shown(value),
                        names.join(", ")
                    ),
                );
            }
        }
        match value {
            Value::Integer(number) => self.integer(schema, *number, path),
            Value::String(text) => {
                let min = schema.get("minLength").and_then(Json::as_u64).unwrap_or(0);
                if (text.chars().count() as u64) < min {
                    self.push(path, "must not be empty".into());
                }
            }
            Value::Array(entries) => {
                let min = schema.get("minItems").and_then(Json::as_u64).unwrap_or(0);
                if (entries.len() as u64) < min {
                    self.push(path, format!("needs at least {min} entry(ies)"));
                }
                if let Some(items) = schema.get("items") {
                    for (index, entry) in entries.iter().enumerate() {
                        self.value(items, entry, &format!("{path}[{index}]"));
                    }
                }
            }
            Value::Table(table) => self.table(schema, table, path),
            _ => {}
        }
    }

    fn table(&mut self, schema: &'a Json, table: &toml::Table, path: &str) {
        let properties = schema.get("properties").and_then(Json::as_object);
        let closed = schema.get("additionalProperties") == Some(&Json::Bool(false));
        for required in schema
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            if !table.contains_key(required) {
                self.push(&join(path, required), "missing (required)".into());
            }
        }
        for (key, value) in table {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => self.value(property, value, &join(path, key)),
                None if closed => {
                    let known: Vec<&str> = properties
                        .into_iter()
                        .flat_map(|p| p.keys().map(String::as_str))
                        .collect();
                    let reason = match closest(key, &known) {
                        Some(near) => format!("unknown key (did you mean `{near}`?)"),
                        None => format!("unknown key; known here: {}", known.join(", ")),
                    };
                    self.push(&join(path, key), reason);
                }
                None => {}
            }
        }
    }

    fn integer(&mut self, schema: &Json, number: i64, path: &str) {
        let (mut min, mut max) = match schema.get("format").and_then(Json::as_str) {
            Some("uint32") => (Some(0), Some(i64::from(u32::MAX))),
            Some("int32") => (Some(i64::from(i32::MIN)), Some(i64::from(i32::MAX))),
            Some("uint" | "uint64") => (Some(0), None),
            _ => (None, None),
        };
        if let Some(m) = schema.get("minimum").and_then(Json::as_i64) {
            min = Some(min.map_or(m, |f| f.max(m)));
        }
        if let Some(m) = schema.get("maximum").and_then(Json::as_i64) {
            max = Some(max.map_or(m, |f| f.min(m)));
        }
        let below = min.is_some_and(|m| number < m);
        let above = max.is_some_and(|m| number > m);
        match (min, max) {
            (Some(lo), Some(hi)) if (below || above) && hi <= 1_000_000 => {
                self.push(path, format!("{number} is outside {lo} to {hi}"));
            }
            (Some(lo), _) if below => {
                self.push(path, format!("{number} is below the minimum {lo}"));
            }
            (_, Some(hi)) if above => {
                self.push(path, format!("{number} is above the maximum {hi}"));
            }
            _ => {}
        }
    }

    /// Follows a `$ref` to `#/$defs/<name>`; an optional table (`anyOf` of it and
    /// `null`) is the table, as a present value is never the null.
    fn resolve(&self, schema: &'a Json) -> &'a Json {
        let schema = schema
            .get("anyOf")
            .and_then(Json::as_array)
            .and_then(|alternatives| {
                alternatives
                    .iter()
                    .find(|a| a.get("type") != Some(&Json::String("null".into())))
            })
            .unwrap_or(schema);
        let target = schema
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix("#/"))
            .map(|pointer| format!("/{pointer}"))
            .and_then(|pointer| self.root.pointer(&pointer));
        target.unwrap_or(schema)
    }

    fn push(&mut self, path: &str, reason: String) {
        self.found.push((path.to_owned(), reason));
    }
}

/// The values an `enum` allows, or a `oneOf` of documented constants (an enum whose
/// variants have doc comments).
fn allowed_values(schema: &Json) -> Option<Vec<&Json>> {
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        return Some(values.iter().collect());
    }
    let alternatives = schema.get("oneOf").and_then(Json::as_array)?;
    alternatives.iter().map(|a| a.get("const")).collect()
}

fn types_of(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

fn fits(json_type: &str, value: &Value) -> bool {
    match json_type {
        "number" => matches!(value, Value::Integer(_) | Value::Float(_)),
        other => other == type_of(value),
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Integer(_) => "integer",
        Value::Float(_) => "number",
        Value::Boolean(_) => "boolean",
        Value::Datetime(_) => "datetime",
        Value::Array(_) => "array",
        Value::Table(_) => "object",
    }
}

/// A JSON type as a partner writing TOML would name it.
fn plain_type(json_type: &str) -> &str {
    match json_type {
        "string" => "text in quotes",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "datetime" => "a date",
        "array" => "a list",
        "object" => "a table",
        other => other,
    }
}

fn json_equals(json: &Json, value: &Value) -> bool {
    match (json, value) {
        (Json::String(a), Value::String(b)) => a == b,
        (Json::Number(a), Value::Integer(b)) => a.as_i64() == Some(*b),
        (Json::Bool(a), Value::Boolean(b)) => a == b,
        _ => false,
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The known name a typo most likely meant: at most two edits away.
pub(super) fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edits(word, k), *k))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}
