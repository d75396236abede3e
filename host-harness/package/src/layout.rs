//! The package on disk: an [OCI image layout] holding a WebAssembly OCI
//! artifact (the layout wasm package tools and registries use), plus one
//! signature artifact per signer whose `subject` is the package manifest
//! (the OCI 1.1 referrers shape, so signatures travel with the package
//! through any registry).
//!
//! ```text
//! oci-layout                       {"imageLayoutVersion":"1.0.0"}
//! index.json                       the package manifest, then its signatures
//! blobs/sha256/<manifest>          config + one application/wasm layer, annotations
//! blobs/sha256/<config>            application/vnd.wasm.config.v0+json
//! blobs/sha256/<component>         the component itself
//! blobs/sha256/<signature …>       signature manifests and records
//! ```
//!
//! Reading checks **every byte**: each blob against its digest and size,
//! `oci-layout` and `index.json` against the form [`pack`] writes (derived
//! from the blobs, so they carry nothing unsigned), and no other file may be
//! there. JSON is written canonically (sorted keys, no spaces).
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

use crate::capabilities::{self, check_contract, imports_and_exports};
use crate::description::{Capability, Description};
use crate::signing::{KeyPair, SignatureRecord};
use crate::{PackageError, sha256_digest};
use oci_spec::image::{
    Descriptor, Digest, ImageIndex, ImageIndexBuilder, ImageManifest, ImageManifestBuilder,
    MediaType,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The config media type of a WebAssembly OCI artifact.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of the component layer.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The artifact type (and layer media type) of a signature.
pub const SIGNATURE_TYPE: &str = "application/vnd.giftcard.plugin.signature.v1+json";
/// The index annotation naming the package's tag.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// `oci-layout`'s one allowed content.
const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;
/// The empty JSON blob signature manifests use as their config.
const EMPTY_JSON: &[u8] = b"{}";

/// The WebAssembly OCI config (CNCF wasm OCI artifact layout).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// When the package was made (RFC 3339).
    pub created: String,
    /// Who made it, if said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Always `wasm`.
    pub architecture: String,
    /// `wasip2` for a component.
    pub os: String,
    /// The layers' digests, in manifest order.
    pub layer_digests: Vec<String>,
    /// The component's world, as names.
    pub component: ComponentConfig,
}

/// The component part of [`WasmConfig`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentConfig {
    /// The component's top-level exports.
    pub exports: Vec<String>,
    /// The component's top-level imports.
    pub imports: Vec<String>,
    /// The world it targets, when known.
    pub target: Option<String>,
}

/// A package read from disk (or a registry), every byte checked. Its
/// signatures are *not* yet checked against any trust: see
/// [`crate::TrustStore::verify`].
#[derive(Clone, Debug)]
pub struct Package {
    /// The package manifest's digest: the package's identity, and what
    /// signatures sign.
    pub digest: String,
    /// The package manifest.
    pub manifest: ImageManifest,
    /// The wasm config.
    pub config: WasmConfig,
    /// What the manifest's annotations say about the plugin.
    pub description: Description,
    /// The component's bytes.
    pub component: Vec<u8>,
    /// The component's imports, read from its binary.
    pub imports: Vec<String>,
    /// Its exports.
    pub exports: Vec<String>,
    /// The signatures found, in index order.
    pub signatures: Vec<SignatureRecord>,
    /// Every blob by digest, for copying the package elsewhere.
    pub blobs: BTreeMap<String, Vec<u8>>,
    /// The signature manifests' digests, in index order.
    pub signature_manifests: Vec<String>,
}

/// The description a packer gives; the capabilities are filled in from the
/// component's imports.
pub struct PackInput<'a> {
    pub component: &'a [u8],
    pub description: Description,
    /// The contract version the packing host serves (checked, so a package
    /// is never made from a component this host could not run).
    pub host_contract: &'a semver::Version,
}

/// Writes a new, unsigned package into `dir` (which must not exist or be
/// empty); returns the package manifest's digest.
pub fn pack(dir: &Path, input: PackInput<'_>) -> Result<String, PackageError> {
    let (imports, exports) = imports_and_exports(input.component)?;
    let contract = check_contract(input.host_contract, &imports, &exports)?;
    let mut description = input.description;
    if description.contract_version != contract.to_string() {
        return Err(PackageError::IncompatibleContract(format!(
            "the component implements contract {contract}, its metadata says {}",
            description.contract_version
        )));
    }
    description.capabilities = imports
        .iter()
        .map(|i| Capability {
            import: i.clone(),
            purpose: capabilities::purpose(i)
                .unwrap_or("Not a capability this plugin is known to need.")
                .to_owned(),
        })
        .collect();

    let layer = descriptor(LAYER_MEDIA_TYPE, input.component);
    let config = WasmConfig {
        created: description.created.clone(),
        author: None,
        architecture: "wasm".into(),
        os: "wasip2".into(),
        layer_digests: vec![sha256_digest(input.component)],
        component: ComponentConfig {
            exports,
            imports,
            target: Some(format!("giftcard:plugin/plugin@{contract}")),
        },
    };
    let config_bytes = canonical(&config);
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .artifact_type(MediaType::Other(CONFIG_MEDIA_TYPE.into()))
        .config(descriptor(CONFIG_MEDIA_TYPE, &config_bytes))
        .layers(vec![layer])
        .annotations(description.to_annotations())
        .build()
        .map_err(|e| PackageError::NotAPackage(format!("building the manifest: {e}")))?;
    let manifest_bytes = canonical(&manifest);
    let digest = sha256_digest(&manifest_bytes);

    let staging = Staging::new(dir)?;
    staging.blob(input.component)?;
    staging.blob(&config_bytes)?;
    staging.blob(&manifest_bytes)?;
    let index = index_for(&manifest_bytes, &description.version, &[]);
    staging.file("index.json", &index)?;
    staging.file("oci-layout", OCI_LAYOUT)?;
    staging.finish()?;
    Ok(digest)
}

/// Adds `key`'s signature to the package in `dir` (checked first); a key
/// that signed it already is not added twice. Returns the record.
pub fn sign(dir: &Path, key: &KeyPair) -> Result<SignatureRecord, PackageError> {
    let package = read(dir)?;
    let record = key.sign(&package.digest);
    if package
        .signatures
        .iter()
        .any(|s| s.public_key == record.public_key)
    {
        return Ok(record);
    }
    let record_bytes = canonical(&record);
    let manifest_bytes = &package.blobs[&package.digest];
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .artifact_type(MediaType::Other(SIGNATURE_TYPE.into()))
        .config(descriptor("application/vnd.oci.empty.v1+json", EMPTY_JSON))
        .layers(vec![descriptor(SIGNATURE_TYPE, &record_bytes)])
        .subject(descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            manifest_bytes,
        ))
        .build()
        .map_err(|e| PackageError::NotAPackage(format!("building the signature: {e}")))?;
    let signature_manifest = canonical(&manifest);
    for bytes in [EMPTY_JSON, &record_bytes, &signature_manifest] {
        write_blob(dir, bytes)?;
    }
    let mut signatures: Vec<Vec<u8>> = package
        .signature_manifests
        .iter()
        .map(|d| package.blobs[d].clone())
        .collect();
    signatures.push(signature_manifest);
    let index = index_for(manifest_bytes, &package.description.version, &signatures);
    replace_file(&dir.join("index.json"), &index)?;
    Ok(record)
}

/// Writes a package read elsewhere (a copy) into `dir` as a layout.
pub fn write(dir: &Path, package: &Package) -> Result<(), PackageError> {
    write_blobs(
        dir,
        &package.digest,
        &package.blobs,
        &package.signature_manifests,
    )
}

/// Writes a layout from its blobs (a pulled package): the package manifest
/// `digest`, its signature manifests, and every blob they reference; then
/// reads it back, so a layout that does not check out is never left behind.
pub fn write_blobs(
    dir: &Path,
    digest: &str,
    blobs: &BTreeMap<String, Vec<u8>>,
    signature_manifests: &[String],
) -> Result<(), PackageError> {
    let manifest_bytes = blobs
        .get(digest)
        .ok_or_else(|| PackageError::NotAPackage(format!("no manifest {digest}")))?;
    let manifest: ImageManifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| PackageError::Tampered(format!("manifest {digest}: {e}")))?;
    let empty = HashMap::new();
    let description =
        Description::from_annotations(manifest.annotations().as_ref().unwrap_or(&empty))?;
    let staging = Staging::new(dir)?;
    for bytes in blobs.values() {
        staging.blob(bytes)?;
    }
    let signatures: Vec<Vec<u8>> = signature_manifests
        .iter()
        .filter_map(|d| blobs.get(d).cloned())
        .collect();
    let index = index_for(manifest_bytes, &description.version, &signatures);
    staging.file("index.json", &index)?;
    staging.file("oci-layout", OCI_LAYOUT)?;
    staging.check_then_finish()
}

/// Reads and checks the package in `dir`; nothing is compiled.
pub fn read(dir: &Path) -> Result<Package, PackageError> {
    if !dir.is_dir() {
        return Err(PackageError::NotAPackage(format!(
            "{} is not a directory (a package is an OCI image layout directory)",
            dir.display()
        )));
    }
    let layout = read_file(&dir.join("oci-layout"))?;
    if layout != OCI_LAYOUT {
        return Err(PackageError::Tampered(
            "`oci-layout` is not {\"imageLayoutVersion\":\"1.0.0\"}".into(),
        ));
    }
    let index_bytes = read_file(&dir.join("index.json"))?;
    let index: ImageIndex = serde_json::from_slice(&index_bytes)
        .map_err(|e| PackageError::Tampered(format!("index.json: {e}")))?;
    let mut blobs = BTreeMap::new();
    let mut package_manifest: Option<(String, ImageManifest)> = None;
    let mut signature_manifests = Vec::new();
    for d in index.manifests() {
        let bytes = read_blob(dir, d, &mut blobs)?;
        let manifest: ImageManifest = serde_json::from_slice(&bytes)
            .map_err(|e| PackageError::Tampered(format!("manifest {}: {e}", d.digest())))?;
        let artifact = manifest.artifact_type().as_ref().map(|m| m.to_string());
        match artifact.as_deref() {
            Some(SIGNATURE_TYPE) => signature_manifests.push((d.digest().to_string(), manifest)),
            _ if manifest.config().media_type().to_string() == CONFIG_MEDIA_TYPE => {
                if package_manifest.is_some() {
                    return Err(PackageError::NotAPackage(
                        "index.json lists more than one plugin manifest".into(),
                    ));
                }
                package_manifest = Some((d.digest().to_string(), manifest));
            }
            _ => {
                return Err(PackageError::NotAPackage(format!(
                    "index.json lists {} which is neither the plugin nor a signature",
                    d.digest()
                )));
            }
        }
    }
    let (digest, manifest) = package_manifest.ok_or_else(|| {
        PackageError::NotAPackage("index.json lists no WebAssembly manifest".into())
    })?;
    let config_bytes = read_blob(dir, manifest.config(), &mut blobs)?;
    let config: WasmConfig = serde_json::from_slice(&config_bytes)
        .map_err(|e| PackageError::Tampered(format!("the wasm config: {e}")))?;
    let [layer] = manifest.layers().as_slice() else {
        return Err(PackageError::NotAPackage(format!(
            "the manifest has {} layers; a plugin package has one",
            manifest.layers().len()
        )));
    };
    if layer.media_type().to_string() != LAYER_MEDIA_TYPE {
        return Err(PackageError::NotAPackage(format!(
            "the layer is {}, not {LAYER_MEDIA_TYPE}",
            layer.media_type()
        )));
    }
    let component = read_blob(dir, layer, &mut blobs)?;
    let empty = HashMap::new();
    let description =
        Description::from_annotations(manifest.annotations().as_ref().unwrap_or(&empty))?;

    let mut signatures = Vec::new();
    let mut signature_digests = Vec::new();
    for (d, m) in &signature_manifests {
        let subject = m.subject().as_ref().map(|s| s.digest().to_string());
        if subject.as_deref() != Some(digest.as_str()) {
            return Err(PackageError::Tampered(format!(
                "the signature manifest {d} is not about this package"
            )));
        }
        read_blob(dir, m.config(), &mut blobs)?;
        let [layer] = m.layers().as_slice() else {
            return Err(PackageError::Tampered(format!(
                "the signature manifest {d} has no single record"
            )));
        };
        let bytes = read_blob(dir, layer, &mut blobs)?;
        let record: SignatureRecord = serde_json::from_slice(&bytes)
            .map_err(|e| PackageError::Tampered(format!("the signature record {d}: {e}")))?;
        signatures.push(record);
        signature_digests.push(d.clone());
    }

    // index.json carries nothing the blobs do not: it must be exactly what
    // `pack` / `sign` derive from them.
    let derived = index_for(
        &blobs[&digest],
        &description.version,
        &signature_digests
            .iter()
            .map(|d| blobs[d].clone())
            .collect::<Vec<_>>(),
    );
    if derived != index_bytes {
        return Err(PackageError::Tampered(
            "index.json differs from what its manifests make it".into(),
        ));
    }
    no_stray_files(dir, &blobs)?;

    // The config and the description must say what the binary says.
    let (imports, exports) = imports_and_exports(&component)?;
    if config.layer_digests != [layer.digest().to_string()]
        || config.component.imports != imports
        || config.component.exports != exports
        || config.architecture != "wasm"
        || config.os != "wasip2"
    {
        return Err(PackageError::NotAPackage(
            "the wasm config does not describe the component's layer".into(),
        ));
    }
    let listed: Vec<&str> = description
        .capabilities
        .iter()
        .map(|c| c.import.as_str())
        .collect();
    if listed != imports.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(PackageError::NotAPackage(
            "the listed capabilities are not the component's imports".into(),
        ));
    }
    let contract = capabilities::contract_version(&exports)?;
    if contract.to_string() != description.contract_version {
        return Err(PackageError::NotAPackage(format!(
            "the manifest says contract {}, the component implements {contract}",
            description.contract_version
        )));
    }
    Ok(Package {
        digest,
        manifest,
        config,
        description,
        component,
        imports,
        exports,
        signatures,
        blobs,
        signature_manifests: signature_digests,
    })
}

/// The descriptor of `bytes` with media type `media_type`.
fn descriptor(media_type: &str, bytes: &[u8]) -> Descriptor {
    let digest = Digest::from_str(&sha256_digest(bytes)).expect("a sha256 digest parses");
    Descriptor::new(MediaType::from(media_type), bytes.len() as u64, digest)
}

/// index.json for a package manifest and its signature manifests.
fn index_for(manifest: &[u8], version: &str, signatures: &[Vec<u8>]) -> Vec<u8> {
    let mut package = descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
    package.set_artifact_type(Some(MediaType::Other(CONFIG_MEDIA_TYPE.into())));
    package.set_annotations(Some(HashMap::from([(
        REF_NAME.to_owned(),
        version.to_owned(),
    )])));
    let mut manifests = vec![package];
    for s in signatures {
        let mut d = descriptor("application/vnd.oci.image.manifest.v1+json", s);
        d.set_artifact_type(Some(MediaType::Other(SIGNATURE_TYPE.into())));
        manifests.push(d);
    }
    let index = ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(manifests)
        .build()
        .expect("an index of descriptors builds");
    canonical(&index)
}

/// JSON with sorted keys and no spaces: the same value always has the same
/// bytes, so digests are stable and any edit shows.
pub fn canonical<T: Serialize>(value: &T) -> Vec<u8> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    let value = serde_json::to_value(value).expect("JSON of a plain value");
    serde_json::to_vec(&sort(value)).expect("JSON of a plain value")
}

/// The path of a blob, from a digest already parsed (hex only: no path can
/// be smuggled through it).
fn blob_path(dir: &Path, digest: &Digest) -> Result<PathBuf, PackageError> {
    let algorithm = digest.algorithm().to_string();
    let hex = digest.digest();
    if algorithm != "sha256" || hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PackageError::NotAPackage(format!(
            "{digest} is not a sha256 digest"
        )));
    }
    Ok(dir.join("blobs").join("sha256").join(hex))
}

/// A blob's bytes, checked against its descriptor's digest and size.
fn read_blob(
    dir: &Path,
    d: &Descriptor,
    blobs: &mut BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>, PackageError> {
    let key = d.digest().to_string();
    if let Some(bytes) = blobs.get(&key) {
        return Ok(bytes.clone());
    }
    let path = blob_path(dir, d.digest())?;
    let bytes = read_file(&path)?;
    if bytes.len() as u64 != d.size() || sha256_digest(&bytes) != key {
        return Err(PackageError::Tampered(format!(
            "the blob {key} does not match its digest and size"
        )));
    }
    blobs.insert(key, bytes.clone());
    Ok(bytes)
}

/// Refuses any file the index does not reach.
fn no_stray_files(dir: &Path, blobs: &BTreeMap<String, Vec<u8>>) -> Result<(), PackageError> {
    let expected: BTreeSet<PathBuf> = blobs
        .keys()
        .map(|d| {
            dir.join("blobs/sha256")
                .join(d.trim_start_matches("sha256:"))
        })
        .chain(["oci-layout", "index.json", "blobs", "blobs/sha256"].map(|p| dir.join(p)))
        .collect();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| PackageError::io(&d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| PackageError::io(&d, e))?;
            let path = entry.path();
            if !expected.contains(&path) {
                return Err(PackageError::Tampered(format!(
                    "{} is not part of the package",
                    path.strip_prefix(dir).unwrap_or(&path).display()
                )));
            }
            if entry
                .file_type()
                .map_err(|e| PackageError::io(&path, e))?
                .is_dir()
            {
                stack.push(path);
            }
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<u8>, PackageError> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            PackageError::Tampered(format!("{} is missing", path.display()))
        }
        _ => PackageError::io(path, e),
    })
}

fn write_blob(dir: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    let digest = Digest::from_str(&sha256_digest(bytes)).expect("a sha256 digest parses");
    let path = blob_path(dir, &digest)?;
    if !path.exists() {
        replace_file(&path, bytes)?;
    }
    Ok(())
}

/// Writes a file whole or not at all (a temporary file renamed over it).
fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| PackageError::io(parent, e))?;
    let tmp = parent.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    std::fs::write(&tmp, bytes).map_err(|e| PackageError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| PackageError::io(path, e))
}

/// A layout written beside its destination and moved into place at the
/// end, so a failed `pack` leaves nothing half-written.
struct Staging {
    dir: PathBuf,
    tmp: PathBuf,
}

impl Staging {
    fn new(dir: &Path) -> Result<Staging, PackageError> {
        if dir.exists() {
            let empty = std::fs::read_dir(dir)
                .map_err(|e| PackageError::io(dir, e))?
                .next()
                .is_none();
            if !empty {
                return Err(PackageError::NotAPackage(format!(
                    "{} exists and is not empty: a package is written into a new directory",
                    dir.display()
                )));
            }
            std::fs::remove_dir(dir).map_err(|e| PackageError::io(dir, e))?;
        }
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
        let parent = parent.unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| PackageError::io(parent, e))?;
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("package");
        let tmp = parent.join(format!(".{name}.partial"));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| PackageError::io(&tmp, e))?;
        }
        std::fs::create_dir_all(tmp.join("blobs/sha256")).map_err(|e| PackageError::io(&tmp, e))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            tmp,
        })
    }

    fn blob(&self, bytes: &[u8]) -> Result<(), PackageError> {
        write_blob(&self.tmp, bytes)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> Result<(), PackageError> {
        let path = self.tmp.join(name);
        std::fs::write(&path, bytes).map_err(|e| PackageError::io(&path, e))
    }

    fn finish(self) -> Result<(), PackageError> {
        std::fs::rename(&self.tmp, &self.dir).map_err(|e| PackageError::io(&self.dir, e))
    }

    /// Moves the layout into place only if it reads back as a package.
    fn check_then_finish(self) -> Result<(), PackageError> {
        read(&self.tmp)?;
        self.finish()
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

#[cfg(test)]
mod tests;
