//! The compiled-code cache as a user meets it: the first command compiles
//! and stores, the next ones load, a damaged or planted file is never
//! loaded (compiled again instead), `--no-cache` compiles, and the binary
//! needs no file beside it (the component is embedded).

use std::path::Path;
use std::process::Command;

fn info(cache: &Path, cwd: &Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_giftcard-harness"))
        .current_dir(cwd)
        .env("GIFTCARD_CACHE_DIR", cache)
        .args(["--db", "c.db"])
        .args(extra)
        .arg("info")
        .output()
        .expect("run giftcard-harness");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("compiled code: "))
        .unwrap_or_else(|| panic!("no compiled-code line in {text}"))
        .to_owned()
}

fn cached(cache: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect()
}

#[test]
fn commands_compile_once_and_never_load_a_file_they_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // A working folder far from the build: nothing is read from target/.
    let cwd = dir.path().join("elsewhere");
    std::fs::create_dir(&cwd).unwrap();
    assert_eq!(info(&cache, &cwd, &[]), "compiled, and stored in the cache");
    assert_eq!(info(&cache, &cwd, &[]), "loaded from the cache");
    let files = cached(&cache);
    assert_eq!(files.len(), 1);

    // One flipped byte in the compiled code: refused, compiled again.
    let mut bytes = std::fs::read(&files[0]).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&files[0], &bytes).unwrap();
    let again = info(&cache, &cwd, &[]);
    assert!(again.starts_with("compiled again"), "{again}");
    assert_eq!(info(&cache, &cwd, &[]), "loaded from the cache");

    // Compiled code written by another cache (another secret) under this
    // name: refused too.
    let other = dir.path().join("other");
    info(&other, &cwd, &[]);
    std::fs::copy(&cached(&other)[0], &files[0]).unwrap();
    let planted = info(&cache, &cwd, &[]);
    assert!(planted.starts_with("compiled again"), "{planted}");

    assert_eq!(info(&cache, &cwd, &["--no-cache"]), "compiled (--no-cache)");
}

#[test]
fn processes_starting_together_share_one_compiled_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let children: Vec<_> = (0..4)
        .map(|i| {
            let db = format!("p{i}.db");
            Command::new(env!("CARGO_BIN_EXE_giftcard-harness"))
                .current_dir(dir.path())
                .env("GIFTCARD_CACHE_DIR", &cache)
                .args(["--db", db.as_str(), "info"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start giftcard-harness")
        })
        .collect();
    // Compiling at the same time: each one either stores its compiled code
    // (renamed into place whole) or loads one another stored.
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(cached(&cache).len(), 1);
    assert_eq!(info(&cache, dir.path(), &[]), "loaded from the cache");
}
