//! Builds the gift-card component as part of the harness's normal build, so a
//! newcomer never runs a separate wasm build: `cargo run` / `cargo test` are
//! enough. The component is built by a nested cargo into its own target
//! directory (the outer build holds the lock on the usual one), in release
//! mode with the size-optimised `component` profile, and its path is baked
//! into the harness.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    // Everything the component is built from: its crates, the contract,
    // the lock file and the workspace manifest (which holds its profile).
    for watched in [
        "guest",
        "engine/src",
        "engine/Cargo.toml",
        "documents/src",
        "documents/Cargo.toml",
        "wit",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=GIFTCARD_SKIP_COMPONENT_BUILD");

    let target_dir = root.join("target").join("component");
    let wasm = target_dir
        .join(TARGET)
        .join("component")
        .join("giftcard_guest.wasm");
    println!("cargo:rustc-env=GIFTCARD_COMPONENT_PATH={}", wasm.display());
    if env::var_os("GIFTCARD_SKIP_COMPONENT_BUILD").is_some() {
        return;
    }

    ensure_target_installed();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            // The workspace's `component` profile: release, optimised for
            // size with LTO (see Cargo.toml).
            "--profile",
            "component",
            "--locked",
            "-p",
            "giftcard-guest",
            "--target",
            TARGET,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        // Flags meant for the host build (and clippy's wrapper) must not leak
        // into the wasm build.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("failed to run cargo to build the gift-card component");
    assert!(status.success(), "building the gift-card component failed");
    assert!(wasm.exists(), "component missing at {}", wasm.display());
}

/// Installs the wasm target through rustup when it is missing, so the
/// README's commands work on a fresh machine.
fn ensure_target_installed() {
    let sysroot = Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let installed = sysroot
        .map(|s| Path::new(&s).join("lib/rustlib").join(TARGET).exists())
        .unwrap_or(false);
    if !installed {
        println!("cargo:warning=installing the {TARGET} target with rustup (one time)");
        let ok = Command::new("rustup")
            .args(["target", "add", TARGET])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok,
            "could not install {TARGET}; run `rustup target add {TARGET}`"
        );
    }
}
