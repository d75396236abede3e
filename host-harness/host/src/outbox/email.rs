//! Emails as real RFC 5322 / MIME messages (built with [`lettre`]), their
//! stable `Message-ID`, and delivery to an SMTP relay.

use super::{Attachment, Message};
use anyhow::{Context, bail};
use std::fmt;
use std::time::{Duration, SystemTime};

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

pub(super) fn is_media_type(media_type: &str, expected: &str) -> bool {
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
