//! `giftcard-harness batch …` as a script uses it: JSON answers, the
//! generation summary with cards per second, chunking, and exit codes.

use crate::common::{cli as harness, cli_json, cli_refused_json};
use serde_json::Value;

#[test]
fn create_update_generate_in_chunks_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let d = cli_json(
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
    assert_eq!(d["code-name"], "spring-sale");
    assert_eq!(
        d["fields"]["target"]["groups"],
        serde_json::json!(["vip", "staff"])
    );

    // Flags given replace fields; an empty value clears one.
    let d = cli_json(
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
    assert_eq!(d["fields"]["min-order-amount"], Value::Null);
    assert_eq!(d["fields"]["target"], "everyone");
    assert_eq!(d["fields"]["value"]["amount"], "20.00");

    // 1,234 codes in calls of 500: three calls, consecutive ids.
    let s = cli_json(
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

    let all = cli_json(&dir, &["--json", "batch", "list"]);
    assert_eq!(all[0]["codes"], 1244);

    // The value is locked now; refusals exit 1 with the typed error.
    let e = cli_refused_json(&dir, &["--json", "batch", "update", "1", "--value", "25"]);
    assert!(e["error"]["invalid-argument"].is_string());
    let out = harness(
        &dir,
        &["batch", "generate", "--definition", "9", "--count", "5"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("definition-not-found"));
}
