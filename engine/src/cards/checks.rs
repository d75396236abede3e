//! The checks every free-text field, email and use limit goes through.

use super::*;
use std::fmt::Display;

/// Checks a single-line text field: not empty when `required`, at most
/// `max` characters, and none a reader could be fooled by ([`forbidden`]).
/// Every free-text field goes through here (ids, names, comments, admin
/// users, references…), so a CR/LF in a sender's name can never forge a
/// line in an email's body or subject, nor an ESC drive a terminal.
pub(crate) fn check_text(
    field: impl Display,
    value: &str,
    max: usize,
    required: bool,
) -> Result<()> {
    check_length(&field, value, max, required)?;
    // ASCII (every id and sku a quote line carries) is checked by bytes:
    // there the forbidden characters are the ASCII controls. Decoding chars
    // took about 6 % of a 200-line collection.
    let found = if value.is_ascii() {
        (value.bytes().find(u8::is_ascii_control)).map(char::from)
    } else {
        value.chars().find(|&c| forbidden(c))
    };
    match found {
        Some(c) => Err(control_character(field, c)),
        None => Ok(()),
    }
}

/// Checks a text that may run over several lines (a gift message, a
/// product's description or terms): as [`check_text`], except that line
/// breaks (`\n`, or `\r\n`) are kept.
pub(crate) fn check_multiline(field: impl Display, value: &str, max: usize) -> Result<()> {
    check_length(&field, value, max, false)?;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        let line_break = c == '\n' || (c == '\r' && chars.peek() == Some(&'\n'));
        if forbidden(c) && !line_break {
            return Err(control_character(field, c));
        }
    }
    Ok(())
}

fn check_length(field: &dyn Display, value: &str, max: usize, required: bool) -> Result<()> {
    if required && value.trim().is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{field}: must not be empty"
        )));
    }
    let length = if value.is_ascii() {
        value.len()
    } else {
        value.chars().count()
    };
    if length > max {
        return Err(Error::InvalidArgument(format!(
            "{field}: at most {max} characters"
        )));
    }
    Ok(())
}

/// Characters no text field may hold: control characters (C0, DEL, C1),
/// the Unicode line and paragraph separators, and the bidirectional
/// embeddings, overrides and isolates, which reorder how the text around
/// them is shown (U+202A–U+202E, U+2066–U+2069).
pub fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn control_character(field: impl Display, c: char) -> Error {
    Error::InvalidArgument(format!(
        "{field}: must not contain control characters (found U+{:04X})",
        c as u32
    ))
}

pub(crate) fn check_opt_text(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| check_text(field, v, max, true))
}

/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Checks an email address for shape: one `@`, a non-empty local part, a
/// domain with a dot that neither starts nor ends it, no spaces or control
/// characters, at most 254 characters. Deliverability is the shop's business.
pub fn check_email(field: impl Display, value: &str) -> Result<()> {
    let bad = |why: &str| {
        let shown: String = value.chars().take(40).collect();
        Error::InvalidArgument(format!(
            "{field}: `{shown}` is not an email address ({why})"
        ))
    };
    if value.is_empty() {
        return Err(bad("empty"));
    }
    if value.chars().count() > MAX_EMAIL_LEN {
        return Err(bad("longer than 254 characters"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains a space"));
    }
    let mut parts = value.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("needs exactly one @"));
    };
    if local.is_empty() {
        return Err(bad("nothing before the @"));
    }
    if domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad("the domain needs a dot, e.g. example.com"));
    }
    Ok(())
}

/// Checks a maximum number of uses: -1 (unlimited) or 1 and more.
pub fn check_max_uses(value: Option<i32>) -> Result<i32> {
    match value {
        None => Ok(-1),
        Some(n) if n == -1 || n >= 1 => Ok(n),
        Some(n) => Err(Error::InvalidArgument(format!(
            "max-uses: -1 for unlimited, or 1 or more (got {n})"
        ))),
    }
}

#[cfg(test)]
mod tests;
