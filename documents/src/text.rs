//! Text for the PDF: WinAnsi encoding, Helvetica widths, fitting and wrapping.
//!
//! The PDF uses the standard Type 1 fonts Helvetica and Helvetica-Bold, which
//! every PDF reader and printer has built in, so no font is embedded. Their
//! glyph widths are public (Adobe's AFM files); the two small tables below are
//! all the layout needs to centre, shrink, cut and wrap text.

use pdf_writer::Name;

/// One of the two built-in fonts the cards use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    /// The page resource name the PDF writer registers this font under.
    pub fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

/// WinAnsi byte for the ellipsis, used where text is cut.
pub(crate) const ELLIPSIS: u8 = 0x85;

/// Helvetica advance widths for WinAnsi codes 32..=255, in 1/250 em (the AFM
/// width in 1/1000 em divided by 4, rounded up). One byte per glyph keeps the
/// table at 224 bytes; the rounding error is below 0.3 % of a glyph.
#[rustfmt::skip]
const REGULAR: [u8; 224] = [
    70, 70, 89, 139, 139, 223, 167, 48, 84, 84, 98, 146, 70, 84, 70, 70,
    139, 139, 139, 139, 139, 139, 139, 139, 139, 139, 70, 70, 146, 146, 146, 139,
    254, 167, 167, 181, 181, 167, 153, 195, 181, 70, 125, 167, 139, 209, 181, 195,
    167, 195, 181, 167, 153, 181, 167, 236, 167, 167, 153, 70, 70, 70, 84, 139,
    84, 139, 139, 125, 139, 139, 70, 139, 139, 56, 56, 125, 56, 209, 139, 139,
    139, 139, 84, 125, 70, 139, 125, 181, 125, 125, 125, 84, 65, 84, 84, 0,
    139, 0, 56, 139, 84, 250, 139, 139, 84, 250, 167, 84, 250, 0, 153, 0,
    0, 56, 56, 84, 84, 88, 139, 250, 84, 250, 125, 84, 236, 0, 125, 167,
    70, 84, 139, 139, 139, 139, 65, 139, 84, 185, 93, 84, 146, 84, 185, 84,
    100, 146, 84, 84, 84, 145, 135, 70, 84, 84, 92, 84, 209, 209, 209, 153,
    167, 167, 167, 167, 167, 167, 250, 181, 167, 167, 167, 167, 70, 70, 70, 70,
    181, 181, 195, 195, 195, 195, 195, 146, 195, 181, 181, 181, 181, 167, 167, 153,
    139, 139, 139, 139, 139, 139, 223, 125, 139, 139, 139, 139, 70, 70, 70, 70,
    139, 139, 139, 139, 139, 139, 139, 146, 153, 139, 139, 139, 139, 125, 139, 125,
];

/// Helvetica-Bold widths, same layout as [`REGULAR`].
#[rustfmt::skip]
const BOLD: [u8; 224] = [
    70, 84, 119, 139, 139, 223, 181, 60, 84, 84, 98, 146, 70, 84, 70, 70,
    139, 139, 139, 139, 139, 139, 139, 139, 139, 139, 84, 84, 146, 146, 146, 153,
    244, 181, 181, 181, 181, 167, 153, 195, 181, 70, 139, 181, 153, 209, 181, 195,
    167, 195, 181, 167, 153, 181, 167, 236, 167, 167, 153, 84, 70, 84, 84, 139,
    84, 139, 153, 139, 153, 139, 84, 153, 153, 70, 70, 139, 70, 223, 153, 153,
    153, 153, 98, 139, 84, 153, 139, 195, 139, 139, 125, 98, 70, 98, 84, 0,
    139, 0, 70, 139, 125, 250, 139, 139, 84, 250, 167, 84, 250, 0, 153, 0,
    0, 70, 70, 125, 125, 88, 139, 250, 84, 250, 139, 84, 236, 0, 125, 167,
    70, 84, 139, 139, 139, 139, 70, 139, 84, 185, 93, 84, 146, 84, 185, 84,
    100, 146, 84, 84, 84, 153, 139, 70, 84, 84, 92, 84, 209, 209, 209, 153,
    181, 181, 181, 181, 181, 181, 250, 181, 167, 167, 167, 167, 70, 70, 70, 70,
    181, 181, 195, 195, 195, 195, 195, 146, 195, 181, 181, 181, 181, 167, 167, 153,
    139, 139, 139, 139, 139, 139, 223, 139, 139, 139, 139, 139, 70, 70, 70, 70,
    153, 153, 153, 153, 153, 153, 153, 146, 153, 153, 153, 153, 153, 139, 153, 139,
];

/// Unicode code points of WinAnsi codes 0x80..=0x9F (0 = unused). These are
/// the typographic quotes, dashes, the euro sign and friends that people type
/// on phones; mapping them keeps "Here’s 25 €" readable instead of "Here?s 25 ?".
#[rustfmt::skip]
const WIN_ANSI_80: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// Encodes `s` for the fonts' WinAnsiEncoding: printable Latin-1 as is, the
/// Windows-1252 extras above, tabs and line breaks as spaces (or `\n` kept as
/// a hard line break when `keep_newlines`), and anything else as `?` — the
/// built-in fonts have no other glyphs, and a visible `?` beats a silently
/// missing letter.
pub(crate) fn win_ansi(s: &str, keep_newlines: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        out.push(match c {
            ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
            '\n' if keep_newlines => b'\n',
            '\r' if keep_newlines => continue,
            '\t' | '\n' | '\r' => b' ',
            _ => WIN_ANSI_80
                .iter()
                .position(|&u| u != 0 && u32::from(u) == u32::from(c))
                .map_or(b'?', |i| 0x80 + i as u8),
        });
    }
    out
}

/// Width of WinAnsi `text` in points at `size`.
pub(crate) fn width(text: &[u8], font: Font, size: f32) -> f32 {
    let table = match font {
        Font::Regular => &REGULAR,
        Font::Bold => &BOLD,
    };
    let units: u32 = text
        .iter()
        .map(|&b| {
            u32::from(
                table
                    .get(usize::from(b).wrapping_sub(32))
                    .copied()
                    .unwrap_or(0),
            )
        })
        .sum();
    units as f32 * size / 250.0
}

/// The largest size between `min` and `size` at which `text` fits in `max`
/// points, so a long shop name or value shrinks before it is cut.
pub(crate) fn fit_size(text: &[u8], font: Font, size: f32, min: f32, max: f32) -> f32 {
    let w = width(text, font, size);
    if w <= max {
        size
    } else {
        (size * max / w).max(min)
    }
}

/// `text` unchanged if it fits in `max` points, else cut with an ellipsis.
pub(crate) fn cut(text: &[u8], font: Font, size: f32, max: f32) -> Vec<u8> {
    if width(text, font, size) <= max {
        text.to_vec()
    } else {
        with_ellipsis(text, font, size, max)
    }
}

/// As much of `text` as fits in `max` points together with a trailing
/// ellipsis (which signals that something was left out).
fn with_ellipsis(text: &[u8], font: Font, size: f32, max: f32) -> Vec<u8> {
    let budget = max - width(&[ELLIPSIS], font, size);
    let mut used = 0.0;
    let mut end = 0;
    for &b in text {
        used += width(&[b], font, size);
        if used > budget {
            break;
        }
        end += 1;
    }
    let mut out = text[..end].trim_ascii_end().to_vec();
    out.push(ELLIPSIS);
    out
}

/// Greedy word wrap of WinAnsi `text` into at most `max_lines` lines, line
/// `i` being at most `line_width(i)` points wide (lines beside the QR code
/// are narrower). Breaks at spaces, splits words longer than a line, treats
/// `\n` as a hard break, and ends the last line with an ellipsis when text is
/// left over, so a long message never runs into the rest of the card.
pub(crate) fn wrap(
    text: &[u8],
    font: Font,
    size: f32,
    max_lines: usize,
    line_width: impl Fn(usize) -> f32,
) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && lines.len() < max_lines {
        let max = line_width(lines.len());
        let para_len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let para = &rest[..para_len];
        let mut used = 0.0;
        let mut fits = 0;
        let mut space = None;
        for (i, &b) in para.iter().enumerate() {
            if b == b' ' {
                space = Some(i);
            }
            used += width(&[b], font, size);
            if used > max && i > 0 {
                break;
            }
            fits = i + 1;
        }
        let (line, next, soft) = if fits == para_len {
            (para, para_len + 1, false)
        } else if let Some(s) = space.filter(|&s| s > 0) {
            (&para[..s], s + 1, true)
        } else {
            (&para[..fits], fits, true)
        };
        lines.push(line.trim_ascii_end().to_vec());
        rest = rest.get(next..).unwrap_or(&[]);
        if soft {
            while let [b' ', tail @ ..] = rest {
                rest = tail;
            }
        }
    }
    // The loop only stops early when the last allowed line is filled.
    let filled = lines.len();
    if !rest.is_empty()
        && let Some(last) = lines.last_mut()
    {
        *last = with_ellipsis(last, font, size, line_width(filled - 1));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_latin1_and_windows_extras() {
        assert_eq!(win_ansi("Aé€’…", false), vec![b'A', 0xE9, 0x80, 0x92, 0x85]);
        assert_eq!(win_ansi("a\tb\r\nc😀", false), b"a b  c?".to_vec());
        assert_eq!(win_ansi("a\r\nb", true), b"a\nb".to_vec());
        assert_eq!(win_ansi("\u{81}\u{0}", false), b"??".to_vec());
    }

    #[test]
    fn widths_match_helvetica() {
        // "Hello" in Helvetica: 722 + 556 + 222 + 222 + 556 = 2278 / 1000 em.
        let w = width(b"Hello", Font::Regular, 1000.0);
        assert!((w - 2278.0).abs() < 8.0, "{w}");
        assert!(width(b"W", Font::Bold, 10.0) > width(b"i", Font::Bold, 10.0));
    }

    #[test]
    fn wraps_at_spaces_and_caps_lines() {
        let w = width(b"aaaa bbbb", Font::Regular, 10.0) + 0.1;
        let lines = wrap(b"aaaa bbbb cccc dddd", Font::Regular, 10.0, 5, |_| w);
        assert_eq!(lines, vec![b"aaaa bbbb".to_vec(), b"cccc dddd".to_vec()]);

        let lines = wrap(b"aaaa bbbb cccc dddd eeee", Font::Regular, 10.0, 2, |_| w);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].last(), Some(&ELLIPSIS));
        assert!(width(&lines[1], Font::Regular, 10.0) <= w);

        let lines = wrap(b"x\n\ny", Font::Regular, 10.0, 5, |_| w);
        assert_eq!(lines, vec![b"x".to_vec(), Vec::new(), b"y".to_vec()]);
    }

    #[test]
    fn splits_words_longer_than_a_line() {
        let w = width(b"abc", Font::Regular, 10.0) + 0.1;
        let lines = wrap(b"abcdefgh", Font::Regular, 10.0, 9, |_| w);
        assert_eq!(
            lines,
            vec![b"abc".to_vec(), b"def".to_vec(), b"gh".to_vec()]
        );
        // Even a line too narrow for one glyph makes progress.
        assert_eq!(wrap(b"ab", Font::Regular, 10.0, 9, |_| 0.0).len(), 2);
    }

    #[test]
    fn cut_adds_ellipsis_only_when_needed() {
        assert_eq!(cut(b"short", Font::Bold, 10.0, 100.0), b"short".to_vec());
        let c = cut(b"a much longer line of text", Font::Bold, 10.0, 50.0);
        assert_eq!(c.last(), Some(&ELLIPSIS));
        assert!(width(&c, Font::Bold, 10.0) <= 50.0);
    }
}
