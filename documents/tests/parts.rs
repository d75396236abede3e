//! Documents printed a part at a time: parts concatenated in order must be
//! one valid PDF. Checked twice, by poppler (`pdfinfo` must count every page
//! and print no error or warning, `pdftotext` must find each card's code on
//! its own page, `pdftoppm` renders pages whose QR codes rxing decodes) and
//! by walking the cross-reference chain here, since a lenient reader can
//! quietly rebuild a broken table.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{card, decode, poppler, render_page, scratch_dir};
use giftcard_documents::{
    DocumentError, MAX_CARDS, MAX_RUN_PAGES, PdfPart, PdfPosition, PrintableCard, cards_pdf,
    cards_pdf_part, check_pdf_position,
};
use rxing::BarcodeFormat;

/// `n` cards with distinct codes (`GC-0001-…`), so every page can be told apart.
fn cards(n: usize) -> Vec<PrintableCard> {
    (1..=n)
        .map(|i| {
            let mut c = card(&format!("GCPART{i:04}XYZ"));
            c.text.code = format!("GC-{i:04}-PART");
            c
        })
        .collect()
}

/// Prints `cards` in parts of the given sizes (the last size repeats),
/// checking each part's bookkeeping; returns the whole file.
fn print_in_parts(cards: &[PrintableCard], sizes: &[usize], max_bytes: usize) -> Vec<u8> {
    let mut file = Vec::new();
    let mut at: Option<PdfPosition> = None;
    let mut done = 0;
    let mut part_no = 0;
    while done < cards.len() {
        let size = sizes[part_no.min(sizes.len() - 1)];
        let part: PdfPart =
            cards_pdf_part(&cards[done..(done + size).min(cards.len())], at, max_bytes).unwrap();
        assert!(part.pages >= 1);
        file.extend_from_slice(&part.content);
        done += part.pages as usize;
        assert_eq!(part.end.pages as usize, done);
        assert_eq!(
            part.end.bytes as usize,
            file.len(),
            "bytes after part {part_no}"
        );
        assert!(file[part.end.xref as usize..].starts_with(b"xref\n"));
        at = Some(part.end);
        part_no += 1;
    }
    file
}

/// Walks the cross-reference chain from the last `startxref` through every
/// `/Prev`: every entry must be 20 bytes and point at its own object, and
/// the newest trailer's `/Size` must cover every object. Returns how many
/// sections there are and the newest offset of each object. Works on bytes:
/// offsets count bytes, and the header's binary marker is not UTF-8.
fn walk_xref(pdf: &[u8]) -> (usize, BTreeMap<u32, usize>) {
    assert!(pdf.ends_with(b"%%EOF"));
    let start = rfind(pdf, b"startxref\n").unwrap() + b"startxref\n".len();
    let mut next = Some(number_at(&pdf[start..]) as usize);
    let mut newest = BTreeMap::new();
    let mut sections = 0;
    let mut size = None;
    while let Some(at) = next {
        sections += 1;
        assert!(pdf[at..].starts_with(b"xref\n"), "no xref at {at}");
        let mut pos = at + b"xref\n".len();
        while !pdf[pos..].starts_with(b"trailer") {
            let line_end = pos + find(&pdf[pos..], b"\n").unwrap();
            let line = std::str::from_utf8(&pdf[pos..line_end]).unwrap();
            let (first, count) = line.split_once(' ').unwrap();
            let (first, count): (u32, u32) = (first.parse().unwrap(), count.parse().unwrap());
            pos = line_end + 1;
            for obj in first..first + count {
                let entry = &pdf[pos..pos + 20];
                assert!(entry.ends_with(b"\r\n"), "entry for {obj} is not 20 bytes");
                let entry = std::str::from_utf8(&entry[..18]).unwrap();
                if entry.ends_with('n') {
                    let offset: usize = entry[..10].parse().unwrap();
                    assert!(
                        pdf[offset..].starts_with(format!("{obj} 0 obj").as_bytes()),
                        "object {obj} is not at {offset}"
                    );
                    newest.entry(obj).or_insert(offset);
                }
                pos += 20;
            }
        }
        let trailer = &pdf[pos..pos + find(&pdf[pos..], b">>").unwrap()];
        let value = |key: &[u8]| find(trailer, key).map(|p| number_at(&trailer[p + key.len()..]));
        size.get_or_insert_with(|| value(b"/Size ").unwrap());
        next = value(b"/Prev ").map(|p| p as usize);
        if let Some(prev) = next {
            assert!(prev < at, "/Prev must point back");
        }
    }
    let last = *newest.keys().last().unwrap();
    assert!(size.unwrap() > u64::from(last), "/Size too small");
    (sections, newest)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn number_at(s: &[u8]) -> u64 {
    let s = std::str::from_utf8(s.trim_ascii_start()).unwrap_or_default();
    let s = s.split(|c: char| !c.is_ascii_digit()).next().unwrap();
    s.parse().unwrap()
}

/// `pdfinfo`'s page count; fails on any message on stderr (poppler reports
/// a broken cross-reference table there, then reads on regardless).
fn pdfinfo_pages(path: &Path) -> u32 {
    let out = poppler("pdfinfo").arg(path).output().unwrap();
    assert!(out.status.success(), "pdfinfo failed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "pdfinfo complained: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout.lines().find(|l| l.starts_with("Pages:")).unwrap();
    line["Pages:".len()..].trim().parse().unwrap()
}

/// The text of one page (from 1), with nothing on stderr.
fn page_text(path: &Path, page: usize) -> String {
    let page = page.to_string();
    let out = poppler("pdftotext")
        .args(["-f", &page, "-l", &page, "-layout"])
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext failed on page {page}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Checks the file every way: the xref chain, the page count, each listed
/// page's code (and no other listed card's), and the QR codes of `scan`.
fn check(
    name: &str,
    pdf: &[u8],
    cards: &[PrintableCard],
    parts: usize,
    text: &[usize],
    scan: &[usize],
) {
    let (sections, newest) = walk_xref(pdf);
    assert_eq!(sections, parts, "one xref section per part");
    // Objects are numbered without gaps: catalog, tree root, two fonts, then
    // per 100 pages a tree node and each page with its content stream.
    let numbers: Vec<u32> = newest.keys().copied().collect();
    let groups = cards.len().div_ceil(100) as u32;
    assert_eq!(
        numbers,
        (1..=4 + groups + 2 * cards.len() as u32).collect::<Vec<_>>()
    );
    let dir = scratch_dir(name);
    let path = dir.join("run.pdf");
    std::fs::write(&path, pdf).unwrap();
    assert_eq!(pdfinfo_pages(&path) as usize, cards.len());
    for &page in text {
        let t = page_text(&path, page);
        assert!(t.contains(&cards[page - 1].text.code), "page {page}: {t}");
        for &other in text.iter().filter(|&&o| o != page) {
            assert!(
                !t.contains(&cards[other - 1].text.code),
                "page {page} shows card {other}"
            );
        }
    }
    for &page in scan {
        let png = render_page(&path, page as u32, &dir);
        assert_eq!(
            decode(&png, BarcodeFormat::QR_CODE),
            cards[page - 1].machine_code,
            "QR on page {page}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_single_part_is_the_whole_document_as_cards_pdf_makes_it() {
    let cards = cards(3);
    let part = cards_pdf_part(&cards, None, usize::MAX).unwrap();
    assert_eq!(
        part.content,
        cards_pdf(&cards).unwrap(),
        "same pages, same bytes"
    );
    assert_eq!(part.pages, 3);
    assert_eq!(
        part.end,
        PdfPosition {
            pages: 3,
            bytes: part.content.len() as u64,
            xref: part.end.xref,
        }
    );
    check("single", &part.content, &cards, 1, &[1, 2, 3], &[2]);
}

#[test]
fn parts_concatenate_to_one_pdf_with_a_last_part_of_one_page() {
    let cards = cards(7);
    let pdf = print_in_parts(&cards, &[3], usize::MAX);
    check("three", &pdf, &cards, 3, &[1, 3, 4, 6, 7], &[1, 4, 7]);
}

#[test]
fn parts_of_one_page_each() {
    let cards = cards(5);
    let pdf = print_in_parts(&cards, &[1], usize::MAX);
    check("ones", &pdf, &cards, 5, &[1, 2, 3, 4, 5], &[5]);
}

#[test]
fn parts_crossing_page_tree_groups_of_a_hundred() {
    // Parts of 60 do not line up with the tree's groups of 100 pages, so
    // parts add pages to two groups at once; 250 pages make three groups.
    let cards = cards(250);
    let pdf = print_in_parts(&cards, &[60], usize::MAX);
    check(
        "groups",
        &pdf,
        &cards,
        5,
        &[1, 60, 61, 100, 101, 120, 121, 200, 201, 250],
        &[101, 250],
    );
    // Each part rewrites only the root and the groups it touches: the whole
    // file holds at most three versions of a page list per part.
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.matches("/Type /Pages").count() <= 1 + 5 * 3);
}

#[test]
fn a_byte_budget_ends_a_part_early_but_never_before_its_first_page() {
    let cards = cards(4);
    let first = cards_pdf_part(&cards, None, 1).unwrap();
    assert_eq!(first.pages, 1, "one page is always drawn");
    let one_page = first.content.len();
    // A budget of a one-page document (a page plus the fonts, tree and
    // trailer) is passed by the second page, which ends the part.
    let part = cards_pdf_part(&cards, None, one_page).unwrap();
    assert_eq!(part.pages, 2);
    let pdf = print_in_parts(&cards, &[4], 1);
    check("budget", &pdf, &cards, 4, &[1, 2, 3, 4], &[]);
}

#[test]
fn later_parts_refuse_positions_no_part_can_have_ended_at() {
    let cards = cards(2);
    let first = cards_pdf_part(&cards[..1], None, usize::MAX).unwrap();
    let good = first.end;
    assert!(cards_pdf_part(&cards[1..], Some(good), usize::MAX).is_ok());
    let bad = [
        PdfPosition { pages: 0, ..good },
        PdfPosition {
            xref: good.bytes,
            ..good
        },
        PdfPosition {
            xref: good.bytes + 5,
            ..good
        },
        PdfPosition { xref: 3, ..good },
        PdfPosition {
            pages: MAX_RUN_PAGES as u32,
            ..good
        },
        PdfPosition {
            bytes: 10_000_000_000,
            ..good
        },
    ];
    assert_eq!(check_pdf_position(good), Ok(()));
    for at in bad {
        assert!(
            matches!(
                check_pdf_position(at),
                Err(DocumentError::InvalidPosition(_))
            ),
            "{at:?}"
        );
        assert!(
            matches!(
                cards_pdf_part(&cards[1..], Some(at), usize::MAX),
                Err(DocumentError::InvalidPosition(_))
            ),
            "{at:?}"
        );
    }
    let near_end = PdfPosition {
        pages: MAX_RUN_PAGES as u32 - 1,
        ..good
    };
    assert!(cards_pdf_part(&cards[..1], Some(near_end), usize::MAX).is_ok());
    assert!(matches!(
        cards_pdf_part(&cards, Some(near_end), usize::MAX),
        Err(DocumentError::TooLong(_))
    ));
    let e = DocumentError::InvalidPosition("why".into());
    assert_eq!(e.to_string(), "cannot continue the document: why");
}

#[test]
fn part_errors_name_the_card_by_its_page_in_the_document() {
    let good = cards_pdf_part(&cards(4), None, usize::MAX).unwrap().end;
    assert_eq!(
        cards_pdf_part(&[], Some(good), usize::MAX),
        Err(DocumentError::Empty)
    );
    let many = vec![card("A"); MAX_CARDS + 1];
    assert!(matches!(
        cards_pdf_part(&many, None, usize::MAX),
        Err(DocumentError::TooLong(_))
    ));
    match cards_pdf_part(&[card("A"), card("ÄÖÜ")], Some(good), usize::MAX) {
        Err(DocumentError::Unencodable(why)) => assert!(why.starts_with("card 6: "), "{why}"),
        other => panic!("{other:?}"),
    }
}
