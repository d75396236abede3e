//! What a marketplace shows about a package without running anything: it is
//! carried in the OCI manifest's annotations (so the manifest's digest, which
//! the signature covers, covers it too).

use crate::PackageError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Annotation keys: the OCI standard ones where one fits, the plugin's own
/// (`dev.giftcard.plugin.*`) for the rest. Structured values are JSON.
pub mod keys {
    pub const TITLE: &str = "org.opencontainers.image.title";
    pub const VERSION: &str = "org.opencontainers.image.version";
    pub const DESCRIPTION: &str = "org.opencontainers.image.description";
    pub const CREATED: &str = "org.opencontainers.image.created";
    pub const LICENSES: &str = "org.opencontainers.image.licenses";
    pub const CONTRACT: &str = "dev.giftcard.plugin.contract-version";
    pub const SCHEMA: &str = "dev.giftcard.plugin.schema-version";
    pub const CAPABILITIES: &str = "dev.giftcard.plugin.capabilities";
    pub const SETTINGS_SCHEMA: &str = "dev.giftcard.plugin.settings-schema";
    pub const CHANGELOG: &str = "dev.giftcard.plugin.changelog";
}

/// One import the component needs, as the marketplace lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Capability {
    /// The import's full name, e.g. `wasi:clocks/wall-clock@0.2.12`.
    pub import: String,
    /// One sentence: what the plugin uses it for.
    pub purpose: String,
}

/// The changelog entry of this version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ChangelogEntry {
    /// The version the entry is about (the package's).
    pub version: String,
    /// What changed, one item per line, as written in the changelog.
    pub changes: Vec<String>,
}

/// Everything a marketplace listing shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Description {
    /// The plugin's name (`giftcard`).
    pub name: String,
    /// The plugin build's version.
    pub version: String,
    /// One line about the plugin.
    pub summary: String,
    /// The SPDX license expression.
    pub license: String,
    /// When the package was made (RFC 3339).
    pub created: String,
    /// The `giftcard:plugin` contract version it implements.
    pub contract_version: String,
    /// The newest database schema version it migrates to.
    pub schema_version: u32,
    /// Every import, with its purpose.
    pub capabilities: Vec<Capability>,
    /// The JSON Schema of the settings (for a settings form).
    pub settings_schema: serde_json::Value,
    /// This version's changelog entry.
    pub changelog: ChangelogEntry,
}

impl Description {
    /// The manifest annotations that carry this description.
    pub fn to_annotations(&self) -> HashMap<String, String> {
        let mut a = HashMap::new();
        a.insert(keys::TITLE.into(), self.name.clone());
        a.insert(keys::VERSION.into(), self.version.clone());
        a.insert(keys::DESCRIPTION.into(), self.summary.clone());
        a.insert(keys::LICENSES.into(), self.license.clone());
        a.insert(keys::CREATED.into(), self.created.clone());
        a.insert(keys::CONTRACT.into(), self.contract_version.clone());
        a.insert(keys::SCHEMA.into(), self.schema_version.to_string());
        a.insert(keys::CAPABILITIES.into(), json(&self.capabilities));
        a.insert(keys::SETTINGS_SCHEMA.into(), json(&self.settings_schema));
        a.insert(keys::CHANGELOG.into(), json(&self.changelog));
        a
    }

    /// The description back from a manifest's annotations; a missing or
    /// malformed one means the package was not made by `plugin pack`.
    pub fn from_annotations(a: &HashMap<String, String>) -> Result<Description, PackageError> {
        let get = |k: &str| {
            a.get(k)
                .cloned()
                .ok_or_else(|| PackageError::NotAPackage(format!("the manifest has no `{k}`")))
        };
        fn parse<T: serde::de::DeserializeOwned>(k: &str, v: &str) -> Result<T, PackageError> {
            serde_json::from_str(v)
                .map_err(|e| PackageError::NotAPackage(format!("the manifest's `{k}`: {e}")))
        }
        let schema = get(keys::SCHEMA)?;
        Ok(Description {
            name: get(keys::TITLE)?,
            version: get(keys::VERSION)?,
            summary: get(keys::DESCRIPTION)?,
            license: get(keys::LICENSES)?,
            created: get(keys::CREATED)?,
            contract_version: get(keys::CONTRACT)?,
            schema_version: schema.parse().map_err(|_| {
                PackageError::NotAPackage(format!("the manifest's schema version `{schema}`"))
            })?,
            capabilities: parse(keys::CAPABILITIES, &get(keys::CAPABILITIES)?)?,
            settings_schema: parse(keys::SETTINGS_SCHEMA, &get(keys::SETTINGS_SCHEMA)?)?,
            changelog: parse(keys::CHANGELOG, &get(keys::CHANGELOG)?)?,
        })
    }
}

/// The entry for `version` in a Keep-a-Changelog style Markdown file
/// (`## [0.1.0] …` or `## 0.1.0 …` headings, `- ` items).
pub fn changelog_entry(markdown: &str, version: &str) -> Result<ChangelogEntry, PackageError> {
    let mut sections: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let v = heading
                .trim_start_matches('[')
                .split([']', ' '])
                .next()
                .unwrap_or("")
                .to_owned();
            current = Some(v.clone());
            sections.entry(v).or_default();
        } else if let (Some(v), Some(item)) = (&current, line.trim_start().strip_prefix("- ")) {
            sections
                .get_mut(v)
                .expect("section")
                .push(item.trim().to_owned());
        }
    }
    match sections.remove(version) {
        Some(changes) if !changes.is_empty() => Ok(ChangelogEntry {
            version: version.to_owned(),
            changes,
        }),
        _ => Err(PackageError::NotAPackage(format!(
            "the changelog has no entry for version {version} (a `## [{version}]` heading with \
             `- ` items)"
        ))),
    }
}

/// JSON text of a value, for annotations (these plain types always have one).
fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("JSON of a plain value")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> Description {
        Description {
            name: "giftcard".into(),
            version: "0.1.0".into(),
            summary: "Gift cards".into(),
            license: "Apache-2.0".into(),
            created: "2026-12-02T10:00:00Z".into(),
            contract_version: "0.5.0".into(),
            schema_version: 5,
            capabilities: vec![Capability {
                import: "giftcard:plugin/database@0.5.0".into(),
                purpose: "Tables.".into(),
            }],
            settings_schema: serde_json::json!({"type": "object"}),
            changelog: ChangelogEntry {
                version: "0.1.0".into(),
                changes: vec!["First.".into()],
            },
        }
    }

    #[test]
    fn a_description_survives_the_annotations() {
        let d = sample();
        assert_eq!(
            Description::from_annotations(&d.to_annotations()).unwrap(),
            d
        );
        let mut a = d.to_annotations();
        a.remove(keys::SCHEMA);
        assert!(Description::from_annotations(&a).is_err());
        let mut a = d.to_annotations();
        a.insert(keys::CAPABILITIES.into(), "[{".into());
        assert!(Description::from_annotations(&a).is_err());
    }

    #[test]
    fn the_changelog_entry_of_a_version_is_found() {
        let md =
            "# Changelog\n\n## [0.2.0] - 2026-12-01\n- Two.\n\n## [0.1.0]\n- One.\n  - Also one.\n";
        let e = changelog_entry(md, "0.1.0").unwrap();
        assert_eq!(e.changes, ["One.", "Also one."]);
        assert_eq!(changelog_entry(md, "0.2.0").unwrap().changes, ["Two."]);
        assert!(changelog_entry(md, "0.3.0").is_err());
    }

    #[test]
    fn the_projects_changelog_has_this_versions_entry() {
        let md = include_str!("../../../CHANGELOG.md");
        changelog_entry(md, env!("CARGO_PKG_VERSION")).unwrap();
    }
}
