//! Printable cards: one A6 landscape page per card, in one document or in
//! parts (a first part that is a complete PDF, then incremental updates that
//! each add pages), so that a large print run is never held in memory whole.
//!
//! Drawn with vector operations only: QR modules and bars are filled
//! rectangles (sharp at any printer resolution and no image compression code
//! in the binary) and text uses the built-in Helvetica fonts (no font data).
//!
//! Every number this module hands to `pdf-writer` is an integer: content
//! streams work in 1/100 pt (a fixed prefix scales them to points) and the
//! page size is given in whole points. Writing an `f32` would link
//! `pdf-writer`'s float path, which drags in Rust's float formatting and
//! `io::Error` debug printing: about 20 KB of WebAssembly for nothing.

use pdf_writer::{Chunk, Content, Name, Pdf, Ref, Str};

use crate::raster::{self, Modules};
use crate::text::{self, Font};
use crate::{DocumentError, MAX_CARDS, MAX_RUN_PAGES, PdfPart, PdfPosition, PrintableCard};

/// Points per millimetre (PDF units are 1/72 inch).
const MM: f32 = 72.0 / 25.4;
/// A6 landscape (148 x 105 mm = 419.53 x 297.64 pt) in whole points, the way
/// A4 is usually written as 595 x 842.
const PAGE_W_PT: i32 = 420;
const PAGE_H_PT: i32 = 298;
const PAGE_W: f32 = PAGE_W_PT as f32;
const PAGE_H: f32 = PAGE_H_PT as f32;
const MARGIN: f32 = 7.0 * MM;

/// QR symbol side, without its quiet zone. 30 mm gives a typical gift-card
/// code (version 1 or 2, 21 or 25 modules) modules of 1.2 to 1.4 mm: easy for
/// phone cameras, and still 7 or more pixels per module when the page is
/// rasterised at 150 dpi.
const QR_SIDE: f32 = 30.0 * MM;
/// Long codes make denser QR codes; the symbol grows so modules stay at
/// least this big, up to [`QR_MAX_SIDE`], rather than becoming unscannable.
const QR_MIN_MODULE: f32 = 0.5 * MM;
const QR_MAX_SIDE: f32 = 45.0 * MM;

/// Barcode width including its 10-module quiet zones, and bar height.
const BAR_W: f32 = 60.0 * MM;
const BAR_H: f32 = 12.0 * MM;
/// A 300 dpi printer dot (0.24 pt). Bar widths and the barcode's left edge
/// are whole dots, so 300/600/1200 dpi printers print every bar with exactly
/// the same width instead of rounding some bars thinner.
const DOT: f32 = 72.0 / 300.0;
/// Narrowest bar: 3 dots = 0.254 mm (10 mil), the usual minimum for laser
/// scanners; long codes widen the barcode (up to the page width) instead.
const BAR_MIN_DOTS: f32 = 3.0;

/// Fixed object numbers: the catalog, the root of the page tree and the two
/// fonts. Every part of a print run refers to them; only the first writes
/// the catalog and the fonts.
const CATALOG: Ref = Ref::new(1);
const TREE: Ref = Ref::new(2);
const REGULAR: Ref = Ref::new(3);
const BOLD: Ref = Ref::new(4);

/// Pages hang off the root in groups of this many (a two-level page tree).
/// A part rewrites the root and the groups it adds pages to, never a list
/// of every page so far: with a flat tree, a 10,000-page run printed one
/// page per part would repeat a list of up to 10,000 pages 10,000 times.
const GROUP: usize = 100;
/// Objects per group: its tree node, then a page and its content stream
/// for each of its pages.
const BLOCK: i32 = 1 + 2 * GROUP as i32;

/// Group `g` (pages `100 g` to `100 g + 99`) is object `5 + 201 g`, and its
/// pages follow it. Numbers follow from the page index alone, so parts
/// rendered in separate calls never collide; a first part numbers its
/// objects without gaps (no free entries to list); and for
/// [`MAX_RUN_PAGES`] pages they stay far below `i32::MAX`.
fn group_id(g: usize) -> Ref {
    Ref::new(5 + BLOCK * g as i32)
}

/// Page `i`; its content stream is the next object.
fn page_id(i: usize) -> Ref {
    Ref::new(group_id(i / GROUP).get() + 1 + 2 * (i % GROUP) as i32)
}

/// `pdf-writer`'s header, `%PDF-1.7`, a binary marker and a blank line: no
/// cross-reference section can start before it ends.
const HEADER_LEN: u64 = 16;

/// Cross-reference offsets are 10 decimal digits.
const MAX_OFFSET: u64 = 9_999_999_999;

pub(crate) fn cards_pdf(cards: &[PrintableCard]) -> Result<Vec<u8>, DocumentError> {
    if cards.len() > MAX_CARDS {
        return Err(DocumentError::TooLong(
            "more than 1000 cards in one PDF".into(),
        ));
    }
    Ok(cards_pdf_part(cards, None, usize::MAX)?.content)
}

pub(crate) fn cards_pdf_part(
    cards: &[PrintableCard],
    after: Option<PdfPosition>,
    max_bytes: usize,
) -> Result<PdfPart, DocumentError> {
    if cards.is_empty() {
        return Err(DocumentError::Empty);
    }
    if cards.len() > MAX_CARDS {
        return Err(DocumentError::TooLong(
            "more than 1000 cards in one part".into(),
        ));
    }
    let first = match after {
        None => 0,
        Some(at) => check_position(at)?,
    };
    if first + cards.len() > MAX_RUN_PAGES {
        return Err(DocumentError::TooLong(
            "more than 10000 pages in one document".into(),
        ));
    }
    // Check every card before drawing any, so an error names the card (by
    // its page number) and no work is wasted on a part that will be refused.
    for (i, card) in cards.iter().enumerate() {
        raster::check_text(&card.machine_code, card.barcode).map_err(|e| for_card(e, first + i))?;
    }
    let (pages, mut marks) = draw_pages(cards, first, max_bytes)?;
    let total = first + marks.len() / 2;
    let drawn = (total - first) as u32;

    let Some(at) = after else {
        let mut pdf = Pdf::with_capacity(pages.len() + 4096);
        pdf.catalog(CATALOG).pages(TREE);
        tree(&mut pdf, 0, total, &mut Vec::new());
        // WinAnsiEncoding makes the bytes we write mean Latin-1 (plus the
        // Windows-1252 extras) in every reader; the default StandardEncoding
        // would garble accented letters.
        for (id, font) in [(REGULAR, "Helvetica"), (BOLD, "Helvetica-Bold")] {
            pdf.type1_font(id)
                .base_font(Name(font.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.extend(&pages);
        let xref = pdf.len() as u64;
        let content = pdf.finish();
        let bytes = content.len() as u64;
        return Ok(PdfPart {
            content,
            pages: drawn,
            end: PdfPosition {
                pages: total as u32,
                bytes,
                xref,
            },
        });
    };

    // An incremental update (ISO 32000-1, 7.5.6): new versions of the tree
    // nodes that gain pages, the new pages, an xref section for exactly
    // those objects and a trailer chaining to the previous section. It opens
    // with a newline so the previous part's `%%EOF` ends its line.
    let mut head = Chunk::new();
    let mut tree_marks = Vec::new();
    tree(&mut head, first, total, &mut tree_marks);
    let mut out = Vec::with_capacity(head.len() + pages.len() + 20 * (marks.len() + 4) + 200);
    out.push(b'\n');
    let head_at = at.bytes + out.len() as u64;
    out.extend_from_slice(head.as_bytes());
    let pages_at = at.bytes + out.len() as u64;
    out.extend_from_slice(pages.as_bytes());
    for (_, offset) in &mut tree_marks {
        *offset += head_at;
    }
    for (_, offset) in &mut marks {
        *offset += pages_at;
    }
    marks.extend(tree_marks);
    marks.sort_unstable();

    let xref = at.bytes + out.len() as u64;
    out.extend_from_slice(b"xref\n");
    let mut rest = &marks[..];
    while !rest.is_empty() {
        // Runs of consecutive object numbers make the subsections.
        let run = 1 + rest.windows(2).take_while(|w| w[1].0 == w[0].0 + 1).count();
        let (section, tail) = rest.split_at(run);
        subsection(&mut out, section);
        rest = tail;
    }
    out.extend_from_slice(b"trailer\n<< /Size ");
    push_number(
        &mut out,
        u64::from(page_id(total - 1).next().get() as u32) + 1,
    );
    out.extend_from_slice(b" /Root ");
    push_number(&mut out, CATALOG.get() as u64);
    out.extend_from_slice(b" 0 R /Prev ");
    push_number(&mut out, at.xref);
    out.extend_from_slice(b" >>\nstartxref\n");
    push_number(&mut out, xref);
    out.extend_from_slice(b"\n%%EOF");
    let bytes = at.bytes + out.len() as u64;
    if bytes > MAX_OFFSET {
        return Err(DocumentError::TooLong(
            "the document would pass 9999999999 bytes".into(),
        ));
    }
    Ok(PdfPart {
        content: out,
        pages: drawn,
        end: PdfPosition {
            pages: total as u32,
            bytes,
            xref,
        },
    })
}

/// Checks where a later part is said to start: after at least one page (a
/// first part always has one), with the previous cross-reference section
/// after the header and before the end. Offsets cannot be checked against
/// the file (it is the host's), but nonsense is refused.
pub(crate) fn check_position(at: PdfPosition) -> Result<usize, DocumentError> {
    let why = if at.pages == 0 {
        "a later part follows at least one page"
    } else if at.pages as usize >= MAX_RUN_PAGES {
        "the document already holds 10000 pages"
    } else if at.xref < HEADER_LEN || at.xref >= at.bytes {
        "the previous cross-reference section must lie within the bytes written"
    } else if at.bytes > MAX_OFFSET {
        "the document cannot pass 9999999999 bytes"
    } else {
        return Ok(at.pages as usize);
    };
    Err(DocumentError::InvalidPosition(why.into()))
}

/// Writes the page-tree nodes that change when pages `first..total` are
/// added: the root (every group so far) and each group that gains pages
/// (every page it holds so far). Each object's number and offset in the
/// chunk go to `marks`.
fn tree(chunk: &mut Chunk, first: usize, total: usize, marks: &mut Vec<(i32, u64)>) {
    let groups = total.div_ceil(GROUP);
    marks.push((TREE.get(), chunk.len() as u64));
    chunk
        .pages(TREE)
        .kids((0..groups).map(group_id))
        .count(total as i32);
    for g in first / GROUP..groups {
        let pages = g * GROUP..total.min((g + 1) * GROUP);
        marks.push((group_id(g).get(), chunk.len() as u64));
        chunk
            .pages(group_id(g))
            .parent(TREE)
            .count(pages.len() as i32)
            .kids(pages.map(page_id));
    }
}

/// Draws pages `first..` (one per card) into a chunk until the cards run
/// out or the chunk holds `max_bytes` (always at least one page). Returns
/// the chunk and the number and offset in it of each object written: a
/// page, then its content stream, for each page drawn.
fn draw_pages(
    cards: &[PrintableCard],
    first: usize,
    max_bytes: usize,
) -> Result<(Chunk, Vec<(i32, u64)>), DocumentError> {
    let mut chunk = Chunk::with_capacity(cards.len().min(64) * 8 * 1024);
    let mut marks = Vec::with_capacity(2 * cards.len());
    for (i, card) in (first..).zip(cards) {
        if !marks.is_empty() && chunk.len() >= max_bytes {
            break;
        }
        let content_id = page_id(i).next();
        marks.push((page_id(i).get(), chunk.len() as u64));
        let mut page = chunk.page(page_id(i));
        page.parent(group_id(i / GROUP))
            .contents(content_id)
            .insert(Name(b"MediaBox"))
            .array()
            .items([0, 0, PAGE_W_PT, PAGE_H_PT]);
        page.resources()
            .fonts()
            .pair(Font::Regular.name(), REGULAR)
            .pair(Font::Bold.name(), BOLD);
        drop(page);

        let mut page = Page {
            gray: Content::new(),
            black: Content::new(),
        };
        draw_card(&mut page, card).map_err(|e| for_card(e, i))?;
        marks.push((content_id.get(), chunk.len() as u64));
        chunk.stream(content_id, &page.finish());
    }
    Ok((chunk, marks))
}

/// One cross-reference subsection: consecutive objects with their offsets,
/// each entry exactly 20 bytes as the format requires.
fn subsection(out: &mut Vec<u8>, objects: &[(i32, u64)]) {
    push_number(out, objects[0].0 as u64);
    out.push(b' ');
    push_number(out, objects.len() as u64);
    out.push(b'\n');
    for (_, offset) in objects {
        push_padded(out, *offset, 10);
        out.extend_from_slice(b" 00000 n\r\n");
    }
}

/// Prefixes an error message with the card's position (from 1), so the
/// caller can tell which of up to 1000 cards is wrong.
fn for_card(e: DocumentError, index: usize) -> DocumentError {
    let prefix = |why: String| {
        let mut s = b"card ".to_vec();
        push_number(&mut s, index as u64 + 1);
        s.extend_from_slice(b": ");
        s.extend_from_slice(why.as_bytes());
        String::from_utf8_lossy(&s).into_owned()
    };
    match e {
        DocumentError::TooLong(why) => DocumentError::TooLong(prefix(why)),
        DocumentError::Unencodable(why) => DocumentError::Unencodable(prefix(why)),
        other => other,
    }
}

/// Appends `n` in decimal without pulling in the formatting machinery.
fn push_number(out: &mut Vec<u8>, n: u64) {
    push_padded(out, n, 1);
}

/// Appends `n` in decimal, with leading zeros to at least `width` digits.
fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    if width > 1 || n >= 10 {
        push_padded(out, n / 10, width.saturating_sub(1));
    }
    out.push(b'0' + (n % 10) as u8);
}

/// A page's content, in two parts because colours need fractional
/// operands: `gray` is drawn first in 35 % gray, then `black` in black.
struct Page {
    gray: Content,
    black: Content,
}

impl Page {
    /// The content stream: a fixed prefix switches to 1/100 pt units and
    /// gray, so the rest can be written with integers only.
    fn finish(self) -> Vec<u8> {
        let mut out = b"0.01 0 0 0.01 0 0 cm 0.35 g\n".to_vec();
        out.extend_from_slice(&self.gray.finish());
        out.extend_from_slice(b"\n0 g\n");
        out.extend_from_slice(&self.black.finish());
        out
    }
}

/// Points to content-stream units (1/100 pt).
fn units(pt: f32) -> i32 {
    (pt * 100.0).round() as i32
}

/// Draws the dark modules of `m` as one filled path with `(x, top)` the top
/// left corner of the symbol (without quiet zone). Each edge is rounded on
/// its own, so neighbouring modules share edges exactly, and one path for all
/// of them leaves no hairline seams when the page is rasterised with
/// anti-aliasing.
fn draw_modules(c: &mut Content, m: &Modules, x: f32, top: f32, module_w: f32, module_h: f32) {
    let col = |i: usize| units(x + i as f32 * module_w);
    for row in 0..m.rows {
        let y0 = units(top - (row + 1) as f32 * module_h);
        let y1 = units(top - row as f32 * module_h);
        for (start, len) in m.dark_runs(row) {
            let x0 = col(start);
            c.op("re")
                .operands([x0, y0, col(start + len) - x0, y1 - y0]);
        }
    }
    c.fill_nonzero();
}

/// Draws one line of WinAnsi text with its baseline starting at `(x, y)`.
fn show(c: &mut Content, font: Font, size: f32, x: f32, y: f32, text: &[u8]) {
    if text.is_empty() {
        return;
    }
    c.begin_text();
    c.op("Tf").operand(font.name()).operand(units(size));
    c.op("Td").operands([units(x), units(y)]);
    c.show(Str(text));
    c.end_text();
}

/// Top-down placement of text lines in the left column: lines whose glyphs
/// reach above the QR code's bottom edge stop short of it, and nothing is
/// placed below `floor` (the redeem text and barcode live there).
struct Flow {
    y: f32,
    floor: f32,
    qr_bottom: f32,
    narrow_right: f32,
}

impl Flow {
    /// Widest line allowed with its baseline at `y` for text of `size`.
    fn width_at(&self, y: f32, size: f32) -> f32 {
        let right = if y + 0.75 * size > self.qr_bottom {
            self.narrow_right
        } else {
            PAGE_W - MARGIN
        };
        right - MARGIN
    }

    /// Moves down by `lead` and draws `text` there, shrunk from `size` down to
    /// `min_size` and then cut to fit. Draws nothing once the column is full,
    /// so a crowded card loses its last lines rather than overprinting the
    /// redeem text or the barcode.
    fn line(
        &mut self,
        c: &mut Content,
        font: Font,
        size: f32,
        min_size: f32,
        lead: f32,
        text: &[u8],
    ) {
        if self.y - lead < self.floor {
            return;
        }
        self.y -= lead;
        let max = self.width_at(self.y, size);
        let size = text::fit_size(text, font, size, min_size, max);
        show(
            c,
            font,
            size,
            MARGIN,
            self.y,
            &text::cut(text, font, size, max),
        );
    }

    /// How many lines spaced `lead` apart still fit above the floor.
    fn lines_left(&self, lead: f32) -> usize {
        ((self.y - self.floor) / lead).max(0.0) as usize
    }
}

fn draw_card(page: &mut Page, card: &PrintableCard) -> Result<(), DocumentError> {
    let top = PAGE_H - MARGIN;
    let full_w = PAGE_W - 2.0 * MARGIN;
    let machine = card.machine_code.as_str();
    let Page { gray, black: c } = page;

    let mut flow = Flow {
        y: top,
        floor: MARGIN,
        qr_bottom: top,
        narrow_right: PAGE_W - MARGIN,
    };

    // QR code, top right, its dark modules aligned with the margins like the
    // text. The 4-module quiet zone (at most 5.7 mm, less than the 7 mm
    // margin) reaches into the white page margin above and to the right, and
    // text keeps out of it on the left and below.
    if card.qr {
        let m = raster::qr_modules(machine)?;
        let n = m.cols as f32;
        let side = (n * QR_MIN_MODULE).clamp(QR_SIDE, QR_MAX_SIDE);
        let module = side / n;
        let quiet = 4.0 * module;
        let left = PAGE_W - MARGIN - side;
        draw_modules(c, &m, left, top, module, module);
        flow.qr_bottom = top - side - quiet;
        flow.narrow_right = left - quiet - 1.0 * MM;
    }

    // Barcode, centred at the bottom, with the machine code under it so a
    // cashier can type it in when the scanner fails.
    if card.barcode {
        let m = raster::code128_modules(machine)?;
        let n = (m.cols + 20) as f32;
        let dots = (BAR_W / n / DOT)
            .round()
            .max(BAR_MIN_DOTS)
            .min((PAGE_W / n / DOT).floor())
            .max(1.0);
        let module = dots * DOT;
        let left = (((PAGE_W - n * module) / 2.0) / DOT).round() * DOT + 10.0 * module;
        let code_size = 8.0;
        let bars_bottom = MARGIN + code_size + 1.0;
        draw_modules(c, &m, left, bars_bottom + BAR_H, module, BAR_H);
        let code = text::cut(
            &text::win_ansi(machine, false),
            Font::Regular,
            code_size,
            full_w,
        );
        let w = text::width(&code, Font::Regular, code_size);
        show(
            c,
            Font::Regular,
            code_size,
            (PAGE_W - w) / 2.0,
            MARGIN,
            &code,
        );
        flow.floor = bars_bottom + BAR_H + 6.0;
    }

    // How to redeem: anchored just above the barcode (or the bottom margin),
    // up to three lines across the page.
    let (size, lead) = (8.0, 10.0);
    let redeem = text::win_ansi(&card.how_to_redeem, false);
    let lines = text::wrap(&redeem, Font::Regular, size, 3, |_| full_w);
    let mut y = flow.floor + (lines.len() as f32 - 1.0) * lead;
    for line in &lines {
        show(c, Font::Regular, size, MARGIN, y, line);
        y -= lead;
    }
    if !lines.is_empty() {
        flow.floor += lines.len() as f32 * lead + 2.0;
    }

    // The left column, top down.
    flow.line(
        c,
        Font::Bold,
        13.0,
        9.0,
        10.0,
        &text::win_ansi(&card.text.shop_name, false),
    );
    flow.line(gray, Font::Regular, 10.0, 10.0, 13.0, b"Gift card");
    flow.line(
        c,
        Font::Bold,
        26.0,
        14.0,
        30.0,
        &text::win_ansi(&card.text.value, false),
    );
    flow.line(
        c,
        Font::Bold,
        16.0,
        9.0,
        22.0,
        &text::win_ansi(&card.text.code, false),
    );

    let mut labelled = |label: &str, value: &str, lead: f32| {
        let mut line = label.as_bytes().to_vec();
        line.extend(text::win_ansi(value, false));
        flow.line(c, Font::Regular, 10.0, 8.0, lead, &line);
    };
    labelled("Balance: ", &card.text.balance, 16.0);
    match &card.text.expires {
        Some(date) => labelled("Valid until ", date, 13.0),
        None => labelled("Does not expire", "", 13.0),
    }
    if let Some(name) = &card.text.recipient_name {
        labelled("To: ", name, 13.0);
    }
    if let Some(name) = &card.text.sender_name {
        labelled("From: ", name, 13.0);
    }

    if let Some(message) = &card.text.message {
        let (size, lead) = (10.0, 12.5);
        flow.y -= 4.0;
        let max_lines = flow.lines_left(lead).min(4);
        let text = text::win_ansi(message, true);
        let y0 = flow.y;
        let lines = text::wrap(&text, Font::Regular, size, max_lines, |i| {
            flow.width_at(y0 - (i + 1) as f32 * lead, size)
        });
        for line in &lines {
            flow.line(c, Font::Regular, size, size, lead, line);
        }
    }
    Ok(())
}
