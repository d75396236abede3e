//! Where a message may go: phone numbers and delivery dates. (Email addresses
//! are checked by [`crate::cards::check_email`], shared with card records.)

use crate::error::{Error, Result};
use crate::time::{self, Seconds};

/// Turns a phone number into `+<digits>` (E.164 shape): a leading `+` or
/// `00`, then 8 to 15 digits; spaces, dashes, dots and parentheses are
/// ignored. Anything else is refused with the reason, because an SMS gateway
/// would fail later and less clearly.
pub fn normalise_phone(value: &str) -> std::result::Result<String, String> {
    let trimmed = value.trim();
    let rest = if let Some(r) = trimmed.strip_prefix('+') {
        r
    } else if let Some(r) = trimmed.strip_prefix("00") {
        r
    } else {
        return Err(format!(
            "`{}` needs the country code, e.g. +44 20 7946 0958",
            shown(value)
        ));
    };
    let mut digits = String::with_capacity(16);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(format!(
                    "`{}` has a character that is not a digit",
                    shown(value)
                ));
            }
        }
    }
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(format!(
            "`{}` is not a phone number (8 to 15 digits after the country code's +)",
            shown(value)
        ));
    }
    Ok(format!("+{digits}"))
}

fn shown(value: &str) -> String {
    value.chars().take(40).collect()
}

/// Checks a delivery date chosen by a buyer: well formed and not in the past
/// (the moment of the call counts as now, not past; a plain date counts as
/// not past for the whole of that day, UTC).
pub fn check_delivery_date(field: &str, text: &str, now: Seconds) -> Result<Seconds> {
    let at = parse_delivery_date(field, text)?;
    let today = now - now.rem_euclid(time::DAY);
    let past = if is_plain_date(text) {
        at < today
    } else {
        at < now
    };
    if past {
        return Err(Error::InvalidDeliveryDate(format!(
            "{field}: {} is in the past (now is {})",
            text.trim(),
            time::format(now)
        )));
    }
    Ok(at)
}

/// Parses a delivery date: an RFC 3339 timestamp, or a plain date
/// (`2026-03-08`, meaning its first moment, UTC), since buyers pick a day.
/// A malformed one is `invalid-delivery-date`.
pub fn parse_delivery_date(field: &str, text: &str) -> Result<Seconds> {
    if let Some(date) = plain_date(text) {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp());
    }
    time::parse(text, field).map_err(|e| match e {
        Error::InvalidExpiry(message) => {
            Error::InvalidDeliveryDate(format!("{message} or a date such as 2027-01-31"))
        }
        other => other,
    })
}

fn is_plain_date(text: &str) -> bool {
    let t = text.trim().as_bytes();
    t.len() == 10 && t[4] == b'-' && t[7] == b'-'
}

/// `YYYY-MM-DD` as a calendar date (read by hand: chrono's format-string
/// parser would add kilobytes to the component for this one shape).
fn plain_date(text: &str) -> Option<chrono::NaiveDate> {
    if !is_plain_date(text) {
        return None;
    }
    let t = text.trim();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &t[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalised() {
        assert_eq!(
            normalise_phone("+44 20 7946 0958").unwrap(),
            "+442079460958"
        );
        assert_eq!(
            normalise_phone("0049 (30) 1234-5678").unwrap(),
            "+493012345678"
        );
        assert_eq!(
            normalise_phone(" +1.555.010.9999 ").unwrap(),
            "+15550109999"
        );
    }

    #[test]
    fn bad_phone_numbers_are_refused_with_a_reason() {
        for bad in [
            "",
            "020 7946 0958",
            "+44 20 79x6",
            "+1234567",
            "+1234567890123456",
            "+0 123 456 789",
            "hello",
        ] {
            let err = normalise_phone(bad).unwrap_err();
            assert!(!err.is_empty(), "{bad}");
        }
    }

    #[test]
    fn delivery_dates_in_the_past_are_refused() {
        let now = 1_800_000_000;
        assert_eq!(
            check_delivery_date("deliver-at", &time::format(now + 60), now).unwrap(),
            now + 60
        );
        assert!(check_delivery_date("deliver-at", &time::format(now), now).is_ok());
        assert!(matches!(
            check_delivery_date("deliver-at", &time::format(now - 1), now),
            Err(Error::InvalidDeliveryDate(m)) if m.contains("in the past")
        ));
        assert!(matches!(
            check_delivery_date("deliver-at", "next tuesday", now),
            Err(Error::InvalidDeliveryDate(_))
        ));
    }

    #[test]
    fn delivery_dates_take_timestamps_and_plain_dates() {
        let now = time::parse("2026-03-01T09:00:00Z", "now").unwrap();
        // Today as a plain date is not past; yesterday is.
        assert_eq!(
            check_delivery_date("deliver-at", "2026-03-01", now).unwrap(),
            time::parse("2026-03-01T00:00:00Z", "t").unwrap()
        );
        assert!(matches!(
            check_delivery_date("deliver-at", "2026-02-28", now),
            Err(Error::InvalidDeliveryDate(m)) if m.contains("in the past")
        ));
        // A timestamp an hour ago is past; the present moment is not.
        assert!(check_delivery_date("deliver-at", "2026-03-01T08:00:00Z", now).is_err());
        assert!(check_delivery_date("deliver-at", "2026-03-01T09:00:00Z", now).is_ok());
        for bad in ["2026-02-30", "08/03/2026", "2026-3-8", "soon", ""] {
            assert!(
                matches!(
                    parse_delivery_date("deliver-at", bad),
                    Err(Error::InvalidDeliveryDate(_))
                ),
                "{bad}"
            );
        }
    }
}
