//! Pushing a package to any OCI distribution registry and pulling it back,
//! through `oci-client` (the ecosystem's distribution client).
//!
//! The package manifest goes under the reference's tag (the package version
//! when none is given); each signature manifest is pushed by digest, and
//! the list of them as an image index under the tag `sha256-<hex>` of the
//! package manifest: the OCI 1.1 referrers *tag schema*, which every
//! registry serves (registries with the referrers API list them there too,
//! through each signature's `subject`).
//!
//! A pulled package is written as a layout and read back with
//! [`crate::layout::read`], so it passes exactly the checks a package from
//! disk does: a registry is never trusted for integrity.
//!
//! Plain HTTP is used only for loopback registries (`127.0.0.1`,
//! `localhost`, `[::1]`); every other registry is spoken to over HTTPS.
//! Credentials, when a registry needs them, come from
//! `GIFTCARD_REGISTRY_USER` / `GIFTCARD_REGISTRY_PASSWORD`.

use crate::layout::{self, Package, SIGNATURE_TYPE};
use crate::{PackageError, sha256_digest};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use std::path::Path;

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

fn err(what: &str, e: impl std::fmt::Display) -> PackageError {
    PackageError::Registry(format!("{what}: {e}"))
}

/// A parsed `REGISTRY/REPOSITORY[:TAG]`; the tag defaults to `version`.
pub fn reference(text: &str, version: Option<&str>) -> Result<Reference, PackageError> {
    let r: Reference = text
        .parse()
        .map_err(|e| err(&format!("`{text}` is not a registry reference"), e))?;
    if !text.contains('/') {
        return Err(PackageError::Registry(format!(
            "`{text}` names no registry: write REGISTRY/REPOSITORY[:TAG], e.g. \
             127.0.0.1:5000/giftcard:0.1.0"
        )));
    }
    let explicit_tag = text
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'));
    Ok(match (explicit_tag || r.digest().is_some(), version) {
        (false, Some(v)) => {
            Reference::with_tag(r.registry().into(), r.repository().into(), v.into())
        }
        _ => r,
    })
}

/// Whether a registry is on this machine (plain HTTP is allowed there).
fn loopback(registry: &str) -> bool {
    let host = registry.rsplit_once(':').map_or(registry, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

struct Session {
    client: Client,
    auth: RegistryAuth,
    runtime: tokio::runtime::Runtime,
}

impl Session {
    fn new(r: &Reference) -> Result<Session, PackageError> {
        let registry = r.resolve_registry().to_owned();
        let protocol = if loopback(&registry) {
            ClientProtocol::HttpsExcept(vec![registry])
        } else {
            ClientProtocol::Https
        };
        let client = Client::new(ClientConfig {
            protocol,
            ..ClientConfig::default()
        });
        let auth = match (
            std::env::var("GIFTCARD_REGISTRY_USER"),
            std::env::var("GIFTCARD_REGISTRY_PASSWORD"),
        ) {
            (Ok(u), Ok(p)) => RegistryAuth::Basic(u, p),
            _ => RegistryAuth::Anonymous,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| err("starting the network runtime", e))?;
        Ok(Session {
            client,
            auth,
            runtime,
        })
    }

    fn manifest(&self, r: &Reference, accept: &[&str]) -> Result<Option<Vec<u8>>, PackageError> {
        let pulled = self
            .runtime
            .block_on(self.client.pull_manifest_raw(r, &self.auth, accept));
        match pulled {
            Ok((bytes, _)) => Ok(Some(bytes.to_vec())),
            Err(OciDistributionError::ImageManifestNotFoundError(_)) => Ok(None),
            Err(OciDistributionError::RegistryError { envelope, .. })
                if envelope
                    .errors
                    .iter()
                    .any(|e| e.code == OciErrorCode::ManifestUnknown) =>
            {
                Ok(None)
            }
            Err(e) => Err(err(&format!("pulling the manifest {}", r.whole()), e)),
        }
    }

    fn blob(&self, r: &Reference, digest: &str) -> Result<Vec<u8>, PackageError> {
        let mut out = Vec::new();
        self.runtime
            .block_on(self.client.pull_blob(r, digest, &mut out))
            .map_err(|e| err(&format!("pulling the blob {digest}"), e))?;
        Ok(out)
    }
}

/// Pushes `package` to `target` (its version as the tag when none is
/// given); returns the reference pushed.
pub fn push(package: &Package, target: &str) -> Result<String, PackageError> {
    let r = reference(target, Some(&package.description.version))?;
    let s = Session::new(&r)?;
    s.runtime
        .block_on(s.client.auth(&r, &s.auth, RegistryOperation::Push))
        .map_err(|e| err(&format!("signing in to {}", r.registry()), e))?;
    // Blobs first (a registry refuses a manifest whose blobs it lacks),
    // then the package manifest under its tag, then the signatures.
    for (digest, bytes) in &package.blobs {
        let is_manifest = *digest == package.digest || package.signature_manifests.contains(digest);
        if !is_manifest {
            s.runtime
                .block_on(s.client.push_blob(&r, bytes.clone(), digest))
                .map_err(|e| err(&format!("pushing the blob {digest}"), e))?;
        }
    }
    let push_manifest = |target: &Reference, bytes: &[u8], media: &'static str| {
        s.runtime
            .block_on(s.client.push_manifest_raw(
                target,
                bytes.to_vec(),
                http::HeaderValue::from_static(media),
            ))
            .map_err(|e| err(&format!("pushing the manifest {}", target.whole()), e))
    };
    push_manifest(&r, &package.blobs[&package.digest], MANIFEST)?;
    if !package.signature_manifests.is_empty() {
        let mut descriptors = Vec::new();
        for d in &package.signature_manifests {
            let bytes = &package.blobs[d];
            let by_digest =
                Reference::with_digest(r.registry().into(), r.repository().into(), d.clone());
            push_manifest(&by_digest, bytes, MANIFEST)?;
            descriptors.push(serde_json::json!({
                "mediaType": MANIFEST, "digest": d, "size": bytes.len(),
                "artifactType": SIGNATURE_TYPE,
            }));
        }
        let index = layout::canonical(&serde_json::json!({
            "schemaVersion": 2, "mediaType": INDEX, "manifests": descriptors,
        }));
        push_manifest(&referrers_tag(&r, &package.digest), &index, INDEX)?;
    }
    Ok(r.whole())
}

/// The referrers tag schema's tag for a manifest digest.
fn referrers_tag(r: &Reference, digest: &str) -> Reference {
    Reference::with_tag(
        r.registry().into(),
        r.repository().into(),
        digest.replace(':', "-"),
    )
}

/// Pulls `source` into a new layout directory `dir` and reads it back
/// (every check of a package on disk).
pub fn pull(source: &str, dir: &Path) -> Result<Package, PackageError> {
    let r = reference(source, None)?;
    let s = Session::new(&r)?;
    let manifest = s.manifest(&r, &[MANIFEST])?.ok_or_else(|| {
        PackageError::Registry(format!("{} has no package under that tag", r.whole()))
    })?;
    let digest = sha256_digest(&manifest);
    if let Some(wanted) = r.digest()
        && wanted != digest
    {
        return Err(PackageError::Tampered(format!(
            "the registry sent {digest} for {wanted}"
        )));
    }
    let parsed: oci_spec::image::ImageManifest = serde_json::from_slice(&manifest)
        .map_err(|e| PackageError::Tampered(format!("the package manifest: {e}")))?;
    let mut blobs = std::collections::BTreeMap::new();
    for d in std::iter::once(parsed.config()).chain(parsed.layers()) {
        let key = d.digest().to_string();
        blobs.insert(key.clone(), s.blob(&r, &key)?);
    }
    blobs.insert(digest.clone(), manifest);
    let mut signature_manifests = Vec::new();
    if let Some(index) = s.manifest(&referrers_tag(&r, &digest), &[INDEX])? {
        let index: oci_spec::image::ImageIndex = serde_json::from_slice(&index)
            .map_err(|e| PackageError::Tampered(format!("the signature index: {e}")))?;
        for d in index.manifests() {
            let sig_digest = d.digest().to_string();
            let by_digest = Reference::with_digest(
                r.registry().into(),
                r.repository().into(),
                sig_digest.clone(),
            );
            let Some(bytes) = s.manifest(&by_digest, &[MANIFEST])? else {
                continue;
            };
            let sig: oci_spec::image::ImageManifest = serde_json::from_slice(&bytes)
                .map_err(|e| PackageError::Tampered(format!("a signature manifest: {e}")))?;
            for b in std::iter::once(sig.config()).chain(sig.layers()) {
                let key = b.digest().to_string();
                blobs.insert(key.clone(), s.blob(&r, &key)?);
            }
            blobs.insert(sha256_digest(&bytes), bytes);
            signature_manifests.push(sig_digest);
        }
    }
    layout::write_blobs(dir, &digest, &blobs, &signature_manifests)?;
    layout::read(dir)
}
