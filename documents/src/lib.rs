//! Images and documents for gift cards: the QR code and barcode that go into
//! gift-card emails, and printable PDF cards.
//!
//! Everything here runs inside a WebAssembly component, so the crate stays
//! small on purpose: no serde, no image crate, no embedded fonts, no
//! compressed images in the PDF (QR modules and bars are drawn as vector
//! rectangles, text uses the printer's built-in Helvetica), and layout is done
//! with simple loops over a small width table.
//!
//! All functions validate their input and return a [`DocumentError`] instead
//! of panicking, because a panic inside the component would take down the
//! whole request rather than just refuse one bad card.

mod pdf;
mod png_writer;
mod raster;
mod text;

use core::fmt;

/// Longest text, in bytes, that a QR code or barcode may carry.
///
/// Far above any real gift-card code, but low enough that a hostile input
/// cannot make us allocate a huge image.
pub const MAX_CODE_BYTES: usize = 512;

/// Most cards [`cards_pdf`] renders in one document, so that one call has a
/// bounded cost (about 1000 pages is already a large print run).
pub const MAX_CARDS: usize = 1000;

/// Most pages a document printed in parts ([`cards_pdf_part`]) may hold:
/// objects are numbered from the page index, and the bound keeps those
/// numbers, the page tree and the cross-reference sections small.
pub const MAX_RUN_PAGES: usize = 10_000;

/// Errors are typed; no panics on any input.
///
/// The `String` carries a short English explanation meant for logs and for
/// the shop owner, not for parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// The input is longer than this crate accepts (text for a code, number
    /// of cards, or resulting image size).
    TooLong(String),
    /// The text holds a character the requested symbology cannot carry
    /// (Code 128 code set B carries printable ASCII only).
    Unencodable(String),
    /// There is nothing to encode: an empty code or an empty list of cards.
    Empty,
    /// A later part of a document was asked to start where no part can
    /// have ended (see [`PdfPosition`]).
    InvalidPosition(String),
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Plain `write_str` keeps the formatting machinery out of the binary.
        match self {
            DocumentError::TooLong(why) => {
                f.write_str("too long: ")?;
                f.write_str(why)
            }
            DocumentError::Unencodable(why) => {
                f.write_str("cannot encode: ")?;
                f.write_str(why)
            }
            DocumentError::Empty => f.write_str("nothing to encode"),
            DocumentError::InvalidPosition(why) => {
                f.write_str("cannot continue the document: ")?;
                f.write_str(why)
            }
        }
    }
}

impl std::error::Error for DocumentError {}

/// A QR code of `text` as a PNG (1-bit grayscale, black on white, with the
/// 4-module quiet zone the QR standard requires so scanners find it on any
/// background), `scale` pixels per module.
///
/// `scale` is clamped to 1..=16: below 1 there is no image, and above 16 the
/// PNG only grows without scanning any better.
///
/// Uses error-correction level M (15 % of the symbol may be damaged), the
/// usual trade-off between size and robustness for codes shown on screens
/// and printed at home.
pub fn qr_png(text: &str, scale: u32) -> Result<Vec<u8>, DocumentError> {
    let modules = raster::qr_modules(text)?;
    let scale = scale.clamp(1, 16);
    raster::png(&modules, 4, 4, scale, scale)
}

/// A Code 128 barcode (code set B) of `text` as a PNG, `module_px` pixels per
/// narrow bar, `height` pixels tall, with the 10-module quiet zones each side
/// that the standard asks for so laser scanners find the start and stop.
///
/// Code set B carries every printable ASCII character, which covers gift-card
/// codes; `barcoders` does not switch to the denser code set C on its own, so
/// neither do we. `module_px` is clamped to 1..=16 and `height` to 1..=1024 to
/// keep the image (and the memory it needs) bounded.
pub fn code128_png(text: &str, module_px: u32, height: u32) -> Result<Vec<u8>, DocumentError> {
    let modules = raster::code128_modules(text)?;
    raster::png(
        &modules,
        10,
        0,
        module_px.clamp(1, 16),
        height.clamp(1, 1024),
    )
}

/// What a card says in words, formatted by the caller (who knows the
/// currency and locale): the same facts go on a printed page and into a
/// message about the card, so both hold this one record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardText {
    /// Printed at the top, so the recipient knows where to spend the card.
    pub shop_name: String,
    /// The code as shown to people, e.g. `"GC-ABCD-EFGH-JKLM-NPQR"`.
    pub code: String,
    /// Face value, e.g. `"25.00 EUR"`.
    pub value: String,
    /// Remaining balance, e.g. `"25.00 EUR"`.
    pub balance: String,
    /// Expiry date, e.g. `"2027-01-31"`; `None` prints "Does not expire".
    pub expires: Option<String>,
    /// Who the card is for, printed as "To: ...".
    pub recipient_name: Option<String>,
    /// Who gives the card, printed as "From: ...".
    pub sender_name: Option<String>,
    /// A personal message, wrapped and capped at four lines.
    pub message: Option<String>,
}

/// One card on a printed page.
///
/// Text fields are free text; characters the standard PDF fonts cannot show
/// are printed as `?`, and text that does not fit is shrunk or cut with an
/// ellipsis rather than refused, so a long shop name never blocks printing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintableCard {
    /// What the page says about the card.
    pub text: CardText,
    /// What the QR code and the barcode carry (e.g. `"GCABCDEFGHJKLMNPQR"`);
    /// also printed under the barcode so a cashier can type it in.
    pub machine_code: String,
    /// One or two sentences on how to redeem the card.
    pub how_to_redeem: String,
    /// Draw a QR code of `machine_code` (about 30 mm, top right).
    pub qr: bool,
    /// Draw a Code 128 barcode of `machine_code` (about 60 x 12 mm, bottom).
    pub barcode: bool,
}

/// A PDF with one card per page (A6 landscape, 148 x 105 mm, a common
/// postcard size that also prints four-up on A4; written as 420 x 298 pt,
/// the whole-point rounding A4 usually gets as 595 x 842); pages in the order
/// given.
///
/// The whole list is checked before anything is drawn, so a bad card is
/// reported (with its position, counting from 1) instead of producing a
/// partial document.
pub fn cards_pdf(cards: &[PrintableCard]) -> Result<Vec<u8>, DocumentError> {
    pdf::cards_pdf(cards)
}

/// Where a document printed in parts stands after some of them: what the
/// next part needs to know to continue it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfPosition {
    /// Pages written so far.
    pub pages: u32,
    /// Bytes written so far: where the next part's first byte goes.
    pub bytes: u64,
    /// Where the last part's cross-reference section starts.
    pub xref: u64,
}

/// One part of a document printed in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfPart {
    /// The bytes to append to the document.
    pub content: Vec<u8>,
    /// Pages this part adds.
    pub pages: u32,
    /// Where the document stands after this part.
    pub end: PdfPosition,
}

/// One part of a PDF printed a part at a time, so that no call holds more
/// than a part of a large print run in memory. Pages look exactly like
/// [`cards_pdf`]'s (the first part of a run is built the same way).
///
/// `after` is `None` for the first part, which is a complete PDF of its
/// pages (header, catalog, page tree, fonts, pages, cross-reference table,
/// trailer). Every later part continues the document at `after` (the
/// previous part's [`PdfPart::end`]) as a PDF incremental update (ISO
/// 32000-1, 7.5.6): the page-tree nodes that gain pages, the new pages, a
/// cross-reference section for exactly those objects (offsets counted from
/// the start of the file) and a trailer whose `/Prev` is the previous
/// section. Parts written one after another, in order, are one valid PDF
/// with every page so far; object numbers follow from page indices alone,
/// so parts rendered in separate calls never collide.
///
/// Draws one page per card, in order, and stops early (after at least one
/// page) once the part holds `max_bytes`, so a part's size stays bounded
/// whatever its cards print; [`PdfPart::pages`] says how many were drawn.
/// Every card given is checked first; errors name the card by its page
/// number in the document (from 1). At most [`MAX_CARDS`] cards per part
/// and [`MAX_RUN_PAGES`] pages per document.
pub fn cards_pdf_part(
    cards: &[PrintableCard],
    after: Option<PdfPosition>,
    max_bytes: usize,
) -> Result<PdfPart, DocumentError> {
    pdf::cards_pdf_part(cards, after, max_bytes)
}

/// Checks that a later part could start at `at` (see [`cards_pdf_part`],
/// which checks it too): after at least one page and below
/// [`MAX_RUN_PAGES`], with the previous cross-reference section after the
/// header and before `at.bytes`. A caller validating a request calls it
/// before doing any work.
pub fn check_pdf_position(at: PdfPosition) -> Result<(), DocumentError> {
    pdf::check_position(at).map(drop)
}
