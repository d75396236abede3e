//! Builds the gift-card component as part of the harness's normal build, so a
//! newcomer never runs a separate wasm build: `cargo run` / `cargo test` are
//! enough. The component is built by a nested cargo into its own target
//! directory (the outer build holds the lock on the usual one), in release
//! mode with the size-optimised `component` profile, and its path is baked
//! into the harness.
//!
//! Three steps, so the size optimiser can run between compiling and wrapping:
//! 1. cargo builds the guest's core wasm module (the linker is told to skip
//!    its usual component step; the WIT stays embedded in custom sections);
//! 2. binaryen's `wasm-opt -Oz` shrinks that module, when it is installed
//!    (`apt-get install binaryen`; about 13% smaller). Without it the build
//!    still works, with a warning;
//! 3. `wit-component` wraps the module into the component, as the linker
//!    would have, and validates it.

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
    println!("cargo:rerun-if-env-changed=GIFTCARD_WASM_OPT");
    println!("cargo:rerun-if-env-changed=PATH");

    let target_dir = root.join("target").join("component");
    let core = target_dir
        .join(TARGET)
        .join("component")
        .join("giftcard_guest.wasm");
    let wasm = target_dir.join("giftcard.wasm");
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
        // into the wasm build; the one flag it gets stops the linker before
        // its component step (done below, after wasm-opt).
        .env("CARGO_ENCODED_RUSTFLAGS", "-Clink-arg=--skip-wit-component")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("failed to run cargo to build the gift-card component");
    assert!(status.success(), "building the gift-card component failed");
    let module = std::fs::read(&core)
        .unwrap_or_else(|e| panic!("core module missing at {}: {e}", core.display()));
    let module = optimise(&module, &target_dir);
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .unwrap_or_else(|e| panic!("wrapping the core module into a component failed: {e:#}"));
    // Rewrite only on change, so the harness is not rebuilt for nothing.
    if std::fs::read(&wasm).ok().as_deref() != Some(component.as_slice()) {
        std::fs::write(&wasm, &component)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", wasm.display()));
    }
}

/// Runs `wasm-opt -Oz` on the core module when binaryen is installed
/// (`GIFTCARD_WASM_OPT` names another binary, or `off` skips it); returns
/// the module unchanged, with a warning, when it is not.
fn optimise(module: &[u8], dir: &Path) -> Vec<u8> {
    let tool = env::var("GIFTCARD_WASM_OPT").unwrap_or_else(|_| "wasm-opt".into());
    if tool == "off" {
        return module.to_vec();
    }
    let found = Command::new(&tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!(
            "cargo:warning=binaryen's wasm-opt not found: the component is built without it \
             (about 13% larger); `apt-get install binaryen` to shrink it"
        );
        return module.to_vec();
    }
    let (input, output) = (
        dir.join("giftcard-core.wasm"),
        dir.join("giftcard-core.opt.wasm"),
    );
    std::fs::write(&input, module).expect("write the core module for wasm-opt");
    // The features rustc's wasm32 target enables by default, so wasm-opt
    // accepts the module and keeps to what wasmtime runs.
    let status = Command::new(&tool)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-multivalue",
            "--enable-reference-types",
        ])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .status()
        .expect("run wasm-opt");
    assert!(status.success(), "wasm-opt failed on the core module");
    std::fs::read(&output).expect("read wasm-opt's output")
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
