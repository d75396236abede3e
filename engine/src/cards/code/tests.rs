use super::*;

fn counter_rng(seed: u64) -> impl FnMut(&mut [u8]) {
    let mut state = seed;
    move |buf: &mut [u8]| {
        for b in buf {
            // SplitMix64: good enough to exercise the mapping in tests.
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *b = (z ^ (z >> 31)) as u8;
        }
    }
}

fn format() -> CodeFormat {
    CodeFormat {
        prefix: "GC".into(),
        length: 16,
        group_size: 4,
    }
}

#[test]
fn normalizes_case_dashes_and_spaces() {
    assert_eq!(normalize("gc-abcd efgh").unwrap(), "GCABCDEFGH");
    assert_eq!(normalize(" AbC-1 ").unwrap(), "ABC1");
    assert!(matches!(normalize("ab$cd"), Err(Error::InvalidCode(_))));
    assert!(matches!(normalize("abc"), Err(Error::InvalidCode(_))));
    assert!(matches!(
        normalize(&"A".repeat(65)),
        Err(Error::InvalidCode(_))
    ));
    assert!(matches!(
        normalize(&"A".repeat(5000)),
        Err(Error::InvalidCode(_))
    ));
    assert!(matches!(normalize("ÄBCD"), Err(Error::InvalidCode(_))));
}

#[test]
fn generated_codes_have_the_format() {
    let code = generate(&format(), &mut counter_rng(7));
    assert_eq!(code.display.len(), "GC-".len() + 16 + 3);
    assert!(code.display.starts_with("GC-"));
    let groups: Vec<&str> = code.display.split('-').collect();
    assert_eq!(groups.len(), 5);
    assert!(groups[1..].iter().all(|g| g.len() == 4));
    assert_eq!(normalize(&code.display).unwrap(), code.normalized);
    assert!(code.normalized[2..].bytes().all(|b| ALPHABET.contains(&b)));
    assert!(code.masked.starts_with("GC-****-****-****-"));
    assert!(
        code.masked
            .ends_with(&code.display[code.display.len() - 4..])
    );
}

#[test]
fn entropy_meets_64_bits_at_the_minimum_length() {
    assert_eq!(1u32 << BITS_PER_CHAR, ALPHABET.len() as u32);
    assert!(u32::from(MIN_GENERATED_LEN) * BITS_PER_CHAR >= 64);
    let mut unique: Vec<u8> = ALPHABET.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 32, "alphabet symbols must be distinct");
    for confusable in *b"IO01" {
        assert!(!ALPHABET.contains(&confusable));
    }
}

#[test]
fn ten_thousand_generated_codes_are_unique() {
    let mut rng = counter_rng(42);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10_000 {
        assert!(seen.insert(generate(&format(), &mut rng).normalized));
    }
}

#[test]
fn custom_codes_keep_their_grouping() {
    let code = custom("summer  -- 2026").unwrap();
    assert_eq!(code.normalized, "SUMMER2026");
    assert_eq!(code.display, "SUMMER-2026");
    assert_eq!(code.masked, "******-2026");
    assert_eq!(custom("ab12").unwrap().masked, "**12");
}

/// The character-by-character reading `normalize` replaced, kept as the
/// definition it must agree with.
fn normalize_by_chars(input: &str) -> Option<String> {
    if input.len() > MAX_INPUT_LEN {
        return None;
    }
    let mut out = String::new();
    for c in input.chars() {
        match c {
            '-' | ' ' => {}
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            _ => return None,
        }
    }
    (MIN_CODE_LEN..=MAX_CODE_LEN)
        .contains(&out.len())
        .then_some(out)
}

proptest::proptest! {
    /// Reading bytes accepts and refuses exactly what reading characters
    /// did, Unicode included (`é`, `Ａ`, combining marks are refused).
    #[test]
    fn normalize_agrees_with_reading_characters(input in "[a-zA-Z0-9 \\-é\u{ff21}\u{301}_.]{0,70}") {
        proptest::prop_assert_eq!(normalize(&input).ok(), normalize_by_chars(&input));
    }
}
