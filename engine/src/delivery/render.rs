//! The words and pictures of every message and printed card, in one place:
//! email (subject, plain text, HTML with inline QR code and Code 128
//! barcode), SMS (at most 160 characters) and print (a PDF).
//!
//! Everything a buyer typed (names, the personal message) is escaped for
//! HTML and kept to plain ASCII in SMS, so a message can neither inject
//! markup nor silently turn an SMS into a 70-character Unicode one.

use super::{Attachment, Channel, MessageKind, OutboundMessage};
use crate::cards::StoredCard;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::storage::time;
use giftcard_documents::{self as documents, CardText, DocumentError, PrintableCard};
use std::fmt::Write;

/// The most characters one SMS may carry (GSM 7-bit, one part).
pub const SMS_MAX: usize = 160;

/// What a message says about a card, gathered once: the words a printed
/// page shows too, and the links only a message carries.
#[derive(Clone, Debug)]
pub struct CardFacts {
    /// The expiry is the card's UTC day; the personal message is there only
    /// when gift messages are on.
    pub text: CardText,
    pub view_url: String,
    pub storefront_url: String,
}

/// `text` on one line: every control character (and line or paragraph
/// separator, and bidirectional override) becomes a space.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if crate::cards::forbidden(c) { ' ' } else { c })
        .collect()
}

impl CardFacts {
    pub fn of(card: &StoredCard, settings: &Settings, token: &str) -> CardFacts {
        let purchase = card.context.purchase.as_ref();
        let money = |minor: i64| {
            let m = card.money(minor);
            format!("{} {}", m.amount(), m.currency_code())
        };
        // Names are single-line: anything stored before control characters
        // were refused has them turned into spaces here, so no name can
        // forge a line of a message (or its subject).
        let nonblank = |v: Option<&String>| v.filter(|s| !s.trim().is_empty()).map(|s| one_line(s));
        let text = CardText {
            shop_name: one_line(&settings.shop_name),
            code: card.display_code.clone(),
            value: money(card.initial_value),
            balance: money(card.balance),
            expires: card.expires_at.map(|at| time::format(at)[..10].to_owned()),
            recipient_name: nonblank(card.extras.recipient_name.as_ref())
                .or_else(|| nonblank(purchase.and_then(|p| p.recipient_name.as_ref()))),
            sender_name: nonblank(purchase.and_then(|p| p.sender_name.as_ref())),
            message: if settings.gift_messages {
                nonblank(purchase.and_then(|p| p.message.as_ref()))
            } else {
                None
            },
        };
        CardFacts {
            text,
            view_url: format!("{}/gift-card/{token}", settings.storefront_url),
            storefront_url: settings.storefront_url.clone(),
        }
    }

    /// One sentence on how to spend the card.
    pub fn how_to_redeem(&self) -> String {
        format!(
            "Enter the code in the gift card field at checkout on {}; whatever is left stays on the card for next time.",
            self.storefront_url
        )
    }

    fn expiry_line(&self) -> String {
        match &self.text.expires {
            Some(day) => format!("Valid until {day}"),
            None => "Does not expire".into(),
        }
    }

    /// The card as a printed page.
    pub fn printable(&self, settings: &Settings) -> PrintableCard {
        PrintableCard {
            text: self.text.clone(),
            machine_code: self.text.code.clone(),
            how_to_redeem: self.how_to_redeem(),
            qr: settings.qr_codes,
            barcode: settings.barcodes,
        }
    }
}

fn document_error(e: DocumentError) -> Error {
    Error::InvalidArgument(format!("rendering the card: {e}"))
}

/// A PDF of printable cards, one per page.
pub fn pdf(cards: &[PrintableCard]) -> Result<Vec<u8>> {
    documents::cards_pdf(cards).map_err(document_error)
}

/// A card's printed page. A page carries no view link, so printing needs no
/// view token: rendering one reads the card and writes nothing.
pub fn printable(card: &StoredCard, settings: &Settings) -> PrintableCard {
    CardFacts::of(card, settings, "").printable(settings)
}

/// One part of a PDF printed in parts (see [`documents::cards_pdf_part`]).
pub fn pdf_part(
    cards: &[PrintableCard],
    after: Option<documents::PdfPosition>,
    max_bytes: usize,
) -> Result<documents::PdfPart> {
    documents::cards_pdf_part(cards, after, max_bytes).map_err(document_error)
}

/// Renders one message for a channel.
pub fn message(
    facts: &CardFacts,
    settings: &Settings,
    message_id: u64,
    kind: MessageKind,
    channel: Channel,
    recipient: &str,
    card_id: u64,
) -> Result<OutboundMessage> {
    let subject = subject(facts, kind);
    let mut out = OutboundMessage {
        message_id,
        card_id,
        kind,
        channel,
        from_name: facts.text.shop_name.clone(),
        recipient: recipient.to_owned(),
        subject,
        text_body: String::new(),
        html_body: None,
        attachments: Vec::new(),
    };
    match channel {
        Channel::Email => {
            out.text_body = text_body(facts, kind);
            out.html_body = Some(html_body(facts, kind, settings));
            if settings.qr_codes {
                out.attachments.push(Attachment {
                    name: "qr-code.png".into(),
                    media_type: "image/png".into(),
                    content_id: Some("qr-code".into()),
                    content: documents::qr_png(&facts.text.code, 6).map_err(document_error)?,
                });
            }
            if settings.barcodes {
                out.attachments.push(Attachment {
                    name: "barcode.png".into(),
                    media_type: "image/png".into(),
                    content_id: Some("barcode".into()),
                    content: documents::code128_png(&facts.text.code, 2, 80)
                        .map_err(document_error)?,
                });
            }
        }
        Channel::Sms => out.text_body = sms(facts, kind),
        Channel::Print => {
            out.text_body = text_body(facts, kind);
            out.attachments.push(Attachment {
                name: "gift-card.pdf".into(),
                media_type: "application/pdf".into(),
                content_id: None,
                content: pdf(&[facts.printable(settings)])?,
            });
        }
    }
    Ok(out)
}

fn subject(f: &CardFacts, kind: MessageKind) -> String {
    match (kind, &f.text.sender_name) {
        (MessageKind::ExpiryReminder, _) => match &f.text.expires {
            Some(day) => format!("Your gift card expires on {day}: {} left", f.text.balance),
            None => format!("Your gift card still has {} on it", f.text.balance),
        },
        (_, Some(sender)) => format!("{sender} sent you a {} gift card", f.text.value),
        (_, None) => format!("Your {} gift card from {}", f.text.value, f.text.shop_name),
    }
}

fn opening(f: &CardFacts, kind: MessageKind) -> String {
    match (kind, &f.text.sender_name) {
        (MessageKind::ExpiryReminder, _) => format!(
            "Your gift card from {} still has {} on it. {}: spend it before then.",
            f.text.shop_name,
            f.text.balance,
            f.expiry_line()
        ),
        (_, Some(sender)) => format!("{sender} sent you a gift card for {}.", f.text.shop_name),
        (_, None) => format!("Here is your gift card for {}.", f.text.shop_name),
    }
}

fn text_body(f: &CardFacts, kind: MessageKind) -> String {
    let mut t = String::with_capacity(600);
    match &f.text.recipient_name {
        Some(name) => {
            let _ = writeln!(t, "Hello {name},\n");
        }
        None => t.push_str("Hello,\n\n"),
    }
    let _ = writeln!(t, "{}\n", opening(f, kind));
    if let Some(message) = &f.text.message {
        let _ = writeln!(t, "Their message:\n\"{message}\"\n");
    }
    let _ = writeln!(t, "Gift card code: {}", f.text.code);
    let _ = writeln!(t, "Value: {}", f.text.value);
    let _ = writeln!(t, "Balance: {}", f.text.balance);
    let _ = writeln!(t, "{}\n", f.expiry_line());
    let _ = writeln!(t, "How to redeem: {}\n", f.how_to_redeem());
    let _ = writeln!(t, "View your card: {}", f.view_url);
    t
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            _ => out.push(c),
        }
    }
    out
}

fn html_body(f: &CardFacts, kind: MessageKind, settings: &Settings) -> String {
    let e = escape_html;
    let mut h = String::with_capacity(1500);
    let _ = write!(
        h,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:Helvetica,Arial,sans-serif;color:#222\">",
        e(&subject(f, kind))
    );
    let _ = write!(
        h,
        "<p>Hello{},</p><p>{}</p>",
        f.text
            .recipient_name
            .as_deref()
            .map(|n| format!(" {}", e(n)))
            .unwrap_or_default(),
        e(&opening(f, kind))
    );
    if let Some(message) = &f.text.message {
        let _ = write!(
            h,
            "<blockquote style=\"border-left:3px solid #ccc;padding-left:1em\">{}</blockquote>",
            e(message)
        );
    }
    let _ = write!(
        h,
        "<table style=\"border-collapse:collapse\">\
         <tr><td>Gift card code</td><td><strong style=\"font-size:1.3em;letter-spacing:1px\">{}</strong></td></tr>\
         <tr><td>Value</td><td>{}</td></tr><tr><td>Balance</td><td>{}</td></tr>\
         <tr><td colspan=\"2\">{}</td></tr></table>",
        e(&f.text.code),
        e(&f.text.value),
        e(&f.text.balance),
        e(&f.expiry_line())
    );
    if settings.qr_codes {
        h.push_str("<p><img src=\"cid:qr-code\" alt=\"QR code of your gift card code\" width=\"180\" height=\"180\"></p>");
    }
    if settings.barcodes {
        h.push_str("<p><img src=\"cid:barcode\" alt=\"Barcode of your gift card code\"></p>");
    }
    let _ = write!(
        h,
        "<p>{}</p><p><a href=\"{}\">View your card</a></p></body></html>",
        e(&f.how_to_redeem()),
        e(&f.view_url)
    );
    h
}

/// Keeps printable ASCII (and spaces); anything else would force a
/// Unicode SMS with less than half the room.
fn sms_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// The SMS: the essentials first (code and balance), then what still fits
/// in 160 characters, most useful first.
pub fn sms(f: &CardFacts, kind: MessageKind) -> String {
    let mut text = match kind {
        MessageKind::ExpiryReminder => sms_safe(&format!(
            "{}: gift card {} has {} left",
            f.text.shop_name, f.text.code, f.text.balance
        )),
        _ => sms_safe(&format!(
            "{}: gift card {} worth {}",
            f.text.shop_name, f.text.code, f.text.balance
        )),
    };
    if text.len() > SMS_MAX {
        // A very long shop name: drop it, the code and balance must stay.
        text = sms_safe(&format!("Gift card {} ({})", f.text.code, f.text.balance));
    }
    let mut extras = vec![format!(", {}.", f.expiry_line().to_lowercase())];
    if kind != MessageKind::ExpiryReminder
        && let Some(sender) = &f.text.sender_name
    {
        extras.push(sms_safe(&format!(" From {sender}.")));
    }
    extras.push(format!(" {}", sms_safe(&f.view_url)));
    for extra in extras {
        if text.len() + extra.len() <= SMS_MAX {
            text.push_str(&extra);
        }
    }
    text.truncate(SMS_MAX);
    text
}

#[cfg(test)]
mod tests;
