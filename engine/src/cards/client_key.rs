//! Client keys in canonical form, so that one client gets one allowance
//! however its key is spelled.
//!
//! A rate limit compared byte for byte gives `203.0.113.7`, `203.0.113.07`,
//! ` 203.0.113.7` and `::ffff:203.0.113.7` four allowances for one address.
//! Every entry point that takes a client key (balance check, public page,
//! redeem to account, applying a code, the refusal log) goes through
//! [`canonical`]:
//!
//! - surrounding white space is trimmed; an empty key, a key over
//!   [`MAX_LEN`] characters, or one holding a control or invisible
//!   (default-ignorable, such as U+200B) character is `invalid-argument`
//!   naming `client-key`: such a key is a host bug or an attempt to mint
//!   new spellings, never a client;
//! - an IPv4 address in dotted-quad form is its plain form, leading zeros
//!   read as decimal (`203.000.113.007` is `203.0.113.7`, never octal);
//! - an IPv6 address in any spelling (case, `::` compression, `[…]`
//!   brackets, a `%zone`) is one key; an IPv4-mapped one
//!   (`::ffff:203.0.113.7`, `::ffff:cb00:7107`) is that IPv4 address;
//! - a plain IPv6 address counts by its /64 network (`2001:db8:1:2::/64`):
//!   one subscriber is commonly handed a whole /64 and may pick any address
//!   in it, so a per-address limit would give them 2^64 allowances;
//! - `IPv4:port` and `[IPv6]:port` drop the port (a client's source port
//!   changes with every connection);
//! - every other key (session ids, customer ids) is case-folded to Unicode
//!   lower case.

use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The longest client key accepted, in characters (as the contract says).
pub const MAX_LEN: usize = 200;

/// The canonical form of a client key (see the module documentation).
pub fn canonical(raw: &str) -> Result<String> {
    let bad = |why: String| Error::InvalidArgument(format!("client-key: {why}"));
    if let Some(c) = raw.chars().find(|&c| is_control_or_invisible(c)) {
        return Err(bad(format!(
            "control or invisible characters are not allowed (U+{:04X})",
            u32::from(c)
        )));
    }
    if raw.chars().count() > MAX_LEN {
        return Err(bad(format!("at most {MAX_LEN} characters")));
    }
    let key = raw.trim();
    if key.is_empty() {
        return Err(bad("must not be empty".into()));
    }
    Ok(match ip_address(key) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                format!("{}/64", Ipv6Addr::from(segments))
            }
        },
        None => key.to_lowercase(),
    })
}

/// Control characters (C0, DEL, C1) and Unicode's default-ignorable code
/// points: characters that show nothing, so a key holding one looks like
/// another key while comparing differently.
fn is_control_or_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            u32::from(c),
            0x00AD
                | 0x034F
                | 0x061C
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x180B..=0x180F
                | 0x200B..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x206F
                | 0x3164
                | 0xFE00..=0xFE0F
                | 0xFEFF
                | 0xFFA0
                | 0xFFF0..=0xFFF8
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0000..=0xE0FFF
        )
}

/// The address a key spells, if it spells one: `a.b.c.d`, `a.b.c.d:port`,
/// an IPv6 address (optionally with a zone), or `[IPv6]` with an optional
/// `:port`.
fn ip_address(key: &str) -> Option<IpAddr> {
    if let Some(inner) = key.strip_prefix('[') {
        let (address, rest) = inner.split_once(']')?;
        if !rest.is_empty() && !rest.strip_prefix(':').is_some_and(is_port) {
            return None;
        }
        return ipv6(address).map(IpAddr::V6);
    }
    if let Some(v4) = ipv4(key) {
        return Some(IpAddr::V4(v4));
    }
    if let Some((host, port)) = key.split_once(':')
        && is_port(port)
        && let Some(v4) = ipv4(host)
    {
        return Some(IpAddr::V4(v4));
    }
    ipv6(key).map(IpAddr::V6)
}

/// Four decimal octets separated by dots; leading zeros are allowed and
/// never mean octal (the standard parser refuses them, so this is by hand).
fn ipv4(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = part.trim_start_matches('0');
        *octet = if digits.is_empty() {
            0
        } else if digits.len() > 3 {
            return None;
        } else {
            u8::try_from(digits.parse::<u16>().ok()?).ok()?
        };
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

/// An IPv6 address with an optional `%zone` (dropped: the same host on
/// another interface is the same client), its embedded IPv4 tail allowed
/// leading zeros like [`ipv4`].
fn ipv6(text: &str) -> Option<Ipv6Addr> {
    let address = match text.split_once('%') {
        Some((address, zone)) if !zone.is_empty() && !zone.contains(char::is_whitespace) => address,
        Some(_) => return None,
        None => text,
    };
    if !address.contains(':') {
        return None;
    }
    match address.rsplit_once(':') {
        Some((head, tail)) if tail.contains('.') => {
            let v4 = ipv4(tail)?;
            Ipv6Addr::from_str(&format!("{head}:{v4}")).ok()
        }
        _ => Ipv6Addr::from_str(address).ok(),
    }
}

/// A TCP/UDP port: 1 to 5 decimal digits, at most 65535.
fn is_port(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 5
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u32>().is_ok_and(|p| p <= 65_535)
}

#[cfg(test)]
mod tests;
