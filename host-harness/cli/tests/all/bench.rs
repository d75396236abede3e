//! `giftcard-harness bench`: every standard operation reported with its
//! counts, the native comparison for the built-in component, the same
//! counts for the same component however it is loaded, and a clear refusal
//! of what it cannot measure.

use crate::common::{cli, cli_json};
use giftcard_harness::bench::OPERATIONS;
use serde_json::Value as Json;

/// The operations' names (the library's unit test pins them down).
fn names() -> Vec<String> {
    OPERATIONS.iter().map(|op| op.name()).collect()
}

fn operation<'a>(report: &'a Json, name: &str) -> &'a Json {
    (report["operations"].as_array().unwrap().iter())
        .find(|op| op["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

fn count(op: &Json, field: &str) -> u64 {
    op[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} of {op}"))
}

#[test]
fn the_report_gives_every_operation_its_counts_time_and_native_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let report = cli_json(&dir, &["bench", "--json", "--rounds", "1"]);
    assert_eq!(
        report["component_bytes"].as_u64(),
        Some(giftcard_host::BUILT_COMPONENT.len() as u64)
    );
    let listed: Vec<&str> = (report["operations"].as_array().unwrap().iter())
        .map(|op| op["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names());
    for name in &names() {
        let op = operation(&report, name);
        assert!(count(op, "instructions") > 1_000, "{op}");
        assert!(count(op, "statements") > 0, "{op}");
        let (time, native) = (op["median_us"].as_f64(), op["native_median_us"].as_f64());
        let (time, native) = (time.unwrap(), native.unwrap());
        assert!(time > 0.0 && native > 0.0, "{op}");
        let ratio = op["ratio"].as_f64().unwrap();
        assert!((ratio - time / native).abs() < 1e-9, "{op}");
        // The same operation on recycled instances, against the same native.
        let recycled = op["recycled_median_us"].as_f64().unwrap();
        assert!(recycled > 0.0, "{op}");
        let recycled_ratio = op["recycled_ratio"].as_f64().unwrap();
        assert!((recycled_ratio - recycled / native).abs() < 1e-9, "{op}");
    }
    // A checkout is the three calls measured alone, on the same data.
    let parts = ["collect-1-line-1-card", "placed-1-card", "paid-1-card"];
    let checkout = operation(&report, "checkout-1-card");
    let statements: u64 = parts
        .iter()
        .map(|p| count(operation(&report, p), "statements"))
        .sum();
    assert_eq!(count(checkout, "statements"), statements);
    let instructions: u64 = (parts.iter())
        .map(|p| count(operation(&report, p), "instructions"))
        .sum();
    let whole = count(checkout, "instructions");
    assert!(
        whole.abs_diff(instructions) * 50 < instructions,
        "{whole} vs {instructions}"
    );
    // Generating 5,000 codes costs far more than one balance check.
    let generate = count(operation(&report, "generate-5000"), "instructions");
    assert!(generate > 100 * count(operation(&report, "check-balance"), "instructions"));

    let text = cli(&dir, &["bench", "--rounds", "1"]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    for name in names() {
        assert!(text.contains(&name), "{text}");
    }
    assert!(text.contains("checkouts per second"), "{text}");
}

#[test]
fn another_component_is_counted_alike_and_has_no_native_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.wasm");
    let written = cli(&dir, &["component", "--out", path.to_str().unwrap()]);
    assert!(written.status.success());
    let args = ["bench", "--json", "--rounds", "1", "--component"];
    let other = cli_json(&dir, &[&args[..], &[path.to_str().unwrap()]].concat());
    let built_in = cli_json(&dir, &["bench", "--json", "--rounds", "1"]);
    for name in &names() {
        let (a, b) = (operation(&other, name), operation(&built_in, name));
        // Deterministic: the same bytes run the same instructions and
        // statements, run after run.
        assert_eq!(a["instructions"], b["instructions"], "{name}");
        assert_eq!(a["statements"], b["statements"], "{name}");
        assert!(
            a["native_median_us"].is_null() && a["ratio"].is_null(),
            "{a}"
        );
        assert!(a["recycled_ratio"].is_null() && a["recycled_median_us"].as_f64() > Some(0.0));
    }
}

#[test]
fn what_cannot_be_measured_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wat");
    std::fs::write(&empty, "(component)").unwrap();
    let out = cli(&dir, &["bench", "--component", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not implement the giftcard:plugin@"),
        "{err}"
    );

    let out = cli(&dir, &["bench", "--rounds", "0"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(out.stdout.is_empty());

    let out = cli(&dir, &["bench", "--only", "checkout"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no standard operation `checkout`"), "{err}");
}

#[test]
fn one_operation_can_be_measured_alone() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "bench",
        "--json",
        "--rounds",
        "1",
        "--only",
        "check-balance",
    ];
    let report = cli_json(&dir, &args);
    let ops = report["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 1, "{report}");
    assert_eq!(ops[0]["name"], "check-balance");
    assert!(count(&ops[0], "statements") > 0);
}
