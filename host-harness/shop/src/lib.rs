//! A simulated Magento-like shop around the plugin, for the CLI, scenarios
//! and tests: websites and stores, exchange rates, a catalog (simple, digital
//! and gift-card products), customers with account credit, quotes with
//! discount, shipping and tax, the totals pipeline, checkout, invoices,
//! shipments, credit memos and cancellation.
//!
//! Everything is reached through one dispatcher, [`Shop::run`], with an
//! action name and JSON arguments (kebab-case keys); [`ACTIONS`] lists every
//! action, its arguments one struct for both the JSON and the command line's
//! flags and `--help`.
//!
//! **One transaction per operation.** Each action runs in one database
//! transaction holding both the shop's rows (`shop_*` tables) and every
//! plugin call it makes ([`giftcard_host::GiftCards::call_in`]): it commits when
//! the action succeeds and rolls back when the shop refuses, a plugin call
//! returns `err`, or a call traps. The one exception is a refused or
//! rate-limited code: the plugin records the attempt (rate limit, refusal
//! log), so that is committed while the shop answers `code-refused` /
//! `rate-limited`.
//!
//! **Totals pipeline**, in this fixed order: subtotal → discount → shipping →
//! tax ([`pricing`]) → gift card (the plugin's `totals.collect`) → grand total.
//! Money is exact: integer minor units and `rust_decimal`, rounding half up.
//! Records hold amounts as [`amount::Money`]; an answer shows them as
//! decimal strings ([`amount::shown`], applied by [`Shop::run`]).

pub mod amount;
pub mod catalog;
pub mod context;
pub mod customers;
pub mod error;
pub mod invoices;
pub mod issuing;
pub mod memos;
pub mod model;
pub mod money;
pub mod orders;
pub mod pricing;
pub mod quotes;
pub mod shipments;
pub mod words;

use anyhow::Result;
use context::Ctx;
use error::{Fail, Res, ShopError, finish};
use giftcard_host::GiftCards;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// One shop action. Its arguments are one struct, deriving both
/// `clap::Args` (the command line's flags and `--help`) and
/// `serde::Deserialize` (the JSON every caller hands [`Shop::run`]), so a
/// flag and its JSON key cannot drift apart; [`ACTIONS`] pairs it with the
/// action's name, its one-line description and the function that runs it.
pub struct Action {
    /// `group.verb`, e.g. `quote.apply-code`.
    pub name: &'static str,
    pub about: &'static str,
    /// Adds the arguments' flags to a command, as declared on the struct:
    /// `<Args as clap::Args>::augment_args`. Only the flags are used: the
    /// command line turns what it read into JSON for [`Shop::run`], which
    /// reads it with serde, as for every caller.
    pub augment_args: fn(clap::Command) -> clap::Command,
    /// Reads the arguments into the struct, then runs the action.
    run: fn(&mut Ctx, &Json) -> Res<Json>,
    /// Only reads the arguments.
    check: fn(&Json) -> Result<(), ShopError>,
}

impl Action {
    /// The group, e.g. `quote` of `quote.apply-code`.
    pub fn group(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(g, _)| g)
    }

    /// The verb, e.g. `apply-code` of `quote.apply-code`.
    pub fn verb(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(_, v)| v)
    }

    /// The arguments as declared: a command named after the verb (its
    /// description the action's, not the struct's doc comment).
    pub fn command(&self) -> clap::Command {
        (self.augment_args)(clap::Command::new(self.verb()))
            .about(self.about)
            .long_about(None)
    }

    /// Reads `args` as [`Shop::run`] would, without running anything: the
    /// `invalid-argument` refusal it would answer, if any.
    pub fn check_args(&self, args: &Json) -> Result<(), ShopError> {
        (self.check)(args)
    }
}

/// `actions! { "group.verb", Args, run_fn, "about"; … }`: the table, each
/// action's arguments read with [`parse_args`] into its `Args` struct.
macro_rules! actions {
    ($($name:literal, $args:ty, $run:path, $about:literal;)*) => {
        /// Every action, in the order a shop is set up and used.
        pub static ACTIONS: &[Action] = &[$(Action {
            name: $name,
            about: $about,
            augment_args: <$args as clap::Args>::augment_args,
            run: |ctx, args| $run(ctx, parse_args::<$args>(args)?),
            check: |args| read_args::<$args>(args).map(drop),
        }),*];
    };
}

actions! {
    "website.create", catalog::WebsiteArgs, catalog::website_create,
        "Create a website (base currency, tax rate, flat shipping)";
    "website.list", NoArgs, catalog::website_list,
        "List websites and stores";
    "store.create", catalog::StoreArgs, catalog::store_create,
        "Create a store view of a website";
    "rate.set", catalog::RateArgs, catalog::rate_set,
        "Set the shop's exchange rate for exactly (from, to); no inverse or chaining";
    "rate.list", NoArgs, catalog::rate_list,
        "List exchange rates";
    "product.create", catalog::ProductArgs, catalog::product_create,
        "Create a product: simple (shipped), digital, or gift-card";
    "product.show", catalog::SkuArgs, catalog::product_show,
        "Show a product";
    "product.list", NoArgs, catalog::product_list,
        "List products";
    "product.set-active", catalog::ActiveArgs, catalog::product_set_active,
        "Switch a product on or off";
    "customer.create", customers::CreateArgs, customers::create,
        "Create a customer of a website";
    "customer.show", customers::IdArgs, customers::show,
        "Show a customer, their credit history and orders";
    "customer.list", NoArgs, customers::list,
        "List customers";
    "customer.add-credit", customers::CreditArgs, customers::add_credit,
        "Add (or with a negative amount, take) account credit";
    "customer.add-card", customers::AddCardArgs, customers::add_card,
        "Add a gift card to the customer's account: its whole balance becomes credit (plugin customer.redeem-to-account)";
    "customer.bought-cards", customers::MyCardsArgs, customers::bought_cards,
        "The gift cards a customer bought (plugin customer.my-bought-cards)";
    "customer.used-cards", customers::MyCardsArgs, customers::used_cards,
        "The gift cards a customer used (plugin customer.my-used-cards)";
    "quote.create", quotes::CreateArgs, quotes::create,
        "Start a quote (cart) in a store";
    "quote.show", quotes::QuoteArgs, quotes::show,
        "Show a stored quote (no collection)";
    "quote.list", NoArgs, quotes::list,
        "List quotes";
    "quote.add-item", quotes::AddItemArgs, quotes::add_item,
        "Add a product (the plugin checks the line may join)";
    "quote.update-item", quotes::LineArgs, quotes::update_item,
        "Change a line's quantity (0 or none removes it)";
    "quote.set-discount", quotes::DiscountArgs, quotes::set_discount,
        "Set a percent or fixed discount (neither clears it)";
    "quote.set-shipping", quotes::ShippingArgs, quotes::set_shipping,
        "Override shipping (none restores the website's flat rate)";
    "quote.apply-code", quotes::ApplyArgs, quotes::apply_code,
        "Apply a gift-card code (plugin totals.apply-code)";
    "quote.remove-code", quotes::RemoveArgs, quotes::remove_code,
        "Remove a gift-card code (plugin totals.remove-code)";
    "quote.totals", quotes::TotalsArgs, quotes::totals,
        "Collect the quote: every total, card applications, payment methods";
    "order.place", orders::PlaceArgs, orders::place,
        "Check out a quote (plugin orders.placed) and take payment";
    "order.show", orders::OrderArgs, orders::show,
        "Show an order: totals, gift cards, invoices, shipments, memos, card movements";
    "order.list", NoArgs, orders::list,
        "List orders";
    "order.invoice", invoices::InvoiceArgs, invoices::create,
        "Invoice (part of) an order (plugin invoices.collect, then .paid unless --pay false)";
    "invoice.pay", invoices::IdArgs, invoices::pay,
        "Pay an open invoice (plugin invoices.paid issues bought cards)";
    "invoice.show", invoices::IdArgs, invoices::show,
        "Show an invoice";
    "order.ship", shipments::ShipArgs, shipments::create,
        "Ship physical lines (no plugin call)";
    "order.refund", memos::RefundArgs, memos::refund,
        "Credit memo (plugin credit-memos.collect, then .refunded)";
    "order.issue-gift-card", issuing::IssueArgs, issuing::issue_gift_card,
        "Issue a goodwill card from an order (plugin issuing.issue-from-order); the note joins the order";
    "memo.show", memos::IdArgs, memos::show,
        "Show a credit memo";
    "order.cancel", orders::CancelArgs, orders::cancel,
        "Cancel what was never invoiced (plugin orders.cancelled)";
}

/// An action by name.
pub fn action(name: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// A line and a quantity, for invoices, shipments and memos.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LineQty {
    pub line: String,
    pub quantity: i64,
}

/// One `LINE=QTY` of a `--lines` flag (`--lines 1=2,3=1`), as typed: the
/// command line's value parser for [`LineQty`] only keeps the text, and the
/// command line reads it into `{"line": "1", "quantity": 2}` itself (with
/// its own message for a malformed one) before serde reads the JSON.
#[derive(Clone, Debug)]
pub struct LineText(pub String);

impl clap::builder::ValueParserFactory for LineQty {
    type Parser =
        clap::builder::MapValueParser<clap::builder::StringValueParser, fn(String) -> LineText>;

    fn value_parser() -> Self::Parser {
        use clap::builder::TypedValueParser;
        clap::builder::StringValueParser::new().map(LineText)
    }
}

/// For actions without arguments (`null` or `{}`).
#[derive(clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Reads an action's arguments; `null` counts as `{}`.
pub fn parse_args<T: DeserializeOwned>(args: &Json) -> Res<T> {
    read_args(args).map_err(Fail::Shop)
}

fn read_args<T: DeserializeOwned>(args: &Json) -> Result<T, ShopError> {
    let args = if args.is_null() {
        Json::Object(Default::default())
    } else {
        args.clone()
    };
    serde_json::from_value(args).map_err(|e| ShopError::InvalidArgument(e.to_string()))
}

/// The shop, over a harness's database and component.
pub struct Shop<'h> {
    harness: &'h GiftCards,
}

impl<'h> Shop<'h> {
    /// Opens the shop, creating its tables if missing.
    pub fn open(harness: &'h GiftCards) -> Result<Shop<'h>> {
        let mut tx = harness.begin()?;
        for sql in context::schema() {
            if let Err(e) = tx.execute(&sql, &[]) {
                let _ = tx.rollback();
                anyhow::bail!("creating the shop's tables: {e}");
            }
        }
        tx.commit()
            .map_err(|e| anyhow::anyhow!("creating the shop's tables: {e}"))?;
        Ok(Shop { harness })
    }

    /// Runs one action in one transaction. `Ok(Ok(answer))` on success
    /// (committed); `Ok(Err(refusal))` with the shop's typed error or the
    /// plugin's, as it came (rolled back, except a recorded code refusal);
    /// `Err` when the host failed or the plugin trapped (rolled back).
    pub fn run(&self, action_name: &str, args: &Json) -> Result<Answer> {
        let Some(action) = action(action_name) else {
            return Ok(Err(Refusal::Shop(ShopError::UnknownAction(
                action_name.to_owned(),
            ))));
        };
        let mut ctx = Ctx::new(self.harness, self.harness.begin()?);
        let result = (action.run)(&mut ctx, args);
        let tx = ctx.into_tx();
        match result {
            Ok(v) => {
                finish(tx, true)?;
                self.harness.deliver_after_commit();
                Ok(Ok(amount::shown(v)))
            }
            Err(Fail::Shop(e)) => {
                finish(tx, false)?;
                Ok(Err(Refusal::Shop(e)))
            }
            Err(Fail::Plugin(e)) => {
                finish(tx, false)?;
                Ok(Err(Refusal::Plugin(e)))
            }
            Err(Fail::Recorded(e)) => {
                finish(tx, true)?;
                Ok(Err(Refusal::Shop(e)))
            }
            Err(Fail::Host(e)) => {
                finish(tx, false)?;
                Err(e.context(format!(
                    "shop action `{action_name}` failed; nothing was kept"
                )))
            }
        }
    }
}

/// What an action answers: its result, or why it was refused.
pub type Answer = std::result::Result<Json, Refusal>;

/// Why an action was refused: by the shop, or by the plugin (its WIT
/// `error`, as the plugin gave it).
#[derive(Clone, Debug)]
pub enum Refusal {
    Shop(ShopError),
    Plugin(giftcard_host::types::Error),
}

impl Refusal {
    /// Both read the same way: `"case"` or `{"case": payload}`, kebab-case.
    pub fn to_json(&self) -> Json {
        match self {
            Refusal::Shop(e) => e.to_json(),
            Refusal::Plugin(e) => giftcard_host::to_json(e),
        }
    }
}
