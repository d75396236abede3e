//! The engine's public records. They follow the WIT contract field for
//! field, so native callers (tests, benchmarks) speak the same language as
//! component hosts; but money in them is typed ([`Money`]: minor units and a
//! currency), and inbound decimals are read by the one grammar
//! ([`GivenAmount`]) in the component adapter, which alone formats and
//! parses the contract's decimal strings.

pub use crate::money::GivenAmount;
use serde::{Deserialize, Serialize};

mod cards;
mod pipeline;

pub use cards::*;
pub use pipeline::*;

/// A fieldless enum the contract and the database spell by name (kebab-case,
/// the same names serde writes). strum derives each enum's names and its list
/// of cases, so no enum carries a hand-written table of its own.
pub trait Named: Copy + PartialEq + strum::VariantArray + Into<&'static str> + 'static {
    /// The case's name.
    fn as_str(self) -> &'static str {
        self.into()
    }

    /// The case with this name, if any (exact spelling).
    fn parse(name: &str) -> Option<Self> {
        Self::VARIANTS
            .iter()
            .copied()
            .find(|case| case.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case's name is the one serde writes and reads back.
    fn names_match_serde<T: Named + Serialize + for<'de> Deserialize<'de> + std::fmt::Debug>() {
        for case in T::VARIANTS.iter().copied() {
            let json = serde_json::to_value(case).unwrap();
            assert_eq!(json, serde_json::Value::from(case.as_str()), "{case:?}");
            assert_eq!(T::parse(case.as_str()), Some(case));
            assert_eq!(serde_json::from_value::<T>(json).unwrap(), case);
        }
        assert_eq!(T::parse("no-such-case"), None);
    }

    #[test]
    fn enum_names_are_serde_names() {
        names_match_serde::<CardStatus>();
        names_match_serde::<HistoryAction>();
        names_match_serde::<CardOrigin>();
        names_match_serde::<RefusalReason>();
        names_match_serde::<Channel>();
    }

    /// A card as stored answers (`gc_hook_results.result`) kept it before
    /// [`Card`] held its [`CardSummary`]: every key at the top level, in the
    /// old order. It still reads, and writes back to the same keys.
    #[test]
    fn a_card_stored_flat_still_reads() {
        let stored = serde_json::json!({
            "id": 7,
            "code": "GC-AAAA-BBBB",
            "masked_code": "GC-****-BBBB",
            "status": "active",
            "balance": {"amount": "4.00", "currency": "USD"},
            "initial_value": {"amount": "5.00", "currency": "USD"},
            "amount_type": {"random": {
                "min": {"amount": "5.00", "currency": "USD"},
                "max": {"amount": "6.00", "currency": "USD"}
            }},
            "max_uses": -1,
            "uses": 1,
            "expires_at": null,
            "customer_id": "c-1",
            "recipient_name": "Ann",
            "recipient_email": "ann@example.com",
            "purchaser_customer_id": null,
            "purchaser_email": "bob@example.com",
            "product_id": 3,
            "definition_id": null,
            "campaign_id": 9,
            "comment": null,
            "website": "shop",
            "test": false,
            "origin": "purchase",
            "order_id": "O-1",
            "purchase": {
                "recipient_name": "Ann",
                "recipient_email": "ann@example.com",
                "sender_name": null,
                "sender_email": null,
                "message": "hi",
                "deliver_at": null,
                "validity_days": 30
            },
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-02T00:00:00Z"
        });
        let card: Card = serde_json::from_value(stored.clone()).unwrap();
        let usd = |minor| Money::of(minor, crate::money::Currency::parse("USD").unwrap());
        assert_eq!(card.summary.id, 7);
        assert_eq!(card.code, "GC-AAAA-BBBB");
        assert_eq!(card.summary.balance, usd(400));
        assert_eq!(
            card.summary.amount_type,
            AmountType::Random(AmountRange {
                min: usd(500),
                max: usd(600)
            })
        );
        assert_eq!(card.summary.origin, CardOrigin::Purchase);
        assert_eq!(card.campaign_id, Some(9));
        assert_eq!(card.updated_at, "2026-01-02T00:00:00Z");
        let purchase = card.purchase.as_ref().unwrap();
        assert_eq!(purchase.validity_days, Some(30));
        assert_eq!(purchase.recipient_phone, None);
        // Written back: the same keys and values (the purchase gains the
        // field added in 0.4).
        let mut expected = stored;
        expected["purchase"]["recipient_phone"] = serde_json::Value::Null;
        assert_eq!(serde_json::to_value(&card).unwrap(), expected);
    }
}
