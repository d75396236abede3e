//! `giftcard-harness batch …` as a script uses it: JSON answers, the
//! generation summary with cards per second, chunking, and exit codes.

use crate::common::cli as harness;
use serde_json::Value;

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn create_update_generate_in_chunks_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = harness(
        &dir,
        &[
            "--json",
            "batch",
            "create",
            "--name",
            "Spring Sale",
            "--value",
            "20",
            "--currency",
            "EUR",
            "--min-order",
            "30",
            "--groups",
            "vip,staff",
        ],
    );
    assert!(out.status.success());
    let d = json(&out);
    assert_eq!(d["code-name"], "spring-sale");
    assert_eq!(
        d["fields"]["target"]["groups"],
        serde_json::json!(["vip", "staff"])
    );

    // Flags given replace fields; an empty value clears one.
    let out = harness(
        &dir,
        &[
            "--json",
            "batch",
            "update",
            "1",
            "--min-order",
            "",
            "--target",
            "everyone",
        ],
    );
    assert!(out.status.success());
    let d = json(&out);
    assert_eq!(d["fields"]["min-order-amount"], Value::Null);
    assert_eq!(d["fields"]["target"], "everyone");
    assert_eq!(d["fields"]["value"]["amount"], "20.00");

    // 1,234 codes in calls of 500: three calls, consecutive ids.
    let out = harness(
        &dir,
        &[
            "--json",
            "batch",
            "generate",
            "--definition",
            "1",
            "--count",
            "1234",
            "--chunk",
            "500",
            "--prefix",
            "SPR",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = json(&out);
    assert_eq!(s["created"], 1234);
    assert_eq!(s["chunks"], 3);
    assert_eq!(s["first_card_id"], 1);
    assert_eq!(s["last_card_id"], 1234);
    assert_eq!(s["total_codes"], 1234);
    assert!(s["cards_per_second"].as_f64().unwrap() > 0.0);

    // Human output: the closing note, no progress bar when not a terminal.
    let out = harness(
        &dir,
        &["batch", "generate", "--definition", "1", "--count", "10"],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Created 10 codes for definition 1"),
        "{text}"
    );
    assert!(text.contains("cards per second"), "{text}");

    let out = harness(&dir, &["--json", "batch", "list"]);
    let all = json(&out);
    assert_eq!(all[0]["codes"], 1244);

    // The value is locked now; refusals exit 1 with the typed error.
    let out = harness(&dir, &["--json", "batch", "update", "1", "--value", "25"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&out)["error"]["invalid-argument"].is_string());
    let out = harness(
        &dir,
        &["batch", "generate", "--definition", "9", "--count", "5"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("definition-not-found"));
}
