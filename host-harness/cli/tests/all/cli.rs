//! The command line as a person (or a script) uses it: `--help`, `--json`,
//! exit codes, and the scenario runner's closing line.

use crate::common::{self, cli as harness, cli_json, cli_refused_json};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `args` (ending in `--help`) succeed and print a usage text.
fn assert_help(dir: &tempfile::TempDir, args: &[&str]) {
    let out = harness(dir, args);
    assert!(out.status.success(), "{args:?}");
    assert!(stdout(&out).contains("Usage"), "{args:?}");
}

#[test]
fn help_is_available_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["card", "--help"],
        &["card", "create", "--help"],
        &["scenario", "run", "--help"],
    ] {
        assert_help(&dir, args);
    }
}

#[test]
fn card_lifecycle_with_json_output_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let card = cli_json(
        &dir,
        &[
            "--json",
            "card",
            "create",
            "--amount",
            "25",
            "--currency",
            "EUR",
            "--comment",
            "cli",
        ],
    );
    assert_eq!(card["balance"]["amount"], "25.00");
    let id = card["id"].to_string();
    let code = card["code"].as_str().unwrap().to_lowercase();

    let card = cli_json(
        &dir,
        &[
            "--json",
            "card",
            "adjust",
            &id,
            "--amount",
            "-5",
            "--comment",
            "spent",
        ],
    );
    assert_eq!(card["balance"]["amount"], "20.00");

    let out = harness(&dir, &["card", "show", &code]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("20.00 EUR"));

    let out = harness(&dir, &["card", "disable", &id]);
    assert!(out.status.success());
    let out = harness(
        &dir,
        &["card", "adjust", &id, "--amount", "1", "--comment", "no"],
    );
    assert_eq!(out.status.code(), Some(1), "a refused request exits 1");
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid-status"));

    let history = cli_json(&dir, &["--json", "card", "history", &id]);
    assert_eq!(history["total"], 3);

    let page = cli_json(&dir, &["--json", "card", "list", "--status", "disabled"]);
    assert_eq!(page["total"], 1);
    common::assert_mentions(&page["cards"][0]["masked-code"], "*");

    // A refused balance check is a refusal like any other: exit 1 (issue
    // 12 made it so; it exited 0 before), with the generic answer shown.
    let out = harness(&dir, &["balance", &code]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("not valid or has no balance"));

    let out = harness(&dir, &["card", "show", "99999"]);
    assert_eq!(out.status.code(), Some(1));
    let out = harness(&dir, &["card", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn scenario_run_closes_with_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[[step]]\ncall = \"lifecycle.metadata\"\nexpect.ok = { name = \"giftcard\" }\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[step]]\ncall = \"lifecycle.metadata\"\nexpect.ok = { name = \"other\" }\n",
    )
    .unwrap();
    let out = harness(&dir, &["scenario", "run", good.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(stdout(&out).trim_end().ends_with("1 passed, 0 failed"));
    let out = harness(
        &dir,
        &[
            "scenario",
            "run",
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).trim_end().ends_with("1 passed, 1 failed"));
    let report = cli_refused_json(
        &dir,
        &[
            "--json",
            "scenario",
            "run",
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["results"][1]["name"], "bad");
    common::assert_mentions(&report["results"][1]["error"], "other");
}

#[test]
fn the_shop_is_reachable_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["shop", "--help"][..],
        &["shop", "quote", "--help"],
        &["shop", "quote", "apply-code", "--help"],
        &["shop", "order", "refund", "--help"],
    ] {
        assert_help(&dir, args);
    }
    // Usage errors exit 2: a missing required flag, a malformed line list.
    let out = harness(&dir, &["shop", "order", "invoice"]);
    assert_eq!(out.status.code(), Some(2));
    let out = harness(
        &dir,
        &["shop", "order", "invoice", "--order", "X", "--lines", "1x"],
    );
    assert_eq!(out.status.code(), Some(2));

    let site = cli_json(
        &dir,
        &[
            "--json",
            "shop",
            "website",
            "create",
            "--code",
            "main",
            "--base-currency",
            "usd",
            "--tax-rate",
            "7.25",
        ],
    );
    assert_eq!(site["base-currency"], "USD");
    assert_eq!(site["tax-rate"], "7.25");
    // The same action through --args, refused: exit 1 and the typed error.
    let e = cli_refused_json(
        &dir,
        &[
            "--json",
            "shop",
            "website",
            "create",
            "--args",
            r#"{"code":"main","base-currency":"USD"}"#,
        ],
    );
    assert_eq!(e["error"]["already-exists"], "website main");
    // Rates persist across invocations.
    let out = harness(
        &dir,
        &[
            "shop", "rate", "set", "--from", "USD", "--to", "EUR", "--rate", "0.92",
        ],
    );
    assert!(out.status.success());
    let rates = cli_json(&dir, &["--json", "shop", "rate", "list"]);
    assert_eq!(rates["rates"][0]["rate"], "0.92");
}

#[test]
fn a_required_shop_flag_may_come_from_args_json() {
    let dir = tempfile::tempdir().unwrap();
    // `--base-currency` is required, given here inside `--args` only.
    let site = cli_json(
        &dir,
        &[
            "--json",
            "shop",
            "website",
            "create",
            "--code",
            "main",
            "--args",
            r#"{"base-currency":"eur","code":"other"}"#,
        ],
    );
    // The flag overrides the JSON key.
    assert_eq!(site["code"], "main");
    assert_eq!(site["base-currency"], "EUR");
    // Every required flag from `--args`: no usage error, the shop's answer.
    let e = cli_refused_json(
        &dir,
        &[
            "--json",
            "shop",
            "order",
            "invoice",
            "--args",
            r#"{"order":"ORD-404","lines":[{"line":"1","quantity":2}]}"#,
        ],
    );
    assert_eq!(e["error"]["unknown-order"], "ORD-404");
    // Missing from `--args` as well: serde's refusal, as through `Shop::run`.
    let e = cli_refused_json(
        &dir,
        &["--json", "shop", "order", "invoice", "--args", "{}"],
    );
    assert_eq!(e["error"]["invalid-argument"], "missing field `order`");
    // Without `--args`: a usage error naming the flag.
    let out = harness(&dir, &["shop", "order", "invoice"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--order <TEXT>"));
}

#[test]
fn call_reaches_any_export_with_json_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let product = cli_json(
        &dir,
        &[
            "call",
            "products.create-product",
            "--args",
            r#"{"sku":"gc","name":"Gift card","currency":"USD","denominations":["25","50"],"active":true}"#,
        ],
    );
    assert_eq!(product["denominations"][1]["amount"], "50.00");

    // A refusal prints the typed error as JSON and exits 1.
    let answer = cli_refused_json(
        &dir,
        &[
            "call",
            "products.check-amount",
            "--args",
            r#"{"id":1,"amount":"30"}"#,
        ],
    );
    assert!(
        answer["error"]["invalid-purchase-amount"].is_string(),
        "{answer}"
    );

    // Malformed JSON is caught before the plugin is called.
    let out = harness(&dir, &["call", "lifecycle.metadata", "--args", "{"]);
    assert!(!out.status.success());
}
