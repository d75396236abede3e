//! A simulated Magento-like shop around the plugin, for the CLI, scenarios
//! and tests: websites and stores, exchange rates, a catalog (simple, digital
//! and gift-card products), customers with account credit, quotes with
//! discount, shipping and tax, the totals pipeline, checkout, invoices,
//! shipments, credit memos and cancellation.
//!
//! Everything is reached through one dispatcher, [`Shop::run`], with an
//! action name and JSON arguments (kebab-case keys); [`ACTIONS`] lists every
//! action with its arguments (the CLI builds its flags and `--help` from it).
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
pub mod render;
pub mod shipments;
pub mod words;

use anyhow::Result;
use context::Ctx;
use error::{Fail, Res, ShopError, finish};
use giftcard_host::GiftCards;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// How an argument is given on the command line (JSON takes any of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A string.
    Text,
    /// A whole number.
    Int,
    /// `true` / `false` (a bare `--flag` means true).
    Bool,
    /// A list of strings (comma-separated, or the flag repeated).
    List,
    /// Line quantities: `--lines 1=2,3=1` (line id = quantity).
    Lines,
}

/// One argument of an action.
#[derive(Clone, Copy, Debug)]
pub struct ArgDoc {
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
    pub help: &'static str,
}

/// One shop action.
pub struct Action {
    /// `group.verb`, e.g. `quote.apply-code`.
    pub name: &'static str,
    pub about: &'static str,
    pub args: &'static [ArgDoc],
    run: fn(&mut Ctx, &Json) -> Res<Json>,
}

const fn arg(name: &'static str, kind: ArgKind, required: bool, help: &'static str) -> ArgDoc {
    ArgDoc {
        name,
        kind,
        required,
        help,
    }
}

use ArgKind::{Bool, Int, Lines, List, Text};

/// Every action, in the order a shop is set up and used.
pub static ACTIONS: &[Action] = &[
    Action {
        name: "website.create",
        about: "Create a website (base currency, tax rate, flat shipping)",
        run: catalog::website_create,
        args: &[
            arg("code", Text, true, "Website code"),
            arg("name", Text, false, "Display name"),
            arg(
                "base-currency",
                Text,
                true,
                "ISO 4217 base currency (prices, account credit, bought cards)",
            ),
            arg(
                "tax-rate",
                Text,
                false,
                "Tax rate percent, e.g. 20 or 7.25 (default 0)",
            ),
            arg(
                "shipping-rate",
                Text,
                false,
                "Flat shipping for quotes with a physical line, base currency (default 0)",
            ),
        ],
    },
    Action {
        name: "website.list",
        about: "List websites and stores",
        run: catalog::website_list,
        args: &[],
    },
    Action {
        name: "store.create",
        about: "Create a store view of a website",
        run: catalog::store_create,
        args: &[
            arg("code", Text, true, "Store code"),
            arg("website", Text, true, "Website code"),
            arg("name", Text, false, "Display name"),
            arg(
                "currency",
                Text,
                false,
                "Display (charged) currency; default the website's base currency",
            ),
        ],
    },
    Action {
        name: "rate.set",
        about: "Set the shop's exchange rate for exactly (from, to); no inverse or chaining",
        run: catalog::rate_set,
        args: &[
            arg("from", Text, true, "Currency converted from"),
            arg("to", Text, true, "Currency converted to"),
            arg(
                "rate",
                Text,
                true,
                "Units of `to` per unit of `from`, e.g. 0.92",
            ),
        ],
    },
    Action {
        name: "rate.list",
        about: "List exchange rates",
        run: catalog::rate_list,
        args: &[],
    },
    Action {
        name: "product.create",
        about: "Create a product: simple (shipped), digital, or gift-card",
        run: catalog::product_create,
        args: &[
            arg("sku", Text, true, "SKU"),
            arg("name", Text, false, "Name (default the SKU)"),
            arg("kind", Text, true, "simple, digital or gift-card"),
            arg(
                "price",
                Text,
                false,
                "Unit price in the website's base currency (simple, digital)",
            ),
            arg(
                "denominations",
                List,
                false,
                "Gift card: fixed amounts, e.g. 25,50,100",
            ),
            arg("min", Text, false, "Gift card: lowest custom amount"),
            arg("max", Text, false, "Gift card: highest custom amount"),
            arg(
                "validity-days",
                Int,
                false,
                "Gift card: card lifetime in days (0 = never; default the plugin's setting)",
            ),
            arg("active", Bool, false, "Sellable (default true)"),
            arg(
                "taxable",
                Bool,
                false,
                "Taxed (default true, false for gift cards)",
            ),
            arg("description", Text, false, "Gift card: description"),
            arg("image", Text, false, "Gift card: image reference"),
            arg("terms", Text, false, "Gift card: terms shown at purchase"),
            arg(
                "position",
                Int,
                false,
                "Gift card: display position (default last)",
            ),
            arg(
                "website",
                Text,
                false,
                "Gift card: website whose base currency it is sold in (default the only one)",
            ),
        ],
    },
    Action {
        name: "product.show",
        about: "Show a product",
        run: catalog::product_show,
        args: &[arg("sku", Text, true, "SKU")],
    },
    Action {
        name: "product.list",
        about: "List products",
        run: catalog::product_list,
        args: &[],
    },
    Action {
        name: "product.set-active",
        about: "Switch a product on or off",
        run: catalog::product_set_active,
        args: &[
            arg("sku", Text, true, "SKU"),
            arg("active", Bool, true, "true or false"),
        ],
    },
    Action {
        name: "customer.create",
        about: "Create a customer of a website",
        run: customers::create,
        args: &[
            arg("id", Text, true, "Customer id"),
            arg("name", Text, false, "Name"),
            arg("email", Text, false, "Email"),
            arg("website", Text, true, "Website code"),
            arg("groups", List, false, "Customer groups"),
            arg(
                "credit",
                Text,
                false,
                "Opening account credit, base currency",
            ),
        ],
    },
    Action {
        name: "customer.show",
        about: "Show a customer, their credit history and orders",
        run: customers::show,
        args: &[arg("id", Text, true, "Customer id")],
    },
    Action {
        name: "customer.list",
        about: "List customers",
        run: customers::list,
        args: &[],
    },
    Action {
        name: "customer.add-credit",
        about: "Add (or with a negative amount, take) account credit",
        run: customers::add_credit,
        args: &[
            arg("id", Text, true, "Customer id"),
            arg("amount", Text, true, "Signed amount, base currency"),
            arg("reference", Text, false, "Idempotency key: applied once"),
            arg("comment", Text, false, "Why"),
        ],
    },
    Action {
        name: "customer.add-card",
        about: "Add a gift card to the customer's account: its whole balance becomes credit (plugin customer.redeem-to-account)",
        run: customers::add_card,
        args: &[
            arg("customer", Text, true, "Customer id"),
            arg("code", Text, true, "The code as typed"),
            arg(
                "client-key",
                Text,
                false,
                "Client for the rate limit (default `shop`)",
            ),
        ],
    },
    Action {
        name: "customer.bought-cards",
        about: "The gift cards a customer bought (plugin customer.my-bought-cards)",
        run: customers::bought_cards,
        args: &[
            arg("customer", Text, true, "Customer id"),
            arg("page", Int, false, "Page (default 1)"),
            arg("page-size", Int, false, "Page size (default 50)"),
        ],
    },
    Action {
        name: "customer.used-cards",
        about: "The gift cards a customer used (plugin customer.my-used-cards)",
        run: customers::used_cards,
        args: &[
            arg("customer", Text, true, "Customer id"),
            arg("page", Int, false, "Page (default 1)"),
            arg("page-size", Int, false, "Page size (default 50)"),
        ],
    },
    Action {
        name: "quote.create",
        about: "Start a quote (cart) in a store",
        run: quotes::create,
        args: &[
            arg("store", Text, true, "Store code"),
            arg("customer", Text, false, "Customer id (default a guest)"),
            arg("test", Bool, false, "A test order: only test cards apply"),
            arg("id", Text, false, "Quote id (default QUO-000001, …)"),
            arg(
                "shipping-country",
                Text,
                false,
                "Shipping country (ISO 3166-1 alpha-2)",
            ),
            arg(
                "billing-country",
                Text,
                false,
                "Billing country (ISO 3166-1 alpha-2)",
            ),
        ],
    },
    Action {
        name: "quote.show",
        about: "Show a stored quote (no collection)",
        run: quotes::show,
        args: &[arg("quote", Text, true, "Quote id")],
    },
    Action {
        name: "quote.list",
        about: "List quotes",
        run: quotes::list,
        args: &[],
    },
    Action {
        name: "quote.add-item",
        about: "Add a product (the plugin checks the line may join)",
        run: quotes::add_item,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg("sku", Text, true, "SKU"),
            arg("quantity", Int, false, "Units (default 1)"),
            arg(
                "amount",
                Text,
                false,
                "Gift card: chosen amount (a denomination or within the range), base currency",
            ),
            arg("recipient-name", Text, false, "Gift card: recipient"),
            arg(
                "recipient-email",
                Text,
                false,
                "Gift card: recipient's email",
            ),
            arg("sender-name", Text, false, "Gift card: sender"),
            arg("sender-email", Text, false, "Gift card: sender's email"),
            arg("message", Text, false, "Gift card: message"),
            arg(
                "deliver-at",
                Text,
                false,
                "Gift card: delivery time (RFC 3339)",
            ),
            arg(
                "recipient-phone",
                Text,
                false,
                "Gift card: recipient's mobile number (+country code), also sent an SMS",
            ),
            arg(
                "channel",
                Text,
                false,
                "storefront (default) or admin: who adds the line",
            ),
        ],
    },
    Action {
        name: "quote.update-item",
        about: "Change a line's quantity (0 or none removes it)",
        run: quotes::update_item,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg("line", Text, true, "Line id"),
            arg(
                "quantity",
                Int,
                false,
                "New quantity; 0 or absent removes the line",
            ),
        ],
    },
    Action {
        name: "quote.set-discount",
        about: "Set a percent or fixed discount (neither clears it)",
        run: quotes::set_discount,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg("percent", Text, false, "Percent of the subtotal"),
            arg(
                "amount",
                Text,
                false,
                "Fixed amount, quote currency (capped at the subtotal)",
            ),
        ],
    },
    Action {
        name: "quote.set-shipping",
        about: "Override shipping (none restores the website's flat rate)",
        run: quotes::set_shipping,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg("amount", Text, false, "Shipping, quote currency"),
        ],
    },
    Action {
        name: "quote.apply-code",
        about: "Apply a gift-card code (plugin totals.apply-code)",
        run: quotes::apply_code,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg("code", Text, true, "The code as typed"),
            arg("channel", Text, false, "storefront (default) or admin"),
            arg(
                "client-key",
                Text,
                false,
                "Client for the rate limit (default `shop`)",
            ),
        ],
    },
    Action {
        name: "quote.remove-code",
        about: "Remove a gift-card code (plugin totals.remove-code)",
        run: quotes::remove_code,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg("code", Text, true, "The code, as applied or typed"),
        ],
    },
    Action {
        name: "quote.totals",
        about: "Collect the quote: every total, card applications, payment methods",
        run: quotes::totals,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg(
                "channel",
                Text,
                false,
                "storefront (default) or admin, for dropped codes' wording",
            ),
        ],
    },
    Action {
        name: "order.place",
        about: "Check out a quote (plugin orders.placed) and take payment",
        run: orders::place,
        args: &[
            arg("quote", Text, true, "Quote id"),
            arg(
                "payment-method",
                Text,
                true,
                "free, card or account-credit (must be allowed)",
            ),
            arg(
                "order-id",
                Text,
                false,
                "Order id (default ORD-000001, …); the idempotency key",
            ),
            arg("channel", Text, false, "storefront (default) or admin"),
        ],
    },
    Action {
        name: "order.show",
        about: "Show an order: totals, gift cards, invoices, shipments, memos, card movements",
        run: orders::show,
        args: &[arg("order", Text, true, "Order id")],
    },
    Action {
        name: "order.list",
        about: "List orders",
        run: orders::list,
        args: &[],
    },
    Action {
        name: "order.invoice",
        about: "Invoice (part of) an order (plugin invoices.collect, then .paid unless --pay false)",
        run: invoices::create,
        args: &[
            arg("order", Text, true, "Order id"),
            arg(
                "lines",
                Lines,
                false,
                "Line quantities, e.g. 1=2,3=1 (default all not yet invoiced)",
            ),
            arg(
                "shipping",
                Bool,
                false,
                "Include shipping (default: on the first invoice)",
            ),
            arg(
                "pay",
                Bool,
                false,
                "Pay it now, issuing bought cards (default true)",
            ),
            arg(
                "invoice-id",
                Text,
                false,
                "Invoice id (default INV-000001, …)",
            ),
        ],
    },
    Action {
        name: "invoice.pay",
        about: "Pay an open invoice (plugin invoices.paid issues bought cards)",
        run: invoices::pay,
        args: &[arg("invoice", Text, true, "Invoice id")],
    },
    Action {
        name: "invoice.show",
        about: "Show an invoice",
        run: invoices::show,
        args: &[arg("invoice", Text, true, "Invoice id")],
    },
    Action {
        name: "order.ship",
        about: "Ship physical lines (no plugin call)",
        run: shipments::create,
        args: &[
            arg("order", Text, true, "Order id"),
            arg(
                "lines",
                Lines,
                false,
                "Line quantities, e.g. 1=1 (default all left to ship)",
            ),
            arg(
                "shipment-id",
                Text,
                false,
                "Shipment id (default SHP-000001, …)",
            ),
        ],
    },
    Action {
        name: "order.refund",
        about: "Credit memo (plugin credit-memos.collect, then .refunded)",
        run: memos::refund,
        args: &[
            arg("order", Text, true, "Order id"),
            arg(
                "lines",
                Lines,
                false,
                "Line quantities (default all invoiced, not refunded, with their shipping)",
            ),
            arg(
                "shipping",
                Text,
                false,
                "Shipping to refund, before tax (default: the rest when lines are defaulted)",
            ),
            arg("adjustment", Text, false, "Positive adjustment added"),
            arg("fee", Text, false, "Fee kept (subtracted)"),
            arg(
                "refund-to-gift-card",
                Text,
                false,
                "Explicit gift-card part",
            ),
            arg(
                "destination",
                Text,
                false,
                "original-cards (default), account-credit or new-card",
            ),
            arg("comment", Text, false, "Why"),
            arg("memo-id", Text, false, "Memo id (default CM-000001, …)"),
        ],
    },
    Action {
        name: "order.issue-gift-card",
        about: "Issue a goodwill card from an order (plugin issuing.issue-from-order); the note joins the order",
        run: issuing::issue_gift_card,
        args: &[
            arg("order", Text, true, "Order id"),
            arg(
                "amount",
                Text,
                true,
                "The card's value, in the order's currency",
            ),
            arg(
                "role",
                Text,
                false,
                "staff (default; may not exceed the order's limit) or supervisor",
            ),
            arg(
                "confirm",
                Bool,
                false,
                "Supervisor: confirm a card over the limit (default false)",
            ),
            arg("admin-user", Text, false, "Who issues it (default admin)"),
            arg("comment", Text, false, "Why"),
            arg("recipient-email", Text, false, "Who receives it"),
            arg(
                "validity-days",
                Int,
                false,
                "Valid for this many days (0 = never; default the plugin's setting)",
            ),
            arg("reference", Text, false, "Idempotency key: issued once"),
        ],
    },
    Action {
        name: "memo.show",
        about: "Show a credit memo",
        run: memos::show,
        args: &[arg("memo", Text, true, "Memo id")],
    },
    Action {
        name: "order.cancel",
        about: "Cancel what was never invoiced (plugin orders.cancelled)",
        run: orders::cancel,
        args: &[
            arg("order", Text, true, "Order id"),
            arg("comment", Text, false, "Why"),
        ],
    },
];

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

/// For actions without arguments (`null` or `{}`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Reads an action's arguments; `null` counts as `{}`.
pub fn parse_args<T: DeserializeOwned>(args: &Json) -> Res<T> {
    let args = if args.is_null() {
        Json::Object(Default::default())
    } else {
        args.clone()
    };
    serde_json::from_value(args).map_err(|e| Fail::Shop(ShopError::InvalidArgument(e.to_string())))
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
                Ok(Ok(v))
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
