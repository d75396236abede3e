//! Delivery end to end, through the component: a bought card's email is a
//! real MIME message whose parts a mail parser finds (code, amounts, the
//! personal message) and whose inline QR code and Code 128 barcode decode
//! back to the code; the same message reaches an SMTP server; a printed PDF,
//! rasterised by poppler's `pdftoppm`, yields the code from its QR code; a
//! call that rolls back sends nothing; the CLI's `outbox`, `view`, `tick` and
//! `card print` commands work.

use crate::common;
use crate::smtp_sink;
use giftcard_host::GiftCards;

use common::{T0, ok, run_cli, run_cli_ok, runtime};
use giftcard_conformance::harness::{Harness, HarnessConfig};
use giftcard_conformance::json::{Faults, Outcome};
use giftcard_host::outbox::Smtp;
use giftcard_shop::Shop;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value as Json, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn open(dir: &tempfile::TempDir, smtp: Option<&str>) -> GiftCards {
    let mut config = HarnessConfig::replayable(dir.path().join("shop.db"), T0, 3);
    config.options.delivery.smtp = smtp.map(|s| Smtp::parse(s).unwrap());
    giftcard_conformance::harness::open_with(runtime(), &config).expect("open harness")
}

/// A 5.00 USD card for a@example.com, made by an administrator.
fn card_for_a(harness: &GiftCards) -> Json {
    ok(harness
        .call_json(
            "admin.create-card",
            &json!({ "amount": { "amount": "5", "currency": "USD" },
                     "recipient-email": "a@example.com", "admin-user": "t" }),
        )
        .unwrap())
}

/// The plugin's delivery record of card `card` (its id).
fn delivery(harness: &GiftCards, card: &Json) -> Json {
    ok(harness
        .call_json("delivery.get-card-delivery", &json!({ "card-id": card }))
        .unwrap())
}

/// Buys one 25.00 EUR card for Ana with a message; returns (card id, code).
fn buy(harness: &GiftCards) -> (u64, String) {
    let shop = Shop::open(harness).unwrap();
    let run = |action: &str, args: Json| ok(shop.run(action, &args).map(Outcome::from).unwrap());
    run(
        "website.create",
        json!({ "code": "main", "base-currency": "EUR", "tax-rate": "0", "shipping-rate": "0" }),
    );
    run(
        "store.create",
        json!({ "code": "default", "website": "main" }),
    );
    run(
        "product.create",
        json!({ "sku": "gc", "name": "Gift card", "kind": "gift-card", "denominations": ["25"], "validity-days": 365 }),
    );
    let q = run("quote.create", json!({ "store": "default" }));
    run(
        "quote.add-item",
        json!({ "quote": q["id"], "sku": "gc", "amount": "25", "recipient-name": "Ana",
                "recipient-email": "ana@example.com", "sender-name": "Ben",
                "message": "Happy birthday, Ana! <3" }),
    );
    let order = run(
        "order.place",
        json!({ "quote": q["id"], "payment-method": "card" }),
    );
    let invoice = run("order.invoice", json!({ "order": order["id"] }));
    let card = &invoice["issued"][0];
    (
        card["id"].as_u64().unwrap(),
        card["code"].as_str().unwrap().to_owned(),
    )
}

fn luma_of_png(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // The component writes 1-bit grayscale; widen every sample to 8 bits.
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let (w, h) = (info.width, info.height);
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8-bit PNG expected");
    let luma = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|px| match channels {
            1 | 2 => px[0],
            _ => {
                ((u32::from(px[0]) * 299 + u32::from(px[1]) * 587 + u32::from(px[2]) * 114) / 1000)
                    as u8
            }
        })
        .collect();
    (luma, w, h)
}

fn decode(png_bytes: &[u8], format: rxing::BarcodeFormat) -> String {
    let (luma, w, h) = luma_of_png(png_bytes);
    rxing::helpers::detect_in_luma(luma, w, h, Some(format))
        .unwrap_or_else(|e| panic!("no {format:?} found: {e:?}"))
        .getText()
        .to_owned()
}

#[test]
fn a_bought_card_email_is_mime_with_decodable_codes_and_reaches_smtp() {
    let sink = smtp_sink::SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let harness = open(&dir, Some(&sink.address()));
    let (card, code) = buy(&harness);

    let entries = harness.outbox().list().unwrap();
    assert_eq!(entries.len(), 1, "one email for the one card");
    assert_eq!(entries[0].card_id, card);
    assert!(entries[0].delivered(), "{:?}", entries[0].smtp);
    let (_, eml) = harness.outbox().get(entries[0].seq).unwrap();
    assert!(
        dir.path()
            .join("shop.db.outbox")
            .join(&entries[0].file)
            .exists()
    );

    let mail = MessageParser::default()
        .parse(&eml)
        .expect("RFC 5322 message");
    assert_eq!(mail.subject(), Some("Ben sent you a 25.00 EUR gift card"));
    assert_eq!(
        mail.to().unwrap().first().unwrap().address(),
        Some("ana@example.com")
    );
    let text = mail.body_text(0).expect("a text part");
    for needle in [
        code.as_str(),
        "Value: 25.00 EUR",
        "Balance: 25.00 EUR",
        "Happy birthday, Ana! <3",
        "Valid until 2027-01-01",
    ] {
        assert!(
            text.contains(needle),
            "`{needle}` in the text part:\n{text}"
        );
    }
    let html = mail.body_html(0).expect("an HTML part");
    assert!(
        html.contains("Happy birthday, Ana! &lt;3"),
        "the message is escaped in HTML"
    );
    assert!(html.contains("cid:qr-code") && html.contains("cid:barcode"));

    let image = |cid: &str| {
        mail.parts
            .iter()
            .find(|p| p.content_id() == Some(cid))
            .unwrap_or_else(|| panic!("an inline part with Content-ID {cid}"))
    };
    let qr = image("qr-code");
    assert_eq!(qr.content_type().unwrap().ctype(), "image");
    assert_eq!(decode(qr.contents(), rxing::BarcodeFormat::QR_CODE), code);
    let bar = image("barcode");
    assert_eq!(decode(bar.contents(), rxing::BarcodeFormat::CODE_128), code);

    let received = sink.wait_for(1, Duration::from_secs(10));
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].recipients, vec!["ana@example.com".to_owned()]);
    let relayed = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(relayed.subject(), mail.subject());

    // The plugin was told: sent and delivered.
    let d = delivery(&harness, &json!(card));
    assert_eq!(d["sent-at"], d["delivered-at"]);
    assert_eq!(d["messages"][0]["status"], "delivered");
}

#[test]
fn an_unreachable_smtp_server_marks_the_message_failed() {
    let dir = tempfile::tempdir().unwrap();
    let harness = open(&dir, Some(&common::closed_port()));
    let (card, _) = buy(&harness);
    let d = delivery(&harness, &json!(card));
    assert_eq!(d["messages"][0]["status"], "failed");
    common::assert_mentions(&d["messages"][0]["failure"], "failed");
    assert_eq!(d["delivered-at"], Json::Null);
}

#[test]
fn a_message_committed_but_never_delivered_goes_out_with_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(&dir, None);
    let card = card_for_a(&first);
    assert!(
        first.outbox().list().unwrap().is_empty(),
        "creating sends nothing"
    );
    // The call commits, and the process "dies" before dispatching.
    let tx = first.begin().unwrap();
    let (tx, outcome) = first.call_json_in(
        tx,
        "delivery.send-card",
        &json!({ "card-id": card["id"], "channel": "email", "admin": "t" }),
    );
    ok(outcome.unwrap());
    tx.commit().unwrap();
    assert!(first.outbox().list().unwrap().is_empty());
    drop(first);

    // The next process's first committed call delivers it.
    let second = open(&dir, None);
    ok(second.call_json("lifecycle.metadata", &Json::Null).unwrap());
    let entries = second.outbox().list().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].recipient, "a@example.com");
    assert_eq!(
        delivery(&second, &card["id"])["messages"][0]["status"],
        "delivered"
    );
}

#[test]
fn images_follow_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let harness = open(&dir, None);
    ok(harness
        .call_json(
            "lifecycle.configure",
            &json!({ "qr-codes": false, "barcodes": true }),
        )
        .unwrap());
    let card = card_for_a(&harness);
    ok(harness
        .call_json(
            "delivery.send-card",
            &json!({ "card-id": card["id"], "channel": "email", "admin": "t" }),
        )
        .unwrap());
    let (_, eml) = harness.outbox().get(1).unwrap();
    let mail = MessageParser::default().parse(&eml).unwrap();
    let ids: Vec<&str> = mail.parts.iter().filter_map(|p| p.content_id()).collect();
    assert_eq!(ids, vec!["barcode"]);
    assert!(!mail.body_html(0).unwrap().contains("cid:qr-code"));
}

#[test]
fn a_call_that_rolls_back_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let harness = open(&dir, None);
    let card = card_for_a(&harness);
    let args = json!({ "card-id": card["id"], "channel": "email", "admin": "t" });
    let mut failures = 0;
    for n in 1..40 {
        let before = harness.outbox().list().unwrap().len();
        let faults = Faults {
            fail_at_statement: Some(n),
            trap_at_statement: None,
        };
        match harness
            .call_json_with("delivery.send-card", &args, faults)
            .unwrap()
        {
            Outcome::Err(_) => {
                failures += 1;
                assert_eq!(
                    harness.outbox().list().unwrap().len(),
                    before,
                    "statement {n}"
                );
            }
            Outcome::Ok(_) => assert_eq!(harness.outbox().list().unwrap().len(), before + 1),
        }
        let trap = Faults {
            fail_at_statement: None,
            trap_at_statement: Some(n),
        };
        let before = harness.outbox().list().unwrap().len();
        if harness
            .call_json_with("delivery.send-card", &args, trap)
            .is_err()
        {
            assert_eq!(
                harness.outbox().list().unwrap().len(),
                before,
                "trap at {n}"
            );
        }
    }
    assert!(
        failures >= 5,
        "the fault reached several statements ({failures})"
    );
}

/// Renders the pages of `pdf` chosen by `pages` (pdftoppm's own flags) at
/// 150 dpi as gray PNG files named from `prefix`.
fn pdftoppm(pdf: &Path, pages: &[&str], prefix: &Path) {
    let ok = Command::new("pdftoppm").arg("-v").output().is_ok();
    assert!(
        ok,
        "pdftoppm is missing: install Debian's poppler-utils (`scripts/test.sh` does)"
    );
    let status = Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png"])
        .args(pages)
        .arg(pdf)
        .arg(prefix)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "pdftoppm {pages:?} failed on {}",
        pdf.display()
    );
}

fn render_pages(pdf: &Path, out_dir: &Path) -> Vec<Vec<u8>> {
    pdftoppm(pdf, &[], &out_dir.join("page"));
    let mut pages: Vec<_> = std::fs::read_dir(out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    pages
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

#[test]
fn printed_cards_render_with_poppler_and_their_qr_codes_decode() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let cli = |args: &[&str]| run_cli(&db, "9", args);
    let mut cards = Vec::new();
    for amount in ["20", "35.50"] {
        let (code, out, err) = cli(&[
            "--json",
            "card",
            "create",
            "--amount",
            amount,
            "--currency",
            "EUR",
            "--validity-days",
            "90",
        ]);
        assert_eq!(code, Some(0), "{err}");
        let card: Json = serde_json::from_str(&out).unwrap();
        cards.push((
            card["id"].to_string(),
            card["code"].as_str().unwrap().to_owned(),
        ));
    }
    let pdf = dir.path().join("cards.pdf");
    let (code, out, err) = cli(&[
        "card",
        "print",
        &cards[0].0,
        &cards[1].0,
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("2 page(s)"), "{out}");
    let pages_dir = tempfile::tempdir().unwrap();
    let pages = render_pages(&pdf, pages_dir.path());
    assert_eq!(pages.len(), 2);
    for (page, (_, card_code)) in pages.iter().zip(&cards) {
        assert_eq!(&decode(page, rxing::BarcodeFormat::QR_CODE), card_code);
        assert_eq!(&decode(page, rxing::BarcodeFormat::CODE_128), card_code);
    }
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&cards[0].1) && text.contains("35.50 EUR"),
        "{text}"
    );

    // Printing a card that does not exist: a typed refusal, exit 1, no file.
    let missing = dir.path().join("missing.pdf");
    let (code, _, err) = cli(&["card", "print", "999", "--out", missing.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("card-not-found") || err.contains("no card"),
        "{err}"
    );
    assert!(!missing.exists());
}

#[test]
fn the_cli_lists_the_outbox_views_a_card_and_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let cli = |args: &[&str]| run_cli_ok(&db, "4", args);
    let card: Json = serde_json::from_str(&cli(&[
        "--json",
        "card",
        "create",
        "--amount",
        "15",
        "--recipient-email",
        "zoe@example.com",
        "--validity-days",
        "5",
    ]))
    .unwrap();
    let id = card["id"].to_string();
    cli(&["card", "send", &id]);
    let list = cli(&["outbox", "list"]);
    assert!(
        list.contains("zoe@example.com") && list.contains("send"),
        "{list}"
    );
    let shown = cli(&["outbox", "show", "1"]);
    assert!(shown.contains(card["code"].as_str().unwrap()), "{shown}");
    let raw = cli(&["outbox", "show", "1", "--raw"]);
    assert!(
        raw.contains("MIME-Version: 1.0") && raw.contains("multipart/"),
        "{raw}"
    );
    let token = shown
        .split("/gift-card/")
        .nth(1)
        .unwrap()
        .chars()
        .take(26)
        .collect::<String>();
    let view = cli(&["view", &token]);
    assert!(
        view.contains("15.00 USD") && view.contains("first viewed 2026-05-01T10:00:00Z"),
        "{view}"
    );
    let delivery = cli(&["card", "delivery", &id]);
    assert!(delivery.contains("2026-05-01T10:00:00Z"), "{delivery}");
    // The reminder is due (5 days left, lead time 7), then the card expires.
    let tick = cli(&["tick"]);
    assert!(tick.contains("expiry reminders     "), "{tick}");
    assert_eq!(
        cli(&["--json", "outbox", "list"])
            .matches("expiry-reminder")
            .count(),
        1
    );
    let later = cli(&["--json", "tick", "--at", "2026-05-07T00:00:00Z"]);
    let later: Json = serde_json::from_str(&later).unwrap();
    assert_eq!(later["expired"], json!([card["id"]]));
    assert_eq!(later["breakage"], json!(["15.00 USD"]));
}

// ---- print runs, a part at a time ------------------------------------------

/// Page `page` (from 1) of `pdf` rendered at 150 dpi, as PNG bytes.
fn render_page(pdf: &Path, page: usize, out_dir: &Path) -> Vec<u8> {
    let prefix = out_dir.join(format!("page-{page}"));
    let page = page.to_string();
    pdftoppm(pdf, &["-singlefile", "-f", &page, "-l", &page], &prefix);
    std::fs::read(prefix.with_extension("png")).unwrap()
}

/// `pdfinfo`'s page count, insisting on a silent stderr: poppler reports a
/// broken cross-reference table there and then reads on regardless.
fn pdfinfo_pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    assert!(out.status.success(), "pdfinfo failed on {}", pdf.display());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "pdfinfo complained: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with("Pages:")).unwrap();
    line["Pages:".len()..].trim().parse().unwrap()
}

/// Files in `dir` other than the database's: what a print run left behind.
fn files_beside(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.contains(".db") && n != "outbox")
        .collect();
    names.sort();
    names
}

#[test]
fn a_thousand_cards_print_with_the_default_limits() {
    // The CLI runs with `Limits::default()` (64 MiB of guest memory); one
    // `print-cards` call of 1,000 cards used to trap copying its 6 MB out.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let cli = |args: &[&str]| run_cli_ok(&db, "5", args);
    cli(&[
        "batch",
        "create",
        "--name",
        "Print run",
        "--value",
        "25",
        "--currency",
        "EUR",
    ]);
    cli(&["batch", "generate", "--definition", "1", "--count", "1000"]);
    let code_of = |id: &str| -> String {
        let shown: Json = serde_json::from_str(&cli(&["--json", "card", "show", id])).unwrap();
        shown["card"]["code"].as_str().unwrap().to_owned()
    };
    let ids: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
    let pdf = dir.path().join("run.pdf");
    let mut args = vec!["--json", "card", "print"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(["--out", pdf.to_str().unwrap()]);
    let done: Json = serde_json::from_str(&cli(&args)).unwrap();
    assert_eq!(done["pages"], 1000);
    assert_eq!(done["bytes"], std::fs::metadata(&pdf).unwrap().len());
    assert_eq!(pdfinfo_pages(&pdf), 1000);
    let pages_dir = tempfile::tempdir().unwrap();
    for (page, id) in [(1, "1"), (1000, "1000")] {
        let png = render_page(&pdf, page, pages_dir.path());
        assert_eq!(
            decode(&png, rxing::BarcodeFormat::QR_CODE),
            code_of(id),
            "QR on page {page}"
        );
    }
    assert_eq!(
        files_beside(dir.path()),
        ["run.pdf"],
        "no temporary file left"
    );
}

#[test]
fn a_refused_print_run_leaves_no_file_and_keeps_an_existing_one() {
    use giftcard_harness::printing::{PrintOutcome, print_to_file};
    let dir = tempfile::tempdir().unwrap();
    let harness = open(&dir, None);
    let ids: Vec<u64> = (0..7)
        .map(|_| {
            let card = harness
                .call_json_ok(
                    "admin.create-card",
                    &json!({ "request": {
                        "amount": { "amount": "10", "currency": "EUR" }, "admin-user": "alice",
                    }}),
                )
                .unwrap();
            card["id"].as_u64().unwrap()
        })
        .collect();

    // Parts of three: 3 + 3 + 1 pages, one file.
    let out = dir.path().join("cards.pdf");
    let mut seen = Vec::new();
    let printed = match print_to_file(&harness, &ids, 3, &out, |done, total| {
        seen.push((done, total))
    })
    .unwrap()
    {
        PrintOutcome::Printed(p) => p,
        other => panic!("{other:?}"),
    };
    assert_eq!((printed.pages, printed.parts), (7, 3));
    assert_eq!(seen, [(3, 7), (6, 7), (7, 7)]);
    assert_eq!(printed.bytes, std::fs::metadata(&out).unwrap().len());
    assert_eq!(pdfinfo_pages(&out), 7);
    let good = std::fs::read(&out).unwrap();

    // Refused with the first part (an unknown card at the end of the run):
    // the good file stays as it was.
    let mut bad = ids.clone();
    bad.push(999);
    match print_to_file(&harness, &bad, 3, &out, |_, _| {}).unwrap() {
        PrintOutcome::Refused { part, error } => {
            assert_eq!(part, 1);
            assert_eq!(error, json!("card-not-found"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&out).unwrap(), good);

    // Refused half-way: a card of the last part is cancelled while the
    // first parts print. The parts already written are thrown away.
    let last = ids[6];
    let mut cancelled = false;
    let outcome = print_to_file(&harness, &ids, 3, &out, |done, _| {
        if !cancelled && done == 3 {
            cancelled = true;
            harness
                .call_json_ok(
                    "admin.cancel-card",
                    &json!({ "card": { "id": last }, "comment": null, "admin-user": "alice" }),
                )
                .unwrap();
        }
    })
    .unwrap();
    match outcome {
        PrintOutcome::Refused { part, error } => {
            assert_eq!(part, 3);
            assert!(error.get("invalid-status").is_some(), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&out).unwrap(), good);
    assert_eq!(
        files_beside(dir.path()),
        ["cards.pdf"],
        "no temporary file left"
    );

    // The CLI says so and writes nothing either.
    let fresh = dir.path().join("fresh.pdf");
    let (code, _, err) = run_cli(
        &dir.path().join("shop.db"),
        "3",
        &[
            "card",
            "print",
            &ids[0].to_string(),
            &last.to_string(),
            "--out",
            fresh.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("invalid-status"), "{err}");
    assert!(!fresh.exists());
    assert_eq!(files_beside(dir.path()), ["cards.pdf"]);
}
