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
//! append). [`summary`] renders any of the files for a person (`outbox show`).
//!
//! The types here are plain Rust; the caller converts the component's WIT
//! records into [`Message`].

use anyhow::{Context, bail, ensure};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How a message reaches its recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Email,
    Sms,
    Print,
}

impl Channel {
    /// The channel's name, as in the index and the file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Print => "print",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Channel::Email => "eml",
            Channel::Sms => "txt",
            Channel::Print => "pdf",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file attached to a message. `content_id` is `Some` for an inline part the
/// HTML refers to (`Some("qr-code")` ⇄ `<img src="cid:qr-code">`) and `None`
/// for a regular attachment.
#[derive(Clone, Debug)]
pub struct Attachment {
    pub name: String,
    pub media_type: String,
    pub content_id: Option<String>,
    pub content: Vec<u8>,
}

/// A message the component rendered, ready for delivery.
#[derive(Clone, Debug)]
pub struct Message {
    /// The component's id for the message.
    pub message_id: u64,
    pub card_id: u64,
    /// `"purchase"`, `"scheduled"`, `"send"`, `"resend"` or `"reminder"`.
    pub kind: String,
    pub channel: Channel,
    /// The shop's name, shown as the sender.
    pub from_name: String,
    /// An email address, a phone number for SMS, or a label for print.
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    /// Inline images have `content_id` `Some("qr-code")` etc.; the HTML refers
    /// to them as `cid:qr-code`.
    pub attachments: Vec<Attachment>,
}

/// One line of an outbox's `index.jsonl`: a stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3… in the order the messages were stored.
    pub seq: u64,
    pub message_id: u64,
    pub card_id: u64,
    pub kind: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    /// The message's file, relative to the outbox folder.
    pub file: String,
    /// When the plugin handed it over (its `Date:`), in Unix seconds.
    pub at: i64,
    /// `None` when SMTP was not asked for (or the message is not an email),
    /// else `"sent to HOST:PORT"`. (Outboxes written before delivery became
    /// at-least-once may also hold `"failed: reason"`.)
    pub smtp: Option<String>,
}

impl Entry {
    /// Whether the message went where it was asked to: its file was written
    /// (it always is once there is an entry) and, if SMTP was asked for, the
    /// relay accepted it.
    pub fn delivered(&self) -> bool {
        self.smtp
            .as_deref()
            .is_none_or(|outcome| outcome.starts_with(SMTP_SENT))
    }
}

const SMTP_SENT: &str = "sent to ";
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
                kind: msg.kind.clone(),
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

/// The email's `Message-ID`: the same for every attempt at one message
/// (the database's key and the plugin's message id make it unique), so a
/// message delivered twice after a crash can be recognised as one.
pub fn message_id(msg: &Message, from_address: &str, key: &str) -> String {
    let domain = from_address
        .rsplit_once('@')
        .map_or("giftcard.invalid", |(_, d)| d);
    format!(
        "<giftcard.{}.{}.{key}@{domain}>",
        msg.card_id, msg.message_id
    )
}

/// `err` and its causes on one line, like `{err:#}`, less the causes an error
/// already spells out in its own message (lettre's do).
pub fn reason(err: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut last = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !last.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        last = text;
    }
    out
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

fn is_media_type(media_type: &str, expected: &str) -> bool {
    media_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(expected))
}

/// `msg` as an RFC 5322 / MIME email from `"{from_name}" <from_address>`,
/// dated `at` (Unix seconds), with the given `Message-ID` (see
/// [`message_id`]).
///
/// The body is `text/plain` alone, or with HTML `multipart/alternative` of the
/// text and the HTML; the HTML's inline images (attachments with a
/// `content_id`) go with it in a `multipart/related`. Attachments without a
/// `content_id` — and, in a message without HTML, all attachments — are
/// regular attachments, the whole then in a `multipart/mixed`.
pub fn email(
    msg: &Message,
    from_address: &str,
    at: i64,
    message_id: &str,
) -> anyhow::Result<lettre::Message> {
    use lettre::Address;
    use lettre::message::header::{ContentType, HeaderName, HeaderValue};
    use lettre::message::{Mailbox, MultiPart, SinglePart};

    enum Body {
        Single(SinglePart),
        Multi(MultiPart),
    }

    let from_address: Address = from_address
        .parse()
        .with_context(|| format!("bad sender address {from_address:?}"))?;
    let to: Mailbox = msg
        .recipient
        .parse()
        .with_context(|| format!("bad recipient address {:?}", msg.recipient))?;
    let date = email_date(at)?;

    let part = |a: &Attachment, inline: bool| -> anyhow::Result<SinglePart> {
        let content_type = ContentType::parse(&a.media_type).with_context(|| {
            format!("attachment {:?}: bad media type {:?}", a.name, a.media_type)
        })?;
        let attachment = match (&a.content_id, inline) {
            (Some(cid), true) => {
                let cid = cid.trim().trim_start_matches('<').trim_end_matches('>');
                if a.name.is_empty() {
                    lettre::message::Attachment::new_inline(cid.to_owned())
                } else {
                    lettre::message::Attachment::new_inline_with_name(
                        cid.to_owned(),
                        a.name.clone(),
                    )
                }
            }
            _ => lettre::message::Attachment::new(a.name.clone()),
        };
        Ok(attachment.body(a.content.clone(), content_type))
    };

    let text = SinglePart::plain(msg.text_body.clone());
    let (mut body, regular): (Body, Vec<&Attachment>) = match &msg.html_body {
        None => (Body::Single(text), msg.attachments.iter().collect()),
        Some(html) => {
            let (inline, regular): (Vec<&Attachment>, Vec<&Attachment>) =
                msg.attachments.iter().partition(|a| a.content_id.is_some());
            let html = SinglePart::html(html.clone());
            let alternative = MultiPart::alternative().singlepart(text);
            let alternative = if inline.is_empty() {
                alternative.singlepart(html)
            } else {
                let mut related = MultiPart::related().singlepart(html);
                for a in inline {
                    related = related.singlepart(part(a, true)?);
                }
                alternative.multipart(related)
            };
            (Body::Multi(alternative), regular)
        }
    };
    if !regular.is_empty() {
        let mut mixed = match body {
            Body::Single(single) => MultiPart::mixed().singlepart(single),
            Body::Multi(multi) => MultiPart::mixed().multipart(multi),
        };
        for a in regular {
            mixed = mixed.singlepart(part(a, false)?);
        }
        body = Body::Multi(mixed);
    }

    let builder = lettre::Message::builder()
        .from(Mailbox::new(Some(msg.from_name.clone()), from_address))
        .to(to)
        .subject(msg.subject.clone())
        .date(date)
        .message_id(Some(message_id.to_owned()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Giftcard-Card"),
            msg.card_id.to_string(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Giftcard-Message"),
            msg.message_id.to_string(),
        ));
    let email = match body {
        Body::Single(single) => builder.singlepart(single),
        Body::Multi(multi) => builder.multipart(multi),
    };
    email.with_context(|| {
        format!(
            "cannot build the email for message {} of card {}",
            msg.message_id, msg.card_id
        )
    })
}

/// `at` as a `SystemTime` the `Date:` header can show (1970 to 9999).
fn email_date(at: i64) -> anyhow::Result<SystemTime> {
    const YEAR_10000: i64 = 253_402_300_800;
    if !(0..YEAR_10000).contains(&at) {
        bail!("time {at} is outside what an email's Date can show (1970 to 9999)");
    }
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(at.unsigned_abs()))
}

/// An SMTP relay to hand emails to, as `HOST:PORT`.
///
/// Plain SMTP: no TLS, no authentication. It is meant for a local relay (a
/// shop's own MTA on the same machine) or a test sink, never for sending over
/// a network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
}

/// Why a `HOST:PORT` is not an SMTP address ([`Smtp::parse`]'s error, which
/// can be downcast to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtpAddressError {
    /// No `:PORT` at all.
    MissingPort { address: String },
    /// Nothing before the `:`.
    MissingHost { address: String },
    /// A port that is not a number from 1 to 65535.
    BadPort { address: String, port: String },
}

impl fmt::Display for SmtpAddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpAddressError::MissingPort { address } => {
                write!(
                    f,
                    "SMTP address {address:?} has no port: expected HOST:PORT"
                )
            }
            SmtpAddressError::MissingHost { address } => {
                write!(
                    f,
                    "SMTP address {address:?} has no host: expected HOST:PORT"
                )
            }
            SmtpAddressError::BadPort { address, port } => write!(
                f,
                "SMTP address {address:?} has a bad port {port:?}: expected a number from 1 to 65535"
            ),
        }
    }
}

impl std::error::Error for SmtpAddressError {}

/// How long one SMTP conversation step may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

impl Smtp {
    /// Parses `HOST:PORT` (`localhost:2525`, `127.0.0.1:25`, `[::1]:25`).
    pub fn parse(address: &str) -> anyhow::Result<Smtp> {
        let address = address.trim();
        let missing_port = || SmtpAddressError::MissingPort {
            address: address.to_owned(),
        };
        let (host, port) = if let Some(rest) = address.strip_prefix('[') {
            // [IPv6]:PORT
            let (host, after) = rest.split_once(']').ok_or_else(missing_port)?;
            (host, after.strip_prefix(':').ok_or_else(missing_port)?)
        } else {
            let (host, port) = address.rsplit_once(':').ok_or_else(missing_port)?;
            if host.contains(':') {
                // A bare IPv6 address: which colon starts the port? Ask for brackets.
                return Err(missing_port().into());
            }
            (host, port)
        };
        if port.is_empty() {
            return Err(missing_port().into());
        }
        if host.is_empty() {
            return Err(SmtpAddressError::MissingHost {
                address: address.to_owned(),
            }
            .into());
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0 && port.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| SmtpAddressError::BadPort {
                address: address.to_owned(),
                port: port.to_owned(),
            })?;
        Ok(Smtp {
            host: host.to_owned(),
            port,
        })
    }

    /// Hands `msg` to the relay over plain SMTP (no TLS: see [`Smtp`]), with
    /// `from_address` as the envelope sender and the message's `To`/`Cc`/`Bcc`
    /// as its recipients, each step limited to a few seconds.
    pub fn send(&self, from_address: &str, msg: &lettre::Message) -> anyhow::Result<()> {
        use lettre::Transport;
        use lettre::address::Envelope;

        let from = from_address
            .parse()
            .with_context(|| format!("bad sender address {from_address:?}"))?;
        let envelope = Envelope::new(Some(from), msg.envelope().to().to_vec())
            .context("the email has no recipient")?;
        let transport = lettre::SmtpTransport::builder_dangerous(self.host.as_str())
            .port(self.port)
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        transport
            .send_raw(&envelope, &msg.formatted())
            .with_context(|| format!("SMTP to {self}"))?;
        Ok(())
    }
}

impl fmt::Display for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// The view token in a message's view link (`…/gift-card/TOKEN`), read
/// from its text or [`summary`]: what the recipient's click would carry.
pub fn view_token(text: &str) -> Option<String> {
    let rest = text.split("/gift-card/").nth(1)?;
    let token: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!token.is_empty()).then_some(token)
}

/// A person's view of an outbox file (`outbox show`): for an email its
/// From/To/Subject/Date, the text part and a list of its attachments and
/// inline parts; for a PDF its size and page count; anything else (an SMS) as
/// text.
pub fn summary(bytes: &[u8]) -> String {
    if bytes.starts_with(b"%PDF") {
        return format!("PDF, {} bytes, {} pages\n", bytes.len(), pdf_pages(bytes));
    }
    if let Some(summary) = email_summary(bytes) {
        return summary;
    }
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn email_summary(bytes: &[u8]) -> Option<String> {
    use fmt::Write as _;
    use mail_parser::{Address, MessageParser, MimeHeaders};

    // An SMS file (`To:`, blank line, text) parses as a message too: an email
    // is told by its MIME-Version or From header.
    let starts_like_email = bytes
        .split(|&b| b == b'\n')
        .take_while(|line| !line.is_empty() && *line != b"\r")
        .any(|line| {
            let line = line.to_ascii_lowercase();
            line.starts_with(b"mime-version:") || line.starts_with(b"from:")
        });
    if !starts_like_email {
        return None;
    }
    let message = MessageParser::default().parse(bytes)?;

    fn addresses(address: Option<&Address<'_>>) -> String {
        let Some(address) = address else {
            return String::new();
        };
        address
            .iter()
            .map(|a| match (a.name(), a.address()) {
                (Some(name), Some(addr)) => format!("\"{name}\" <{addr}>"),
                (None, Some(addr)) => addr.to_owned(),
                (Some(name), None) => name.to_owned(),
                (None, None) => String::new(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    let mut out = String::new();
    let _ = writeln!(out, "From:    {}", addresses(message.from()));
    let _ = writeln!(out, "To:      {}", addresses(message.to()));
    let _ = writeln!(out, "Subject: {}", message.subject().unwrap_or(""));
    let date = message.date().map(|d| d.to_rfc822()).unwrap_or_default();
    let _ = writeln!(out, "Date:    {date}");
    for name in ["X-Giftcard-Card", "X-Giftcard-Message"] {
        if let Some(value) = message.header_raw(name) {
            let _ = writeln!(out, "{name}: {}", value.trim());
        }
    }
    out.push('\n');
    let text = message.body_text(0).unwrap_or_default();
    out.push_str(text.replace("\r\n", "\n").trim_end());
    out.push('\n');

    let parts: Vec<_> = message.attachments().collect();
    if !parts.is_empty() {
        let _ = writeln!(out, "\nParts:");
        for part in parts {
            let media_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            let disposition = part
                .content_disposition()
                .map(|cd| cd.ctype().to_ascii_lowercase())
                .unwrap_or_else(|| "attachment".to_owned());
            let _ = write!(
                out,
                "  {}  {}  {} bytes  {disposition}",
                part.attachment_name().unwrap_or("(unnamed)"),
                media_type,
                part.contents().len(),
            );
            if let Some(cid) = part.content_id() {
                let _ = write!(out, "  cid:{cid}");
            }
            out.push('\n');
        }
    }
    Some(out)
}

/// Counts `/Type /Page` objects (not `/Type /Pages`, the page tree).
fn pdf_pages(bytes: &[u8]) -> usize {
    let mut pages = 0;
    let mut rest = bytes;
    while let Some(i) = find(rest, b"/Type") {
        rest = &rest[i + b"/Type".len()..];
        let after = rest.trim_ascii_start();
        if let Some(tail) = after.strip_prefix(b"/Page")
            && !tail.first().is_some_and(|b| b.is_ascii_alphanumeric())
        {
            pages += 1;
        }
    }
    pages
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
