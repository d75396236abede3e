//! Timestamps: unix seconds inside, RFC 3339 (UTC, `Z`) at the contract.

use crate::error::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};

/// Seconds since 1970-01-01T00:00:00Z.
pub type Seconds = i64;

pub const DAY: Seconds = 86_400;

/// Formats as `2026-11-21T09:30:00Z`.
pub fn format(t: Seconds) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| t.to_string())
}

/// Parses an RFC 3339 timestamp with any offset; sub-second digits are dropped.
pub fn parse(text: &str, what: &str) -> Result<Seconds> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|d| d.timestamp())
        .map_err(|_| {
            Error::InvalidExpiry(format!(
                "{what} `{}` is not an RFC 3339 timestamp such as 2027-01-31T23:59:59Z",
                text.chars().take(40).collect::<String>()
            ))
        })
}

/// [`parse`] for a time that is not an expiry (a window's end, a report
/// period): a malformed one is `invalid-argument` naming the field.
pub fn parse_argument(text: &str, what: &str) -> Result<Seconds> {
    parse(text, what).map_err(|e| match e {
        Error::InvalidExpiry(message) => Error::InvalidArgument(message),
        other => other,
    })
}

#[cfg(test)]
mod tests;
