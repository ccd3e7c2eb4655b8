//! The notices' Dutch texts: one template per kind (`templates/notices/nl/<kind>.txt`, the
//! first line the subject, then an empty line, then the body), `{placeholders}` filled in;
//! the HTML part is the same text escaped, in paragraphs.
use llo_chassis::html::escape;
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use anyhow::Context as _;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// What a notice is about; its name is its template's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Booked,
    WaitListed,
    Promoted,
    Cancelled,
    /// Cancelled with its workshop.
    WorkshopCancelled,
    /// A booked workshop starts soon (`notices.reminder_hours`).
    Reminder,
    /// A booked workshop's time changed: the invitation updated.
    Changed,
    /// Attended: how was it?
    Feedback,
    /// An Open Badges credential was issued to the person.
    CredentialIssued,
    /// A coach was assigned to the company's trajectory: told to its HR contact.
    CoachAssigned,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Booked,
        Kind::WaitListed,
        Kind::Promoted,
        Kind::Cancelled,
        Kind::WorkshopCancelled,
        Kind::Reminder,
        Kind::Changed,
        Kind::Feedback,
        Kind::CredentialIssued,
        Kind::CoachAssigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Booked => "booked",
            Kind::WaitListed => "wait_listed",
            Kind::Promoted => "promoted",
            Kind::Cancelled => "cancelled",
            Kind::WorkshopCancelled => "workshop_cancelled",
            Kind::Reminder => "reminder",
            Kind::Changed => "changed",
            Kind::Feedback => "feedback",
            Kind::CredentialIssued => "credential_issued",
            Kind::CoachAssigned => "coach_assigned",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    fn template(self) -> &'static str {
        match self {
            Kind::Booked => include_str!("../../templates/notices/nl/booked.txt"),
            Kind::WaitListed => include_str!("../../templates/notices/nl/wait_listed.txt"),
            Kind::Promoted => include_str!("../../templates/notices/nl/promoted.txt"),
            Kind::Cancelled => include_str!("../../templates/notices/nl/cancelled.txt"),
            Kind::WorkshopCancelled => {
                include_str!("../../templates/notices/nl/workshop_cancelled.txt")
            }
            Kind::Reminder => include_str!("../../templates/notices/nl/reminder.txt"),
            Kind::Changed => include_str!("../../templates/notices/nl/changed.txt"),
            Kind::Feedback => include_str!("../../templates/notices/nl/feedback.txt"),
            Kind::CredentialIssued => {
                include_str!("../../templates/notices/nl/credential_issued.txt")
            }
            Kind::CoachAssigned => include_str!("../../templates/notices/nl/coach_assigned.txt"),
        }
    }
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 11] = [
    "naam", "workshop", "wanneer", "waar", "regio", "positie", "reden", "bewijs", "link", "coach",
    "bedrijf",
];

/// A notice's texts.
#[derive(Debug, Clone)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The templates: the shipped defaults, and a region's own where `notices.templates_dir`
/// holds `<region>/<kind>.txt`.
#[derive(Debug, Default)]
pub struct Templates {
    regions: HashMap<(String, &'static str), String>,
}

impl Templates {
    /// Reads a region's templates from `dir`; each is checked at once, so that a misspelt
    /// placeholder or file name stops the start with the file named.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Templates> {
        let mut templates = Templates::default();
        let Some(dir) = dir else {
            return Ok(templates);
        };
        for (region, files) in region_dirs(dir)? {
            for path in files {
                let (kind, text) = read_template(&path)?;
                templates
                    .regions
                    .insert((region.clone(), kind.as_str()), text);
            }
        }
        Ok(templates)
    }

    /// The region's template of the kind, else the shipped one, filled in.
    pub fn compose(
        &self,
        region: &str,
        kind: Kind,
        values: &[(&str, &str)],
    ) -> anyhow::Result<Composed> {
        let template = self
            .regions
            .get(&(region.to_owned(), kind.as_str()))
            .map_or(kind.template(), String::as_str);
        fill(kind, template, values)
    }
}

/// The region folders of a templates folder (`<region>/`) and the files in each, sorted.
fn region_dirs(dir: &Path) -> anyhow::Result<Vec<(String, Vec<PathBuf>)>> {
    let mut regions = Vec::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("notices.templates_dir {}", dir.display()))?
    {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let mut files = std::fs::read_dir(&path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()?;
        files.sort();
        regions.push((name, files));
    }
    regions.sort();
    Ok(regions)
}

/// One region template read and checked: a known kind's name, every placeholder known,
/// a subject line.
fn read_template(path: &Path) -> anyhow::Result<(Kind, String)> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let kind = Kind::parse(stem)
        .filter(|_| path.extension().is_some_and(|e| e == "txt"))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}: not a notice template (one of {})",
                path.display(),
                Kind::ALL.map(|k| format!("{}.txt", k.as_str())).join(", ")
            )
        })?;
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    fill(kind, &text, &sample()).with_context(|| format!("{}", path.display()))?;
    Ok((kind, text))
}

/// What `llo packs notices` reports of a templates folder.
#[derive(Debug, Default)]
pub struct Check {
    /// Every problem, its file named.
    pub problems: Vec<String>,
    /// Per region folder: its own templates, and the kinds that fall back to the shipped ones.
    pub regions: Vec<(String, Vec<&'static str>, Vec<&'static str>)>,
}

/// Checks a templates folder as intake would load it, but reports every problem rather
/// than the first; a folder named after no region in `regions` is one (its texts would
/// never be used).
pub fn check_dir(dir: &Path, regions: &[String]) -> anyhow::Result<Check> {
    let mut check = Check::default();
    for (region, files) in region_dirs(dir)? {
        if !regions.contains(&region) {
            check.problems.push(format!(
                "{}: no region pack is called {region:?} (there are: {})",
                dir.join(&region).display(),
                regions.join(", ")
            ));
        }
        let mut own = Vec::new();
        for path in files {
            match read_template(&path) {
                Ok((kind, _)) => own.push(kind.as_str()),
                Err(error) => check.problems.push(format!("{error:#}")),
            }
        }
        let shipped = Kind::ALL
            .iter()
            .map(|k| k.as_str())
            .filter(|k| !own.contains(k))
            .collect();
        check.regions.push((region, own, shipped));
    }
    Ok(check)
}

/// Values for every placeholder: what a template is checked with.
fn sample() -> Vec<(&'static str, &'static str)> {
    PLACEHOLDERS.iter().map(|p| (*p, "x")).collect()
}

/// The kind's shipped template filled in with `values` (placeholder, value).
pub fn compose(kind: Kind, values: &[(&str, &str)]) -> anyhow::Result<Composed> {
    fill(kind, kind.template(), values)
}

fn fill(kind: Kind, template: &str, values: &[(&str, &str)]) -> anyhow::Result<Composed> {
    let rendered = render(template, values)
        .map_err(|e| anyhow::anyhow!("notice template {}: {e}", kind.as_str()))?;
    let (subject, body) = rendered.split_once("\n\n").ok_or_else(|| {
        anyhow::anyhow!(
            "notice template {}: no empty line after the subject",
            kind.as_str()
        )
    })?;
    let text = body.trim_end().to_owned();
    let html = html(subject.trim(), &text);
    Ok(Composed {
        subject: subject.trim().to_owned(),
        text,
        html,
    })
}

/// `{name}` replaced by its value; a placeholder without a value (misspelt) is an error
/// that names it.
fn render(template: &str, values: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| "a '{' without its '}'".to_owned())?;
        let name = &after[..close];
        let value = values
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
            .ok_or_else(|| {
                format!(
                    "unknown placeholder {{{name}}} (known: {})",
                    PLACEHOLDERS.join(", ")
                )
            })?;
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn html(subject: &str, text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| {
            format!(
                "<p>{}</p>",
                links(&escape(p.trim())).replace('\n', "<br>\n")
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}\n</body>\n</html>\n",
        escape(subject),
        paragraphs.join("\n")
    )
}

/// Each `http(s)://` word of escaped text made a link (a credential's, say).
fn links(escaped: &str) -> String {
    escaped
        .split(' ')
        .map(|word| {
            if word.starts_with("https://") || word.starts_with("http://") {
                format!("<a href=\"{word}\">{word}</a>")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// When, in Dutch and Dutch time: `dinsdag 8 december 2026, 13:00 – 16:00`.
pub fn when(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    const DAYS: [&str; 7] = [
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ];
    const MONTHS: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let (s, e) = (amsterdam(start), amsterdam(end));
    let day = |d: &NaiveDateTime| {
        format!(
            "{} {} {} {}",
            DAYS[d.weekday().num_days_from_monday() as usize],
            d.day(),
            MONTHS[d.month0() as usize],
            d.year()
        )
    };
    if s.date() == e.date() {
        format!("{}, {} – {}", day(&s), s.format("%H:%M"), e.format("%H:%M"))
    } else {
        format!(
            "{}, {} – {}, {}",
            day(&s),
            s.format("%H:%M"),
            day(&e),
            e.format("%H:%M")
        )
    }
}

/// Europe/Amsterdam: CET, and CEST from the last Sunday of March to the last Sunday of
/// October (01:00 UTC both).
fn amsterdam(at: DateTime<Utc>) -> NaiveDateTime {
    let last_sunday = |month: u32| {
        let first_next = NaiveDate::from_ymd_opt(at.year(), month + 1, 1).unwrap_or_default();
        let mut day = first_next - Duration::days(1);
        while day.weekday() != Weekday::Sun {
            day -= Duration::days(1);
        }
        Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())
    };
    let summer = at >= last_sunday(3) && at < last_sunday(10);
    (at + Duration::hours(if summer { 2 } else { 1 })).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Vec<(&'static str, &'static str)> {
        vec![
            ("naam", "Anna <de> Vries & co"),
            ("workshop", "Samen leren"),
            ("wanneer", "morgen"),
            ("waar", "Bibliotheek Doetinchem"),
            ("regio", "achterhoek"),
            ("positie", "2"),
            ("reden", "te weinig aanmeldingen"),
            ("bewijs", "Samen leren (bewijs)"),
            ("link", "https://example.nl/credentials/1"),
            ("coach", "Anja Hulshof (Loopbaanhuis Achterhoek)"),
            ("bedrijf", "Lensink Metaal"),
        ]
    }

    #[test]
    fn every_default_template_fills_in_and_escapes_its_html() {
        for kind in Kind::ALL {
            let composed = compose(kind, &values()).unwrap_or_else(|e| panic!("{e}"));
            // Each subject names what it is about: the workshop, credential or company.
            let about = match kind {
                Kind::CoachAssigned => "Lensink Metaal",
                _ => "Samen leren",
            };
            assert!(composed.subject.contains(about), "{kind:?}");
            assert!(composed.text.contains("Anna <de> Vries & co"));
            assert!(composed.html.contains("Anna &lt;de&gt; Vries &amp; co"));
            assert!(!composed.html.contains("<de>"));
        }
        let credential = compose(Kind::CredentialIssued, &values()).unwrap();
        assert!(
            credential
                .html
                .contains("<a href=\"https://example.nl/credentials/1\">"),
            "{}",
            credential.html
        );
    }

    #[test]
    fn a_regions_own_template_wins_and_a_misspelt_one_is_named_at_load() {
        let dir =
            std::env::temp_dir().join(format!("llo-notice-templates-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("twente")).unwrap();
        std::fs::write(
            dir.join("twente/booked.txt"),
            "Welkom in Twente: {workshop}\n\nHoi {naam}.\n",
        )
        .unwrap();
        let templates = Templates::load(Some(&dir)).unwrap();
        let own = templates
            .compose("twente", Kind::Booked, &values())
            .unwrap();
        assert_eq!(own.subject, "Welkom in Twente: Samen leren");
        let shipped = templates
            .compose("achterhoek", Kind::Booked, &values())
            .unwrap();
        assert!(shipped.subject.starts_with("Je bent ingeschreven"));

        std::fs::write(
            dir.join("twente/cancelled.txt"),
            "Weg: {werkshop}\n\nJammer.\n",
        )
        .unwrap();
        let error = format!("{:#}", Templates::load(Some(&dir)).unwrap_err());
        assert!(
            error.contains("cancelled.txt") && error.contains("{werkshop}"),
            "{error}"
        );
        std::fs::remove_file(dir.join("twente/cancelled.txt")).unwrap();
        std::fs::write(dir.join("twente/geboekt.txt"), "x\n\ny\n").unwrap();
        let error = format!("{:#}", Templates::load(Some(&dir)).unwrap_err());
        assert!(error.contains("geboekt.txt"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_templates_folder_check_lists_every_problem_and_what_falls_back() {
        let dir = std::env::temp_dir().join(format!("llo-notice-check-{}", uuid::Uuid::new_v4()));
        for region in ["twente", "twenthe"] {
            std::fs::create_dir_all(dir.join(region)).unwrap();
        }
        std::fs::write(dir.join("twente/booked.txt"), "Hoi: {workshop}\n\n{naam}\n").unwrap();
        std::fs::write(dir.join("twente/cancelled.txt"), "Weg: {werkshop}\n\nx\n").unwrap();
        std::fs::write(dir.join("twente/geboekt.txt"), "x\n\ny\n").unwrap();
        let regions = vec!["achterhoek".to_owned(), "twente".to_owned()];
        let check = check_dir(&dir, &regions).unwrap();
        let problems = check.problems.join("\n");
        assert_eq!(check.problems.len(), 3, "{problems}");
        assert!(problems.contains("cancelled.txt") && problems.contains("{werkshop}"));
        assert!(problems.contains("geboekt.txt"));
        assert!(problems.contains("twenthe"));
        let (region, own, shipped) = &check.regions[0];
        assert_eq!(region, "twente");
        assert_eq!(own, &vec!["booked"]);
        assert_eq!(shipped.len(), Kind::ALL.len() - 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unknown_placeholder_is_named() {
        let error = render("Hallo {nam}", &values()).err().unwrap_or_default();
        assert!(error.contains("{nam}"), "{error}");
    }

    #[test]
    fn times_are_dutch() {
        let start = Utc
            .with_ymd_and_hms(2026, 12, 8, 12, 0, 0)
            .single()
            .unwrap_or_default();
        let end = start + Duration::hours(3);
        assert_eq!(when(start, end), "dinsdag 8 december 2026, 13:00 – 16:00");
        let summer = Utc
            .with_ymd_and_hms(2026, 6, 1, 7, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            when(summer, summer + Duration::hours(1)),
            "maandag 1 juni 2026, 09:30 – 10:30"
        );
    }
}
