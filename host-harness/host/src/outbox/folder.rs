//! Delivery of the messages the component renders: an outbox folder, and
//! optionally SMTP.
//!
//! The component renders a message (a purchase confirmation, the card sent to
//! its recipient, a reminder…) and hands it to the host; what the host does
//! with it is the shop's business. This reference host keeps every message as
//! a file in an outbox folder next to the shop database, with one JSON line per
//! delivered message in the folder's `index.jsonl`, and can also hand emails
//! to an SMTP relay:
//!
//! - an email becomes a real RFC 5322 / MIME message
//!   (`000042-email-k3x9f2ab.eml`: the plugin's message id, the channel and
//!   the database's outbox key), built with [`lettre`]:
//!   `multipart/alternative` of the text and, when there is HTML, a
//!   `multipart/related` holding the HTML and its inline images (`cid:`
//!   references), all inside `multipart/mixed` when there are regular
//!   attachments;
//! - an SMS becomes a text file (`000043-sms-k3x9f2ab.txt`): a `To:` line, a
//!   blank line, the text;
//! - a print job becomes the PDF the component attached
//!   (`000044-print-k3x9f2ab.pdf`).
//!
//! Delivery is **at least once** ([`Outbox::deliver`]): a file is written
//! whole or not at all and never replaces another, a message counts as
//! delivered only once its file is durable (and, with SMTP, once the server
//! accepted it), and until then the caller keeps it and tries again. A message
//! delivered twice after a crash keeps its file name and its email
//! `Message-ID`, so copies can be recognised. The index is append-only, one
//! line per delivered message written in one locked append (the one repair: a
//! last line torn by a crash in mid-append is cut off before the next
//! append). [`super::summary()`] renders any of the files for a person (`outbox show`).
//!
//! The types here are plain Rust; the caller converts the component's WIT
//! records into [`super::Message`].

use super::email::{email, is_media_type, message_id};
use super::{Channel, Entry, Message, Smtp};
use anyhow::{Context, ensure};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub(super) const SMTP_SENT: &str = "sent to ";

const INDEX: &str = "index.jsonl";

/// An outbox folder: one file per message plus `index.jsonl`.
#[derive(Clone, Debug)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    /// The outbox in `dir`, created on the first [`store`](Self::store).
    pub fn at(dir: PathBuf) -> Outbox {
        Outbox { dir }
    }

    /// The outbox of the shop database at `database`: the folder
    /// `<db-file-name>.outbox` beside it, e.g. `shop.db.outbox/` for
    /// `shop.db`.
    ///
    /// Not a plain `outbox/` folder: several databases kept in one folder
    /// (a test run, a demo beside a real shop) share nothing else, so they
    /// must not share — and number into — one outbox either. The full file
    /// name rather than its stem keeps `shop.db` and `shop.sqlite` apart too.
    pub fn next_to(database: &Path) -> Outbox {
        let mut name = database
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "database".into());
        name.push(".outbox");
        Outbox::at(database.with_file_name(name))
    }

    /// The outbox's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a message is kept in: the plugin's message id, its channel
    /// and the key of the database it came from (`000042-email-k3x9f2ab.eml`),
    /// so no two messages can ever share a name, even when several databases
    /// deliver into one folder.
    pub fn file_name(msg: &Message, key: &str) -> String {
        format!(
            "{:06}-{}-{key}.{}",
            msg.message_id,
            msg.channel,
            msg.channel.extension()
        )
    }

    /// Delivers `msg` once more: at least once, never overwriting anything.
    ///
    /// 1. The message's file ([`Outbox::file_name`]) is written durably — to
    ///    a temporary name, synced, then linked into place without replacing
    ///    anything, and the folder synced. If the file is already there (an
    ///    earlier attempt wrote it and then failed or crashed), it is kept as
    ///    it is.
    /// 2. An email is handed to `smtp` when one is given; the message counts
    ///    as delivered only once the server accepted it.
    /// 3. The message's line is appended to the index (once: a retry after a
    ///    crash finds the line already there).
    ///
    /// `from_address` is the shop's address (`From:` and the SMTP envelope
    /// sender), `key` the database's outbox key (in the file name and the
    /// email's `Message-ID`, which is therefore the same on every attempt, so
    /// a receiver can drop a copy) and `queued_at` when the plugin handed the
    /// message over (the `Date:` header). The error is why this attempt did
    /// not deliver; the caller keeps the message and tries again later.
    pub fn deliver(
        &self,
        msg: &Message,
        from_address: &str,
        key: &str,
        queued_at: i64,
        smtp: Option<&Smtp>,
    ) -> anyhow::Result<Entry> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create the outbox {}", self.dir.display()))?;
        let file = Self::file_name(msg, key);
        let mut outcome = None;
        let fresh = match msg.channel {
            Channel::Email => {
                let email = email(
                    msg,
                    from_address,
                    queued_at,
                    &message_id(msg, from_address, key),
                )?;
                let fresh = self.write_once(&file, &email.formatted())?;
                if let Some(smtp) = smtp {
                    smtp.send(from_address, &email)
                        .with_context(|| format!("SMTP to {smtp} failed"))?;
                    outcome = Some(format!("{SMTP_SENT}{smtp}"));
                }
                fresh
            }
            Channel::Sms => {
                let text = format!("To: {}\n\n{}", msg.recipient, msg.text_body);
                self.write_once(&file, text.as_bytes())?
            }
            Channel::Print => {
                let pdf = msg
                    .attachments
                    .iter()
                    .find(|a| is_media_type(&a.media_type, "application/pdf"))
                    .with_context(|| {
                        format!(
                            "print message {} for card {} has no application/pdf attachment",
                            msg.message_id, msg.card_id
                        )
                    })?;
                self.write_once(&file, &pdf.content)?
            }
        };
        self.append(
            |seq| Entry {
                seq,
                message_id: msg.message_id,
                card_id: msg.card_id,
                kind: msg.kind.as_str().to_owned(),
                channel: msg.channel,
                recipient: msg.recipient.clone(),
                subject: msg.subject.clone(),
                file: file.clone(),
                at: queued_at,
                smtp: outcome.clone(),
            },
            !fresh,
        )
    }

    /// Appends the entry `make(seq)` to the index under its lock, as one
    /// write followed by a sync; with `once`, an entry for the same file
    /// already there is returned instead of writing a second one.
    fn append(&self, make: impl FnOnce(u64) -> Entry, once: bool) -> anyhow::Result<Entry> {
        let index_path = self.dir.join(INDEX);
        let mut index = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&index_path)
            .with_context(|| format!("cannot open {}", index_path.display()))?;
        index
            .lock()
            .with_context(|| format!("cannot lock {}", index_path.display()))?;
        let lines = complete_lines(&mut index)
            .with_context(|| format!("cannot read {}", index_path.display()))?;
        let entry = make(lines.count + 1);
        if once
            && let Some(existing) = lines
                .text
                .lines()
                .filter_map(|l| serde_json::from_str::<Entry>(l).ok())
                .find(|e| e.file == entry.file)
        {
            // The file and its line are this message's, from an earlier
            // attempt, unless another database with the same outbox key (a
            // copy of this one) delivered into this folder: then nothing
            // may be taken as delivered.
            let same = existing.message_id == entry.message_id
                && existing.card_id == entry.card_id
                && existing.channel == entry.channel
                && existing.recipient == entry.recipient
                && existing.kind == entry.kind;
            ensure!(
                same,
                "{} in {} holds another message (card {}, {} to {}): is a copy of this \
                 database delivering into the same outbox? Give one of them another --outbox",
                entry.file,
                self.dir.display(),
                existing.card_id,
                existing.kind,
                existing.recipient
            );
            return Ok(existing);
        }
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        index
            .write_all(line.as_bytes())
            .and_then(|()| index.sync_data())
            .with_context(|| format!("cannot append to {}", index_path.display()))?;
        Ok(entry)
    }

    /// The stored messages' entries in order; empty when nothing was stored.
    pub fn list(&self) -> anyhow::Result<Vec<Entry>> {
        let path = self.dir.join(INDEX);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err).context(format!("cannot read {}", path.display())),
        };
        // A last line without its newline is a torn write: not an entry.
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        complete
            .lines()
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .with_context(|| format!("{} line {}: not an entry", path.display(), i + 1))
            })
            .collect()
    }

    /// The entry numbered `seq` and its file's bytes.
    pub fn get(&self, seq: u64) -> anyhow::Result<(Entry, Vec<u8>)> {
        let entry = self
            .list()?
            .into_iter()
            .find(|e| e.seq == seq)
            .with_context(|| format!("no message {seq} in the outbox {}", self.dir.display()))?;
        ensure!(
            is_plain_file_name(&entry.file),
            "message {seq}: bad file name {:?} in the index",
            entry.file
        );
        let path = self.dir.join(&entry.file);
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok((entry, bytes))
    }

    /// Writes `name` unless it exists: to a temporary name first, synced,
    /// then hard-linked into place (which never replaces a file, unlike a
    /// rename) and the folder synced, so the file is either absent or whole.
    /// Returns whether it was written now.
    fn write_once(&self, name: &str, bytes: &[u8]) -> anyhow::Result<bool> {
        let path = self.dir.join(name);
        if path.exists() {
            return Ok(false);
        }
        let write = || -> io::Result<bool> {
            // A temporary file of its own (a random name, created new), so
            // two writers of one message never share one.
            let mut tmp = tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".tmp")
                .tempfile_in(&self.dir)?;
            tmp.write_all(bytes)?;
            tmp.as_file().sync_all()?;
            // Into place without replacing anything (a no-replace rename,
            // or a hard link where that is what the system offers).
            let placed = match tmp.persist_noclobber(&path) {
                Ok(_) => true,
                // Another writer delivered the same message meanwhile.
                Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(e.error),
            };
            sync_dir(&self.dir)?;
            Ok(placed)
        };
        write().with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Makes a new name in `dir` durable (on Unix, a directory can be synced).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The locked index's complete lines (its text and how many).
struct Lines {
    text: String,
    count: u64,
}

/// Reads the newline-terminated lines of the locked index and cuts off a
/// torn last line (a crash in the middle of an append) so the next line
/// starts clean.
fn complete_lines(index: &mut File) -> io::Result<Lines> {
    let mut bytes = Vec::new();
    index.seek(SeekFrom::Start(0))?;
    index.read_to_end(&mut bytes)?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if complete < bytes.len() {
        index.set_len(complete as u64)?;
    }
    bytes.truncate(complete);
    let count = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    Ok(Lines {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        count,
    })
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name().is_some_and(|n| n == name)
}
