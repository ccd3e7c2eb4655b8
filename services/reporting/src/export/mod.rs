//! The report rendered as JSON, CSV or a self-contained HTML page (inline CSS and
//! inline SVG charts, no external assets). Pure: a `Report` in, text out.
mod csv;
mod html;
mod json;

use crate::domain::{figures::Fig, suppression::Cell};

pub use self::{csv::render as csv, html::render as html, json::render as json};
use crate::domain::figures::Report;

pub use crate::domain::queries::Format;

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => json(report),
        Format::Csv => csv(report),
        Format::Html => html(report),
    }
}

/// Which publication the report is, in a sentence: its release, or a draft.
pub fn edition(report: &Report) -> String {
    const MINUTE: &str = "%Y-%m-%d %H:%M UTC";
    match &report.release {
        Some(r) => {
            let as_of = r
                .as_of
                .map(|t| format!("; figures as of {}", t.format(MINUTE)))
                .unwrap_or_default();
            let note = if r.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", r.note)
            };
            let region = if report.region_name.is_empty() {
                &r.region
            } else {
                &report.region_name
            };
            let waiting = match r.held_back {
                0 => String::new(),
                1 => ". 1 company that joined since the previous release is not in it yet: \
                      too few people to publish apart"
                    .to_owned(),
                n => format!(
                    ". {n} companies that joined since the previous release are not in it \
                     yet: too few people to publish apart"
                ),
            };
            format!(
                "Release {} of {region}, published {}{as_of}{note}{waiting}",
                r.number,
                r.published_at.format(MINUTE)
            )
        }
        None => "Draft of the live figures, not a release: they change as events arrive; \
                 share a release instead"
            .to_owned(),
    }
}

/// The mark a hidden cell gets in CSV and HTML.
pub fn mark(cell: Cell) -> &'static str {
    match cell {
        Cell::Shown => "",
        Cell::SmallGroup => "suppressed (small group)",
        Cell::Complementary => "suppressed (protects another cell)",
        Cell::Dominance => "suppressed (one company makes up most of it)",
        Cell::NotAvailable => "not available",
    }
}

pub fn cell_name(cell: Cell) -> &'static str {
    match cell {
        Cell::Shown => "shown",
        Cell::SmallGroup => "suppressed_small_group",
        Cell::Complementary => "suppressed_complementary",
        Cell::Dominance => "suppressed_dominance",
        Cell::NotAvailable => "not_available",
    }
}

/// A figure as text: its value (whole numbers without decimals), or its mark.
pub fn text(f: Fig) -> String {
    if f.cell.is_shown() {
        number(f.value)
    } else {
        mark(f.cell).to_owned()
    }
}

pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:.2}")
    }
}

/// Euro from cents, as Dutch readers write it: `€ 200.000,00`.
pub fn euro(cents: f64) -> String {
    llo_chassis::money::euros(cents.round() as i64)
}

/// A change, with its sign: `+0.23`, `-0.10`, `0`.
pub fn signed(value: f64) -> String {
    if value > 0.0 {
        format!("+{}", number(value))
    } else {
        number(value)
    }
}

pub const SUPPRESSION_RULE: &str = "Figures that describe fewer people than the region's minimum group size are suppressed, and so are amounts one company makes up more than 85 % of; where a published total, or the region beside a sector, would let a reader subtract a suppressed figure back, a second figure is suppressed too.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_grouped_the_dutch_way() {
        assert_eq!(euro(20_000_000.0), "€ 200.000,00");
        assert_eq!(euro(169_200.0), "€ 1.692,00");
        assert_eq!(euro(5.0), "€ 0,05");
        assert_eq!(euro(-12_345.0), "€ -123,45");
    }

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(0.23), "+0.23");
        assert_eq!(signed(-0.1), "-0.10");
        assert_eq!(signed(0.0), "0");
    }
}
