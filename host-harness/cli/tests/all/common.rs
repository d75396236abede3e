//! Shared set-up for the harness's integration tests: one compiled runtime per
//! test binary, a fresh database per test, a fixed clock and a seed.

#![allow(dead_code)]

use giftcard_conformance::harness::HarnessConfig;
use giftcard_conformance::json::{Limits, Runtime};
use giftcard_host::GiftCards;
use giftcard_host::clock::Clock;
use std::sync::{Arc, OnceLock};

/// 2026-01-01T00:00:00Z
pub const T0: i64 = 1_767_225_600;

pub fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Arc::new(Runtime::built_in(Limits::default()).expect("load the built component"))
        })
        .clone()
}

/// A harness on a fresh database in `dir`.
pub fn harness(dir: &tempfile::TempDir) -> GiftCards {
    let mut config = HarnessConfig::new(dir.path().join("test.db"));
    config.clock = Clock::fixed(T0);
    config.seed = Some(11);
    giftcard_conformance::harness::open_with(runtime(), &config).expect("open harness")
}

/// Runs the `giftcard-harness` binary on `cli.db` in `dir`, on a fixed clock
/// and seed, as the command-line tests do.
pub fn cli(dir: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_giftcard-harness"))
        .arg("--db")
        .arg(dir.path().join("cli.db"))
        .args(["--fixed-clock", "2026-05-01T10:00:00Z", "--seed", "5"])
        .args(args)
        .output()
        .expect("run giftcard-harness")
}
