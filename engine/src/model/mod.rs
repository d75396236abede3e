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
}
