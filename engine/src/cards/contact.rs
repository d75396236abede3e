//! Where a message may go: phone numbers and delivery dates. (Email addresses
//! are checked by [`crate::cards::check_email`], shared with card records.)

use crate::error::{Error, Result};
use crate::storage::time::{self, Seconds};

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
mod tests;
