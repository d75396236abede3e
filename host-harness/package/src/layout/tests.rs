use super::*;
use crate::description::ChangelogEntry;
use crate::{KeyPair, TrustStore};

fn component(imports: &[&str]) -> Vec<u8> {
    let mut wat = String::from("(component\n");
    for i in imports {
        wat.push_str(&format!("  (import \"{i}\" (instance))\n"));
    }
    wat.push_str(
        "  (instance $l)\n  (export \"giftcard:plugin/lifecycle@0.5.0\" (instance $l))\n)",
    );
    wat::parse_str(&wat).unwrap()
}

fn description() -> Description {
    Description {
        name: "giftcard".into(),
        version: "0.1.0".into(),
        summary: "Gift cards for shops.".into(),
        license: "Apache-2.0".into(),
        created: "2026-12-02T10:00:00Z".into(),
        contract_version: "0.5.0".into(),
        schema_version: 5,
        capabilities: Vec::new(),
        settings_schema: crate::settings_schema::settings_schema(),
        changelog: ChangelogEntry {
            version: "0.1.0".into(),
            changes: vec!["First release.".into()],
        },
    }
}

fn host() -> semver::Version {
    semver::Version::new(0, 5, 0)
}

fn packed(dir: &Path, imports: &[&str]) -> String {
    pack(
        dir,
        PackInput {
            component: &component(imports),
            description: description(),
            host_contract: &host(),
        },
    )
    .unwrap()
}

/// Every file of the layout, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_packed_component_reads_back_as_a_wasm_oci_artifact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    let digest = packed(
        &dir,
        &[
            "giftcard:plugin/database@0.5.0",
            "wasi:random/random@0.2.12",
        ],
    );
    let p = read(&dir).unwrap();
    assert_eq!(p.digest, digest);
    assert_eq!(
        p.manifest.config().media_type().to_string(),
        CONFIG_MEDIA_TYPE
    );
    assert_eq!(
        p.manifest.layers()[0].media_type().to_string(),
        LAYER_MEDIA_TYPE
    );
    assert_eq!(p.config.os, "wasip2");
    assert_eq!(p.config.layer_digests, [sha256_digest(&p.component)]);
    assert_eq!(p.description.name, "giftcard");
    let imports: Vec<&str> = p
        .description
        .capabilities
        .iter()
        .map(|c| c.import.as_str())
        .collect();
    assert_eq!(
        imports,
        [
            "giftcard:plugin/database@0.5.0",
            "wasi:random/random@0.2.12"
        ]
    );
    assert!(p.description.capabilities[0].purpose.contains("tables"));
    assert!(p.signatures.is_empty());
    // The files a layout has, and nothing half-written beside it.
    assert_eq!(files(&dir).len(), 5, "{:?}", files(&dir));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    // The layout is the standard one.
    let layout = std::fs::read_to_string(dir.join("oci-layout")).unwrap();
    assert_eq!(layout, r#"{"imageLayoutVersion":"1.0.0"}"#);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], digest);
    assert_eq!(index["manifests"][0]["annotations"][REF_NAME], "0.1.0");
}

#[test]
fn packing_refuses_a_used_directory_and_a_foreign_contract() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x"), b"x").unwrap();
    let err = pack(
        tmp.path(),
        PackInput {
            component: &component(&[]),
            description: description(),
            host_contract: &host(),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    let err = pack(
        &tmp.path().join("new"),
        PackInput {
            component: &component(&[]),
            description: description(),
            host_contract: &semver::Version::new(0, 4, 0),
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, PackageError::IncompatibleContract(_)),
        "{err}"
    );
    assert!(!tmp.path().join("new").exists());
}

#[test]
fn a_signed_package_verifies_against_the_trusted_key_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    let digest = packed(&dir, &[]);
    let key = KeyPair::generate("acme").unwrap();
    let (_, public) = key.save(tmp.path()).unwrap();
    let mut trust = TrustStore::default();
    trust.add_key_file(&public).unwrap();

    let unsigned = read(&dir).unwrap();
    assert!(matches!(
        trust.verify(&unsigned.digest, &unsigned.signatures),
        Err(PackageError::Unsigned)
    ));
    sign(&dir, &key).unwrap();
    sign(&dir, &key).unwrap(); // a second time adds nothing
    let p = read(&dir).unwrap();
    assert_eq!(
        p.digest, digest,
        "signing leaves the package manifest alone"
    );
    assert_eq!(p.signatures.len(), 1);
    assert_eq!(trust.verify(&p.digest, &p.signatures).unwrap().name, "acme");
    let other = KeyPair::generate("other").unwrap();
    sign(&dir, &other).unwrap();
    let p = read(&dir).unwrap();
    assert_eq!(p.signatures.len(), 2);
    assert_eq!(trust.verify(&p.digest, &p.signatures).unwrap().name, "acme");
    assert!(matches!(
        TrustStore::default().verify(&p.digest, &p.signatures),
        Err(PackageError::UntrustedSigner { .. })
    ));
}

/// The promise: one byte changed anywhere and the package is refused.
#[test]
fn any_byte_changed_in_any_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    packed(&dir, &["giftcard:plugin/database@0.5.0"]);
    let key = KeyPair::generate("acme").unwrap();
    let (_, public) = key.save(tmp.path()).unwrap();
    sign(&dir, &key).unwrap();
    let mut trust = TrustStore::default();
    trust.add_key_file(&public).unwrap();
    let accepted = |dir: &Path| read(dir).and_then(|p| trust.verify(&p.digest, &p.signatures));
    accepted(&dir).unwrap();

    let mut tried = 0;
    for file in files(&dir) {
        let path = dir.join(&file);
        let original = std::fs::read(&path).unwrap();
        for at in 0..original.len() {
            for change in [0x01u8, 0x20, 0x80] {
                let mut bytes = original.clone();
                bytes[at] ^= change;
                std::fs::write(&path, &bytes).unwrap();
                assert!(
                    accepted(&dir).is_err(),
                    "{} with byte {at} ^ {change:#x} was accepted",
                    file.display()
                );
                tried += 1;
            }
        }
        // One byte more or less.
        for bytes in [
            [original.as_slice(), b" "].concat(),
            original[..original.len() - 1].to_vec(),
        ] {
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                accepted(&dir).is_err(),
                "{} resized was accepted",
                file.display()
            );
        }
        std::fs::write(&path, &original).unwrap();
        accepted(&dir).unwrap();
    }
    assert!(tried > 3000, "{tried} changes tried");
}

#[test]
fn stray_and_missing_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    packed(&dir, &[]);
    std::fs::write(dir.join("blobs/sha256/extra"), b"x").unwrap();
    let err = read(&dir).unwrap_err();
    assert!(err.to_string().contains("extra"), "{err}");
    std::fs::remove_file(dir.join("blobs/sha256/extra")).unwrap();
    std::fs::write(dir.join("README"), b"x").unwrap();
    assert!(read(&dir).is_err());
    std::fs::remove_file(dir.join("README")).unwrap();
    read(&dir).unwrap();
    let blob = files(&dir)
        .into_iter()
        .find(|f| f.starts_with("blobs"))
        .unwrap();
    std::fs::remove_file(dir.join(blob)).unwrap();
    assert!(matches!(read(&dir), Err(PackageError::Tampered(_))));
    assert!(read(&tmp.path().join("nothing")).is_err());
}

#[test]
fn a_package_copied_through_write_is_the_same_package() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    packed(&dir, &[]);
    sign(&dir, &KeyPair::generate("acme").unwrap()).unwrap();
    let p = read(&dir).unwrap();
    let copy = tmp.path().join("copy");
    write(&copy, &p).unwrap();
    for f in files(&dir) {
        assert_eq!(
            std::fs::read(dir.join(&f)).unwrap(),
            std::fs::read(copy.join(&f)).unwrap()
        );
    }
}
