use super::*;

struct Host(Vec<(&'static str, &'static str, &'static str)>);

impl Environment for Host {
    fn db(&mut self) -> &mut dyn crate::storage::db::Database {
        unreachable!("rates never touch the database")
    }
    fn now(&mut self) -> i64 {
        0
    }
    fn fill_random(&mut self, _: &mut [u8]) {}
    fn exchange_rate(&mut self, from: &str, to: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, t, _)| *f == from && *t == to)
            .map(|(_, _, r)| (*r).to_owned())
    }
    fn deliver(
        &mut self,
        _: &crate::storage::outbound::OutboundMessage,
    ) -> std::result::Result<String, crate::storage::outbound::DeliveryError> {
        unreachable!("rates never deliver")
    }
}

fn cur(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

fn get(host: &[(&'static str, &'static str, &'static str)], from: &str, to: &str) -> Rate {
    lookup(&mut Host(host.to_vec()), cur(from), cur(to))
        .unwrap()
        .unwrap()
}

fn rate(from: &str, to: &str, v: &'static str) -> Rate {
    let (f, t) = (cur(from).code(), cur(to).code());
    get(&[(f, t, v)], from, to)
}

/// The inverse of the host's (to, from) rate `v`.
fn inverse(from: &str, to: &str, v: &'static str) -> Rate {
    let (f, t) = (cur(from).code(), cur(to).code());
    let r = get(&[(t, f, v)], from, to);
    assert!(r.is_inverse());
    assert_eq!(r.text, format!("1/{v}"));
    r
}

#[test]
fn converts_between_minor_units() {
    let usd_eur = rate("USD", "EUR", "0.92");
    assert_eq!(convert_down(10000, &usd_eur), 9200);
    assert_eq!(convert_down(333, &usd_eur), 306); // 3.0636 → 3.06
    assert_eq!(convert_half_up(333, &usd_eur), 306);
    assert_eq!(convert_back_half_up(306, &usd_eur), 333); // 3.326 → 3.33
    let usd_jpy = rate("USD", "JPY", "151.37");
    assert_eq!(convert_down(100, &usd_jpy), 151);
    assert_eq!(convert_half_up(100, &usd_jpy), 151);
    assert_eq!(convert_back_half_up(151, &usd_jpy), 100); // 0.9975 → 1.00
    let kwd_usd = rate("KWD", "USD", "3.25");
    assert_eq!(convert_down(1001, &kwd_usd), 325); // 1.001 KWD = 3.25325 USD
    assert_eq!(convert_half_up(-1002, &kwd_usd), -326); // half away from zero
}

#[test]
fn a_partial_debit_never_exceeds_the_balance() {
    let r = rate("GBP", "USD", "1.2659");
    for balance in [1i64, 7, 99, 100, 12345, 999_999] {
        let available = convert_down(balance, &r);
        for applied in [0, 1, available / 3, available.saturating_sub(1)] {
            if applied < available {
                assert!(convert_back_half_up(applied, &r) <= balance);
            }
        }
    }
}

#[test]
fn the_direct_rate_wins_and_the_inverse_fills_in() {
    let both = [("EUR", "GBP", "0.85"), ("GBP", "EUR", "1.2")];
    let direct = get(&both, "GBP", "EUR");
    assert_eq!(direct.text, "1.2");
    assert!(!direct.is_inverse());
    let only_opposite = [("EUR", "GBP", "0.85")];
    let inv = get(&only_opposite, "GBP", "EUR");
    assert_eq!(inv.text, "1/0.85");
    assert_eq!(
        lookup(&mut Host(vec![]), cur("GBP"), cur("EUR")),
        Err(Error::NoExchangeRate {
            from: "GBP".into(),
            to: "EUR".into()
        })
    );
    assert_eq!(lookup(&mut Host(vec![]), cur("EUR"), cur("EUR")), Ok(None));
}

#[test]
fn garbage_is_refused_in_either_direction() {
    for bad in [
        "",
        "0",
        "0.000",
        "-1",
        "+1",
        "1e3",
        ".5",
        "1.",
        "1.2.3",
        "abc",
        " 1",
        "NaN",
        "1000000000.1",
        "1000000001",
        "99999999999",
        "0.0000000000000000000000000000001", // 33 characters
    ] {
        let direct = lookup(&mut Host(vec![("GBP", "EUR", bad)]), cur("GBP"), cur("EUR"));
        assert!(
            matches!(direct, Err(Error::InvalidExchangeRate(_))),
            "{bad:?}: {direct:?}"
        );
        let opposite = lookup(&mut Host(vec![("EUR", "GBP", bad)]), cur("GBP"), cur("EUR"));
        assert!(
            matches!(opposite, Err(Error::InvalidExchangeRate(_))),
            "{bad:?}: {opposite:?}"
        );
    }
    // A garbled direct rate is not papered over with the inverse.
    let host = vec![("GBP", "EUR", "x"), ("EUR", "GBP", "0.85")];
    assert!(matches!(
        lookup(&mut Host(host), cur("GBP"), cur("EUR")),
        Err(Error::InvalidExchangeRate(_))
    ));
    // The inverse obeys the same ceiling: 1 ÷ 0.0000000001 = 10^10.
    let tiny = vec![("EUR", "GBP", "0.0000000001")];
    assert!(matches!(
        lookup(&mut Host(tiny), cur("GBP"), cur("EUR")),
        Err(Error::InvalidExchangeRate(_))
    ));
    let edge = vec![("EUR", "GBP", "0.000000001")];
    assert!(lookup(&mut Host(edge), cur("GBP"), cur("EUR")).is_ok());
    // Leading and trailing zeros are the same rate; the text is echoed.
    assert_eq!(
        convert_down(1000, &rate("GBP", "EUR", "001.2000")),
        convert_down(1000, &rate("GBP", "EUR", "1.2"))
    );
    assert_eq!(rate("GBP", "EUR", "1000000000").text, "1000000000");
}

/// The inverse is exact: no rounded `1 ÷ 3` in between.
#[test]
fn the_inverse_of_three_is_exact() {
    let r = inverse("GBP", "EUR", "3"); // host: 1 EUR = 3 GBP
    assert_eq!(convert_down(300, &r), 100); // 3.00 GBP = 1.00 EUR exactly
    assert_eq!(convert_down(1000, &r), 333); // 10.00 GBP = 3.333… → 3.33 EUR
    assert_eq!(convert_back_half_up(333, &r), 999); // 3.33 EUR × 3
    assert_eq!(convert_down(3 * 123_456_789, &r), 123_456_789);
}

#[test]
fn inverse_of_0_85() {
    let r = inverse("GBP", "EUR", "0.85"); // host: 1 EUR = 0.85 GBP
    // 10.00 GBP ÷ 0.85 = 11.7647… → 11.76 EUR, never 11.77.
    assert_eq!(convert_down(1000, &r), 1176);
    // 11.76 EUR is 9.996 GBP: less than the 10.00 held.
    assert_eq!(convert_back_half_up(1176, &r), 1000);
    // A partial debit is applied × 0.85, ties exactly half up.
    assert_eq!(convert_back_half_up(500, &r), 425);
    assert_eq!(convert_back_half_up(10, &r), 9); // 8.5 → 9
    assert_eq!(convert_back_half_up(30, &r), 26); // 25.5 → 26
    assert_eq!(convert_back_half_up(1, &r), 1); // 0.85 → 1
    // Converted half up (a card's value in another currency): ÷ 0.85.
    assert_eq!(convert_half_up(2125, &r), 2500); // 21.25 GBP = 25.00 EUR
    assert_eq!(convert_half_up(1, &r), 1); // 0.0117… EUR → 0.01
}

#[test]
fn inverse_of_151_37_between_yen_and_dollars() {
    let r = inverse("JPY", "USD", "151.37"); // host: 1 USD = 151.37 JPY
    // 10000 JPY ÷ 151.37 = 66.0633… USD → 66.06.
    assert_eq!(convert_down(10_000, &r), 6606);
    // 66.06 USD is 9999.50 JPY: within the 10000 held.
    assert_eq!(convert_back_half_up(6606, &r), 10_000);
    assert_eq!(convert_back_half_up(6605, &r), 9998); // 9997.9885
    assert_eq!(convert_down(151, &r), 99); // 0.9975… → 0.99
    assert_eq!(convert_half_up(151, &r), 100);
}

#[test]
fn inverse_of_0_000123_from_dollars_to_yen() {
    let r = inverse("USD", "JPY", "0.000123"); // host: 1 JPY = 0.000123 USD
    // 10.00 USD ÷ 0.000123 = 81300.81… JPY → 81300.
    assert_eq!(convert_down(1000, &r), 81_300);
    // 81300 JPY × 0.000123 = 9.9999 USD: the card holds 10.00.
    assert_eq!(convert_back_half_up(81_300, &r), 1000);
    assert_eq!(convert_back_half_up(5_000, &r), 62); // 0.615 → 0.62
    assert_eq!(convert_back_half_up(4_000, &r), 49); // 0.492 → 0.49
    assert_eq!(convert_down(1, &r), 81); // 0.01 USD = 81.3 JPY
}

/// Multiplying back the exact `available` never exceeds the balance,
/// and one more minor unit would: the card is promised all it holds and
/// no more. Checked against plain i128 arithmetic.
#[test]
fn available_is_the_largest_amount_the_balance_covers() {
    // (from, to, host's to → from rate as mantissa and scale)
    let cases: [(&str, &str, &'static str, i128, u32); 6] = [
        ("GBP", "EUR", "3", 3, 0),
        ("GBP", "EUR", "0.85", 85, 2),
        ("JPY", "USD", "151.37", 15137, 2),
        ("USD", "JPY", "0.000123", 123, 6),
        ("KWD", "USD", "0.3071", 3071, 4),
        ("USD", "KWD", "3.2563", 32563, 4),
    ];
    for (from, to, text, m, s) in cases {
        let r = inverse(from, to, text);
        let (ef, et) = (cur(from).exponent(), cur(to).exponent());
        for balance in [1i64, 2, 3, 7, 85, 99, 100, 999, 1000, 12_345, 987_654_321] {
            let available = i128::from(convert_down(balance, &r));
            // available (to minor) × r in from minor = available × m ×
            // 10^ef ÷ (10^s × 10^et); compare without dividing.
            let value = |a: i128| a * m * 10i128.pow(ef);
            let held = i128::from(balance) * 10i128.pow(s + et);
            assert!(value(available) <= held, "{text} {balance}");
            assert!(value(available + 1) > held, "{text} {balance}");
            // Any partial debit fits in the balance.
            for applied in [available - 1, available / 2, 1] {
                if (0..available).contains(&applied) {
                    let debit = convert_back_half_up(applied as i64, &r);
                    assert!(debit <= balance, "{text} {balance} {applied}");
                }
            }
        }
    }
}

#[test]
fn wide_multiplication_and_division_are_exact() {
    let big = u128::MAX / 3;
    let (q, r) = mul_div(big, 6, 2);
    assert_eq!((q, r), (Some(big * 3), 0));
    let (q, r) = mul_div(u128::from(u64::MAX), u128::from(u64::MAX), 7);
    let product = u128::from(u64::MAX) * u128::from(u64::MAX);
    assert_eq!((q, r), (Some(product / 7), product % 7));
    // 10^19 × 10^31 ÷ 10^25 = 10^25, through a 2^166 intermediate.
    let (q, r) = mul_div(pow10(19), pow10(31), pow10(25));
    assert_eq!((q, r), (Some(pow10(25)), 0));
    // An inexact one: quotient × divisor + remainder is the product.
    let (q, r) = mul_div(pow10(19), pow10(31) + 1, pow10(25) + 3);
    let q = q.unwrap();
    let (hi, lo) = mul_wide(q, pow10(25) + 3);
    let (hi2, lo2) = mul_wide(pow10(19), pow10(31) + 1);
    let (sum, carry) = lo.overflowing_add(r);
    assert_eq!((hi + u128::from(carry), sum), (hi2, lo2));
    assert!(r < pow10(25) + 3);
    assert_eq!(mul_div(u128::MAX, u128::MAX, 1).0, None);
}
