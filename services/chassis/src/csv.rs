//! CSV fields (RFC 4180) that a spreadsheet reads as they were meant: names people typed
//! stay text, numbers stay numbers.

/// Text a person typed (a company's or a supplier's name), always quoted. One that a
/// spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`, so `=HYPERLINK(…)` is shown, never run.
pub fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        plain(&format!("'{value}"))
    } else {
        plain(value)
    }
}

/// A value the suite wrote itself (a number, a fixed word, a sentence of its own),
/// quoted. A negative amount stays a number.
pub fn plain(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_in_a_name_stays_text_and_a_negative_amount_a_number() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for start in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(text(start).starts_with("\"'"), "{start}");
        }
        assert_eq!(text("HAN"), "\"HAN\"");
        assert_eq!(plain("-121050"), "\"-121050\"");
        assert_eq!(plain("a, \"b\""), "\"a, \"\"b\"\"\"");
    }
}
