//! Printing cards to a PDF file through the component, a part at a time
//! (`delivery.print-part`), so a run of up to 10,000 cards works within the
//! default limits: no call renders, holds or hands over more than one part
//! (at most 100 cards, about 1 MiB), and the host appends each part to the
//! file as it comes.
//!
//! **The file appears whole or not at all.** Parts go to a temporary file
//! beside the target (same directory, so the final rename stays on one file
//! system), which is synced and then renamed over the target, and the
//! directory is synced so the rename itself survives a crash. A refused or
//! failed run removes the temporary file: it never leaves half a PDF, and
//! never replaces a good file with a broken one.
//!
//! **Each part is its own read-only call** ([`Harness::call_json_read`](giftcard_conformance::Harness::call_json_read)):
//! `print-part` writes nothing, so a run never takes the write lock and
//! never holds up a checkout or a redemption however long it prints, and no
//! snapshot is held open across the whole run either. What one snapshot
//! for the run would buy is small: pages are independent (no total spans
//! them), each shows its card as it stands when its part is rendered, and
//! the plugin checks every part's cards again, so a card cancelled during
//! the run stops the run instead of being printed.

use anyhow::{Context, Result, bail};
use giftcard_conformance::harness::Harness;
use giftcard_conformance::json::Outcome;
use giftcard_host::GiftCards;
use serde_json::{Value as Json, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A print run written to its file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Printed {
    /// The file written.
    pub file: PathBuf,
    /// Pages in it (one per card).
    pub pages: u32,
    /// Its size.
    pub bytes: u64,
    /// How many `print-part` calls made it.
    pub parts: u32,
}

/// How a print run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum PrintOutcome {
    /// The file holds the whole run (replacing any file that was there).
    Printed(Printed),
    /// The plugin refused part `part` (from 1) with `error`; no file was
    /// written and a file already at the target is untouched.
    Refused { part: u32, error: Json },
}

/// Prints `card_ids` (one page each, in order) to `out`, `limit` cards per
/// part (0 lets the plugin choose). `progress` hears `(pages done, pages)`
/// after each part.
///
/// `Err` is the host's failure (the file system, a trap, a part that does
/// not continue the document where the file ends); like a refusal, it
/// leaves no file behind.
pub fn print_to_file(
    harness: &GiftCards,
    card_ids: &[u64],
    limit: u32,
    out: &Path,
    mut progress: impl FnMut(u32, u32),
) -> Result<PrintOutcome> {
    let name = out
        .file_name()
        .with_context(|| format!("{} does not name a file", out.display()))?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".part")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;

    let total = card_ids.len() as u32;
    let (mut pages, mut bytes, mut parts) = (0u32, 0u64, 0u32);
    let mut resume = Json::Null;
    loop {
        // Every part adds at least one page, so a run of n cards takes at
        // most n parts; more would mean a plugin going round in circles.
        if parts >= total.max(1) {
            bail!("delivery.print-part did not finish {total} page(s) in {parts} part(s)");
        }
        let args = json!({ "request": {
            "card-ids": card_ids, "resume": resume, "limit": limit,
        }});
        let part = match harness.call_json_read("delivery.print-part", &args)? {
            Outcome::Ok(part) => part,
            Outcome::Err(error) => {
                return Ok(PrintOutcome::Refused {
                    part: parts + 1,
                    error,
                });
            }
        };
        parts += 1;
        let content = bytes_of(&part["content"])?;
        tmp.write_all(&content)
            .with_context(|| format!("writing {}", tmp.path().display()))?;
        bytes += content.len() as u64;
        let added = part["pages"].as_u64().unwrap_or(0) as u32;
        if added == 0 {
            bail!("delivery.print-part returned a part without pages");
        }
        pages += added;
        progress(pages, total);
        match &part["next"] {
            Json::Null => break,
            next => {
                // The next part is written for where the file ends: a
                // plugin that disagrees would make a broken PDF.
                let field = |k: &str| next[k].as_u64();
                if field("pages-done") != Some(u64::from(pages))
                    || field("bytes-done") != Some(bytes)
                {
                    bail!(
                        "delivery.print-part would continue at {next} but the file holds \
                         {pages} page(s), {bytes} bytes"
                    );
                }
                resume = next.clone();
            }
        }
    }
    if pages != total {
        bail!("delivery.print-part printed {pages} page(s) for {total} card(s)");
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("syncing {}", tmp.path().display()))?;
    tmp.persist(out)
        .map_err(|e| e.error)
        .with_context(|| format!("moving the printed file to {}", out.display()))?;
    sync_dir(dir)?;
    Ok(PrintOutcome::Printed(Printed {
        file: out.to_owned(),
        pages,
        bytes,
        parts,
    }))
}

/// Makes a rename in `dir` durable (on Unix, a directory can be synced).
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing the directory {}", dir.display()))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// A `list<u8>` from a call's JSON (an array of numbers).
pub fn bytes_of(value: &Json) -> Result<Vec<u8>> {
    match value {
        Json::Array(items) => items
            .iter()
            .map(|b| {
                b.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .context("document content is not bytes")
            })
            .collect(),
        other => bail!("document content has an unexpected shape: {other}"),
    }
}
