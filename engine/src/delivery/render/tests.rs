use super::*;

fn facts() -> CardFacts {
    CardFacts {
        text: CardText {
            shop_name: "Corner Books".into(),
            code: "GC-ABCD-EFGH-JKLM-NPQR".into(),
            value: "25.00 EUR".into(),
            balance: "20.00 EUR".into(),
            expires: Some("2027-01-31".into()),
            recipient_name: Some("Ana".into()),
            sender_name: Some("Ben <b>".into()),
            message: Some("Happy birthday & <script>alert(1)</script>".into()),
        },
        view_url: "https://shop.example/gift-card/abcdefghijklmnopqrstuvwxyz".into(),
        storefront_url: "https://shop.example".into(),
    }
}

#[test]
fn email_carries_code_amounts_message_and_images() {
    let s = Settings::default();
    let m = message(
        &facts(),
        &s,
        7,
        MessageKind::Issued,
        Channel::Email,
        "ana@example.com",
        3,
    )
    .unwrap();
    assert_eq!(m.subject, "Ben <b> sent you a 25.00 EUR gift card");
    for needle in [
        "GC-ABCD-EFGH-JKLM-NPQR",
        "25.00 EUR",
        "20.00 EUR",
        "Happy birthday",
        "2027-01-31",
        "checkout",
    ] {
        assert!(m.text_body.contains(needle), "{needle} in text");
    }
    let html = m.html_body.unwrap();
    assert!(html.contains("cid:qr-code") && html.contains("cid:barcode"));
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
    assert!(html.contains("Ben &lt;b&gt;"));
    assert_eq!(m.attachments.len(), 2);
    assert!(
        m.attachments
            .iter()
            .all(|a| a.content.starts_with(b"\x89PNG"))
    );
}

#[test]
fn settings_turn_images_and_messages_off() {
    let s = Settings {
        qr_codes: false,
        barcodes: false,
        ..Settings::default()
    };
    let m = message(
        &facts(),
        &s,
        7,
        MessageKind::Send,
        Channel::Email,
        "a@b.co",
        3,
    )
    .unwrap();
    assert!(m.attachments.is_empty());
    assert!(!m.html_body.unwrap().contains("cid:"));
}

#[test]
fn sms_fits_160_characters_and_keeps_code_and_balance() {
    let mut f = facts();
    let text = sms(&f, MessageKind::Issued);
    assert!(text.len() <= SMS_MAX, "{text}");
    assert!(text.contains(&f.text.code) && text.contains("20.00 EUR"));
    f.text.shop_name = "A".repeat(150);
    f.text.sender_name = Some("Zoë ✨".repeat(20));
    let text = sms(&f, MessageKind::Issued);
    assert!(text.len() <= SMS_MAX && text.is_ascii(), "{text}");
    assert!(text.contains(&f.text.code) && text.contains("20.00 EUR"));
    let reminder = sms(&facts(), MessageKind::ExpiryReminder);
    assert!(reminder.contains("left") && reminder.contains("2027-01-31"));
}

#[test]
fn reminder_subject_names_the_date_and_balance() {
    assert_eq!(
        subject(&facts(), MessageKind::ExpiryReminder),
        "Your gift card expires on 2027-01-31: 20.00 EUR left"
    );
}

#[test]
fn print_message_carries_a_pdf() {
    let m = message(
        &facts(),
        &Settings::default(),
        1,
        MessageKind::Send,
        Channel::Print,
        "Ana",
        3,
    )
    .unwrap();
    assert_eq!(m.attachments.len(), 1);
    assert!(m.attachments[0].content.starts_with(b"%PDF"));
}
