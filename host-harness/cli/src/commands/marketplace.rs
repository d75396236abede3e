//! `plugin …`: the package a marketplace ships (pack, inspect, keygen, sign,
//! push, pull)
//! and its installation on a shop database (install, status, upgrade,
//! rollback, uninstall). See docs/marketplace.md.

use crate::Cli;
use crate::open::config;
use crate::output::{say, say_json};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use giftcard_conformance::Harness;
use giftcard_conformance::json::Outcome as CallOutcome;
use giftcard_harness::marketplace::{self, Admitted, Outcome};
use giftcard_package::capabilities::embedded_metadata;
use giftcard_package::description::{Description, changelog_entry};
use giftcard_package::layout::{self, PackInput};
use giftcard_package::settings_schema::settings_schema;
use giftcard_package::{Grants, KeyPair, Package, TrustStore, registry};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};

/// The project's changelog, packed when `--changelog` is not given.
const CHANGELOG: &str = include_str!("../../../../CHANGELOG.md");

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Write the component (the built-in one, or --component) as a signed-ready
    /// WebAssembly OCI package: an OCI image layout directory.
    Pack {
        /// The package directory to create (must not exist, or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// A Markdown changelog with a `## [VERSION]` entry for the
        /// component's version [default: the project's CHANGELOG.md].
        #[arg(long, value_name = "FILE")]
        changelog: Option<PathBuf>,
    },
    /// Show everything a package says (name, versions, capabilities,
    /// settings schema, changelog, signatures), checking every byte; with
    /// trust options, also whether this host would accept it.
    Inspect {
        /// The package: a directory, or `REGISTRY/REPOSITORY:TAG` to pull.
        package: String,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Make a new ed25519 signing key: NAME.key (private) and NAME.pub.
    Keygen {
        /// The signer's name (also the files' name).
        name: String,
        /// Where to write the key files.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
    /// Sign a package with a private key (adds a signature; the package
    /// itself is unchanged).
    Sign {
        /// The package directory.
        package: PathBuf,
        /// The private key file (from `plugin keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The name to sign as [default: the key file's name].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Verify a package, check its capabilities and contract, migrate the
    /// database and record the package as installed.
    Install {
        /// The package: a directory, or `REGISTRY/REPOSITORY:TAG` to pull.
        package: String,
        /// Bring back the data an uninstall archived (a database without
        /// the plugin's tables).
        #[arg(long, value_name = "ARCHIVE")]
        restore: Option<PathBuf>,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Push a package (with its signatures) to an OCI distribution registry.
    Push {
        /// The package directory.
        package: PathBuf,
        /// `REGISTRY/REPOSITORY[:TAG]` (the tag defaults to the version);
        /// plain HTTP only to loopback registries.
        reference: String,
    },
    /// Pull a package (with its signatures) from an OCI distribution
    /// registry into a new directory, checking every byte.
    Pull {
        /// `REGISTRY/REPOSITORY:TAG`.
        reference: String,
        /// The package directory to create.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// What is installed on the database, its schema version and the
    /// install history.
    Status,
    /// Install a newer package: backup first, migrate forward in one
    /// transaction, check every ledger; refuses a downgrade.
    Upgrade {
        /// The package: a directory, or `REGISTRY/REPOSITORY:TAG` to pull.
        package: String,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Go back to the package before the last upgrade by restoring the
    /// backup it made (changes made since that upgrade are undone).
    Rollback,
    /// Write an export archive of all the plugin's data, then drop its
    /// tables.
    Uninstall {
        /// Required: uninstalling drops every table of the plugin.
        #[arg(long)]
        confirm: bool,
        /// Where to write the archive [default: `<db>.archives/…`].
        #[arg(long, value_name = "FILE")]
        archive: Option<PathBuf>,
    },
}

/// Whom and what the host trusts.
#[derive(Args)]
pub struct TrustArgs {
    /// Trust this public key file (PEM, from `plugin keygen`); repeat for
    /// several.
    #[arg(long, value_name = "KEYFILE")]
    trust: Vec<PathBuf>,
    /// A trust file: TOML `[[key]]` tables with `name` and `path` [default:
    /// `trusted-keys.toml` beside the database, when there is one].
    #[arg(long, value_name = "FILE")]
    trust_file: Option<PathBuf>,
    /// The capability policy: TOML `grant = ["giftcard:plugin/database", …]`
    /// [default: database, clock, random, exchange rates, outbox and the
    /// WASI streams Rust's standard library links].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

impl TrustArgs {
    fn given(&self) -> bool {
        !self.trust.is_empty() || self.trust_file.is_some()
    }

    fn load(&self, db: &Path) -> Result<(TrustStore, Grants)> {
        let mut store = TrustStore::default();
        for key in &self.trust {
            store.add_key_file(key)?;
        }
        let default_file = db.with_file_name("trusted-keys.toml");
        match &self.trust_file {
            Some(f) => store.add_trust_file(f)?,
            None if default_file.exists() => store.add_trust_file(&default_file)?,
            None => {}
        }
        let grants = match &self.policy {
            Some(p) => Grants::load(p)?,
            None => Grants::default(),
        };
        Ok((store, grants))
    }
}

pub fn run(cli: &Cli, json_out: bool, cmd: &PluginCommand) -> Result<()> {
    let db = cli.db();
    match cmd {
        PluginCommand::Pack { out, changelog } => pack(cli, json_out, out, changelog.as_deref()),
        PluginCommand::Inspect { package, trust } => inspect(json_out, package, trust, &db),
        PluginCommand::Push { package, reference } => {
            let p = layout::read(package)?;
            let pushed = registry::push(&p, reference)?;
            if json_out {
                return say_json(&json!({ "reference": pushed, "digest": p.digest,
                    "signatures": p.signatures.len() }));
            }
            say(&format!(
                "pushed {} {} to {pushed} ({}, {} signature(s))",
                p.description.name,
                p.description.version,
                p.digest,
                p.signatures.len()
            ));
            Ok(())
        }
        PluginCommand::Pull { reference, out } => {
            let p = registry::pull(reference, out)?;
            if json_out {
                return say_json(&json!({ "package": out, "digest": p.digest,
                    "version": p.description.version, "signatures": p.signatures.len() }));
            }
            say(&format!(
                "pulled {} {} ({}, {} signature(s)) into {}",
                p.description.name,
                p.description.version,
                p.digest,
                p.signatures.len(),
                out.display()
            ));
            Ok(())
        }
        PluginCommand::Keygen { name, out } => {
            let pair = KeyPair::generate(name)?;
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            let (private, public) = pair.save(out)?;
            let v = json!({
                "name": name, "fingerprint": pair.fingerprint(),
                "private-key": private, "public-key": public,
            });
            if json_out {
                return say_json(&v);
            }
            say(&format!(
                "key {name} ({})\nprivate: {} (keep it secret)\npublic:  {} (give it to hosts to trust)",
                pair.fingerprint(),
                private.display(),
                public.display()
            ));
            Ok(())
        }
        PluginCommand::Sign { package, key, name } => {
            let pair = KeyPair::load(key, name.as_deref())?;
            let record = layout::sign(package, &pair)?;
            if json_out {
                return say_json(&json!({ "signer": record.signer, "signed": record.signed,
                    "fingerprint": pair.fingerprint() }));
            }
            say(&format!(
                "signed {} as {} ({})",
                record.signed,
                record.signer,
                pair.fingerprint()
            ));
            Ok(())
        }
        PluginCommand::Install {
            package,
            restore,
            trust,
        } => {
            let admitted = admit(package, trust, &db)?;
            let config = config(cli, db)?;
            print(
                json_out,
                marketplace::install(&config, admitted, restore.as_deref())?,
            )
        }
        PluginCommand::Upgrade { package, trust } => {
            let admitted = admit(package, trust, &db)?;
            let config = config(cli, db)?;
            print(json_out, marketplace::upgrade(&config, admitted)?)
        }
        PluginCommand::Rollback => print(json_out, marketplace::rollback(&config(cli, db)?)?),
        PluginCommand::Uninstall { confirm, archive } => {
            if !confirm {
                bail!(
                    "uninstalling drops every table of the plugin: run it again with --confirm \
                     (an export archive of all the data is written first)"
                );
            }
            print(
                json_out,
                marketplace::uninstall(&config(cli, db)?, archive.as_deref())?,
            )
        }
        PluginCommand::Status => status(json_out, &db),
    }
}

/// A package from a directory, or pulled from a registry when `source` is
/// no path on disk (into a temporary directory: every check still applies).
fn load(source: &str) -> Result<Package> {
    let path = Path::new(source);
    if path.exists() {
        return Ok(layout::read(path)?);
    }
    let scratch = tempfile::tempdir()?;
    Ok(registry::pull(source, &scratch.path().join("package"))?)
}

/// Reads the package (every byte checked) and admits it (signature,
/// grants, contract): all before anything is compiled.
fn admit(source: &str, trust: &TrustArgs, db: &Path) -> Result<Admitted> {
    let package = load(source)?;
    let (store, grants) = trust.load(db)?;
    Ok(marketplace::admit(package, &store, &grants)?)
}

fn print(json_out: bool, o: Outcome) -> Result<()> {
    if json_out {
        return say_json(&serde_json::to_value(&o)?);
    }
    let schema = |v: Option<u32>| v.map_or("none".to_owned(), |v| format!("v{v}"));
    let mut text = match o.action {
        "uninstall" => format!("uninstalled {} {}", o.name, o.version),
        "rollback" => format!("rolled back to {} {} ({})", o.name, o.version, o.digest),
        action => format!(
            "{action}ed {} {} ({}), signed by {}",
            o.name, o.version, o.digest, o.signer
        )
        .replace("upgradeed", "upgraded"),
    };
    text.push_str(&format!(
        "\nschema: {} → {}",
        schema(o.schema_before),
        schema(o.schema_after)
    ));
    if let Some(l) = &o.ledger {
        text.push_str(&format!("\nledger: {l}: all balanced"));
    }
    if let Some(b) = &o.backup {
        text.push_str(&format!("\nbackup: {}", b.display()));
    }
    if let Some(a) = &o.archive {
        text.push_str(&format!("\narchive: {}", a.display()));
    }
    say(&text);
    Ok(())
}

/// `plugin pack`: the component's own metadata (asked of it, and read from
/// its custom sections, which must agree), its imports as capabilities, the
/// settings schema and this version's changelog entry.
fn pack(cli: &Cli, json_out: bool, out: &Path, changelog: Option<&Path>) -> Result<()> {
    let component = match &cli.component {
        Some(p) => std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
        None => giftcard_host::BUILT_COMPONENT.to_vec(),
    };
    // Asked of the component itself, on a scratch database.
    let scratch = tempfile::tempdir()?;
    let mut cfg = config(cli, scratch.path().join("metadata.db"))?;
    cfg.component = cli.component.clone();
    let harness = giftcard_conformance::harness::open(&cfg)?;
    let metadata = match harness.call_json_read("lifecycle.metadata", &Json::Null)? {
        CallOutcome::Ok(m) => m,
        CallOutcome::Err(e) => bail!("lifecycle.metadata refused: {e}"),
    };
    let field = |k: &str| metadata[k].as_str().unwrap_or_default().to_owned();
    let version = field("version");
    let embedded = embedded_metadata(&component)?;
    if let Some(v) = &embedded.version
        && *v != version
    {
        bail!("the component says version {version}, its metadata section says {v}");
    }
    let changelog_text = match changelog {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => CHANGELOG.to_owned(),
    };
    let description = Description {
        name: field("name"),
        version: version.clone(),
        summary: embedded.description.clone().unwrap_or_else(|| {
            "Gift cards for shops: a ledger that always balances, in the order pipeline.".into()
        }),
        license: embedded
            .licenses
            .clone()
            .unwrap_or_else(|| "Apache-2.0".into()),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        contract_version: field("contract-version"),
        schema_version: metadata["schema-version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .context("the component's schema version")?,
        capabilities: Vec::new(),
        settings_schema: settings_schema(),
        changelog: changelog_entry(&changelog_text, &version)?,
    };
    let host = semver::Version::parse(giftcard_host::CONTRACT_VERSION)?;
    let digest = layout::pack(
        out,
        PackInput {
            component: &component,
            description,
            host_contract: &host,
        },
    )?;
    if json_out {
        return say_json(
            &json!({ "package": out, "digest": digest, "version": version,
            "component-bytes": component.len() }),
        );
    }
    say(&format!(
        "packed {} {version} into {} ({digest}, component {} bytes)\nnext: `plugin sign {} --key KEY`",
        field("name"),
        out.display(),
        component.len(),
        out.display()
    ));
    Ok(())
}

/// `plugin inspect`.
fn inspect(json_out: bool, source: &str, trust: &TrustArgs, db: &Path) -> Result<()> {
    let package: Package = load(source)?;
    let embedded = embedded_metadata(&package.component)?;
    let verdict = if trust.given() {
        let (store, grants) = trust.load(db)?;
        Some(match marketplace::admit(package.clone(), &store, &grants) {
            Ok(a) => Ok(a.signer),
            Err(e) => Err(e.to_string()),
        })
    } else {
        None
    };
    let d = &package.description;
    if json_out {
        let mut v = serde_json::to_value(d)?;
        v["digest"] = json!(package.digest);
        v["component-bytes"] = json!(package.component.len());
        v["embedded-metadata"] = serde_json::to_value(&embedded)?;
        v["exports"] = json!(package.exports);
        v["signatures"] = json!(
            package
                .signatures
                .iter()
                .map(|s| json!({ "signer": s.signer, "public-key": s.public_key }))
                .collect::<Vec<_>>()
        );
        if let Some(verdict) = &verdict {
            v["accepted"] = match verdict {
                Ok(s) => json!({ "ok": s }),
                Err(e) => json!({ "err": e }),
            };
        }
        return say_json(&v);
    }
    let mut t = format!(
        "{} {} — {}\nlicense {} · contract giftcard:plugin@{} · schema v{} · made {}\n\
         digest {}\ncomponent {} bytes",
        d.name,
        d.version,
        d.summary,
        d.license,
        d.contract_version,
        d.schema_version,
        d.created,
        package.digest,
        package.component.len()
    );
    if let Some(v) = &embedded.version {
        t.push_str(&format!(" (its metadata section: version {v})"));
    }
    t.push_str("\n\ncapabilities (the component's imports):");
    for c in &d.capabilities {
        t.push_str(&format!("\n  {}\n      {}", c.import, c.purpose));
    }
    let props = d.settings_schema["properties"].as_object();
    t.push_str(&format!(
        "\n\nsettings ({} fields, JSON Schema in --json):",
        props.map_or(0, |p| p.len())
    ));
    for (name, p) in props.into_iter().flatten() {
        t.push_str(&format!(
            "\n  {name}: {} (default {})",
            p["type"].as_str().unwrap_or("?"),
            p["default"]
        ));
    }
    t.push_str(&format!("\n\nchangelog {}:", d.changelog.version));
    for c in &d.changelog.changes {
        t.push_str(&format!("\n  - {c}"));
    }
    t.push_str("\n\nsignatures:");
    if package.signatures.is_empty() {
        t.push_str(" none (`plugin sign` adds one)");
    }
    for s in &package.signatures {
        t.push_str(&format!("\n  {} (key {})", s.signer, s.public_key));
    }
    match verdict {
        Some(Ok(s)) => t.push_str(&format!(
            "\n\naccepted: signed by {} ({}), capabilities granted, contract served",
            s.name, s.fingerprint
        )),
        Some(Err(e)) => t.push_str(&format!("\n\nrefused: {e}")),
        None => {}
    }
    say(&t);
    Ok(())
}

/// `plugin status`.
fn status(json_out: bool, db: &Path) -> Result<()> {
    let s = marketplace::status(db)?;
    if json_out {
        return say_json(&serde_json::to_value(&s)?);
    }
    let mut t = format!(
        "database {} · plugin schema {}",
        s.database.display(),
        s.schema_version.map_or("none".into(), |v| format!("v{v}"))
    );
    match &s.active {
        Some(a) => t.push_str(&format!(
            "\ninstalled: {} {} ({}), contract {}, schema v{}, signed by {} ({}), since {}",
            a.name,
            a.version,
            a.digest,
            a.contract_version,
            a.schema_version,
            a.signer,
            a.fingerprint,
            time(a.at)
        )),
        None => t.push_str("\ninstalled: no package"),
    }
    if !s.history.is_empty() {
        t.push_str("\n\nhistory:");
    }
    for i in &s.history {
        t.push_str(&format!(
            "\n  {} {:<9} {} {}{}{}",
            time(i.at),
            i.action,
            i.name,
            i.version,
            i.backup
                .as_ref()
                .map_or(String::new(), |b| format!(" · backup {b}")),
            i.note.as_ref().map_or(String::new(), |n| format!(" · {n}"))
        ));
    }
    say(&t);
    Ok(())
}

fn time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or(at.to_string(), |t| {
        t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}
