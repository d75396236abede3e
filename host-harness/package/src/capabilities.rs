//! What a component needs from its host, read from its binary (no compiling),
//! and what a host grants: a plugin that imports anything else, such as
//! `wasi:filesystem` or `wasi:sockets`, is refused before it is instantiated.
//!
//! Interfaces are compared without their version (`wasi:clocks/wall-clock`):
//! the version of the plugin's own contract is checked on its own
//! ([`check_contract`]), and WASI's patch releases are compatible by design.

use crate::PackageError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use wasmparser::{Parser, Payload};

/// The contract's package name in import and export names.
pub const CONTRACT_PACKAGE: &str = "giftcard:plugin";

/// Every import a gift-card plugin may have, with the one sentence a
/// marketplace shows for it. The first five are the plugin's capabilities;
/// then the contract's type-only interfaces; the rest are what Rust's
/// standard library links on `wasm32-wasip2`, which the reference host
/// serves empty (no environment, no arguments, no terminal, output
/// discarded). No file system, no sockets, no HTTP.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "giftcard:plugin/database",
        "Reads and writes the plugin's own tables in the shop's database; each call is one \
         transaction the host commits or rolls back.",
    ),
    (
        "wasi:clocks/wall-clock",
        "Tells the time, for expiry dates, ledger timestamps and rate limits.",
    ),
    (
        "wasi:random/random",
        "Draws card codes and view tokens; the host backs it with a secure generator.",
    ),
    (
        "giftcard:plugin/exchange-rates",
        "Reads the shop's exchange rates, for cards spent in another currency.",
    ),
    (
        "giftcard:plugin/outbox",
        "Hands rendered emails, SMS and print jobs to the host, which delivers them after the \
         call commits.",
    ),
    (
        "giftcard:plugin/types",
        "The contract's shared types (money, errors, pages); it has no functions.",
    ),
    (
        "giftcard:plugin/commerce",
        "The contract's order-pipeline types (quotes, orders, invoices); it has no functions.",
    ),
    (
        "wasi:random/insecure-seed",
        "Seeds Rust's hash tables against collision attacks; never used for codes.",
    ),
    (
        "wasi:cli/environment",
        "Linked by Rust's standard library; the host passes no variables and no arguments.",
    ),
    (
        "wasi:cli/exit",
        "Linked by Rust's standard library, to end the program on a fatal error.",
    ),
    (
        "wasi:cli/stdin",
        "Linked by Rust's standard library; the host gives an empty input.",
    ),
    (
        "wasi:cli/stdout",
        "Linked by Rust's standard library; the host discards the output.",
    ),
    (
        "wasi:cli/stderr",
        "Linked by Rust's standard library, for panic messages; the host discards them.",
    ),
    (
        "wasi:io/error",
        "Linked by Rust's standard library, the error type of its streams.",
    ),
    (
        "wasi:io/streams",
        "Linked by Rust's standard library, the streams behind stdin, stdout and stderr.",
    ),
    (
        "wasi:io/poll",
        "Linked by Rust's standard library with its streams; the plugin never waits on it.",
    ),
    (
        "wasi:cli/terminal-input",
        "Linked by Rust's standard library; the host reports no terminal.",
    ),
    (
        "wasi:cli/terminal-output",
        "Linked by Rust's standard library; the host reports no terminal.",
    ),
    (
        "wasi:cli/terminal-stdin",
        "Linked by Rust's standard library; the host reports no terminal.",
    ),
    (
        "wasi:cli/terminal-stdout",
        "Linked by Rust's standard library; the host reports no terminal.",
    ),
    (
        "wasi:cli/terminal-stderr",
        "Linked by Rust's standard library; the host reports no terminal.",
    ),
];

/// The interface of an import or export name: `wasi:io/streams@0.2.12` →
/// `wasi:io/streams`.
pub fn interface(name: &str) -> &str {
    name.split_once('@').map_or(name, |(i, _)| i)
}

/// The one-sentence purpose of an import, if it is one a plugin may have.
pub fn purpose(import: &str) -> Option<&'static str> {
    let iface = interface(import);
    KNOWN.iter().find(|(k, _)| *k == iface).map(|(_, p)| *p)
}

/// The names a component imports and exports at its top level (nested
/// modules and components do not count: only the outer component meets the
/// host), in binary order.
pub fn imports_and_exports(component: &[u8]) -> Result<(Vec<String>, Vec<String>), PackageError> {
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut depth = 0usize;
    let mut is_component = false;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.map_err(|e| PackageError::InvalidComponent(e.to_string()))?;
        match payload {
            Payload::Version { encoding, .. } => {
                if depth == 0 {
                    is_component = encoding == wasmparser::Encoding::Component;
                }
                depth += 1;
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import =
                        import.map_err(|e| PackageError::InvalidComponent(e.to_string()))?;
                    imports.push(import.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export =
                        export.map_err(|e| PackageError::InvalidComponent(e.to_string()))?;
                    exports.push(export.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    if !is_component {
        return Err(PackageError::InvalidComponent(
            "it is a core module, not a component".into(),
        ));
    }
    Ok((imports, exports))
}

/// What a component says about itself in its standard custom sections
/// (`component-name`, `version`, `description`, `licenses`, `producers`),
/// empty fields where it says nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EmbeddedMetadata {
    pub name: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub licenses: Option<String>,
    /// `processed-by` and `language` entries of the producers section.
    pub producers: Vec<String>,
}

/// The component's [`EmbeddedMetadata`].
pub fn embedded_metadata(component: &[u8]) -> Result<EmbeddedMetadata, PackageError> {
    let payload = wasm_metadata::Payload::from_binary(component)
        .map_err(|e| PackageError::InvalidComponent(format!("{e:#}")))?;
    let m = payload.metadata();
    let mut producers = Vec::new();
    if let Some(p) = &m.producers {
        for (field, entries) in p.iter() {
            for (name, version) in entries.iter() {
                producers.push(format!("{field}: {name} {version}"));
            }
        }
    }
    Ok(EmbeddedMetadata {
        name: m.name.clone(),
        version: m.version.as_ref().map(|v| v.to_string()),
        description: m.description.as_ref().map(|v| v.to_string()),
        licenses: m.licenses.as_ref().map(|v| v.to_string()),
        producers,
    })
}

/// The imports a host grants, by interface; [`Grants::default`] is the
/// reference host's: everything in [`KNOWN`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Interfaces without version, e.g. `giftcard:plugin/database`.
    pub grant: Vec<String>,
}

impl Default for Grants {
    fn default() -> Grants {
        Grants {
            grant: KNOWN.iter().map(|(k, _)| (*k).to_owned()).collect(),
        }
    }
}

impl Grants {
    /// A policy file: TOML with one key, `grant = ["giftcard:plugin/database", …]`.
    pub fn load(path: &Path) -> Result<Grants, PackageError> {
        let text = std::fs::read_to_string(path).map_err(|e| PackageError::io(path, e))?;
        let grants: Grants = toml::from_str(&text)
            .map_err(|e| PackageError::Key(format!("the policy file {}: {e}", path.display())))?;
        for g in &grants.grant {
            if g.contains('@') || !g.contains(':') || !g.contains('/') {
                return Err(PackageError::Key(format!(
                    "the policy file {}: `{g}` is not an interface name like \
                     `wasi:clocks/wall-clock` (no version)",
                    path.display()
                )));
            }
        }
        Ok(grants)
    }

    /// Refuses the first import the policy does not grant.
    pub fn check(&self, imports: &[String]) -> Result<(), PackageError> {
        for import in imports {
            if !self.grant.iter().any(|g| g == interface(import)) {
                return Err(PackageError::CapabilityNotGranted {
                    import: import.clone(),
                    granted: self.grant.join(", "),
                });
            }
        }
        Ok(())
    }
}

/// The contract version a component implements, from the version of its
/// `giftcard:plugin/…` exports (which must all agree).
pub fn contract_version(exports: &[String]) -> Result<semver::Version, PackageError> {
    let mut found: Option<&str> = None;
    for name in exports {
        let Some(rest) = name
            .strip_prefix(CONTRACT_PACKAGE)
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        let version = rest.split_once('@').map(|(_, v)| v).ok_or_else(|| {
            PackageError::IncompatibleContract(format!("the export `{name}` carries no version"))
        })?;
        match found {
            None => found = Some(version),
            Some(v) if v == version => {}
            Some(v) => {
                return Err(PackageError::IncompatibleContract(format!(
                    "the component exports both contract {v} and {version}"
                )));
            }
        }
    }
    let version = found.ok_or_else(|| {
        PackageError::IncompatibleContract(format!(
            "the component exports no `{CONTRACT_PACKAGE}` interface: it is not a gift-card plugin"
        ))
    })?;
    semver::Version::parse(version).map_err(|e| {
        PackageError::IncompatibleContract(format!("contract version `{version}`: {e}"))
    })
}

/// Whether a host serving contract `host` can run a component implementing
/// `component`: semver compatibility, where in `0.x` the minor version is
/// the breaking one (the component model's own rule). Checked on the
/// component's exports *and* its imports of the contract's interfaces.
pub fn check_contract(
    host: &semver::Version,
    imports: &[String],
    exports: &[String],
) -> Result<semver::Version, PackageError> {
    let component = contract_version(exports)?;
    let compatible =
        |v: &semver::Version| v.major == host.major && (host.major > 0 || v.minor == host.minor);
    let series = if host.major > 0 {
        format!("{}.x", host.major)
    } else {
        format!("{}.{}.x", host.major, host.minor)
    };
    if !compatible(&component) {
        let advice = if component < *host {
            "install a package built for this contract"
        } else {
            "upgrade the host first"
        };
        return Err(PackageError::IncompatibleContract(format!(
            "the component implements contract giftcard:plugin@{component}; this host serves \
             {series}: {advice}"
        )));
    }
    for import in imports {
        if let Some(rest) = import
            .strip_prefix(CONTRACT_PACKAGE)
            .and_then(|r| r.strip_prefix('/'))
        {
            let version = rest.split_once('@').map(|(_, v)| v).unwrap_or("");
            let ok = semver::Version::parse(version).is_ok_and(|v| compatible(&v));
            if !ok {
                return Err(PackageError::IncompatibleContract(format!(
                    "the component imports `{import}`; this host serves {series}"
                )));
            }
        }
    }
    Ok(component)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(imports: &[&str], export_version: &str) -> Vec<u8> {
        let mut wat = String::from("(component\n");
        for i in imports {
            wat.push_str(&format!("  (import \"{i}\" (instance))\n"));
        }
        wat.push_str(&format!(
            "  (instance $l)\n  (export \"giftcard:plugin/lifecycle@{export_version}\" (instance $l))\n)"
        ));
        wat::parse_str(&wat).expect("test component")
    }

    fn v(s: &str) -> semver::Version {
        semver::Version::parse(s).unwrap()
    }

    #[test]
    fn imports_and_exports_are_read_from_the_binary() {
        let bytes = component(
            &[
                "giftcard:plugin/database@0.5.0",
                "wasi:clocks/wall-clock@0.2.12",
            ],
            "0.5.0",
        );
        let (imports, exports) = imports_and_exports(&bytes).unwrap();
        assert_eq!(
            imports,
            [
                "giftcard:plugin/database@0.5.0",
                "wasi:clocks/wall-clock@0.2.12"
            ]
        );
        assert_eq!(exports, ["giftcard:plugin/lifecycle@0.5.0"]);
    }

    #[test]
    fn a_core_module_or_garbage_is_not_a_component() {
        let module = wat::parse_str("(module)").unwrap();
        assert!(matches!(
            imports_and_exports(&module),
            Err(PackageError::InvalidComponent(_))
        ));
        assert!(matches!(
            imports_and_exports(b"not wasm at all"),
            Err(PackageError::InvalidComponent(_))
        ));
    }

    #[test]
    fn the_default_grants_refuse_files_and_sockets_by_name() {
        let grants = Grants::default();
        for import in ["wasi:filesystem/types@0.2.0", "wasi:sockets/tcp@0.2.0"] {
            let bytes = component(&["giftcard:plugin/database@0.5.0", import], "0.5.0");
            let (imports, _) = imports_and_exports(&bytes).unwrap();
            match grants.check(&imports) {
                Err(PackageError::CapabilityNotGranted { import: named, .. }) => {
                    assert_eq!(named, import)
                }
                other => panic!("{import}: {other:?}"),
            }
        }
        let fine = [
            "giftcard:plugin/database@0.5.0".to_owned(),
            "wasi:io/streams@0.2.3".to_owned(),
        ];
        grants.check(&fine).unwrap();
    }

    #[test]
    fn a_narrower_policy_refuses_what_it_leaves_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "grant = [\"giftcard:plugin/database\"]\n").unwrap();
        let grants = Grants::load(&path).unwrap();
        let err = grants
            .check(&["giftcard:plugin/outbox@0.5.0".to_owned()])
            .unwrap_err();
        assert!(
            err.to_string().contains("giftcard:plugin/outbox@0.5.0"),
            "{err}"
        );
        std::fs::write(&path, "grant = [\"wasi:clocks/wall-clock@0.2.0\"]\n").unwrap();
        assert!(Grants::load(&path).is_err(), "a versioned grant is refused");
        std::fs::write(&path, "grants = []\n").unwrap();
        assert!(Grants::load(&path).is_err(), "an unknown key is refused");
    }

    #[test]
    fn contract_versions_follow_semver_with_0x_minors_breaking() {
        let host = v("0.5.0");
        let exports = |ver: &str| vec![format!("giftcard:plugin/lifecycle@{ver}")];
        assert_eq!(
            check_contract(&host, &[], &exports("0.5.0")).unwrap(),
            v("0.5.0")
        );
        assert_eq!(
            check_contract(&host, &[], &exports("0.5.3")).unwrap(),
            v("0.5.3")
        );
        let older = check_contract(&host, &[], &exports("0.4.0")).unwrap_err();
        assert!(
            older.to_string().contains("giftcard:plugin@0.4.0"),
            "{older}"
        );
        assert!(older.to_string().contains("0.5.x"), "{older}");
        let newer = check_contract(&host, &[], &exports("0.6.0")).unwrap_err();
        assert!(newer.to_string().contains("upgrade the host"), "{newer}");
        let import = ["giftcard:plugin/database@0.4.0".to_owned()];
        assert!(check_contract(&host, &import, &exports("0.5.0")).is_err());
        assert!(check_contract(&v("1.2.0"), &[], &exports("1.0.0")).is_ok());
        assert!(check_contract(&v("1.2.0"), &[], &exports("2.0.0")).is_err());
        let mixed = vec![
            "giftcard:plugin/lifecycle@0.5.0".to_owned(),
            "giftcard:plugin/admin@0.5.1".to_owned(),
        ];
        assert!(contract_version(&mixed).is_err());
        assert!(contract_version(&["wasi:cli/run@0.2.0".to_owned()]).is_err());
    }

    #[test]
    fn embedded_metadata_is_read_from_the_custom_sections() {
        use wasm_metadata::AddMetadataField::Set;
        let bare = component(&[], "0.5.0");
        assert_eq!(embedded_metadata(&bare).unwrap().version, None);
        let mut add = wasm_metadata::AddMetadata::default();
        add.name = Set("giftcard".into());
        add.version = Set(wasm_metadata::Version::new("1.2.3"));
        add.processed_by = vec![("tool".into(), "9".into())];
        let named = add.to_wasm(&bare).unwrap();
        let m = embedded_metadata(&named).unwrap();
        assert_eq!(m.name.as_deref(), Some("giftcard"));
        assert_eq!(m.version.as_deref(), Some("1.2.3"));
        assert!(
            m.producers.iter().any(|p| p.contains("tool 9")),
            "{:?}",
            m.producers
        );
    }

    #[test]
    fn every_known_import_has_a_purpose() {
        for (import, purpose) in KNOWN {
            assert!(purpose.ends_with('.'), "{import}");
            assert_eq!(super::purpose(&format!("{import}@0.2.12")), Some(*purpose));
        }
        assert_eq!(super::purpose("wasi:sockets/tcp@0.2.0"), None);
    }
}
