//! Builds the gift-card component as part of the host's normal build, so a
//! newcomer never runs a separate wasm build: `cargo run` / `cargo test` are
//! enough. The component is built by a nested cargo in release mode with the
//! size-optimised `component` profile, and the finished component is written
//! to `OUT_DIR`, from where `lib.rs` embeds it in the binary.
//!
//! The nested cargo keeps its own target directory, `target/component`
//! (cargo's incremental cache, not an output of this script): one shared
//! folder, because `cargo check`, `clippy` and `test` each run this script
//! with a different `OUT_DIR`, and a guest build per `OUT_DIR` would cost
//! minutes each. Everything this script itself writes goes to `OUT_DIR`.
//! Its rerun triggers are the files rustc read for the guest (the nested
//! build's dep-info), plus the manifests and the lock file. It installs
//! nothing: the wasm target comes from the README's set-up or
//! `scripts/test.sh`, and a missing one is reported with the command to run.
//!
//! Three steps, so the size optimiser can run between compiling and wrapping:
//! 1. cargo builds the guest's core wasm module (the linker is told to skip
//!    its usual component step; the WIT stays embedded in custom sections);
//! 2. binaryen's `wasm-opt -Oz` shrinks that module, when it is installed
//!    (`apt-get install binaryen`; about 13% smaller). Without it the build
//!    still works, with a warning;
//! 3. `wit-component` wraps the module into the component, as the linker
//!    would have, and validates it;
//! 4. `wasm-metadata` writes who the component is into its standard custom
//!    sections (the component name, `producers`, and the OCI-style
//!    `version`, `description` and `licenses`), so any wasm tool or
//!    registry reads the version from the binary itself.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.ancestors().nth(2).unwrap().to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let wasm = out_dir.join("giftcard.wasm");
    println!("cargo:rerun-if-env-changed=GIFTCARD_SKIP_COMPONENT_BUILD");
    println!("cargo:rerun-if-env-changed=GIFTCARD_WASM_OPT");
    println!("cargo:rerun-if-env-changed=PATH");
    // The manifests and the lock file, which rustc's dep-info does not list.
    for watched in [
        "Cargo.toml",
        "Cargo.lock",
        "guest/Cargo.toml",
        "engine/Cargo.toml",
        "documents/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    if env::var_os("GIFTCARD_SKIP_COMPONENT_BUILD").is_some() {
        // For quick `cargo check`s: an empty placeholder when no component
        // was built into this OUT_DIR before (loading it fails clearly).
        if !wasm.exists() {
            std::fs::write(&wasm, b"").expect("write the placeholder component");
        }
        return;
    }

    let target_dir = root.join("target").join("component");
    let profile_dir = target_dir.join(TARGET).join("component");
    let core = profile_dir.join("giftcard_guest.wasm");
    check_target_installed();
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
    rerun_on_sources(&profile_dir.join("giftcard_guest.d"));
    let module = std::fs::read(&core)
        .unwrap_or_else(|e| panic!("core module missing at {}: {e}", core.display()));
    let module = optimise(&module, &out_dir);
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .unwrap_or_else(|e| panic!("wrapping the core module into a component failed: {e:#}"));
    let component = with_metadata(&component);
    std::fs::write(&wasm, &component)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", wasm.display()));
}

/// The component with its name and version metadata (see step 4 above).
fn with_metadata(component: &[u8]) -> Vec<u8> {
    use wasm_metadata::{AddMetadata, AddMetadataField::Set};
    let version = env::var("CARGO_PKG_VERSION").unwrap();
    let licenses = env::var("CARGO_PKG_LICENSE").unwrap();
    // `AddMetadata` is non-exhaustive: filled field by field.
    let mut add = AddMetadata::default();
    add.name = Set("giftcard".to_owned());
    add.processed_by = vec![("giftcard-host".to_owned(), version.clone())];
    add.version = Set(wasm_metadata::Version::new(version));
    add.description = Set(wasm_metadata::Description::new(
        "Gift cards for shops: a ledger that always balances, in the order pipeline.",
    ));
    add.licenses = Set(wasm_metadata::Licenses::new(&licenses).expect("an SPDX license"));
    add.to_wasm(component)
        .unwrap_or_else(|e| panic!("writing the component's metadata failed: {e:#}"))
}

/// One `rerun-if-changed` per file the guest's dep-info lists (every source
/// file and WIT file rustc read), so the component is rebuilt exactly when
/// one of them changes.
fn rerun_on_sources(dep_info: &Path) {
    let text = std::fs::read_to_string(dep_info)
        .unwrap_or_else(|e| panic!("reading the guest's dep-info {}: {e}", dep_info.display()));
    // Make syntax: `target: dep dep …`, spaces in paths escaped as `\ `.
    let Some((_, deps)) = text.lines().next().and_then(|l| l.split_once(": ")) else {
        panic!("unexpected dep-info in {}", dep_info.display());
    };
    let mut path = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => path.push(chars.next().unwrap()),
            ' ' => {
                if !path.is_empty() {
                    println!("cargo:rerun-if-changed={path}");
                    path.clear();
                }
            }
            c => path.push(c),
        }
    }
    if !path.is_empty() {
        println!("cargo:rerun-if-changed={path}");
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

/// Stops with the command to run when the wasm target is missing (the
/// README's set-up and `scripts/test.sh` install it; a build script must not).
fn check_target_installed() {
    let sysroot = Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let installed = sysroot
        .map(|s| Path::new(&s).join("lib/rustlib").join(TARGET).exists())
        .unwrap_or(false);
    assert!(
        installed,
        "the {TARGET} target is missing: run `rustup target add {TARGET}` \
         (or `bash scripts/test.sh`, which installs it)"
    );
}
