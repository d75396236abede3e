//! The benchmark's operations through the component: typed calls on
//! [`GiftCards`], each its own transaction on a SQLite file in WAL mode, as
//! a shop makes them.

use super::{QuoteSpec, SEED, T0, Target};
use anyhow::{Result, anyhow, bail};
use giftcard_host::api::{admin, batches, customer, invoices, orders, totals};
use giftcard_host::commerce::{Channel, Line, ProductKind, Quote};
use giftcard_host::outbox::queue::DeliveryConfig;
use giftcard_host::types::{Error, Money};
use giftcard_host::{Clock, GiftCards, InstancePolicy, Options, Runtime, Usage};
use std::sync::Arc;

/// The component on a fresh database of its own.
pub struct OnComponent {
    cards: GiftCards,
    _dir: tempfile::TempDir,
}

impl OnComponent {
    /// A fresh, migrated database in a temporary folder, on a fixed clock
    /// and a seeded random source, its calls on instances as `instances`
    /// says.
    pub fn open(runtime: &Arc<Runtime>, instances: InstancePolicy) -> Result<OnComponent> {
        let dir = tempfile::tempdir()?;
        let options = Options {
            clock: Clock::fixed(T0),
            seed: Some(SEED),
            delivery: DeliveryConfig {
                outbox: Some(dir.path().join("outbox")),
                ..DeliveryConfig::default()
            },
            instances,
            ..Options::default()
        };
        let cards = GiftCards::open_sqlite_with(
            Arc::clone(runtime),
            &dir.path().join("bench.db"),
            &options,
        )?;
        Ok(OnComponent { cards, _dir: dir })
    }
}

fn refused(e: Error) -> anyhow::Error {
    anyhow!("the plugin refused a benchmark call: {e:?}")
}

fn quote(spec: &QuoteSpec) -> Quote {
    Quote {
        lines: (1..=spec.lines)
            .map(|i| {
                let id = i.to_string();
                Line::new(&id, &format!("SKU-{i}"), ProductKind::Simple, 1, "10", "10")
            })
            .collect(),
        applied_codes: spec.codes.clone(),
        ..Quote::new(&spec.quote_id, "main", "default", "USD")
    }
}

impl Target for OnComponent {
    type Expected = Vec<orders::ExpectedCard>;

    fn create_card(&mut self, amount: &str) -> Result<String> {
        let request = admin::CreateCardRequest::new(Money::new(amount, "USD"), "bench");
        let card = (self.cards)
            .call(|p, s| {
                p.giftcard_plugin_admin(&mut *s)?
                    .call_create_card(s, &request)
            })?
            .map_err(refused)?;
        Ok(card.code)
    }

    fn create_definition(&mut self) -> Result<u64> {
        let request = batches::DefinitionInput {
            name: "bench".into(),
            code_name: None,
            description: None,
            enabled: true,
            value: Money::new("10", "USD"),
            min_order_amount: None,
            valid_from: None,
            valid_to: None,
            target: batches::CustomerTarget::Everyone,
            currencies: Vec::new(),
            required_skus: Vec::new(),
            shipping_countries: Vec::new(),
            billing_countries: Vec::new(),
        };
        let definition = (self.cards)
            .call(|p, s| {
                p.giftcard_plugin_batches(&mut *s)?
                    .call_create_definition(s, &request)
            })?
            .map_err(refused)?;
        Ok(definition.id)
    }

    fn collect(&mut self, spec: &QuoteSpec) -> Result<Self::Expected> {
        let request = totals::CollectRequest {
            quote: quote(spec),
            channel: Channel::Storefront,
        };
        let totals = (self.cards)
            .call(|p, s| p.giftcard_plugin_totals(&mut *s)?.call_collect(s, &request))?
            .map_err(refused)?;
        Ok(totals
            .cards
            .into_iter()
            .map(|c| orders::ExpectedCard {
                code: c.code,
                applied: c.applied,
            })
            .collect())
    }

    fn placed(&mut self, spec: &QuoteSpec, expected: &Self::Expected) -> Result<()> {
        let request = orders::PlaceRequest {
            order_id: spec.order_id.clone(),
            quote: quote(spec),
            expected: expected.clone(),
            channel: Channel::Storefront,
        };
        (self.cards)
            .call(|p, s| p.giftcard_plugin_orders(&mut *s)?.call_placed(s, &request))?
            .map_err(refused)?;
        Ok(())
    }

    fn paid(&mut self, spec: &QuoteSpec) -> Result<()> {
        let request = invoices::Invoice {
            invoice_id: format!("INV-{}", spec.order_id),
            order_id: spec.order_id.clone(),
            lines: quote(spec).lines,
            shipping: "0".into(),
            shipping_tax: "0".into(),
        };
        (self.cards)
            .call(|p, s| p.giftcard_plugin_invoices(&mut *s)?.call_paid(s, &request))?
            .map_err(refused)?;
        Ok(())
    }

    fn check_balance(&mut self, code: &str, client_key: &str) -> Result<()> {
        let request = customer::BalanceRequest {
            code: code.into(),
            client_key: client_key.into(),
            customer_id: None,
        };
        let answer = (self.cards)
            .call(|p, s| {
                p.giftcard_plugin_customer(&mut *s)?
                    .call_check_balance(s, &request)
            })?
            .map_err(refused)?;
        match answer {
            customer::BalanceAnswer::Found(_) => Ok(()),
            other => bail!("the benchmark card's balance check answered {other:?}"),
        }
    }

    fn generate(&mut self, definition: u64, count: u32) -> Result<()> {
        let request = batches::GenerateRequest {
            definition_id: definition,
            count,
            prefix: None,
            test: false,
            max_uses: None,
            admin_user: "bench".into(),
        };
        (self.cards)
            .call(|p, s| {
                p.giftcard_plugin_batches(&mut *s)?
                    .call_generate_codes(s, &request)
            })?
            .map_err(refused)?;
        Ok(())
    }

    fn usage(&self) -> Option<Usage> {
        Some(self.cards.runtime().usage())
    }
}
