#!/usr/bin/env bash
# Every check the project has, in the order a failure is cheapest to find:
# formatting, lints, unit / integration / property tests (native engine and
# component through the harness), then the conformance suite on its own so its
# closing line `N passed, M failed` ends the output.
#
# Works on a fresh machine: installs the wasm target (the build itself installs nothing), the rustfmt/clippy
# components and (on Debian) poppler-utils and binaryen when they are missing. The component itself is built by the
# harness's build script; nothing has to be built by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^${component}"; then
    rustup component add "${component}"
  fi
done

# Debian packages: poppler-utils (pdftoppm / pdftotext render the printed
# cards in the tests), binaryen (wasm-opt shrinks the component; the
# build works without it), docker-registry (the OCI distribution registry
# the package tests push to and pull from) and libssl-dev + pkg-config (the
# registry client's TLS is the system's OpenSSL). Installed when missing and
# apt-get is there.
if ! command -v pdftoppm >/dev/null || ! command -v pdftotext >/dev/null \
    || ! command -v wasm-opt >/dev/null || ! [ -x /usr/bin/docker-registry ] \
    || ! pkg-config --exists openssl 2>/dev/null; then
  if command -v apt-get >/dev/null; then
    apt_prefix=""
    if [ "$(id -u)" != 0 ]; then apt_prefix="sudo"; fi
    $apt_prefix apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $apt_prefix apt-get install -y -qq poppler-utils binaryen \
      docker-registry libssl-dev pkg-config
  else
    echo "warning: install poppler-utils, binaryen, docker-registry, libssl-dev and pkg-config" >&2
  fi
fi

# PostgreSQL (the host's PostgreSQL backend is tested against a real server
# its tests start themselves, as the unprivileged `postgres` user).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if command -v apt-get >/dev/null; then
    apt_prefix=""
    if [ "$(id -u)" != 0 ]; then apt_prefix="sudo"; fi
    $apt_prefix apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $apt_prefix apt-get install -y -qq postgresql
  else
    echo "warning: install PostgreSQL (Debian's postgresql package); its tests fail without it" >&2
  fi
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --release --locked -- -D warnings
echo "==> cargo test"
# The guest is a wasm-only cdylib (its export names cannot be linked
# natively); its logic is tested in giftcard-engine, and the component itself
# through the harness's tests. Clippy above still checks its code.
cargo test --workspace --exclude giftcard-guest --release --locked
echo "==> the embedding example (host-harness/host/examples/embed.rs)"
# Built by `cargo test` above with the workspace's features; `cargo run -p`
# alone would resolve features anew and rebuild wasmtime.
"${CARGO_TARGET_DIR:-target}/release/examples/embed"
echo "==> conformance scenarios"
cargo run --release --locked --quiet -- scenario run tests/scenarios
