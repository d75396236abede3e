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
