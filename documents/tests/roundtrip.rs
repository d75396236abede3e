//! Round trips: every image and page this crate makes is decoded back by an
//! independent reader (rxing, a port of ZXing) and must yield the input text.
//! The PDF tests rasterise pages with poppler's `pdftoppm` and read text with
//! `pdftotext`; they fail (never skip) when those tools are missing.

mod common;

use common::{card, decode, luma, poppler, render_page, scratch_dir};
use giftcard_documents::{
    CardText, DocumentError, MAX_CARDS, PrintableCard, cards_pdf, code128_png, qr_png,
};
use rxing::BarcodeFormat;

fn png_header(png_bytes: &[u8]) -> (u32, u32, png::ColorType, png::BitDepth) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let reader = decoder.read_info().expect("PNG header");
    let info = reader.info();
    (info.width, info.height, info.color_type, info.bit_depth)
}

#[test]
fn qr_png_decodes_to_input() {
    let texts = [
        "GCABCDEFGHJKLMNPQR",
        "GC-ABCD-EFGH-JKLM-NPQR",
        "https://shop.example/redeem?code=GCABCDEFGHJKLMNPQR",
        "lower case and Grüße €5 ✓",
        "0123456789",
    ];
    for text in texts {
        for scale in [2, 4, 9] {
            let png_bytes = qr_png(text, scale).unwrap();
            assert_eq!(
                decode(&png_bytes, BarcodeFormat::QR_CODE),
                text,
                "scale {scale}"
            );
        }
    }
}

#[test]
fn qr_png_is_one_bit_with_quiet_zone() {
    let png_bytes = qr_png("GCABCDEFGHJKLMNPQR", 4).unwrap();
    let (w, h, color, depth) = png_header(&png_bytes);
    // 18 alphanumeric characters: version 1 (21 modules) + 2 x 4 quiet.
    assert_eq!((w, h), (29 * 4, 29 * 4));
    assert_eq!(
        (color, depth),
        (png::ColorType::Grayscale, png::BitDepth::One)
    );
    let (pixels, w, _) = luma(&png_bytes);
    // The quiet zone is white all round; the finder pattern starts at (16, 16).
    let px = |x: u32, y: u32| pixels[(y * w + x) as usize];
    assert!((0..w).all(|i| px(i, 0) == 255 && px(0, i) == 255 && px(i, 15) == 255));
    assert_eq!(px(16, 16), 0);
}

#[test]
fn qr_png_clamps_scale() {
    let small = png_header(&qr_png("A", 0).unwrap());
    let one = png_header(&qr_png("A", 1).unwrap());
    let big = png_header(&qr_png("A", 1_000).unwrap());
    assert_eq!(small, one);
    assert_eq!(big.0, one.0 * 16);
}

#[test]
fn qr_png_longest_text_decodes() {
    let text: String = (0..512)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let png_bytes = qr_png(&text, 3).unwrap();
    assert_eq!(decode(&png_bytes, BarcodeFormat::QR_CODE), text);
}

#[test]
fn code128_png_decodes_to_input() {
    let texts = [
        "GCABCDEFGHJKLMNPQR",
        "GC-ABCD-EFGH-JKLM-NPQR",
        "1234567890",
        "Mixed case, punctuation! ~{|}` @#",
        "x",
    ];
    for text in texts {
        for module_px in [2, 3] {
            let png_bytes = code128_png(text, module_px, 50).unwrap();
            assert_eq!(decode(&png_bytes, BarcodeFormat::CODE_128), text);
        }
    }
}

#[test]
fn code128_png_size_and_quiet_zones() {
    let png_bytes = code128_png("GCABCDEFGHJKLMNPQR", 2, 40).unwrap();
    let (w, h, color, depth) = png_header(&png_bytes);
    // Start (11) + 18 data (11 each) + check (11) + stop (13) + 2 x 10 quiet.
    assert_eq!((w, h), ((11 + 18 * 11 + 11 + 13 + 20) * 2, 40));
    assert_eq!(
        (color, depth),
        (png::ColorType::Grayscale, png::BitDepth::One)
    );
    let (pixels, w, _) = luma(&png_bytes);
    assert!(pixels[..20].iter().all(|&p| p == 255), "left quiet zone");
    assert!(
        pixels[(w - 20) as usize..w as usize]
            .iter()
            .all(|&p| p == 255)
    );
    assert_eq!(pixels[20], 0, "start bar right after the quiet zone");
    // Clamping: module_px 0 -> 1, height 0 -> 1, huge -> 16 x 1024.
    assert_eq!(png_header(&code128_png("A", 0, 0).unwrap()).1, 1);
    let big = png_header(&code128_png("A", 99, 99_999).unwrap());
    assert_eq!((big.0, big.1), ((11 * 3 + 13 + 20) * 16, 1024));
}

#[test]
fn errors() {
    let long = "A".repeat(513);
    let max = "A".repeat(512);
    assert_eq!(qr_png("", 4), Err(DocumentError::Empty));
    assert!(matches!(qr_png(&long, 4), Err(DocumentError::TooLong(_))));
    assert!(qr_png(&max, 1).is_ok());
    // 200 two-byte characters are 400 bytes: fine; 300 are 600: too long.
    assert!(qr_png(&"é".repeat(200), 1).is_ok());
    assert!(matches!(
        qr_png(&"é".repeat(300), 1),
        Err(DocumentError::TooLong(_))
    ));

    assert_eq!(code128_png("", 2, 40), Err(DocumentError::Empty));
    assert!(matches!(
        code128_png(&long, 1, 10),
        Err(DocumentError::TooLong(_))
    ));
    assert!(code128_png(&max, 1, 10).is_ok());
    for bad in [
        "café",
        "tab\there",
        "line\n",
        "\u{7f}",
        "Ɓ",
        "ÀB",
        "Ć12",
        "Ź",
    ] {
        match code128_png(bad, 2, 40) {
            Err(DocumentError::Unencodable(why)) => assert!(why.contains("set B"), "{why}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let e = code128_png("é", 2, 40).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot encode: Code 128 set B cannot carry 'é'"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(DocumentError::Empty);
    assert_eq!(boxed.to_string(), "nothing to encode");
}

#[test]
fn pdf_errors() {
    assert_eq!(cards_pdf(&[]), Err(DocumentError::Empty));
    let many = vec![card("A"); MAX_CARDS + 1];
    assert!(matches!(cards_pdf(&many), Err(DocumentError::TooLong(_))));
    assert!(cards_pdf(&many[..MAX_CARDS]).is_ok());

    assert_eq!(cards_pdf(&[card("A"), card("")]), Err(DocumentError::Empty));
    match cards_pdf(&[card("A"), card("B"), card("ÄÖÜ")]) {
        Err(DocumentError::Unencodable(why)) => assert!(why.starts_with("card 3: "), "{why}"),
        other => panic!("{other:?}"),
    }
    match cards_pdf(&[card(&"A".repeat(513))]) {
        Err(DocumentError::TooLong(why)) => assert!(why.starts_with("card 1: "), "{why}"),
        other => panic!("{other:?}"),
    }
    // Without a barcode, a non-ASCII machine code is fine (QR carries UTF-8).
    let mut qr_only = card("ÄÖÜ");
    qr_only.barcode = false;
    assert!(cards_pdf(&[qr_only]).is_ok());
}

#[test]
fn pdf_is_vector_only_with_standard_fonts() {
    let pdf = cards_pdf(&[card("GCABCDEFGHJKLMNPQR"), card("GCZZZZ")]).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.starts_with("%PDF-"));
    assert!(text.contains("/Count 2"));
    assert!(text.contains("/BaseFont /Helvetica-Bold"));
    assert!(text.contains("/Encoding /WinAnsiEncoding"));
    assert!(!text.contains("/Image") && !text.contains("/FontFile"));
    // A6 landscape (148 x 105 mm) in whole points.
    assert!(text.contains("/MediaBox [0 0 420 298]"));
}

#[test]
fn hostile_input_never_panics() {
    // A small deterministic generator: mixes ASCII, Latin-1, Windows-1252
    // extras, emoji, control characters, newlines and very long strings.
    let pool: Vec<char> = "aZ09 -_()\\\n\r\t\u{0}\u{7f}éß€’…😀ƁÀĆŹ\u{202e}"
        .chars()
        .collect();
    let mut seed = 0x2545_f491_u32;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as usize % n
    };
    for round in 0..40 {
        let len = [0, 1, 7, 60, 600, 5_000][round % 6];
        let s: String = (0..len).map(|_| pool[next(pool.len())]).collect();
        let _ = qr_png(&s, next(20) as u32);
        let _ = code128_png(&s, next(20) as u32, next(2000) as u32);
        let c = PrintableCard {
            text: CardText {
                shop_name: s.clone(),
                code: s.clone(),
                value: s.clone(),
                balance: s.clone(),
                expires: (round % 2 == 0).then(|| s.clone()),
                recipient_name: Some(s.clone()),
                sender_name: Some(s.clone()),
                message: Some(s.repeat(3)),
            },
            machine_code: s.chars().take(next(40)).collect(),
            how_to_redeem: s.clone(),
            qr: round % 3 != 0,
            barcode: round % 4 != 0,
        };
        let _ = cards_pdf(&[c.clone(), c]);
    }
}

// ---- PDF through poppler ---------------------------------------------------

#[test]
fn pdf_pages_scan_back_to_each_machine_code() {
    let dir = scratch_dir("scan");
    let first = card("GCABCDEFGHJKLMNPQR");
    let mut second = card("GCQRSTUVWXYZ2345");
    second.text.code = "GC-QRST-UVWX-YZ23-45".into();
    second.text.value = "100.00 CHF".into();
    second.text.balance = "40.50 CHF".into();
    second.text.expires = None;
    second.text.recipient_name = None;
    second.text.message = Some("A very long message. ".repeat(40));
    let path = dir.join("cards.pdf");
    std::fs::write(&path, cards_pdf(&[first.clone(), second.clone()]).unwrap()).unwrap();

    for (page, card) in [(1, &first), (2, &second)] {
        let png_bytes = render_page(&path, page, &dir);
        assert_eq!(
            decode(&png_bytes, BarcodeFormat::QR_CODE),
            card.machine_code,
            "QR on page {page}"
        );
        assert_eq!(
            decode(&png_bytes, BarcodeFormat::CODE_128),
            card.machine_code,
            "barcode on page {page}"
        );
    }

    let out = poppler("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Café Müller",
        "Gift card",
        "GC-ABCD-EFGH-JKLM-NPQR",
        "25.00 EUR",
        "Valid until 2027-01-31",
        "To: Alice",
        "From: Bob",
        "Here’s a little",
        "GC-QRST-UVWX-YZ23-45",
        "100.00 CHF",
        "Balance: 40.50 CHF",
        "Does not expire",
        "GCQRSTUVWXYZ2345",
        "Show this card at the till",
        "…",
    ] {
        assert!(text.contains(needle), "pdftotext lacks {needle:?}:\n{text}");
    }
    // Pages in order: card 1's code before card 2's.
    assert!(text.find("GC-ABCD").unwrap() < text.find("GC-QRST").unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn pdf_qr_only_and_barcode_only_pages_scan() {
    let dir = scratch_dir("single");
    let mut qr_only = card("GCQRONLY1234");
    qr_only.barcode = false;
    let mut bar_only = card("GCBARONLY5678");
    bar_only.qr = false;
    let path = dir.join("cards.pdf");
    std::fs::write(&path, cards_pdf(&[qr_only, bar_only]).unwrap()).unwrap();
    let page1 = render_page(&path, 1, &dir);
    assert_eq!(decode(&page1, BarcodeFormat::QR_CODE), "GCQRONLY1234");
    let page2 = render_page(&path, 2, &dir);
    assert_eq!(decode(&page2, BarcodeFormat::CODE_128), "GCBARONLY5678");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn pdf_long_machine_codes_still_scan() {
    // Longer codes make denser symbols; the QR grows and the bars widen so
    // they still read back from a 150 dpi rendering.
    let dir = scratch_dir("long");
    let codes = [
        "GC-0123456789-ABCDEFGHIJ-KLMNOPQRST",
        "https://shop.example/r?c=GCABCDEFGHJKLMNPQR&s=42",
    ];
    let cards: Vec<_> = codes.iter().map(|c| card(c)).collect();
    let path = dir.join("cards.pdf");
    std::fs::write(&path, cards_pdf(&cards).unwrap()).unwrap();
    for (page, code) in (1..).zip(codes) {
        let png_bytes = render_page(&path, page, &dir);
        assert_eq!(decode(&png_bytes, BarcodeFormat::QR_CODE), code);
        assert_eq!(decode(&png_bytes, BarcodeFormat::CODE_128), code);
    }
    std::fs::remove_dir_all(&dir).ok();
}
