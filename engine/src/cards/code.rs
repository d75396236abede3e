//! Gift-card codes: generation, normalisation and masking.
//!
//! # Entropy
//!
//! Generated codes draw every character from a 32-symbol alphabet that leaves
//! out the look-alikes `I`, `O`, `0` and `1`. Each character carries
//! log2(32) = 5 bits. The shortest length the settings allow is 13 characters,
//! 13 × 5 = 65 bits ≥ 64; the default of 16 carries 16 × 5 = 80 bits. Each
//! character comes from one byte of the host's secure random source reduced
//! modulo 32; because 256 = 8 × 32, every symbol is exactly equally likely, so
//! no bit is lost to bias. The prefix adds nothing and is not counted.
//!
//! With 80 bits, the chance that any two of a million cards collide is about
//! 10¹² / 2⁸¹ ≈ 4 × 10⁻¹³; the plugin still checks each new code against the
//! table and draws again on a clash, and a UNIQUE index backs the check.

use crate::error::{Error, Result};

/// The generation alphabet: A–Z and 2–9 without I and O.
pub const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Bits of entropy per generated character.
pub const BITS_PER_CHAR: u32 = 5;
/// Bounds on generated length (random characters, prefix excluded).
pub const MIN_GENERATED_LEN: u8 = 13;
pub const MAX_GENERATED_LEN: u8 = 32;
/// Bounds on any normalised code, custom or generated (prefix included).
pub const MIN_CODE_LEN: usize = 4;
pub const MAX_CODE_LEN: usize = 64;
/// Inputs longer than this are refused before any work is done on them.
const MAX_INPUT_LEN: usize = 200;

/// How generated codes look; comes from the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeFormat {
    pub prefix: String,
    pub length: u8,
    pub group_size: u8,
}

/// A code in its two forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    /// Upper case, letters and digits only: the lookup key.
    pub normalized: String,
    /// How it is shown to people, with dashes.
    pub display: String,
    /// How it is shown in lists and logs.
    pub masked: String,
}

/// Turns what a person typed into the lookup key: upper case, with dashes and
/// spaces removed. Refuses anything else that is not a letter or digit, and
/// lengths outside 4..=64.
pub fn normalize(input: &str) -> Result<String> {
    if input.len() > MAX_INPUT_LEN {
        return Err(Error::InvalidCode(format!(
            "longer than {MAX_INPUT_LEN} characters"
        )));
    }
    // Byte by byte: every accepted character is ASCII, and a byte of a
    // non-ASCII character is refused like the character would be. (Decoding
    // and re-encoding each character was most of the cost of a lookup.)
    let mut out = Vec::with_capacity(input.len());
    for &byte in input.as_bytes() {
        match byte {
            b'-' | b' ' => {}
            b if b.is_ascii_alphanumeric() => out.push(b.to_ascii_uppercase()),
            _ => {
                return Err(Error::InvalidCode(
                    "only letters A–Z, digits, dashes and spaces are allowed".into(),
                ));
            }
        }
    }
    let out = String::from_utf8(out).expect("only ASCII letters and digits were kept");
    if !(MIN_CODE_LEN..=MAX_CODE_LEN).contains(&out.len()) {
        return Err(Error::InvalidCode(format!(
            "must have {MIN_CODE_LEN} to {MAX_CODE_LEN} letters and digits, has {}",
            out.len()
        )));
    }
    Ok(out)
}

/// Accepts a custom code: normalised for lookup, shown as typed (upper case,
/// runs of spaces and dashes folded into one dash).
pub fn custom(input: &str) -> Result<Code> {
    let normalized = normalize(input)?;
    let mut display = String::with_capacity(input.len());
    for c in input.trim_matches(['-', ' ']).chars() {
        if c == '-' || c == ' ' {
            if !display.ends_with('-') {
                display.push('-');
            }
        } else {
            display.push(c.to_ascii_uppercase());
        }
    }
    let masked = mask(&display, 0);
    Ok(Code {
        normalized,
        display,
        masked,
    })
}

/// Generates a code in `format` from `random`, which must be the host's secure
/// source.
pub fn generate(format: &CodeFormat, random: &mut dyn FnMut(&mut [u8])) -> Code {
    let mut bytes = [0u8; MAX_GENERATED_LEN as usize];
    let bytes = &mut bytes[..usize::from(format.length)];
    random(bytes);
    let body: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    let mut display = String::with_capacity(format.prefix.len() + body.len() * 2);
    if !format.prefix.is_empty() {
        display.push_str(&format.prefix);
        display.push('-');
    }
    let prefix_shown = display.len();
    for (i, c) in body.chars().enumerate() {
        if format.group_size > 0 && i > 0 && i % usize::from(format.group_size) == 0 {
            display.push('-');
        }
        display.push(c);
    }
    Code {
        normalized: format!("{}{body}", format.prefix),
        masked: mask(&display, prefix_shown),
        display,
    }
}

/// Hides every letter and digit after the first `keep_prefix` characters
/// except the last four (or the last half, for codes shorter than eight), so
/// a listed or logged code can be recognised but not used.
pub fn mask(display: &str, keep_prefix: usize) -> String {
    let alnum = display[keep_prefix..]
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .count();
    let visible = 4.min(alnum / 2);
    let mut seen = 0;
    display
        .char_indices()
        .map(|(i, c)| {
            if i < keep_prefix || !c.is_ascii_alphanumeric() {
                return c;
            }
            seen += 1;
            if seen > alnum - visible { c } else { '*' }
        })
        .collect()
}

#[cfg(test)]
mod tests;
