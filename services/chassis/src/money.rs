//! Amounts as Dutch readers and funders write them, in one place: `€ 1.234,56`.

/// Euro cents as `€ 200.000,00` (thousands by a dot, cents after a comma).
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!(
        "€ {sign}{},{:02}",
        grouped(cents / 100),
        (cents % 100).abs()
    )
}

/// Euro cents as whole euros, `€ 190.555` (the cents left off), for summaries.
pub fn whole_euros(cents: i64) -> String {
    let sign = if cents <= -100 { "-" } else { "" };
    format!("€ {sign}{}", grouped(cents / 100))
}

/// Whole euros with a dot between thousands, without a sign.
fn grouped(whole: i64) -> String {
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_grouped_the_dutch_way() {
        assert_eq!(euros(20_000_000), "€ 200.000,00");
        assert_eq!(euros(169_200), "€ 1.692,00");
        assert_eq!(euros(5), "€ 0,05");
        assert_eq!(euros(-12_345), "€ -123,45");
        assert_eq!(whole_euros(19_055_550), "€ 190.555");
        assert_eq!(whole_euros(-99), "€ 0");
    }
}
