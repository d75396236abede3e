//! Helpers shared by the test files: decoding symbols from PNG bytes with
//! rxing, a sample card, and running poppler.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use giftcard_documents::{CardText, PrintableCard};
use rxing::BarcodeFormat;

/// Decodes PNG bytes to 8-bit luma (any bit depth / colour type we meet).
pub fn luma(png_bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    buf.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected colour type {other:?}"),
    };
    let luma = buf.chunks_exact(channels).map(|px| px[0]).collect();
    (luma, info.width, info.height)
}

pub fn decode(png_bytes: &[u8], format: BarcodeFormat) -> String {
    let (luma, w, h) = luma(png_bytes);
    rxing::helpers::detect_in_luma(luma, w, h, Some(format))
        .unwrap_or_else(|e| panic!("no {format:?} found in {w}x{h} image: {e:?}"))
        .getText()
        .to_string()
}

/// A full card: every field set, QR code and barcode on.
pub fn card(machine_code: &str) -> PrintableCard {
    PrintableCard {
        text: CardText {
            shop_name: "Café Müller".into(),
            code: "GC-ABCD-EFGH-JKLM-NPQR".into(),
            value: "25.00 EUR".into(),
            balance: "25.00 EUR".into(),
            expires: Some("2027-01-31".into()),
            recipient_name: Some("Alice".into()),
            sender_name: Some("Bob".into()),
            message: Some("Happy birthday! Here’s a little something for coffee and cake.".into()),
        },
        machine_code: machine_code.into(),
        how_to_redeem: "Show this card at the till or enter the code at checkout.".into(),
        qr: true,
        barcode: true,
    }
}

/// Fails the test with install instructions when a poppler tool is missing:
/// a PDF check that silently passes would prove nothing.
pub fn poppler(tool: &str) -> Command {
    match Command::new(tool).arg("-v").output() {
        Ok(_) => Command::new(tool),
        Err(e) => panic!(
            "`{tool}` is needed to check the PDF but could not be run ({e}); \
             install Debian's poppler-utils: apt-get install -y poppler-utils"
        ),
    }
}

pub fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("giftcard-documents-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Page `page` (from 1) of `pdf` rendered at 150 dpi as 8-bit gray PNG bytes.
pub fn render_page(pdf: &Path, page: u32, dir: &Path) -> Vec<u8> {
    let prefix = dir.join(format!("page{page}"));
    let status = poppler("pdftoppm")
        .args(["-r", "150", "-gray", "-png", "-singlefile"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm failed on page {page}");
    std::fs::read(prefix.with_extension("png")).unwrap()
}
