//! # giftcard-package
//!
//! The plugin as a marketplace ships it: a **WebAssembly OCI artifact** in an
//! OCI image layout directory (config `application/vnd.wasm.config.v0+json`,
//! one `application/wasm` layer, sha256 digests), described by annotations a
//! marketplace can show without running anything, and **signed** with
//! ed25519 over the manifest's digest.
//!
//! Everything here works on bytes only, so a host refuses a tampered,
//! unsigned, over-reaching or incompatible package *before anything is
//! compiled*:
//!
//! - [`layout`]: writing and reading the image layout, every byte checked
//!   against its digest;
//! - [`description`]: what the marketplace shows (name, versions,
//!   capabilities, the settings form's JSON Schema, the changelog entry);
//! - [`signing`]: keys, signatures and the host's trusted keys;
//! - [`registry`]: push to and pull from any OCI distribution registry;
//! - [`capabilities`]: the component's imports, read from its binary, against
//!   the host's grants, and the contract-version rule;
//! - [`settings_schema`]: the JSON Schema of the plugin's settings record.

pub mod capabilities;
pub mod description;
pub mod layout;
pub mod registry;
pub mod settings_schema;
pub mod signing;

pub use capabilities::{Grants, contract_version};
pub use description::Description;
pub use layout::{Package, pack, read};
pub use signing::{KeyPair, Signer, TrustStore};

use std::path::PathBuf;

/// Why a package was refused (or could not be written). Every case names
/// what is wrong, so a merchant or marketplace can act on it.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A file of the layout could not be read or written.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    /// The directory is not an OCI image layout this host understands.
    #[error("not a plugin package: {0}")]
    NotAPackage(String),
    /// A blob's bytes do not match the digest or size that names them: the
    /// package was changed after it was written.
    #[error("the package was changed after it was packed: {0}")]
    Tampered(String),
    /// No signature at all.
    #[error("the package is not signed (sign it with `plugin sign`)")]
    Unsigned,
    /// Signed, but by no key this host trusts.
    #[error(
        "the package is signed by {signer} (key {fingerprint}), which this host does not trust \
         (pass --trust KEYFILE or add it to the trust file)"
    )]
    UntrustedSigner { signer: String, fingerprint: String },
    /// A key or trust file could not be used.
    #[error("{0}")]
    Key(String),
    /// The component imports something the host does not grant.
    #[error(
        "the component imports `{import}`, which this host does not grant \
         (the policy grants: {granted})"
    )]
    CapabilityNotGranted { import: String, granted: String },
    /// The component implements a contract version this host cannot serve.
    #[error("{0}")]
    IncompatibleContract(String),
    /// A registry could not be reached, or refused.
    #[error("registry: {0}")]
    Registry(String),
    /// The component's binary could not be read as a component.
    #[error("the component is not a valid WebAssembly component: {0}")]
    InvalidComponent(String),
}

impl PackageError {
    fn io(path: impl Into<PathBuf>, error: std::io::Error) -> PackageError {
        PackageError::Io {
            path: path.into(),
            error,
        }
    }
}

/// `sha256:<hex>` of `bytes`, the digest form OCI uses.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn digests_are_oci_sha256() {
        // The digest of the empty JSON object, as the OCI spec lists it.
        assert_eq!(
            super::sha256_digest(b"{}"),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
