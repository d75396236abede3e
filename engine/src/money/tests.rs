use super::*;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

#[test]
fn parses_exact_minor_units() {
    assert_eq!(usd().parse_amount("25").unwrap(), 2500);
    assert_eq!(usd().parse_amount("25.5").unwrap(), 2550);
    assert_eq!(usd().parse_amount("-3.10").unwrap(), -310);
    assert_eq!(usd().parse_amount("10.500").unwrap(), 1050);
    assert_eq!(usd().parse_amount("0.01").unwrap(), 1);
    let jpy = Currency::parse("jpy").unwrap();
    assert_eq!(jpy.parse_amount("1500").unwrap(), 1500);
    assert!(jpy.parse_amount("1500.5").is_err());
    let kwd = Currency::parse("KWD").unwrap();
    assert_eq!(kwd.parse_amount("1.234").unwrap(), 1234);
}

#[test]
fn refuses_bad_amounts() {
    for bad in [
        "",
        "abc",
        "1e3",
        "1,000",
        " 5",
        "5 ",
        "1.",
        ".5",
        "NaN",
        "10.005",
        "0.001",
        "1000000000.01",
        "99999999999999999999999999999999",
        "--1",
    ] {
        assert!(
            matches!(usd().parse_amount(bad), Err(Error::InvalidAmount(_))),
            "{bad:?} should be refused"
        );
    }
    assert!(usd().parse_positive("0").is_err());
    assert!(usd().parse_positive("-1").is_err());
    assert_eq!(usd().parse_amount("1000000000").unwrap(), 100_000_000_000);
}

#[test]
fn formats_with_currency_digits() {
    assert_eq!(usd().format(2550), "25.50");
    assert_eq!(usd().format(-310), "-3.10");
    assert_eq!(usd().format(0), "0.00");
    assert_eq!(Currency::parse("JPY").unwrap().format(1500), "1500");
    assert_eq!(Currency::parse("KWD").unwrap().format(5), "0.005");
}

#[test]
fn refuses_unknown_currencies() {
    for bad in ["XYZ", "US", "DOGE", "XAU", "XXX", ""] {
        assert!(
            matches!(Currency::parse(bad), Err(Error::UnknownCurrency(_))),
            "{bad}"
        );
    }
}

#[test]
fn grammar_accepts_plain_decimals() {
    for (text, value) in [
        ("0", "0"),
        ("12", "12"),
        ("12.50", "12.50"),
        ("007.5", "7.5"),
        ("+3", "3"),
        ("-3.10", "-3.10"),
    ] {
        let amount: Amount = text.parse().unwrap();
        assert_eq!(amount.value(), Decimal::from_str(value).unwrap(), "{text}");
        assert_eq!(amount.as_str(), text);
    }
    let parts = plain_parts("-12.50", Sign::Allowed, MAX_DECIMAL_TEXT).unwrap();
    assert_eq!((parts.negative, parts.int, parts.frac), (true, "12", "50"));
    let parts = plain_parts("7", Sign::Refused, MAX_DECIMAL_TEXT).unwrap();
    assert_eq!((parts.negative, parts.int, parts.frac), (false, "7", ""));
}

#[test]
fn grammar_refuses_everything_else() {
    for bad in [
        "", "-", "+", ".", "1.", ".5", "1e3", "1E3", "1,000", "1_000", "1 000", " 5", "5 ", "\t5",
        "NaN", "inf", "--1", "+-1", "1.2.3", "١٢", "0x10",
    ] {
        assert_eq!(
            Amount::parse(bad, Sign::Allowed),
            Err(DecimalError::NotPlain),
            "{bad:?}"
        );
    }
    // Signs only where the caller allows them.
    for signed in ["-1", "+1", "-0.5"] {
        assert!(Amount::parse(signed, Sign::Allowed).is_ok(), "{signed}");
        assert_eq!(
            Amount::parse(signed, Sign::Refused),
            Err(DecimalError::NotPlain),
            "{signed}"
        );
    }
    // Overlong: 40 bytes pass the grammar, 41 do not.
    let forty = format!("1.{}", "0".repeat(38));
    assert_eq!(forty.len(), MAX_DECIMAL_TEXT);
    assert!(plain_parts(&forty, Sign::Refused, MAX_DECIMAL_TEXT).is_some());
    let longer = format!("{forty}0");
    assert_eq!(
        Amount::parse(&longer, Sign::Refused),
        Err(DecimalError::NotPlain)
    );
    // Plain but beyond what an exact decimal holds.
    assert_eq!(
        Amount::parse(&"9".repeat(35), Sign::Refused),
        Err(DecimalError::OutOfRange)
    );
}

#[test]
fn minor_units_follow_the_currency() {
    let amount = |t: &str| t.parse::<Amount>().unwrap();
    assert_eq!(usd().minor(&amount("12.5")).unwrap(), 1250);
    assert_eq!(usd().minor(&amount("12.500")).unwrap(), 1250);
    let jpy = Currency::parse("JPY").unwrap();
    assert_eq!(jpy.minor(&amount("1200")).unwrap(), 1200);
    let kwd = Currency::parse("KWD").unwrap();
    assert_eq!(kwd.minor(&amount("1.005")).unwrap(), 1005);
    // Scale beyond the currency's exponent, quoting the text as given.
    assert_eq!(
        jpy.minor(&amount("1200.5")),
        Err(Error::InvalidAmount(
            "`1200.5`: JPY allows 0 digit(s) after the decimal point".into()
        ))
    );
    assert!(kwd.minor(&amount("1.0005")).is_err());
    assert!(usd().minor(&amount("0.001")).is_err());
    // The maximum amount, exactly, and one minor unit over it.
    assert_eq!(
        usd().minor(&amount("1000000000.00")).unwrap(),
        usd().max_minor()
    );
    assert_eq!(
        usd().minor(&amount("-1000000000")).unwrap(),
        -usd().max_minor()
    );
    assert_eq!(
        usd().minor(&amount("1000000000.01")),
        Err(Error::InvalidAmount(
            "`1000000000.01`: larger than the maximum of 1000000000 USD".into()
        ))
    );
    assert_eq!(
        usd().parse_amount("1e3"),
        Err(Error::InvalidAmount(
            "`1e3`: not a plain decimal number such as 12.50".into()
        ))
    );
}

#[test]
fn given_amounts_keep_their_error_for_later() {
    let good = GivenAmount::read("12.50");
    assert_eq!(good.as_str(), "12.50");
    assert_eq!(usd().minor_of(&good).unwrap(), 1250);
    let bad = GivenAmount::read("1,50");
    assert_eq!(bad.as_str(), "1,50");
    // The same error `parse_amount` gives for the text.
    assert_eq!(usd().minor_of(&bad), usd().parse_amount("1,50"));
    let huge = GivenAmount::from("9".repeat(35));
    assert_eq!(usd().minor_of(&huge), usd().parse_amount(&"9".repeat(35)));
    // Stored as the text it was given as.
    let json = serde_json::to_string(&bad).unwrap();
    assert_eq!(json, "\"1,50\"");
    assert_eq!(serde_json::from_str::<GivenAmount>(&json).unwrap(), bad);
}

#[test]
fn money_is_stored_in_the_contract_form() {
    use crate::model::Money;
    let m = Money::parse("12.5", "usd").unwrap();
    assert_eq!(
        (m.minor, m.amount(), m.currency_code()),
        (1250, "12.50".into(), "USD")
    );
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(json, r#"{"amount":"12.50","currency":"USD"}"#);
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    // Sums the engine wrote may exceed the per-amount maximum.
    let big = Money::of(usd().max_minor() * 3, usd());
    let json = serde_json::to_string(&big).unwrap();
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), big);
    assert_eq!(
        Money::of(1200, Currency::parse("JPY").unwrap()).amount(),
        "1200"
    );
    assert_eq!(
        Money::of(5, Currency::parse("KWD").unwrap()).amount(),
        "0.005"
    );
}

/// A field that takes no sign reads a given amount as the grammar with
/// `Sign::Refused` reads its text.
#[test]
fn unsigned_reading_matches_the_refusing_grammar() {
    for text in [
        "12.50",
        "-1",
        "+1",
        "-0",
        "1e3",
        "",
        "99999999999999999999999999999999",
        "-99999999999999999999999999999999",
        "+99999999999999999999999999999999",
        "-",
        "--1",
        " 1",
        "1.",
    ] {
        let given = GivenAmount::read(text);
        assert_eq!(
            given.unsigned().map(Amount::value),
            Amount::parse(text, Sign::Refused).map(|a| a.value()),
            "{text:?}"
        );
    }
}

/// What `Decimal::from_str` reads: value, scale and sign, to the letter.
fn same_as_rust_decimal(text: &str) {
    let parts = plain_parts(text, Sign::Allowed, MAX_DECIMAL_TEXT)
        .unwrap_or_else(|| panic!("`{text}` is not plain"));
    match parts.small_value() {
        Some(fast) => {
            let slow = Decimal::from_str(text).unwrap();
            assert_eq!(fast, slow, "{text}");
            assert_eq!(fast.scale(), slow.scale(), "{text}");
            assert_eq!(fast.is_sign_negative(), slow.is_sign_negative(), "{text}");
            assert_eq!(fast.to_string(), slow.to_string(), "{text}");
        }
        None => assert!(text.trim_start_matches(['-', '+']).len() > 18, "{text}"),
    }
}

#[test]
fn the_short_reading_is_rust_decimals() {
    for text in [
        "0",
        "-0",
        "+0",
        "0.00",
        "-0.00",
        "007.50",
        "10",
        "25.5",
        "-3.10",
        "+12.345",
        "999999999999999999",
        "99999999999999999.9",
        "0.000000000000000001",
        "4294967296",
        "18446744073.709551615",
        "1234567890123456789",
    ] {
        same_as_rust_decimal(text);
    }
}

#[test]
fn formats_the_extremes_and_every_exponent() {
    for code in ["JPY", "USD", "KWD", "CLF"] {
        let c = Currency::parse(code).unwrap();
        for minor in [0, 1, -1, 9, 10, -10, 99, 100, 12345, i64::MAX, i64::MIN] {
            assert_eq!(
                c.format(minor),
                Decimal::new(minor, c.exponent).to_string(),
                "{code} {minor}"
            );
        }
    }
    assert_eq!(Currency::parse("CLF").unwrap().format(-5), "-0.0005");
}

proptest::proptest! {
    /// The hand-written formatter writes what the decimal type writes.
    #[test]
    fn formatting_matches_rust_decimal(minor in proptest::num::i64::ANY, code in "(JPY|USD|KWD|CLF)") {
        let c = Currency::parse(&code).unwrap();
        proptest::prop_assert_eq!(c.format(minor), Decimal::new(minor, c.exponent).to_string());
    }

    #[test]
    fn every_short_plain_decimal_reads_as_rust_decimal_does(
        sign in "[-+]?", int in "[0-9]{1,19}", frac in proptest::option::of("[0-9]{1,19}"),
    ) {
        let text = match frac {
            Some(f) => format!("{sign}{int}.{f}"),
            None => format!("{sign}{int}"),
        };
        same_as_rust_decimal(&text);
    }

    #[test]
    fn minor_units_are_the_decimal_times_the_exponent(
        mantissa in -10i64.pow(15)..10i64.pow(15), scale in 0u32..6,
    ) {
        let amount = Amount::parse(&Decimal::new(mantissa, scale).to_string(), Sign::Allowed).unwrap();
        for code in ["USD", "JPY", "KWD"] {
            let c = Currency::parse(code).unwrap();
            let expected = (amount.value() * Decimal::from(10i64.pow(c.exponent)))
                .normalize();
            let got = c.exact_minor(&amount);
            if expected.scale() > 0 {
                proptest::prop_assert!(got.is_err());
            } else {
                proptest::prop_assert_eq!(got.unwrap(), i64::try_from(expected.mantissa()).unwrap());
            }
        }
    }
}

/// The generated lookup and iso_currency's own agree on every code of three
/// letters (and refuse what is not one).
#[test]
fn the_generated_code_lookup_agrees_with_iso_currency_everywhere() {
    let letters = b'A'..=b'Z';
    let mut known = 0;
    for a in letters.clone() {
        for b in letters.clone() {
            for c in letters.clone() {
                let code = [a, b, c];
                let text = std::str::from_utf8(&code).unwrap();
                let ours = codes::currency_of(code);
                assert_eq!(ours, iso_currency::Currency::from_code(text), "{text}");
                known += usize::from(ours.is_some());
            }
        }
    }
    assert!(known > 150, "only {known} codes known");
    for odd in [*b"us1", *b"\0\0\0", *b"EU ", [0xC3, 0xA9, b'A']] {
        assert_eq!(codes::currency_of(odd), None);
    }
    assert_eq!(Currency::parse(" eur ").unwrap().code(), "EUR");
    assert!(Currency::parse("EURO").is_err() && Currency::parse("é").is_err());
}
