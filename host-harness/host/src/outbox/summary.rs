//! A stored message rendered for a person (`outbox show`): the headers and
//! text of an email, an SMS, the pages of a print PDF; and the view token in
//! a message's link.

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
    use mail_parser::{Address, MessageParser, MimeHeaders};
    use std::fmt::Write as _;

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
