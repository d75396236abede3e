//! The benchmark's operations on the native engine (giftcard-engine over
//! rusqlite, a SQLite file in WAL mode, one transaction per call): what the
//! same work costs without the sandbox.

use super::{QuoteSpec, SEED, T0, Target};
use anyhow::{Result, anyhow, bail};
use giftcard_engine::catalog::batches::{CustomerTarget, DefinitionInput, GenerateRequest};
use giftcard_engine::storage::sqlite::NativeEnv;
use giftcard_engine::{
    BalanceAnswer, BalanceRequest, Channel, CollectRequest, CreateCard, ExpectedCard, GivenMoney,
    Invoice, Line, PlaceRequest, ProductKind, Quote, api,
};
use giftcard_host::Usage;

/// The native engine on a fresh database of its own.
pub struct OnNative {
    env: NativeEnv,
    _dir: tempfile::TempDir,
}

impl OnNative {
    /// A fresh, migrated database in a temporary folder, with the pragmas
    /// the host's SQLite backend uses.
    pub fn open() -> Result<OnNative> {
        let dir = tempfile::tempdir()?;
        let conn = rusqlite::Connection::open(dir.path().join("native.db"))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )?;
        let mut env = NativeEnv::new(conn, T0, SEED);
        env.call(|e| api::migrate(e)).map_err(refused)?;
        Ok(OnNative { env, _dir: dir })
    }
}

fn refused(e: giftcard_engine::Error) -> anyhow::Error {
    anyhow!("the native engine refused a benchmark call: {e}")
}

fn quote(spec: &QuoteSpec) -> Quote {
    Quote {
        id: spec.quote_id.clone(),
        website: "main".into(),
        store: "default".into(),
        currency: "USD".into(),
        base_currency: "USD".into(),
        customer: None,
        test: false,
        lines: lines(spec),
        shipping: "0".into(),
        shipping_tax: "0".into(),
        applied_codes: spec.codes.clone(),
        shipping_country: None,
        billing_country: None,
    }
}

fn lines(spec: &QuoteSpec) -> Vec<Line> {
    (1..=spec.lines)
        .map(|i| Line {
            id: i.to_string(),
            sku: format!("SKU-{i}"),
            kind: ProductKind::Simple,
            quantity: 1,
            unit_price: "10".into(),
            row_total: "10".into(),
            discount: "0".into(),
            tax: "0".into(),
            gift_card: None,
        })
        .collect()
}

impl Target for OnNative {
    type Expected = Vec<ExpectedCard>;

    fn create_card(&mut self, amount: &str) -> Result<String> {
        let request = CreateCard::new(GivenMoney::new(amount, "USD"), "bench");
        let card = (self.env)
            .call(|e| api::create_card(e, request))
            .map_err(refused)?;
        Ok(card.code)
    }

    fn create_definition(&mut self) -> Result<u64> {
        let request = DefinitionInput {
            name: "bench".into(),
            code_name: None,
            description: None,
            enabled: true,
            value: GivenMoney::new("10", "USD"),
            min_order_amount: None,
            valid_from: None,
            valid_to: None,
            target: CustomerTarget::Everyone,
            currencies: Vec::new(),
            required_skus: Vec::new(),
            shipping_countries: Vec::new(),
            billing_countries: Vec::new(),
        };
        let definition = (self.env)
            .call(|e| api::create_definition(e, request))
            .map_err(refused)?;
        Ok(definition.id)
    }

    fn collect(&mut self, spec: &QuoteSpec) -> Result<Self::Expected> {
        let request = CollectRequest {
            quote: quote(spec),
            channel: Channel::Storefront,
        };
        let totals = (self.env)
            .call(|e| api::collect_totals(e, request))
            .map_err(refused)?;
        Ok(totals
            .cards
            .into_iter()
            .map(|c| ExpectedCard {
                code: c.code,
                applied: c.applied.amount().into(),
            })
            .collect())
    }

    fn placed(&mut self, spec: &QuoteSpec, expected: &Self::Expected) -> Result<()> {
        let request = PlaceRequest {
            order_id: spec.order_id.clone(),
            quote: quote(spec),
            expected: expected.clone(),
            channel: Channel::Storefront,
        };
        (self.env)
            .call(|e| api::order_placed(e, request))
            .map_err(refused)?;
        Ok(())
    }

    fn paid(&mut self, spec: &QuoteSpec) -> Result<()> {
        let request = Invoice {
            invoice_id: format!("INV-{}", spec.order_id),
            order_id: spec.order_id.clone(),
            lines: lines(spec),
            shipping: "0".into(),
            shipping_tax: "0".into(),
        };
        (self.env)
            .call(|e| api::invoice_paid(e, request))
            .map_err(refused)?;
        Ok(())
    }

    fn check_balance(&mut self, code: &str, client_key: &str) -> Result<()> {
        let request = BalanceRequest {
            code: code.into(),
            client_key: client_key.into(),
            customer_id: None,
        };
        let answer = (self.env)
            .call(|e| api::check_balance(e, request))
            .map_err(refused)?;
        match answer {
            BalanceAnswer::Found(_) => Ok(()),
            other => bail!("the benchmark card's balance check answered {other:?}"),
        }
    }

    fn generate(&mut self, definition: u64, count: u32) -> Result<()> {
        let request = GenerateRequest {
            definition_id: definition,
            count,
            prefix: None,
            test: false,
            max_uses: None,
            admin_user: "bench".into(),
        };
        (self.env)
            .call(|e| api::generate_codes(e, request))
            .map_err(refused)?;
        Ok(())
    }

    fn usage(&self) -> Option<Usage> {
        None
    }
}
