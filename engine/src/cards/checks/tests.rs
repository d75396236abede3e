use super::*;

/// The rule by chars alone, as it reads without the ASCII shortcut.
fn by_chars(value: &str, max: usize, required: bool) -> Result<()> {
    if required && value.trim().is_empty() {
        return Err(Error::InvalidArgument("field: must not be empty".into()));
    }
    if value.chars().count() > max {
        return Err(Error::InvalidArgument(format!(
            "field: at most {max} characters"
        )));
    }
    match value.chars().find(|&c| forbidden(c)) {
        Some(c) => Err(control_character("field", c)),
        None => Ok(()),
    }
}

#[test]
fn every_ascii_character_is_judged_as_by_chars() {
    for byte in 0u8..=0x7f {
        let c = char::from(byte);
        for value in [c.to_string(), format!("ab{c}cd"), format!("é{c}")] {
            for required in [false, true] {
                assert_eq!(
                    check_text("field", &value, 4, required),
                    by_chars(&value, 4, required),
                    "{value:?}"
                );
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn any_text_is_judged_as_by_chars(
        value in "[ -~\\t\\n\\x0b\\x00\\x7f\\u{85}\\u{a0}é€\\u{2028}\\u{202e}\\u{2066}]{0,12}",
        max in 0usize..12,
        required: bool,
    ) {
        proptest::prop_assert_eq!(
            check_text("field", &value, max, required),
            by_chars(&value, max, required)
        );
    }
}
