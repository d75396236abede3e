use super::*;
use crate::engine::{Limits, engine};

/// Small components that compile in milliseconds; the rules are the same
/// for the gift-card one.
const ONE: &str = "(component (core module (func (export \"f\"))))";
const TWO: &str = "(component (core module (func (export \"g\"))))";

fn setup() -> (tempfile::TempDir, CodeCache, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let cache = CodeCache::Dir(dir.path().join("cache"));
    (dir, cache, engine(&Limits::default()).unwrap())
}

/// What loading the component `wat` through `cache` did.
fn load_outcome(cache: &CodeCache, engine: &Engine, wat: &str) -> CacheOutcome {
    cache.load(engine, wat.as_bytes()).unwrap().1
}

fn cached_files(cache: &CodeCache) -> Vec<PathBuf> {
    let CodeCache::Dir(dir) = cache else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(SUFFIX))
        .collect();
    files.sort();
    files
}

#[test]
fn compiled_once_then_loaded() {
    let (_dir, cache, engine) = setup();
    assert_eq!(load_outcome(&cache, &engine, ONE), CacheOutcome::Stored);
    assert_eq!(load_outcome(&cache, &engine, ONE), CacheOutcome::Hit);
    assert_eq!(cached_files(&cache).len(), 1);
    // Other bytes, another key.
    assert_eq!(load_outcome(&cache, &engine, TWO), CacheOutcome::Stored);
    assert_eq!(cached_files(&cache).len(), 2);
}

#[test]
fn another_engine_configuration_is_another_key() {
    let (_dir, cache, engine) = setup();
    cache.load(&engine, ONE.as_bytes()).unwrap();
    let plain = Engine::new(&wasmtime::Config::new()).unwrap();
    assert_ne!(key(&engine, ONE.as_bytes()), key(&plain, ONE.as_bytes()));
    assert_eq!(load_outcome(&cache, &plain, ONE), CacheOutcome::Stored);
    assert_eq!(load_outcome(&cache, &engine, ONE), CacheOutcome::Hit);
}

#[test]
fn a_changed_byte_anywhere_is_ignored_and_rebuilt() {
    let (_dir, cache, engine) = setup();
    cache.load(&engine, ONE.as_bytes()).unwrap();
    let file = cached_files(&cache).remove(0);
    let good = fs::read(&file).unwrap();
    for at in [
        0,
        MAGIC.len(),
        MAGIC.len() + 32,
        good.len() / 2,
        good.len() - 1,
    ] {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        fs::write(&file, &bad).unwrap();
        let (_, outcome) = cache.load(&engine, ONE.as_bytes()).unwrap();
        assert!(
            matches!(outcome, CacheOutcome::Rebuilt(ref why) if why.contains("integrity")),
            "byte {at}: {outcome:?}"
        );
        assert_eq!(load_outcome(&cache, &engine, ONE), CacheOutcome::Hit);
    }
    // Truncated, and empty.
    for len in [good.len() - 10, MAGIC.len() + 5, 0] {
        fs::write(&file, &good[..len]).unwrap();
        let (_, outcome) = cache.load(&engine, ONE.as_bytes()).unwrap();
        assert!(matches!(outcome, CacheOutcome::Rebuilt(_)), "{outcome:?}");
    }
}

#[test]
fn a_file_someone_else_wrote_is_never_deserialized() {
    let (dir, cache, engine) = setup();
    // A second cache with its own secret writes valid compiled code…
    let other = CodeCache::Dir(dir.path().join("other"));
    other.load(&engine, ONE.as_bytes()).unwrap();
    let theirs = cached_files(&other).remove(0);
    // …and plants it under the name this cache would look up.
    cache.load(&engine, TWO.as_bytes()).unwrap();
    let CodeCache::Dir(ours) = &cache else {
        unreachable!()
    };
    let planted = ours.join(theirs.file_name().unwrap());
    fs::copy(&theirs, &planted).unwrap();
    let (_, outcome) = cache.load(&engine, ONE.as_bytes()).unwrap();
    assert!(matches!(outcome, CacheOutcome::Rebuilt(_)), "{outcome:?}");
    // Valid compiled code for another key, renamed, is refused too.
    let ones = cached_files(&cache);
    let two_file = ones.iter().find(|p| **p != planted).unwrap().clone();
    fs::copy(&two_file, &planted).unwrap();
    let (_, outcome) = cache.load(&engine, ONE.as_bytes()).unwrap();
    assert!(matches!(outcome, CacheOutcome::Rebuilt(_)), "{outcome:?}");
}

#[cfg(unix)]
#[test]
fn a_folder_open_to_others_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, cache, engine) = setup();
    let folder = dir.path().join("cache");
    fs::create_dir(&folder).unwrap();
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o777)).unwrap();
    let (_, outcome) = cache.load(&engine, ONE.as_bytes()).unwrap();
    assert!(
        matches!(outcome, CacheOutcome::Bypassed(ref why) if why.contains("other users")),
        "{outcome:?}"
    );
    assert!(cached_files(&cache).is_empty());
    // A secret others can read is refused as well.
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).unwrap();
    cache.load(&engine, ONE.as_bytes()).unwrap();
    fs::set_permissions(folder.join(SECRET), fs::Permissions::from_mode(0o644)).unwrap();
    let (_, outcome) = cache.load(&engine, ONE.as_bytes()).unwrap();
    assert!(matches!(outcome, CacheOutcome::Bypassed(_)), "{outcome:?}");
}

#[test]
fn off_compiles_every_time_and_writes_nothing() {
    let engine = engine(&Limits::default()).unwrap();
    let (_, outcome) = CodeCache::Off.load(&engine, ONE.as_bytes()).unwrap();
    assert!(matches!(outcome, CacheOutcome::Bypassed(_)));
}

#[test]
fn only_the_newest_files_are_kept() {
    let (_dir, cache, engine) = setup();
    for i in 0..KEEP + 3 {
        let wat = format!("(component (core module (func (export \"f{i}\"))))");
        cache.load(&engine, wat.as_bytes()).unwrap();
    }
    assert_eq!(cached_files(&cache).len(), KEEP);
}

#[test]
fn a_component_that_does_not_compile_is_an_error() {
    let (_dir, cache, engine) = setup();
    assert!(cache.load(&engine, b"not wasm").is_err());
    assert!(cached_files(&cache).is_empty());
}
