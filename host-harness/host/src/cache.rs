//! The compiled-code cache: Cranelift takes over a second to compile the
//! component, loading compiled code takes about a millisecond, so a host
//! compiles once per component build and machine and keeps the result on
//! disk ([`Component::serialize`]).
//!
//! - **Keyed** by a BLAKE3 hash of the component's bytes, wasmtime's own
//!   compatibility hash of the engine (its version and every setting that
//!   shapes compiled code, so [`crate::engine`]'s configuration is part of the
//!   key) and this crate's version. A different build never hits another's
//!   file.
//! - **Only files this host wrote are deserialized**: loading compiled code
//!   is loading machine code, so each file carries a MAC (BLAKE3 keyed with a
//!   32-byte secret kept beside the files, readable by the owner only) over
//!   its key and contents. A file that is corrupt, truncated, written by
//!   someone else or for another key fails the check and is ignored and
//!   rebuilt; so is one wasmtime refuses. The folder must belong to the
//!   user and be writable by no one else, or the cache is not used at all.
//! - Files are written to a temporary name and renamed, so a reader never
//!   sees half a file, and the oldest are removed beyond [`KEEP`].

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The first bytes of a cache file (format version 1).
const MAGIC: &[u8; 8] = b"GCHOST1\n";
/// How many compiled components are kept (one per build, mostly).
pub const KEEP: usize = 8;
const SECRET: &str = "secret";
const SUFFIX: &str = ".cwasm";

/// Where compiled code is cached, if anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeCache {
    /// Compile every time (`--no-cache`).
    Off,
    /// Keep compiled code in this folder.
    Dir(PathBuf),
}

/// What loading through the cache did, for diagnostics and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Compiled code was loaded from the cache.
    Hit,
    /// Compiled now and stored for next time.
    Stored,
    /// Compiled now; a cached file was there but was refused (why).
    Rebuilt(String),
    /// Compiled now and not stored (the cache is off, or unusable: why).
    Bypassed(String),
}

impl CodeCache {
    /// The user's cache folder: `$GIFTCARD_CACHE_DIR` when set (and not empty), else
    /// `giftcard-host` under the platform's cache directory
    /// (`$XDG_CACHE_HOME` or `~/.cache` on Linux); off when there is none.
    pub fn user_default() -> CodeCache {
        if let Some(dir) = std::env::var_os("GIFTCARD_CACHE_DIR").filter(|d| !d.is_empty()) {
            return CodeCache::Dir(PathBuf::from(dir));
        }
        match dirs::cache_dir() {
            Some(dir) => CodeCache::Dir(dir.join("giftcard-host")),
            None => CodeCache::Off,
        }
    }

    /// The component compiled for `engine`: from the cache when a file this
    /// host wrote for exactly these bytes and this engine is there, else
    /// compiled (and stored). Cache trouble never fails the load; only a
    /// component that does not compile does.
    pub fn load(&self, engine: &Engine, bytes: &[u8]) -> Result<(Component, CacheOutcome)> {
        let dir = match self {
            CodeCache::Off => {
                return Ok((
                    compile(engine, bytes)?,
                    CacheOutcome::Bypassed("off".into()),
                ));
            }
            CodeCache::Dir(dir) => dir,
        };
        let secret = match trusted_secret(dir) {
            Ok(secret) => secret,
            Err(e) => {
                return Ok((
                    compile(engine, bytes)?,
                    CacheOutcome::Bypassed(format!("{e:#}")),
                ));
            }
        };
        let key = key(engine, bytes);
        let path = dir.join(format!("{}{SUFFIX}", key.to_hex()));
        let refused = match fs::read(&path) {
            Ok(file) => match verified(&file, &secret, &key) {
                // SAFETY: the bytes are compiled code this host serialized
                // itself: the MAC over them is keyed with the owner-only
                // secret, and wasmtime checks they were compiled for this
                // engine's version and configuration.
                Some(code) => match unsafe { Component::deserialize(engine, code) } {
                    Ok(component) => return Ok((component, CacheOutcome::Hit)),
                    Err(e) => Some(format!("wasmtime refused the cached code: {e}")),
                },
                None => Some("the cached file failed its integrity check".to_owned()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(format!("reading {}: {e}", path.display())),
        };
        let component = compile(engine, bytes)?;
        let stored = component
            .serialize()
            .map_err(anyhow::Error::from)
            .and_then(|code| store(dir, &path, &secret, &key, &code));
        let outcome = match (stored, refused) {
            (Ok(()), None) => CacheOutcome::Stored,
            (Ok(()), Some(why)) => CacheOutcome::Rebuilt(why),
            (Err(e), _) => CacheOutcome::Bypassed(format!("storing compiled code: {e:#}")),
        };
        prune(dir, &path);
        Ok((component, outcome))
    }
}

fn compile(engine: &Engine, bytes: &[u8]) -> Result<Component> {
    Component::new(engine, bytes).map_err(anyhow::Error::from)
}

/// Feeds wasmtime's `Hash`-only compatibility hash into BLAKE3.
struct Feed<'a>(&'a mut blake3::Hasher);

impl std::hash::Hasher for Feed<'_> {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// The cache key of `bytes` compiled by `engine`.
fn key(engine: &Engine, bytes: &[u8]) -> blake3::Hash {
    use std::hash::Hash;
    let mut h = blake3::Hasher::new();
    h.update(b"giftcard-host ");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
    engine
        .precompile_compatibility_hash()
        .hash(&mut Feed(&mut h));
    h.finalize()
}

fn mac(secret: &[u8; 32], key: &blake3::Hash, code: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new_keyed(secret);
    h.update(key.as_bytes());
    h.update(code);
    h.finalize()
}

/// The compiled code in `file` when its header and MAC are right.
fn verified<'f>(file: &'f [u8], secret: &[u8; 32], key: &blake3::Hash) -> Option<&'f [u8]> {
    let rest = file.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < 32 {
        return None;
    }
    let (tag, code) = rest.split_at(32);
    let tag: [u8; 32] = tag.try_into().ok()?;
    // `blake3::Hash` compares in constant time.
    (blake3::Hash::from_bytes(tag) == mac(secret, key, code)).then_some(code)
}

fn store(
    dir: &Path,
    path: &Path,
    secret: &[u8; 32],
    key: &blake3::Hash,
    code: &[u8],
) -> Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(MAGIC)?;
    tmp.write_all(mac(secret, key, code).as_bytes())?;
    tmp.write_all(code)?;
    tmp.as_file().sync_data()?;
    tmp.persist(path)?;
    Ok(())
}

/// Removes the oldest compiled files beyond [`KEEP`] (never `keep`).
fn prune(dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(SUFFIX))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, path) in files.into_iter().skip(KEEP) {
        if path != keep {
            let _ = fs::remove_file(path);
        }
    }
}

/// The folder's secret, created on first use; an error when the folder or
/// the secret could be written or read by someone else.
fn trusted_secret(dir: &Path) -> Result<[u8; 32]> {
    create_private_dir(dir)?;
    check_private(dir, true)?;
    let path = dir.join(SECRET);
    if !path.exists() {
        let mut secret = [0u8; 32];
        getrandom(&mut secret)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(&secret)?;
        tmp.as_file().sync_data()?;
        // Another process may have created it meanwhile: theirs wins.
        let _ = tmp.persist_noclobber(&path);
    }
    check_private(&path, false)?;
    let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| anyhow::anyhow!("{} is not a cache secret", path.display()))
}

/// 32 bytes from a generator seeded by the OS.
fn getrandom(out: &mut [u8; 32]) -> Result<()> {
    use rand::Rng;
    let mut rng: rand::rngs::StdRng = rand::make_rng();
    rng.fill_bytes(out);
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("creating the cache folder {}", dir.display()))
}

/// Refuses a path owned by another user, or writable (a folder) or readable
/// (the secret) by group or others.
#[cfg(unix)]
fn check_private(path: &Path, is_dir: bool) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::symlink_metadata(path).with_context(|| format!("{}", path.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    anyhow::ensure!(
        meta.uid() == me,
        "{} belongs to another user: the compiled-code cache is not used",
        path.display()
    );
    let forbidden = if is_dir { 0o022 } else { 0o077 };
    anyhow::ensure!(
        meta.mode() & forbidden == 0 && meta.is_dir() == is_dir,
        "{} is open to other users: the compiled-code cache is not used",
        path.display()
    );
    Ok(())
}

#[cfg(not(unix))]
fn check_private(path: &Path, _is_dir: bool) -> Result<()> {
    fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests;
