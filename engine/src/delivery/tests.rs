//! Delivery natively: what goes out on purchase (now or at the delivery
//! date), admin send and resend, delivery reports, the view link, printing,
//! and bad input writing nothing.

use super::*;
use crate::api;
use crate::model::{
    Channel as SaleChannel, CreateCard, CustomerInfo, GiftCardPurchase, GivenMoney, Line,
    ProductKind, Quote,
};
use crate::storage::sqlite::NativeEnv;
use crate::storage::time::DAY;
use crate::testing::{self, T0};

pub(crate) fn env() -> NativeEnv {
    NativeEnv::in_memory(T0, 11)
}

pub(crate) fn purchase_line(purchase: GiftCardPurchase) -> Line {
    Line {
        sku: "GIFT".into(),
        gift_card: Some(purchase),
        ..testing::line("1", ProductKind::GiftCard, 1, "25.00", "25.00")
    }
}

/// Places and pays an order for one 25.00 EUR card; returns the card id.
pub(crate) fn buy(env: &mut NativeEnv, order: &str, purchase: GiftCardPurchase) -> Result<u64> {
    let quote = Quote {
        customer: Some(CustomerInfo {
            id: "c-1".into(),
            groups: vec![],
            email: Some("buyer@example.com".into()),
        }),
        ..testing::quote(
            &format!("Q-{order}"),
            "EUR",
            vec![purchase_line(purchase.clone())],
        )
    };
    testing::place_expecting(env, order, quote, vec![], SaleChannel::Storefront)?;
    let invoice = testing::invoice(
        &format!("I-{order}"),
        order,
        vec![purchase_line(purchase)],
        "0",
    );
    let paid = env.call(|e| api::invoice_paid(e, invoice))?;
    Ok(paid.issued[0].summary.id)
}

pub(crate) fn gift(recipient: Option<&str>) -> GiftCardPurchase {
    GiftCardPurchase {
        recipient_name: Some("Ana".into()),
        recipient_email: recipient.map(str::to_owned),
        sender_name: Some("Ben".into()),
        message: Some("Happy birthday!".into()),
        ..GiftCardPurchase::default()
    }
}

fn admin_card(env: &mut NativeEnv, email: Option<&str>) -> u64 {
    env.call(|e| {
        api::create_card(
            e,
            CreateCard {
                recipient_email: email.map(str::to_owned),
                ..CreateCard::new(GivenMoney::new("10.00", "USD"), "alice")
            },
        )
    })
    .unwrap()
    .summary
    .id
}

fn send_request(card_id: u64, channel: Channel, to: Option<&str>) -> SendRequest {
    SendRequest {
        card_id,
        channel,
        recipient: to.map(str::to_owned),
        admin: "alice".into(),
    }
}

/// Staff send card `card_id` on `channel` (to `to`, or its recipient).
fn send(
    env: &mut NativeEnv,
    card_id: u64,
    channel: Channel,
    to: Option<&str>,
) -> Result<MessageInfo> {
    env.call(|e| api::send_card(e, send_request(card_id, channel, to)))
}

/// Staff send card `card_id` again.
fn resend(
    env: &mut NativeEnv,
    card_id: u64,
    channel: Channel,
    to: Option<&str>,
) -> Result<MessageInfo> {
    env.call(|e| api::resend_card(e, send_request(card_id, channel, to)))
}

#[test]
fn a_paid_card_is_emailed_to_its_recipient_at_once() {
    let mut env = env();
    let id = buy(&mut env, "o1", gift(Some("ana@example.com"))).unwrap();
    assert_eq!(env.outbox.len(), 1);
    let m = &env.outbox[0];
    assert_eq!(
        (m.card_id, m.kind, m.channel),
        (id, MessageKind::Issued, Channel::Email)
    );
    assert_eq!(m.recipient, "ana@example.com");
    assert!(m.text_body.contains("Happy birthday!") && m.text_body.contains("25.00 EUR"));
    let d = env.call(|e| api::card_delivery(e, id)).unwrap();
    assert_eq!(d.sent_at.as_deref(), Some(time::format(T0).as_str()));
    assert_eq!(d.scheduled_for, None);
    assert_eq!(d.messages.len(), 1);
    assert_eq!(d.messages[0].status, MessageStatus::Pending);
}

#[test]
fn without_a_recipient_the_buyer_gets_the_card() {
    let mut env = env();
    buy(&mut env, "o1", gift(None)).unwrap();
    assert_eq!(env.outbox.len(), 1);
    assert_eq!(env.outbox[0].recipient, "buyer@example.com");
}

#[test]
fn a_recipient_phone_also_gets_an_sms() {
    let mut env = env();
    let mut p = gift(Some("ana@example.com"));
    p.recipient_phone = Some("+44 20 7946 0958".into());
    buy(&mut env, "o1", p).unwrap();
    let channels: Vec<_> = env
        .outbox
        .iter()
        .map(|m| (m.channel, m.recipient.clone()))
        .collect();
    assert_eq!(
        channels,
        vec![
            (Channel::Email, "ana@example.com".to_owned()),
            (Channel::Sms, "+442079460958".to_owned())
        ]
    );
    assert!(env.outbox[1].text_body.len() <= render::SMS_MAX);
}

#[test]
fn a_delivery_date_schedules_the_message_and_the_card_works_at_once() {
    let mut env = env();
    let mut p = gift(Some("ana@example.com"));
    let week = T0 + 7 * DAY;
    p.deliver_at = Some(time::format(week));
    let id = buy(&mut env, "o1", p).unwrap();
    assert!(env.outbox.is_empty(), "nothing is sent before the date");
    let d = env.call(|e| api::card_delivery(e, id)).unwrap();
    assert_eq!(
        d.scheduled_for.as_deref(),
        Some(time::format(week).as_str())
    );
    assert_eq!(d.messages[0].status, MessageStatus::Scheduled);
    assert_eq!(d.sent_at, None);
    let card = crate::cards::load(&mut env, &CardRef::Id(id)).unwrap();
    assert_eq!(card.status(T0), CardStatus::Active);
}

#[test]
fn a_delivery_date_in_the_past_is_refused_at_checkout() {
    let mut env = env();
    let mut p = gift(Some("ana@example.com"));
    p.deliver_at = Some(time::format(T0 - 60));
    let before = env.dump();
    let err = buy(&mut env, "o1", p).unwrap_err();
    crate::assert_says!(err, Error::InvalidDeliveryDate, "in the past");
    assert_eq!(env.dump(), before);
}

#[test]
fn bad_recipient_addresses_are_refused() {
    let mut env = env();
    let mut p = gift(Some("ana@example.com"));
    p.recipient_phone = Some("12345".into());
    crate::assert_says!(
        buy(&mut env, "o1", p).unwrap_err(),
        Error::InvalidArgument,
        "recipient-phone"
    );
    let id = admin_card(&mut env, None);
    let before = env.dump();
    for (channel, to) in [
        (Channel::Email, "not-an-address"),
        (Channel::Sms, "020 7946"),
        (Channel::Email, "a@b"),
    ] {
        let err = send(&mut env, id, channel, Some(to)).unwrap_err();
        assert!(matches!(err, Error::InvalidRecipient(_)), "{to}: {err:?}");
    }
    assert_eq!(
        send(&mut env, id, Channel::Email, None).unwrap_err(),
        Error::NoRecipient
    );
    assert_eq!(
        send(&mut env, 999, Channel::Email, Some("a@b.co")).unwrap_err(),
        Error::CardNotFound
    );
    assert_eq!(env.dump(), before);
    assert!(env.outbox.is_empty());
}

#[test]
fn admin_send_and_resend() {
    let mut env = env();
    let id = admin_card(&mut env, Some("zoe@example.com"));
    let first = send(&mut env, id, Channel::Email, None).unwrap();
    assert_eq!(
        (first.kind, first.recipient.as_str()),
        (MessageKind::Send, "zoe@example.com")
    );
    let other = send(&mut env, id, Channel::Email, Some("max@example.com")).unwrap();
    assert_eq!(other.recipient, "max@example.com");
    let again = resend(&mut env, id, Channel::Email, None).unwrap();
    assert_eq!(
        (again.kind, again.recipient.as_str()),
        (MessageKind::Resend, "max@example.com")
    );
    let sms = send(&mut env, id, Channel::Sms, Some("+1 555 010 9999")).unwrap();
    assert_eq!(sms.recipient, "+15550109999");
    let print = send(&mut env, id, Channel::Print, None).unwrap();
    assert_eq!(print.channel, Channel::Print);
    assert_eq!(env.outbox.len(), 5);
    assert!(env.outbox[4].attachments[0].content.starts_with(b"%PDF"));
}

#[test]
fn a_refusing_host_means_delivery_failed_and_nothing_recorded() {
    let mut env = env();
    let id = admin_card(&mut env, Some("zoe@example.com"));
    env.refuse_delivery = Some(DeliveryError::Unavailable("SMTP down".into()));
    let before = env.dump();
    let err = send(&mut env, id, Channel::Email, None).unwrap_err();
    crate::assert_says!(err, Error::DeliveryFailed, "SMTP down");
    assert_eq!(env.dump(), before);
}

#[test]
fn cancelled_cards_are_not_sent() {
    let mut env = env();
    let id = admin_card(&mut env, Some("zoe@example.com"));
    cancel(&mut env, id);
    let err = send(&mut env, id, Channel::Email, None).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidStatus {
            status: CardStatus::Cancelled,
            ..
        }
    ));
}

/// The record tells the truth while the host retries: `pending` once
/// handed over, `failed` with the host's latest reason after a failed
/// attempt, and `delivered` (reason cleared) when an attempt succeeds.
#[test]
fn a_failed_attempt_stays_retryable_until_delivered() {
    let mut env = env();
    let id = admin_card(&mut env, Some("zoe@example.com"));
    let m = send(&mut env, id, Channel::Email, None).unwrap();
    assert_eq!(m.status, MessageStatus::Pending);
    assert_eq!(m.failure, None);
    let fail = |env: &mut NativeEnv, at: i64, why: &str| {
        env.call(|e| {
            api::record_delivery(
                e,
                DeliveryReport {
                    message_id: m.message_id,
                    delivered: false,
                    at: time::format(at),
                    failure: Some(why.into()),
                },
            )
        })
        .unwrap()
    };
    let first = fail(
        &mut env,
        T0 + 1,
        "cannot create the outbox: Not a directory",
    );
    assert_eq!(first.status, MessageStatus::Failed);
    assert_eq!(first.delivered_at, None);
    let second = fail(&mut env, T0 + 2, "SMTP to 127.0.0.1:25 failed: refused");
    assert_eq!(
        second.failure.as_deref(),
        Some("SMTP to 127.0.0.1:25 failed: refused"),
        "the latest reason"
    );
    let d = env.call(|e| api::card_delivery(e, id)).unwrap();
    assert_eq!(d.delivered_at, None, "not delivered while only failing");
    let done = env
        .call(|e| {
            api::record_delivery(
                e,
                DeliveryReport {
                    message_id: m.message_id,
                    delivered: true,
                    at: time::format(T0 + 3),
                    failure: None,
                },
            )
        })
        .unwrap();
    assert_eq!(done.status, MessageStatus::Delivered);
    assert_eq!(done.failure, None);
    assert_eq!(done.delivered_at, Some(time::format(T0 + 3)));
    // A failure text with a control character is refused, unchanged.
    let bad = env.call(|e| {
        api::record_delivery(
            e,
            DeliveryReport {
                message_id: m.message_id,
                delivered: false,
                at: time::format(T0 + 4),
                failure: Some("line\r\nforged".into()),
            },
        )
    });
    assert!(matches!(bad, Err(Error::InvalidArgument(_))), "{bad:?}");
}

#[test]
fn delivery_reports_are_recorded_once() {
    let mut env = env();
    let id = admin_card(&mut env, Some("zoe@example.com"));
    let m = send(&mut env, id, Channel::Email, None).unwrap();
    let report = |at: i64| DeliveryReport {
        message_id: m.message_id,
        delivered: true,
        at: time::format(at),
        failure: None,
    };
    let done = env
        .call(|e| api::record_delivery(e, report(T0 + 5)))
        .unwrap();
    assert_eq!(done.status, MessageStatus::Delivered);
    let again = env
        .call(|e| api::record_delivery(e, report(T0 + 50)))
        .unwrap();
    assert_eq!(again.delivered_at, Some(time::format(T0 + 5)));
    let d = env.call(|e| api::card_delivery(e, id)).unwrap();
    assert_eq!(d.delivered_at, Some(time::format(T0 + 5)));
    let failed_late = env
        .call(|e| {
            api::record_delivery(
                e,
                DeliveryReport {
                    message_id: m.message_id,
                    delivered: false,
                    at: time::format(T0 + 60),
                    failure: Some("bounced".into()),
                },
            )
        })
        .unwrap();
    assert_eq!(
        failed_late.status,
        MessageStatus::Delivered,
        "delivered wins"
    );
    let unknown = DeliveryReport {
        message_id: 9999,
        ..report(T0)
    };
    assert_eq!(
        env.call(|e| api::record_delivery(e, unknown)).unwrap_err(),
        Error::NotFound
    );
}

#[test]
fn the_view_link_shows_the_card_and_records_the_first_view() {
    let mut env = env();
    let id = buy(&mut env, "o1", gift(Some("ana@example.com"))).unwrap();
    let body = env.outbox[0].text_body.clone();
    let token = body
        .split("/gift-card/")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), TOKEN_LEN);
    env.now = T0 + 100;
    let view = env.call(|e| api::view_card(e, &token)).unwrap();
    assert_eq!(view.balance, Money::parse("25.00", "EUR").unwrap());
    assert_eq!(view.message.as_deref(), Some("Happy birthday!"));
    assert_eq!(view.first_viewed_at, time::format(T0 + 100));
    env.now = T0 + 200;
    let again = env.call(|e| api::view_card(e, &token)).unwrap();
    assert_eq!(again.first_viewed_at, time::format(T0 + 100));
    let d = env.call(|e| api::card_delivery(e, id)).unwrap();
    assert_eq!(d.first_viewed_at, Some(time::format(T0 + 100)));
    for bad in [
        "",
        "abc",
        &token.to_uppercase(),
        &"a".repeat(TOKEN_LEN),
        "' OR 1=1 --",
    ] {
        assert_eq!(
            env.call(|e| api::view_card(e, bad)).unwrap_err(),
            Error::NotFound,
            "{bad}"
        );
    }
}

#[test]
fn view_tokens_differ_per_card() {
    let mut env = env();
    let a = admin_card(&mut env, Some("a@example.com"));
    let b = admin_card(&mut env, Some("b@example.com"));
    let ta = env.call(|e| view_token(e, a)).unwrap();
    let tb = env.call(|e| view_token(e, b)).unwrap();
    assert_ne!(ta, tb);
    assert_eq!(
        env.call(|e| view_token(e, a)).unwrap(),
        ta,
        "stable once made"
    );
}

#[test]
fn printing_makes_one_page_per_card_and_refuses_unknown_cards() {
    let mut env = env();
    let a = admin_card(&mut env, None);
    let b = admin_card(&mut env, None);
    let doc = env.call(|e| api::print_cards(e, &[a, b])).unwrap();
    assert_eq!(doc.pages, 2);
    assert!(doc.content.starts_with(b"%PDF"));
    let before = env.dump();
    assert_eq!(
        env.call(|e| api::print_cards(e, &[a, 999])).unwrap_err(),
        Error::CardNotFound
    );
    assert!(matches!(
        env.call(|e| api::print_cards(e, &[])).unwrap_err(),
        Error::InvalidArgument(_)
    ));
    assert!(matches!(
        env.call(|e| api::print_cards(e, &[a, a])).unwrap_err(),
        Error::InvalidArgument(_)
    ));
    assert_eq!(env.dump(), before);
}

#[test]
fn base32_tokens_use_the_alphabet() {
    let t = base32(&[0xff; 17], TOKEN_LEN);
    assert_eq!(t, "7".repeat(TOKEN_LEN));
    assert_eq!(base32(&[0; 17], TOKEN_LEN), "a".repeat(TOKEN_LEN));
}

fn cancel(env: &mut NativeEnv, id: u64) {
    env.call(|e| {
        api::cancel_card(
            e,
            crate::model::SetStatus {
                card: CardRef::Id(id),
                comment: None,
                admin_user: "alice".into(),
            },
        )
    })
    .unwrap();
}

fn part(ids: &[u64], resume: Option<PrintResume>, limit: u32) -> PrintPartRequest {
    PrintPartRequest {
        card_ids: ids.to_vec(),
        resume,
        limit,
    }
}

/// Prints a run part by part as a host would; returns the file and each
/// part's page count.
fn print_run(env: &mut NativeEnv, ids: &[u64], limit: u32) -> (Vec<u8>, Vec<u32>) {
    let (mut file, mut pages, mut resume) = (Vec::new(), Vec::new(), None);
    loop {
        let p = env
            .call(|e| api::print_part(e, part(ids, resume, limit)))
            .unwrap();
        file.extend_from_slice(&p.content);
        pages.push(p.pages);
        match p.next {
            Some(next) => {
                assert_eq!(next.bytes_done, file.len() as u64);
                assert_eq!(next.pages_done, pages.iter().sum::<u32>());
                assert!(file[next.previous_xref as usize..].starts_with(b"xref\n"));
                resume = Some(next);
            }
            None => return (file, pages),
        }
    }
}

#[test]
fn a_print_run_comes_in_parts_of_limit_cards_and_writes_nothing() {
    let mut env = env();
    let ids: Vec<u64> = (0..5).map(|_| admin_card(&mut env, None)).collect();
    let before = env.dump();
    let (file, pages) = print_run(&mut env, &ids, 2);
    assert_eq!(pages, [2, 2, 1]);
    assert!(file.starts_with(b"%PDF-") && file.ends_with(b"%%EOF"));
    let text = String::from_utf8_lossy(&file);
    assert_eq!(text.matches("\nxref\n").count(), 3, "one xref per part");
    assert_eq!(text.matches("/Prev ").count(), 2);
    assert_eq!(env.dump(), before, "printing reads only");

    // The first part is exactly what print-cards makes of its cards.
    let first = env
        .call(|e| api::print_part(e, part(&ids[..2], None, 2)))
        .unwrap();
    assert_eq!(first.next, None, "a run that fits one part ends there");
    let doc = env.call(|e| api::print_cards(e, &ids[..2])).unwrap();
    assert_eq!(first.content, doc.content);
}

#[test]
fn a_limit_of_zero_means_fifty_cards_per_part() {
    let mut env = env();
    let ids: Vec<u64> = (0..51).map(|_| admin_card(&mut env, None)).collect();
    let (_, pages) = print_run(&mut env, &ids, 0);
    assert_eq!(pages, [50, 1]);
    let (_, pages) = print_run(&mut env, &ids, 100);
    assert_eq!(pages, [51]);
}

#[test]
fn malformed_print_requests_are_refused_and_write_nothing() {
    let mut env = env();
    let a = admin_card(&mut env, None);
    let b = admin_card(&mut env, None);
    let first = env
        .call(|e| api::print_part(e, part(&[a, b], None, 1)))
        .unwrap();
    let good = first.next.unwrap();
    assert!(
        env.call(|e| api::print_part(e, part(&[a, b], Some(good), 1)))
            .is_ok()
    );
    let before = env.dump();
    let too_many: Vec<u64> = (1..=MAX_PRINT_RUN as u64 + 1).collect();
    let bad = [
        ("card-ids", part(&[], None, 0)),
        ("card-ids", part(&too_many, None, 0)),
        ("card-ids", part(&[a, b, a], None, 0)),
        ("limit", part(&[a, b], None, MAX_PRINT_PART + 1)),
        ("limit", part(&[a, b], None, u32::MAX)),
        (
            "resume.pages-done",
            part(
                &[a, b],
                Some(PrintResume {
                    pages_done: 0,
                    ..good
                }),
                1,
            ),
        ),
        (
            "resume.pages-done",
            part(
                &[a, b],
                Some(PrintResume {
                    pages_done: 2,
                    ..good
                }),
                1,
            ),
        ),
        (
            "resume (bytes-done, previous-xref)",
            part(
                &[a, b],
                Some(PrintResume {
                    previous_xref: good.bytes_done,
                    ..good
                }),
                1,
            ),
        ),
        (
            "resume (bytes-done, previous-xref)",
            part(
                &[a, b],
                Some(PrintResume {
                    previous_xref: 0,
                    ..good
                }),
                1,
            ),
        ),
        (
            "resume (bytes-done, previous-xref)",
            part(
                &[a, b],
                Some(PrintResume {
                    bytes_done: u64::MAX,
                    ..good
                }),
                1,
            ),
        ),
    ];
    for (field, req) in bad {
        match env.call(|e| api::print_part(e, req.clone())) {
            Err(Error::InvalidArgument(m)) => assert!(m.starts_with(field), "{m}"),
            other => panic!("{req:?}: {other:?}"),
        }
    }
    assert_eq!(env.dump(), before);
}

#[test]
fn the_first_part_refuses_a_run_with_any_unprintable_card() {
    let mut env = env();
    let ids: Vec<u64> = (0..4).map(|_| admin_card(&mut env, None)).collect();
    let gone = admin_card(&mut env, None);
    cancel(&mut env, gone);
    let before = env.dump();
    // The bad card is in the last part, far from the first: still refused
    // before any page is drawn.
    let mut run = ids.clone();
    run.push(999_999);
    assert_eq!(
        env.call(|e| api::print_part(e, part(&run, None, 1)))
            .unwrap_err(),
        Error::CardNotFound
    );
    run.pop();
    run.push(u64::MAX);
    assert_eq!(
        env.call(|e| api::print_part(e, part(&run, None, 1)))
            .unwrap_err(),
        Error::CardNotFound
    );
    run.pop();
    run.push(gone);
    assert_eq!(
        env.call(|e| api::print_part(e, part(&run, None, 1)))
            .unwrap_err(),
        Error::InvalidStatus {
            status: CardStatus::Cancelled,
            operation: "print".into()
        }
    );
    assert_eq!(env.dump(), before);
}

#[test]
fn later_parts_check_their_own_cards_again() {
    let mut env = env();
    let ids: Vec<u64> = (0..6).map(|_| admin_card(&mut env, None)).collect();
    let first = env
        .call(|e| api::print_part(e, part(&ids, None, 2)))
        .unwrap();
    let next = first.next.unwrap();
    // A card of the last part is cancelled after the first part: the second
    // part (cards 3 and 4) still prints, the last one is refused.
    cancel(&mut env, ids[5]);
    let second = env
        .call(|e| api::print_part(e, part(&ids, Some(next), 2)))
        .unwrap();
    assert_eq!(second.pages, 2);
    assert!(matches!(
        env.call(|e| api::print_part(e, part(&ids, second.next, 2))),
        Err(Error::InvalidStatus { .. })
    ));
    // A card of the second part cancelled: the second part is refused.
    cancel(&mut env, ids[2]);
    assert!(matches!(
        env.call(|e| api::print_part(e, part(&ids, Some(next), 2))),
        Err(Error::InvalidStatus { .. })
    ));
}
