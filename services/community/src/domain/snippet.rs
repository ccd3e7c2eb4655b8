//! A search hit's snippet as the HTML the API promises: the item's own text escaped (a
//! body may hold `<script>`), the matches between `<b>` and `</b>`. PostgreSQL marks the
//! full-text matches with control characters no stored text can hold; a hit found by a
//! similar word only (trigrams) gets the query's words marked here.

/// Where PostgreSQL's `ts_headline` starts and stops a match (`StartSel`, `StopSel`).
pub const START: char = '\u{2}';
pub const STOP: char = '\u{3}';

/// The snippet as HTML: escaped, with the matches in `<b>`.
pub fn html(marked: &str, query: &str) -> String {
    let marked = if marked.contains(START) {
        marked.to_owned()
    } else {
        mark_words(marked, query)
    };
    // The markers are control characters escaping leaves as they are.
    llo_chassis::html::escape(&marked)
        .replace(START, "<b>")
        .replace(STOP, "</b>")
}

/// Marks every word of the text that holds a query word of three letters or more, or is
/// spelt nearly like one (case aside): how a similar-word hit shows why it was found.
fn mark_words(text: &str, query: &str) -> String {
    let terms: Vec<String> = query
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| w.chars().count() >= 3)
        .collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_lowercase();
        let near = |t: &String| {
            lower.contains(t.as_str()) || strsim::normalized_levenshtein(&lower, t) >= 0.75
        };
        if !word.is_empty() && terms.iter().any(near) {
            out.push(START);
            out.push_str(word);
            out.push(STOP);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_items_text_is_escaped_and_only_the_matches_are_bold() {
        let marked = format!("Leren <script>alert(1)</script> met {START}lasrobots{STOP} & co");
        assert_eq!(
            html(&marked, "lasrobot"),
            "Leren &lt;script&gt;alert(1)&lt;/script&gt; met <b>lasrobots</b> &amp; co"
        );
    }

    #[test]
    fn a_similar_word_hit_marks_the_words_that_hold_the_query() {
        assert_eq!(
            html("Werken met een Lasrobot, en \"meer\".", "lasrob x"),
            "Werken met een <b>Lasrobot</b>, en &quot;meer&quot;."
        );
        assert_eq!(html("niets", "anders"), "niets");
        assert_eq!(html("de lasrobots", "lasrobbots"), "de <b>lasrobots</b>");
    }
}
