use super::*;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0};

fn line(id: &str, qty: i32, unit: &str, total: &str) -> Line {
    testing::line(id, ProductKind::Simple, qty, unit, total)
}

fn place(env: &mut NativeEnv, id: &str, total: &str, currency: &str) {
    let quote = testing::quote(
        &format!("Q-{id}"),
        currency,
        vec![line("1", 1, total, total)],
    );
    testing::place_expecting(env, id, quote, vec![], Channel::Admin).unwrap();
}

fn invoice_all(env: &mut NativeEnv, order: &str, total: &str) {
    let invoice = testing::invoice(
        &format!("I-{order}"),
        order,
        vec![line("1", 1, total, total)],
        "0",
    );
    env.call(|e| crate::api::invoice_paid(e, invoice)).unwrap();
}

fn refund(env: &mut NativeEnv, order: &str, total: &str) {
    let memo = testing::memo(
        &format!("M-{order}-{total}"),
        order,
        total,
        &[],
        RefundDestination::OriginalCards,
    );
    env.call(|e| crate::api::memo_refunded(e, memo)).unwrap();
}

fn request(order: &str, amount: &str, role: StaffRole, confirm: bool) -> IssueRequest {
    IssueRequest {
        order_id: order.into(),
        amount: amount.into(),
        role,
        confirm_over_limit: confirm,
        admin_user: "alice".into(),
        comment: None,
        recipient_email: None,
        validity_days: None,
        reference: None,
    }
}

fn issue(env: &mut NativeEnv, req: IssueRequest) -> Result<Issued> {
    env.call(|e| crate::api::issue_from_order(e, req))
}

fn limit_err(e: Error) -> (String, String) {
    match e {
        Error::IssueLimitExceeded(l) | Error::ConfirmationRequired(l) => {
            (l.limit.amount(), l.requested.amount())
        }
        other => panic!("not a limit error: {other:?}"),
    }
}

#[test]
fn goodwill_limit_shrinks_with_refunds_and_cards() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", "50", "USD");
    invoice_all(&mut env, "O-1", "50");
    refund(&mut env, "O-1", "15");
    // 50 − 15 = 35.
    let first = issue(&mut env, request("O-1", "20", StaffRole::Staff, false)).unwrap();
    assert_eq!(first.limit.amount(), "35.00");
    assert!(!first.over_limit);
    assert_eq!(first.card.summary.origin, CardOrigin::OrderIssued);
    assert_eq!(first.card.order_id.as_deref(), Some("O-1"));
    assert!(
        first.note.starts_with("Gift card GC-****-****-****-")
            && first
                .note
                .ends_with(" of 20.00 USD issued by alice (limit 35.00 USD)"),
        "{}",
        first.note
    );
    // 35 − 20 = 15 left.
    let err = issue(&mut env, request("O-1", "15.01", StaffRole::Staff, false)).unwrap_err();
    assert!(matches!(err, Error::IssueLimitExceeded(_)));
    assert_eq!(limit_err(err), ("15.00".into(), "15.01".into()));
    let err = issue(&mut env, request("O-1", "40", StaffRole::Supervisor, false)).unwrap_err();
    assert!(matches!(err, Error::ConfirmationRequired(_)));
    assert_eq!(limit_err(err), ("15.00".into(), "40.00".into()));
    let over = issue(&mut env, request("O-1", "40", StaffRole::Supervisor, true)).unwrap();
    assert!(over.over_limit);
    assert_eq!(over.limit.amount(), "15.00");
    // Nothing is left, never below zero.
    let err = issue(&mut env, request("O-1", "0.01", StaffRole::Staff, false)).unwrap_err();
    assert_eq!(limit_err(err), ("0.00".into(), "0.01".into()));
    // The ledger rows name the order and the admin.
    let history = env
        .call(|e| {
            crate::api::card_history(
                e,
                &CardRef::Id(over.card.summary.id),
                PageRequest::default(),
            )
        })
        .unwrap();
    assert_eq!(history.entries[0].reference.as_deref(), Some("issue:O-1:2"));
    assert_eq!(history.entries[0].actor, Actor::Admin("alice".into()));
}

#[test]
fn goodwill_is_idempotent_on_reference_and_validates_input() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", "30", "EUR");
    let mut req = request("O-1", "10", StaffRole::Staff, false);
    req.reference = Some("ticket-7".into());
    req.recipient_email = Some("bob@example.com".into());
    req.validity_days = Some(30);
    let a = issue(&mut env, req.clone()).unwrap();
    let b = issue(&mut env, req.clone()).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a.card.summary.balance,
        Money::parse("10.00", "EUR").unwrap()
    );
    assert_eq!(
        a.card.summary.recipient_email.as_deref(),
        Some("bob@example.com")
    );
    assert_eq!(
        a.card.summary.expires_at.as_deref(),
        Some(time::format(T0 + 30 * 86_400).as_str())
    );
    let mut other = req.clone();
    other.amount = "11".into();
    assert!(matches!(
        issue(&mut env, other),
        Err(Error::InvalidArgument(_))
    ));
    for (field, bad) in [
        ("amount", request("O-1", "0", StaffRole::Staff, false)),
        ("amount", request("O-1", "1.001", StaffRole::Staff, false)),
    ] {
        assert!(
            matches!(issue(&mut env, bad), Err(Error::InvalidAmount(_))),
            "{field}"
        );
    }
    let mut bad = request("O-1", "1", StaffRole::Staff, false);
    bad.recipient_email = Some("not-an-email".into());
    assert!(matches!(
        issue(&mut env, bad),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        issue(&mut env, request("NOPE", "1", StaffRole::Staff, false)),
        Err(Error::OrderNotFound)
    ));
    testing::cancel(&mut env, "O-1").unwrap();
    assert!(matches!(
        issue(&mut env, request("O-1", "1", StaffRole::Staff, false)),
        Err(Error::OrderState(_))
    ));
    // A replay with the reference still answers after cancellation.
    assert_eq!(issue(&mut env, req).unwrap(), a);
}

fn campaign(name: &str, reward: CampaignReward) -> CampaignInput {
    CampaignInput {
        name: name.into(),
        reward,
        min_order_total: None,
        website: None,
        starts_at: None,
        ends_at: None,
        validity_days: None,
        active: true,
    }
}

fn create(env: &mut NativeEnv, input: CampaignInput) -> Result<Campaign> {
    env.call(|e| crate::api::create_campaign(e, input))
}

fn complete(env: &mut NativeEnv, order: &str) -> Result<Vec<Card>> {
    env.call(|e| {
        crate::api::order_completed(
            e,
            CompleteRequest {
                order_id: order.into(),
            },
        )
    })
}

#[test]
fn percent_rounds_half_up() {
    let p = |s: &str| parse_percent(s).unwrap();
    assert_eq!(percent_of(18_000, p("10")), 1_800);
    assert_eq!(percent_of(1_005, p("10")), 101); // 100.5 → 101
    assert_eq!(percent_of(1_004, p("10")), 100); // 100.4 → 100
    assert_eq!(percent_of(3, p("12.5")), 0); // 0.375 → 0
    assert_eq!(percent_of(4, p("12.5")), 1); // 0.5 → 1
    assert_eq!(percent_of(999, p("100")), 999);
    for bad in [
        "0", "0.0", "100.01", "150", "-5", "abc", "1e2", "", "10.00001",
    ] {
        assert!(
            matches!(parse_percent(bad), Err(Error::InvalidArgument(m)) if m.starts_with("campaign percentage must be")),
            "{bad}"
        );
    }
}

#[test]
fn campaigns_reward_completed_orders_once() {
    let mut env = NativeEnv::in_memory(T0, 5);
    let ten = create(
        &mut env,
        campaign("Ten percent", CampaignReward::Percent("10".into())),
    )
    .unwrap();
    let mut fixed = campaign(
        "Five off",
        CampaignReward::Fixed(GivenMoney::new("5", "USD")),
    );
    fixed.min_order_total = Some("100".into());
    fixed.validity_days = Some(90);
    let fixed = create(&mut env, fixed).unwrap();
    let mut euro = campaign("Euro", CampaignReward::Fixed(GivenMoney::new("7", "EUR")));
    euro.website = Some("main".into());
    create(&mut env, euro).unwrap();
    let mut later = campaign("Later", CampaignReward::Percent("50".into()));
    later.starts_at = Some(time::format(T0 + 10));
    create(&mut env, later).unwrap();
    let mut off = campaign("Off", CampaignReward::Percent("50".into()));
    off.active = false;
    create(&mut env, off).unwrap();
    let mut other_site = campaign("Other site", CampaignReward::Percent("50".into()));
    other_site.website = Some("outlet".into());
    create(&mut env, other_site).unwrap();

    place(&mut env, "O-1", "180", "USD");
    let cards = complete(&mut env, "O-1").unwrap();
    let values: Vec<(String, Option<u64>)> = cards
        .iter()
        .map(|c| (c.summary.initial_value.amount(), c.campaign_id))
        .collect();
    assert_eq!(
        values,
        [
            ("18.00".into(), Some(ten.id)),
            ("5.00".into(), Some(fixed.id))
        ]
    );
    assert!(
        cards
            .iter()
            .all(|c| c.summary.origin == CardOrigin::Campaign
                && c.order_id.as_deref() == Some("O-1"))
    );
    assert_eq!(cards[0].summary.expires_at, None);
    assert_eq!(
        cards[1].summary.expires_at,
        Some(time::format(T0 + 90 * 86_400))
    );
    let history = env
        .call(|e| {
            crate::api::card_history(e, &CardRef::Id(cards[0].summary.id), PageRequest::default())
        })
        .unwrap();
    assert_eq!(
        history.entries[0].reference,
        Some(format!("campaign:{}:order:O-1", ten.id))
    );
    // A replay returns the same cards, and a new campaign changes nothing.
    create(
        &mut env,
        campaign("New", CampaignReward::Percent("1".into())),
    )
    .unwrap();
    assert_eq!(complete(&mut env, "O-1").unwrap(), cards);
    let listed = env.call(|e| crate::api::list_campaigns(e)).unwrap();
    assert_eq!(listed[0].cards_issued, 1);
    assert_eq!(listed[1].cards_issued, 1);
    assert_eq!(listed[2].cards_issued, 0);

    // Below the minimum: only the percentage; a tiny order: nothing.
    place(&mut env, "O-2", "99.99", "USD");
    let cards = complete(&mut env, "O-2").unwrap();
    assert_eq!(cards.len(), 2, "10% and the new 1%");
    assert_eq!(cards[0].summary.initial_value.amount(), "10.00");
    place(&mut env, "O-3", "0.04", "USD");
    assert_eq!(complete(&mut env, "O-3").unwrap(), vec![]);
    assert!(matches!(
        complete(&mut env, "NOPE"),
        Err(Error::OrderNotFound)
    ));
}

#[test]
fn campaign_validation_and_update() {
    let mut env = NativeEnv::in_memory(T0, 5);
    let bad = |reward: CampaignReward| campaign("x", reward);
    assert!(matches!(
        create(&mut env, bad(CampaignReward::Percent("150".into()))),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        create(
            &mut env,
            bad(CampaignReward::Fixed(GivenMoney::new("0", "USD")))
        ),
        Err(Error::InvalidAmount(_))
    ));
    assert!(matches!(
        create(
            &mut env,
            bad(CampaignReward::Fixed(GivenMoney::new("5", "XYZ")))
        ),
        Err(Error::UnknownCurrency(_))
    ));
    assert!(matches!(
        create(&mut env, campaign(" ", CampaignReward::Percent("5".into()))),
        Err(Error::InvalidArgument(_))
    ));
    let mut window = campaign("w", CampaignReward::Percent("5".into()));
    window.starts_at = Some("2026-06-01T00:00:00Z".into());
    window.ends_at = Some("2026-05-01T00:00:00Z".into());
    assert!(matches!(
        create(&mut env, window),
        Err(Error::InvalidArgument(_))
    ));
    let mut min = campaign("m", CampaignReward::Percent("5".into()));
    min.min_order_total = Some("-1".into());
    assert!(matches!(
        create(&mut env, min),
        Err(Error::InvalidAmount(_))
    ));
    assert!(
        env.call(|e| crate::api::list_campaigns(e))
            .unwrap()
            .is_empty()
    );

    let c = create(
        &mut env,
        campaign("Spring", CampaignReward::Percent("12.50".into())),
    )
    .unwrap();
    assert_eq!(c.fields.reward, CampaignReward::Percent("12.5".into()));
    let mut fields = c.fields.clone();
    fields.reward = CampaignReward::Fixed(GivenMoney::new("3", "USD"));
    fields.active = false;
    let u = env
        .call(|e| crate::api::update_campaign(e, UpdateCampaign { id: c.id, fields }))
        .unwrap();
    assert_eq!(
        u.fields.reward,
        CampaignReward::Fixed(GivenMoney::new("3.00", "USD"))
    );
    assert!(!u.fields.active);
    assert_eq!(u.created_at, c.created_at);
    let missing = env.call(|e| {
        crate::api::update_campaign(
            e,
            UpdateCampaign {
                id: 99,
                fields: campaign("x", CampaignReward::Percent("1".into())),
            },
        )
    });
    assert!(matches!(missing, Err(Error::CampaignNotFound)));
}
