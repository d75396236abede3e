//! Module matrices for QR codes and Code 128, and a 1-bit PNG writer.
//!
//! The PNG and the PDF renderers both start from the same [`Modules`] matrix,
//! so what a person scans from an email and from a printed card is the same
//! symbol.

use crate::{DocumentError, MAX_CODE_BYTES};

/// A black-and-white module matrix, row-major, `true` = dark, without quiet
/// zone (each renderer adds its own).
pub(crate) struct Modules {
    pub cols: usize,
    pub rows: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    /// Runs of dark modules in `row` as `(first column, length)`, so renderers
    /// draw one rectangle per run instead of one per module.
    pub fn dark_runs(&self, row: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let line = &self.dark[row * self.cols..(row + 1) * self.cols];
        let mut col = 0;
        core::iter::from_fn(move || {
            while col < line.len() && !line[col] {
                col += 1;
            }
            let start = col;
            while col < line.len() && line[col] {
                col += 1;
            }
            (col > start).then_some((start, col - start))
        })
    }
}

/// Checks that `text` can be encoded: not empty, at most
/// [`MAX_CODE_BYTES`], and for Code 128 only printable ASCII.
///
/// Cheap, so [`crate::cards_pdf`] can check every card before drawing any.
pub(crate) fn check_text(text: &str, code128: bool) -> Result<(), DocumentError> {
    if text.is_empty() {
        return Err(DocumentError::Empty);
    }
    if text.len() > MAX_CODE_BYTES {
        return Err(DocumentError::TooLong(
            "code text is longer than 512 bytes".into(),
        ));
    }
    // Code set B is printable ASCII. `barcoders` also treats some non-ASCII
    // letters (À, Ɓ, Ć, Ź...) as code-set switches and function codes, so
    // anything else must be refused here, before it reaches the encoder.
    if !code128 {
        return Ok(());
    }
    match text.chars().find(|c| !matches!(c, ' '..='~')) {
        None => Ok(()),
        Some(bad) => {
            let mut why = String::from("Code 128 set B cannot carry ");
            if bad.is_control() {
                why.push_str("a control character");
            } else {
                why.push('\'');
                why.push(bad);
                why.push('\'');
            }
            Err(DocumentError::Unencodable(why))
        }
    }
}

/// The QR modules for `text` (byte/alphanumeric/numeric mode chosen by
/// `qrcode`, error-correction level M).
pub(crate) fn qr_modules(text: &str) -> Result<Modules, DocumentError> {
    check_text(text, false)?;
    // 512 bytes always fit (version 40-M holds 2331 bytes); map the error
    // anyway so no input can panic.
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|_| DocumentError::TooLong("text does not fit in a QR code".into()))?;
    let n = code.width();
    let dark = code
        .into_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(Modules {
        cols: n,
        rows: n,
        dark,
    })
}

/// The Code 128 (code set B) modules for `text`, as a single row.
pub(crate) fn code128_modules(text: &str) -> Result<Modules, DocumentError> {
    check_text(text, true)?;
    let mut data = String::with_capacity(text.len() + 2);
    data.push('Ɓ'); // barcoders: start in code set B
    data.push_str(text);
    let bars = barcoders::sym::code128::Code128::new(data)
        .map_err(|_| DocumentError::Unencodable("Code 128 encoder refused the text".into()))?
        .encode();
    Ok(Modules {
        cols: bars.len(),
        rows: 1,
        dark: bars.into_iter().map(|b| b == 1).collect(),
    })
}

/// Encodes `m` as a 1-bit grayscale PNG: `quiet_x` / `quiet_y` white modules
/// around it, each module `module_w` x `module_h` pixels.
///
/// One bit per pixel keeps the PNG and the buffer 8 times smaller than 8-bit
/// gray, and every viewer and scanner app reads it.
pub(crate) fn png(
    m: &Modules,
    quiet_x: usize,
    quiet_y: usize,
    module_w: u32,
    module_h: u32,
) -> Result<Vec<u8>, DocumentError> {
    let (mw, mh) = (module_w as usize, module_h as usize);
    let width = (m.cols + 2 * quiet_x) * mw;
    let height = (m.rows + 2 * quiet_y) * mh;
    let row_bytes = width.div_ceil(8);
    // White everywhere (bit 1 = white in grayscale), then clear dark bits.
    let mut pixels = vec![0xFF_u8; row_bytes * height];
    for r in 0..m.rows {
        let first = (quiet_y + r) * mh;
        let (line, below) = pixels[first * row_bytes..].split_at_mut(row_bytes);
        for (start, len) in m.dark_runs(r) {
            let x0 = (quiet_x + start) * mw;
            for x in x0..x0 + len * mw {
                line[x / 8] &= !(0x80 >> (x % 8));
            }
        }
        for copy in below[..(mh - 1) * row_bytes].chunks_exact_mut(row_bytes) {
            copy.copy_from_slice(line);
        }
    }

    let too_large = |_| DocumentError::TooLong("image is too large for a PNG".into());
    let (w, h) = (
        u32::try_from(width).map_err(too_large)?,
        u32::try_from(height).map_err(too_large)?,
    );
    Ok(crate::png_writer::gray1(w, h, &pixels))
}
