//! The marketplace story through the `giftcard-harness plugin …` commands,
//! as a merchant and a marketplace run them: pack, keygen, sign, inspect,
//! install, status, upgrade, rollback, uninstall and restore — and every
//! refusal (tampered, unsigned, untrusted, over-reaching, incompatible,
//! downgrade) before anything is written.

use crate::common::{command, run_cli};
use rusqlite::Connection;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// One shop: a database, a key, and the built-in component packed and
/// signed.
struct Shop {
    dir: tempfile::TempDir,
}

impl Shop {
    fn new() -> Shop {
        Shop {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("shop.db")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs a command; (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        run_cli(&self.db(), "7", args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, Some(0), "{args:?}\nstdout: {out}\nstderr: {err}");
        out
    }

    fn json(&self, args: &[&str]) -> Json {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Refused: exit 1, and the error mentions `part`.
    fn refused(&self, args: &[&str], part: &str) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(
            code,
            Some(1),
            "{args:?} was not refused\nstdout: {out}\nstderr: {err}"
        );
        assert!(err.contains(part), "{args:?}: `{part}` not in\n{err}");
        err
    }

    /// `plugin keygen NAME` in the shop's folder; the public key's path.
    fn key(&self, name: &str) -> PathBuf {
        let dir = self.dir.path().to_str().unwrap();
        self.ok(&["plugin", "keygen", name, "--out", dir]);
        self.path(&format!("{name}.pub"))
    }

    /// The built-in component packed into `name` and signed by `key`.
    fn package(&self, name: &str, key: &str) -> PathBuf {
        let out = self.path(name);
        self.ok(&["plugin", "pack", "--out", out.to_str().unwrap()]);
        let private = self.path(&format!("{key}.key"));
        self.ok(&[
            "plugin",
            "sign",
            out.to_str().unwrap(),
            "--key",
            private.to_str().unwrap(),
        ]);
        out
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every row of every plugin table, as text: what "identical" means.
fn dump(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'gc\\_%' ESCAPE '\\' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY rowid"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut line = format!("{t}:");
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!(" {v:?}"));
                }
                Ok(line)
            })
            .unwrap();
        for row in rows {
            out.push(row.unwrap());
        }
    }
    out
}

/// Some data of every kind a merchant has: cards, a redemption, settings,
/// a product.
fn shop_data(shop: &Shop) {
    for amount in ["25", "40"] {
        shop.ok(&["card", "create", "--amount", amount, "--currency", "USD"]);
    }
    shop.ok(&[
        "card",
        "adjust",
        "1",
        "--amount=-5.50",
        "--comment",
        "goodwill back",
    ]);
    shop.ok(&["settings", "set", "--shop-name", "Marketplace Shop"]);
    shop.ok(&[
        "product",
        "create",
        "--sku",
        "GC-1",
        "--name",
        "Gift card",
        "--denominations",
        "10,25",
    ]);
}

#[test]
fn pack_sign_inspect_install_and_run_as_a_merchant_would() {
    let shop = Shop::new();
    let public = shop.key("acme");
    let pkg = shop.package("pkg", "acme");

    // What a marketplace shows, without running anything.
    let info = shop.json(&["plugin", "inspect", s(&pkg)]);
    assert_eq!(info["name"], "giftcard");
    assert_eq!(info["contract-version"], giftcard_host::CONTRACT_VERSION);
    assert_eq!(info["schema-version"], 5);
    assert_eq!(info["embedded-metadata"]["version"], info["version"]);
    let imports: Vec<&str> = info["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["import"].as_str().unwrap())
        .collect();
    for needed in [
        "giftcard:plugin/database",
        "wasi:random/random",
        "wasi:clocks/wall-clock",
    ] {
        assert!(imports.iter().any(|i| i.starts_with(needed)), "{imports:?}");
    }
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:filesystem") || i.starts_with("wasi:sockets")),
        "the plugin itself needs no files or sockets: {imports:?}"
    );
    for c in info["capabilities"].as_array().unwrap() {
        assert!(
            !c["purpose"]
                .as_str()
                .unwrap()
                .starts_with("Not a capability"),
            "{c}"
        );
    }
    assert!(info["changelog"]["changes"].as_array().unwrap().len() > 1);
    assert_eq!(info["signatures"][0]["signer"], "acme");
    let text = shop.ok(&["plugin", "inspect", s(&pkg), "--trust", s(&public)]);
    assert!(text.contains("accepted: signed by acme"), "{text}");

    // The settings schema's defaults are the plugin's own defaults.
    let scratch = tempfile::tempdir().unwrap();
    let defaults: Json = serde_json::from_slice(
        &command(
            &scratch.path().join("d.db"),
            "1",
            &["--json", "settings", "show"],
        )
        .output()
        .unwrap()
        .stdout,
    )
    .unwrap();
    let props = info["settings-schema"]["properties"].as_object().unwrap();
    assert_eq!(props.len(), defaults.as_object().unwrap().len());
    for (name, p) in props {
        assert_eq!(p["default"], defaults[name], "the default of {name}");
    }

    // Install: verified, recorded, and the shop runs on it.
    let out = shop.ok(&["plugin", "install", s(&pkg), "--trust", s(&public)]);
    assert!(out.contains("installed giftcard"), "{out}");
    assert!(out.contains("schema: none → v5"), "{out}");
    let status = shop.json(&["plugin", "status"]);
    assert_eq!(status["active"]["signer"], "acme");
    assert_eq!(status["active"]["digest"], info["digest"]);
    assert_eq!(status["schema-version"], 5);
    shop_data(&shop);
    let card = shop.json(&["card", "show", "1"]);
    assert_eq!(card["card"]["balance"]["amount"], "19.50");
    // A second install is refused: an upgrade is the way.
    shop.refused(
        &["plugin", "install", s(&pkg), "--trust", s(&public)],
        "installed already",
    );
    shop.refused(
        &["plugin", "upgrade", s(&pkg), "--trust", s(&public)],
        "installed already",
    );
    // A trust file works as well as --trust.
    std::fs::write(
        shop.path("trusted-keys.toml"),
        "[[key]]\nname = \"ACME Gift Cards\"\npath = \"acme.pub\"\n",
    )
    .unwrap();
    let text = shop.ok(&[
        "plugin",
        "inspect",
        s(&pkg),
        "--trust-file",
        s(&shop.path("trusted-keys.toml")),
    ]);
    assert!(
        text.contains("accepted: signed by ACME Gift Cards"),
        "{text}"
    );
}

#[test]
fn tampered_unsigned_and_untrusted_packages_are_refused_and_nothing_is_written() {
    let shop = Shop::new();
    let public = shop.key("acme");
    shop.key("mallory");
    let pkg = shop.path("pkg");
    shop.ok(&["plugin", "pack", "--out", s(&pkg)]);

    shop.refused(
        &["plugin", "install", s(&pkg), "--trust", s(&public)],
        "not signed",
    );
    shop.ok(&[
        "plugin",
        "sign",
        s(&pkg),
        "--key",
        s(&shop.path("mallory.key")),
    ]);
    shop.refused(
        &["plugin", "install", s(&pkg), "--trust", s(&public)],
        "signed by mallory",
    );
    shop.refused(&["plugin", "install", s(&pkg)], "does not trust");
    assert!(
        !shop.db().exists(),
        "no database was created by refused installs"
    );

    shop.ok(&[
        "plugin",
        "sign",
        s(&pkg),
        "--key",
        s(&shop.path("acme.key")),
    ]);
    // One byte of the component changed: refused before compiling.
    let blobs = pkg.join("blobs/sha256");
    let wasm = std::fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let original = std::fs::read(&wasm).unwrap();
    let mut bytes = original.clone();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&wasm, &bytes).unwrap();
    shop.refused(
        &["plugin", "install", s(&pkg), "--trust", s(&public)],
        "changed after it was packed",
    );
    shop.refused(
        &["plugin", "inspect", s(&pkg)],
        "changed after it was packed",
    );
    std::fs::write(&wasm, &original).unwrap();
    // A byte of the index changed.
    let index = pkg.join("index.json");
    let original = std::fs::read(&index).unwrap();
    let text = String::from_utf8(original.clone())
        .unwrap()
        .replacen("0.", "9.", 1);
    std::fs::write(&index, text).unwrap();
    shop.refused(
        &["plugin", "install", s(&pkg), "--trust", s(&public)],
        "changed after",
    );
    std::fs::write(&index, &original).unwrap();
    // A refusal inside the install (here: no such archive) leaves no
    // database behind either.
    std::fs::write(shop.path("not-an-archive"), b"hello").unwrap();
    for archive in ["missing.archive", "not-an-archive"] {
        let archive = shop.path(archive);
        shop.refused(
            &[
                "plugin",
                "install",
                s(&pkg),
                "--trust",
                s(&public),
                "--restore",
                s(&archive),
            ],
            "archive",
        );
    }
    for action in [
        &["plugin", "upgrade", s(&pkg), "--trust", s(&public)][..],
        &["plugin", "rollback"],
        &["plugin", "uninstall", "--confirm"],
    ] {
        shop.refused(action, "does not exist");
    }
    assert!(!shop.db().exists(), "nothing written");
    shop.ok(&["plugin", "install", s(&pkg), "--trust", s(&public)]);
}

/// A component importing more than the host grants, or built for another
/// contract, is refused by name before it is compiled or instantiated.
#[test]
fn over_reaching_and_incompatible_components_are_refused_by_name() {
    let shop = Shop::new();
    let public = shop.key("acme");
    let key = giftcard_package::KeyPair::load(&shop.path("acme.key"), None).unwrap();
    let cases = [
        (
            &["wasi:filesystem/types@0.2.12"][..],
            "0.5.0",
            "wasi:filesystem/types@0.2.12",
        ),
        (
            &["wasi:sockets/tcp@0.2.12"][..],
            "0.5.0",
            "wasi:sockets/tcp@0.2.12",
        ),
        (
            &["giftcard:plugin/database@0.4.0"][..],
            "0.4.0",
            "giftcard:plugin@0.4.0",
        ),
        (&[][..], "0.6.0", "upgrade the host"),
    ];
    for (n, (imports, contract, named)) in cases.into_iter().enumerate() {
        let mut wat = String::from("(component\n");
        for i in imports {
            wat.push_str(&format!("  (import \"{i}\" (instance))\n"));
        }
        wat.push_str(&format!(
            "  (instance $l)\n  (export \"giftcard:plugin/lifecycle@{contract}\" (instance $l))\n)"
        ));
        let component = wat::parse_str(&wat).unwrap();
        let dir = shop.path(&format!("bad{n}"));
        let description = giftcard_package::Description {
            name: "giftcard".into(),
            version: "9.9.9".into(),
            summary: "A test component.".into(),
            license: "Apache-2.0".into(),
            created: "2026-12-02T00:00:00Z".into(),
            contract_version: contract.into(),
            schema_version: 99,
            capabilities: Vec::new(),
            settings_schema: giftcard_package::settings_schema::settings_schema(),
            changelog: giftcard_package::description::ChangelogEntry {
                version: "9.9.9".into(),
                changes: vec!["Test.".into()],
            },
        };
        // Packed as its own publisher would (whose host serves its contract).
        giftcard_package::layout::pack(
            &dir,
            giftcard_package::layout::PackInput {
                component: &component,
                description,
                host_contract: &semver::Version::parse(contract).unwrap(),
            },
        )
        .unwrap();
        giftcard_package::layout::sign(&dir, &key).unwrap();
        shop.refused(
            &["plugin", "install", s(&dir), "--trust", s(&public)],
            named,
        );
    }
    assert!(!shop.db().exists(), "nothing written");

    // A narrower policy refuses the plugin's own outbox import.
    let pkg = shop.package("pkg", "acme");
    std::fs::write(
        shop.path("policy.toml"),
        "grant = [\"giftcard:plugin/database\", \"wasi:clocks/wall-clock\", \"wasi:random/random\"]\n",
    )
    .unwrap();
    shop.refused(
        &[
            "plugin",
            "install",
            s(&pkg),
            "--trust",
            s(&public),
            "--policy",
            s(&shop.path("policy.toml")),
        ],
        "does not grant",
    );
    assert!(!shop.db().exists());
}

#[test]
fn uninstall_archives_everything_and_restore_brings_it_back() {
    let shop = Shop::new();
    let public = shop.key("acme");
    let pkg = shop.package("pkg", "acme");
    shop.ok(&["plugin", "install", s(&pkg), "--trust", s(&public)]);
    shop_data(&shop);
    let before = dump(&shop.db());
    assert!(before.iter().any(|r| r.starts_with("gc_products:")));
    assert!(before.iter().any(|r| r.contains("Marketplace Shop")));

    shop.refused(&["plugin", "uninstall"], "--confirm");
    assert_eq!(
        dump(&shop.db()),
        before,
        "nothing dropped without --confirm"
    );
    let archive = shop.path("shop.giftcard-archive");
    let out = shop.ok(&["plugin", "uninstall", "--confirm", "--archive", s(&archive)]);
    assert!(out.contains("uninstalled giftcard"), "{out}");
    assert!(archive.exists());
    assert!(dump(&shop.db()).is_empty(), "every plugin table is dropped");
    let status = shop.json(&["plugin", "status"]);
    assert!(status["active"].is_null(), "{status}");
    assert_eq!(status["history"].as_array().unwrap().len(), 2);
    // The archive is not overwritten by a second uninstall.
    shop.refused(
        &["plugin", "uninstall", "--confirm", "--archive", s(&archive)],
        "no plugin tables",
    );

    let out = shop.ok(&[
        "plugin",
        "install",
        s(&pkg),
        "--trust",
        s(&public),
        "--restore",
        s(&archive),
    ]);
    assert!(out.contains("installed giftcard"), "{out}");
    assert_eq!(
        dump(&shop.db()),
        before,
        "balances, ledgers, settings and products identical"
    );
    let card = shop.json(&["card", "show", "1"]);
    assert_eq!(card["card"]["balance"]["amount"], "19.50");
    // Restoring over live data is refused.
    shop.ok(&[
        "plugin",
        "uninstall",
        "--confirm",
        "--archive",
        s(&shop.path("second.archive")),
    ]);
    shop.ok(&["plugin", "install", s(&pkg), "--trust", s(&public)]);
    shop.refused(
        &[
            "plugin",
            "uninstall",
            "--confirm",
            "--archive",
            s(&shop.path("second.archive")),
        ],
        "exists already",
    );
}

#[test]
fn a_failed_upgrade_leaves_the_database_as_it_was() {
    let shop = Shop::new();
    let public = shop.key("acme");
    let pkg = shop.package("pkg", "acme");
    shop.ok(&["plugin", "install", s(&pkg), "--trust", s(&public)]);
    shop_data(&shop);
    // Another build of the same version (a different digest) to upgrade to.
    let other = shop.path("other");
    let bytes = std::fs::read(giftcard_host_component(&shop)).unwrap();
    let mut changed = bytes.clone();
    // A custom section appended: a different, still valid component.
    changed.extend_from_slice(&[0, 6, 5, b'e', b'x', b't', b'r', b'a']);
    let wasm = shop.path("changed.wasm");
    std::fs::write(&wasm, &changed).unwrap();
    shop.ok(&[
        "--component",
        s(&wasm),
        "plugin",
        "pack",
        "--out",
        s(&other),
    ]);
    shop.ok(&[
        "plugin",
        "sign",
        s(&other),
        "--key",
        s(&shop.path("acme.key")),
    ]);
    // A ledger broken behind the plugin's back: the check after migrating fails.
    let conn = Connection::open(shop.db()).unwrap();
    conn.execute("UPDATE gc_cards SET balance = balance + 1 WHERE id = 2", [])
        .unwrap();
    drop(conn);
    let before = dump(&shop.db());
    let status = shop.json(&["plugin", "status"]);
    shop.refused(
        &["plugin", "upgrade", s(&other), "--trust", s(&public)],
        "ledger invariant",
    );
    assert_eq!(dump(&shop.db()), before, "the data is as it was");
    assert_eq!(
        shop.json(&["plugin", "status"]),
        status,
        "the same package is installed"
    );
}

/// The built-in component, written to a file.
fn giftcard_host_component(shop: &Shop) -> PathBuf {
    let out = shop.path("builtin.wasm");
    if !out.exists() {
        shop.ok(&["component", "--out", s(&out)]);
    }
    out
}

/// Another build of the built-in component (a custom section more): a
/// different package of the same version, to upgrade to and roll back from.
fn rebuilt_package(shop: &Shop, name: &str) -> PathBuf {
    let mut bytes = std::fs::read(giftcard_host_component(shop)).unwrap();
    bytes.extend_from_slice(&[0, 8, 7, b'r', b'e', b'b', b'u', b'i', b'l', b't']);
    let wasm = shop.path(&format!("{name}.wasm"));
    std::fs::write(&wasm, &bytes).unwrap();
    let out = shop.path(name);
    shop.ok(&["--component", s(&wasm), "plugin", "pack", "--out", s(&out)]);
    shop.ok(&[
        "plugin",
        "sign",
        s(&out),
        "--key",
        s(&shop.path("acme.key")),
    ]);
    out
}

#[test]
fn upgrade_backs_up_first_and_rollback_restores_the_previous_package() {
    let shop = Shop::new();
    let public = shop.key("acme");
    let first = shop.package("first", "acme");
    let second = rebuilt_package(&shop, "second");
    for action in [
        &["plugin", "upgrade", s(&second), "--trust", s(&public)][..],
        &["plugin", "rollback"],
    ] {
        shop.refused(action, "does not exist");
    }
    // A database the plugin runs on without a package (the built-in one).
    shop.ok(&["card", "list"]);
    shop.refused(
        &["plugin", "upgrade", s(&second), "--trust", s(&public)],
        "no package is installed",
    );
    shop.refused(&["plugin", "rollback"], "nothing to roll back");
    shop.ok(&["plugin", "install", s(&first), "--trust", s(&public)]);
    shop.refused(
        &["plugin", "rollback"],
        "was not installed by `plugin upgrade`",
    );
    shop_data(&shop);
    let at_upgrade = dump(&shop.db());
    let first_digest = shop.json(&["plugin", "status"])["active"]["digest"].clone();

    let up = shop.json(&["plugin", "upgrade", s(&second), "--trust", s(&public)]);
    assert_eq!(up["schema-before"], 5);
    assert_eq!(up["schema-after"], 5);
    let backup = PathBuf::from(up["backup"].as_str().unwrap());
    assert!(backup.exists(), "{up}");
    assert!(up["ledger"].as_str().unwrap().contains("2 card(s)"), "{up}");
    let status = shop.json(&["plugin", "status"]);
    assert_eq!(status["active"]["digest"], up["digest"]);
    assert_eq!(status["active"]["action"], "upgrade");
    assert_ne!(up["digest"], first_digest);
    assert_eq!(dump(&shop.db()), at_upgrade, "an upgrade changes no data");
    // Work done on the new package…
    shop.ok(&["card", "create", "--amount", "99", "--currency", "USD"]);
    assert_ne!(dump(&shop.db()), at_upgrade);

    // …is undone by the rollback, which brings the first package back.
    let back = shop.json(&["plugin", "rollback"]);
    assert_eq!(back["digest"], first_digest);
    assert_eq!(
        dump(&shop.db()),
        at_upgrade,
        "the database is as it was before the upgrade"
    );
    let status = shop.json(&["plugin", "status"]);
    assert_eq!(status["active"]["digest"], first_digest);
    assert_eq!(status["active"]["action"], "rollback");
    let actions: Vec<&str> = status["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["install", "rollback"],
        "the backup's history, and the rollback"
    );
    let card = shop.json(&["card", "show", "1"]);
    assert_eq!(card["card"]["balance"]["amount"], "19.50");
    // Rolled back to a package not installed by an upgrade: no second rollback.
    shop.refused(
        &["plugin", "rollback"],
        "was not installed by `plugin upgrade`",
    );
}

/// A database written by a newer plugin: an upgrade to an older schema is
/// refused with what to do, and read-only commands say what is needed.
#[test]
fn a_database_newer_than_the_package_is_refused_with_what_to_do() {
    let shop = Shop::new();
    let public = shop.key("acme");
    let pkg = shop.package("pkg", "acme");
    let second = rebuilt_package(&shop, "second");
    shop.ok(&["plugin", "install", s(&pkg), "--trust", s(&public)]);
    shop_data(&shop);
    // As a schema-6 plugin would leave it.
    let conn = Connection::open(shop.db()).unwrap();
    conn.execute("UPDATE gc_schema SET version = 6", [])
        .unwrap();
    drop(conn);
    let before = dump(&shop.db());
    let err = shop.refused(
        &["plugin", "upgrade", s(&second), "--trust", s(&public)],
        "refusing a downgrade",
    );
    assert!(err.contains("schema version 6"), "{err}");
    assert!(err.contains("plugin rollback"), "{err}");
    assert_eq!(dump(&shop.db()), before);
    // Commands say which schema is needed instead of failing call by call.
    let err = shop.refused(&["card", "list"], "schema version 6");
    assert!(err.contains("or newer"), "{err}");
    let info = shop.ok(&["info"]);
    assert!(
        info.contains("needs: the database is at schema version 6"),
        "{info}"
    );
    let status = shop.json(&["plugin", "status"]);
    assert_eq!(status["schema-version"], 6);
}

/// A real OCI distribution registry (Debian's `docker-registry`, the CNCF
/// distribution server), on a loopback port of its own, stopped on drop.
struct Registry {
    child: std::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        let bin = Path::new("/usr/bin/docker-registry");
        assert!(
            bin.exists(),
            "the registry tests need Debian's docker-registry package: \
             `apt-get install docker-registry` (scripts/test.sh installs it)"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
                 http:\n  addr: {addr}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = std::process::Command::new(bin)
            .arg("serve")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let registry = Registry {
            child,
            addr,
            _dir: dir,
        };
        // Ready when `GET /v2/` answers 200.
        for _ in 0..200 {
            if registry.answers() {
                return registry;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the registry did not start on {}", registry.addr);
    }

    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(&self.addr) else {
            return false;
        };
        let _ = write!(s, "GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr);
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn push_pull_and_install_from_a_real_registry() {
    let registry = Registry::start();
    let shop = Shop::new();
    let public = shop.key("acme");
    shop.key("second-signer");
    let pkg = shop.package("pkg", "acme");
    shop.ok(&[
        "plugin",
        "sign",
        s(&pkg),
        "--key",
        s(&shop.path("second-signer.key")),
    ]);
    let repo = format!("{}/shops/giftcard", registry.addr);

    let pushed = shop.json(&["plugin", "push", s(&pkg), &repo]);
    let version = shop.json(&["plugin", "inspect", s(&pkg)])["version"].clone();
    assert_eq!(
        pushed["reference"],
        format!("{repo}:{}", version.as_str().unwrap())
    );
    assert_eq!(pushed["signatures"], 2);

    // Pulled back: byte for byte the same layout, both signatures included.
    let pulled = shop.path("pulled");
    let tagged = pushed["reference"].as_str().unwrap();
    let out = shop.json(&["plugin", "pull", tagged, "--out", s(&pulled)]);
    assert_eq!(out["signatures"], 2);
    let mut files = Vec::new();
    for entry in walk(&pkg) {
        let rel = entry.strip_prefix(&pkg).unwrap().to_path_buf();
        assert_eq!(
            std::fs::read(&entry).unwrap(),
            std::fs::read(pulled.join(&rel)).unwrap(),
            "{}",
            rel.display()
        );
        files.push(rel);
    }
    assert_eq!(walk(&pulled).len(), files.len());

    // Installed straight from the registry, verified as from disk.
    let out = shop.ok(&["plugin", "install", tagged, "--trust", s(&public)]);
    assert!(out.contains("installed giftcard"), "{out}");
    let status = shop.json(&["plugin", "status"]);
    assert_eq!(status["active"]["digest"], pushed["digest"]);

    // An unsigned package pulled from the registry is refused all the same.
    let other = Shop::new();
    other.key("acme");
    let unsigned = other.path("unsigned");
    other.ok(&["plugin", "pack", "--out", s(&unsigned)]);
    other.ok(&[
        "plugin",
        "push",
        s(&unsigned),
        &format!("{}/unsigned/giftcard:1", registry.addr),
    ]);
    other.refused(
        &[
            "plugin",
            "install",
            &format!("{}/unsigned/giftcard:1", registry.addr),
            "--trust",
            s(&public),
        ],
        "not signed",
    );
    other.refused(
        &[
            "plugin",
            "install",
            &format!("{}/nothing/here:1", registry.addr),
            "--trust",
            s(&public),
        ],
        "registry",
    );
    assert!(!other.db().exists(), "nothing written");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every column the fixture's own schema had, for every row of `table`,
/// keyed by the column names (later migrations only add columns).
fn rows(db: &Path, table: &str, columns: &[String]) -> Vec<Vec<rusqlite::types::Value>> {
    let conn = Connection::open(db).unwrap();
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn
        .prepare(&format!("SELECT {list} FROM \"{table}\" ORDER BY rowid"))
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            (0..columns.len())
                .map(|i| r.get(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn columns(db: &Path, table: &str) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info(\"{table}\")"))
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(1))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The committed databases made by each earlier schema version (see
/// tests/fixtures/upgrades/README.md) upgrade losslessly: installing the
/// package adopts the data (backup first), migrates it to the current
/// schema, and every card, balance, status and ledger row is as it was; a
/// short shop flow then works on it.
#[test]
fn databases_from_every_earlier_schema_upgrade_losslessly() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/upgrades");
    let shop0 = Shop::new();
    let public = shop0.key("acme");
    let pkg = shop0.package("pkg", "acme");
    for n in 1..=4 {
        let shop = Shop::new();
        std::fs::copy(fixtures.join(format!("schema-v{n}.db")), shop.db()).unwrap();
        let card_columns = columns(&shop.db(), "gc_cards");
        let history_columns = columns(&shop.db(), "gc_history");
        let cards = rows(&shop.db(), "gc_cards", &card_columns);
        let history = rows(&shop.db(), "gc_history", &history_columns);
        let settings = rows(
            &shop.db(),
            "gc_settings",
            &columns(&shop.db(), "gc_settings"),
        );
        assert!(
            cards.len() >= 6 && history.len() >= 10,
            "v{n}: a fixture with content"
        );

        let up = shop.json(&["plugin", "install", s(&pkg), "--trust", s(&public)]);
        assert_eq!(up["schema-before"], n, "v{n}: {up}");
        assert_eq!(up["schema-after"], 5, "v{n}: {up}");
        assert!(
            Path::new(up["backup"].as_str().unwrap()).exists(),
            "v{n}: backed up first"
        );
        assert_eq!(
            rows(&shop.db(), "gc_cards", &card_columns),
            cards,
            "v{n}: every card"
        );
        assert_eq!(
            rows(&shop.db(), "gc_history", &history_columns),
            history,
            "v{n}: the ledger"
        );
        assert_eq!(
            rows(
                &shop.db(),
                "gc_settings",
                &columns(&shop.db(), "gc_settings")
            )[..settings.len()],
            settings[..],
            "v{n}: the settings"
        );
        let doctor = shop.json(&["doctor"]);
        assert!(
            doctor["checks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["findings"].as_array().unwrap().is_empty()),
            "v{n}: {doctor}"
        );
        // A short shop flow on the upgraded data: an old card spent, a new
        // one made, the ledger still balanced.
        // Card 1 of every fixture is active with its full balance.
        let card = shop.json(&["card", "show", "1"]);
        assert_eq!(card["card"]["status"], "active", "v{n}: {card}");
        shop.ok(&[
            "card",
            "adjust",
            "1",
            "--amount=-1.00",
            "--comment",
            "after the upgrade",
        ]);
        shop.ok(&["card", "create", "--amount", "10", "--currency", "USD"]);
        let doctor = shop.json(&["doctor"]);
        assert!(
            doctor["checks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["findings"].as_array().unwrap().is_empty()),
            "v{n} after the flow: {doctor}"
        );
    }
}
