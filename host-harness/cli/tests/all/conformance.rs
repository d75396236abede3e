//! The conformance suite in `tests/scenarios/` runs as part of `cargo test`.

use std::path::PathBuf;

#[test]
fn every_scenario_passes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut out = Vec::new();
    let summary = giftcard_conformance::scenario::run_paths(&[dir], None, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(summary.failed, 0, "{text}");
    assert!(summary.passed >= 10, "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("{} passed, 0 failed", summary.passed))
    );
}
