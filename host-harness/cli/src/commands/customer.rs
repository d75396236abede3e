//! The customer-area and reporting commands: `account` (add a card to an
//! account, my bought and used cards), `public-balance`, `stats` and
//! `history`. Each prints a table, or the component's raw JSON answer with
//! `--json`.

use crate::commands::Paging;
use crate::{Cli, answer_and_print, open, print_outcome, read_and_print};
use anyhow::Result;
use clap::{Args, Subcommand};
use giftcard_conformance::json::Outcome;
use giftcard_harness::render::{self, table};
use giftcard_shop::Shop;
use giftcard_shop::words::plain as s;
use serde_json::{Value as Json, json};

// A code a customer looks up: what `balance` and `public-balance` take.
#[derive(Args)]
pub struct CodeLookup {
    /// The code, in any case, with or without dashes and spaces.
    code: String,
    /// Who is asking, for the rate limit (an IP address, a session…).
    #[arg(long, default_value = "cli")]
    client_key: String,
    /// The signed-in customer asking, whose failed lookups are limited
    /// per hour.
    #[arg(long)]
    customer: Option<String>,
}

impl CodeLookup {
    pub fn args(&self) -> Json {
        json!({ "code": self.code, "client-key": self.client_key, "customer-id": self.customer })
    }
}

/// The top-level commands this module adds (flattened into the CLI's own).
#[derive(Subcommand)]
pub enum CustomerCommand {
    /// A shop customer's gift cards: add one to the account, list bought and used cards.
    #[command(subcommand)]
    Account(AccountCommand),
    /// The public balance page of a code: balance, expiry and transactions
    /// (rate limited and generic like `balance`).
    PublicBalance(CodeLookup),
    /// The programme's statistics: cards created, usage rate, counts by status,
    /// money per currency (sold, credited, redeemed, outstanding, breakage).
    Stats {
        /// From this RFC 3339 time (inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Before this RFC 3339 time (exclusive).
        #[arg(long)]
        to: Option<String>,
        /// Only cards bought as this gift-card product (plugin product id).
        #[arg(long)]
        product: Option<u64>,
        /// Only codes of this batch definition.
        #[arg(long)]
        definition: Option<u64>,
    },
    /// Every card's ledger rows in one grid, newest first.
    History {
        /// Only this card's rows: its id or its code.
        #[arg(long)]
        card: Option<String>,
        /// Only rows of this action (created, redeemed, refunded, moved-to-account, …).
        #[arg(long)]
        action: Option<String>,
        /// Only rows whose reference contains this text.
        #[arg(long)]
        reference: Option<String>,
        /// Rows from this RFC 3339 time (inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Rows before this RFC 3339 time.
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Add a gift card to a shop customer's account: its whole balance becomes account credit.
    AddCard {
        /// The shop customer's id.
        #[arg(long)]
        customer: String,
        /// The code as typed.
        code: String,
        /// Who is asking, for the rate limit.
        #[arg(long, default_value = "shop")]
        client_key: String,
    },
    /// The gift cards a customer bought, with used / unused status.
    Bought(CustomerCards),
    /// The gift cards a customer used: amounts, orders and dates.
    Used(CustomerCards),
}

/// A page of one shop customer's gift cards.
#[derive(Args)]
pub struct CustomerCards {
    /// The shop customer's id.
    #[arg(long)]
    customer: String,
    #[command(flatten)]
    paging: Paging,
}

impl CustomerCards {
    fn args(&self) -> Json {
        json!({ "customer-id": self.customer, "page": self.paging.json() })
    }
}

pub fn run(cli: &Cli, json_out: bool, cmd: &CustomerCommand) -> Result<()> {
    let harness = open(cli)?;
    match cmd {
        CustomerCommand::Account(AccountCommand::AddCard {
            customer,
            code,
            client_key,
        }) => {
            let shop = Shop::open(harness)?;
            let args = json!({ "customer": customer, "code": code, "client-key": client_key });
            let outcome = shop.run("customer.add-card", &args).map(Outcome::from)?;
            print_outcome(outcome, json_out, "customer.add-card", added)
        }
        CustomerCommand::Account(AccountCommand::Bought(cards)) => read_and_print(
            harness,
            json_out,
            "customer.my-bought-cards",
            cards.args(),
            bought,
        ),
        CustomerCommand::Account(AccountCommand::Used(cards)) => read_and_print(
            harness,
            json_out,
            "customer.my-used-cards",
            cards.args(),
            used,
        ),
        CustomerCommand::PublicBalance(lookup) => answer_and_print(
            harness,
            json_out,
            "customer.public-balance",
            lookup.args(),
            public,
        ),
        CustomerCommand::Stats {
            from,
            to,
            product,
            definition,
        } => read_and_print(
            harness,
            json_out,
            "reports.statistics",
            json!({ "from": from, "to": to, "product-id": product, "definition-id": definition }),
            stats,
        ),
        CustomerCommand::History {
            card,
            action,
            reference,
            from,
            to,
            paging,
        } => read_and_print(
            harness,
            json_out,
            "reports.history",
            json!({
                "card-id": card.as_deref().map(|c| crate::commands::cards::card_id(harness, c)).transpose()?,
                "action": action, "reference": reference,
                "from": from, "to": to, "page": paging.json(),
            }),
            history,
        ),
    }
}

fn added(v: &Json) -> String {
    format!(
        "Added {} ({} {}) to {}'s account: {} {} credited, credit now {} {}.",
        s(&v["masked-code"]),
        s(&v["card-amount"]["amount"]),
        s(&v["card-amount"]["currency"]),
        s(&v["customer"]),
        s(&v["credited"]),
        s(&v["currency"]),
        s(&v["credit"]),
        s(&v["currency"]),
    )
}

fn bought(v: &Json) -> String {
    let t = render::rows(
        &[
            "id",
            "code",
            "initial",
            "balance",
            "status",
            "used",
            "recipient",
            "bought",
        ],
        &v["cards"],
        |c| {
            vec![
                s(&c["card-id"]),
                s(&c["masked-code"]),
                render::money(&c["initial-value"]),
                render::money(&c["balance"]),
                s(&c["status"]),
                if c["used"] == true { "used" } else { "unused" }.into(),
                s(&c["recipient-email"]),
                s(&c["created-at"]),
            ]
        },
    );
    format!("{t}\n{} card(s) bought", s(&v["total"]))
}

fn used(v: &Json) -> String {
    let t = render::rows(
        &["when", "code", "amount", "how", "order"],
        &v["uses"],
        |u| {
            vec![
                s(&u["at"]),
                s(&u["masked-code"]),
                render::money(&u["amount"]),
                s(&u["action"]),
                s(&u["order-id"]),
            ]
        },
    );
    format!("{t}\n{} use(s)", s(&v["total"]))
}

fn public(v: &Json) -> String {
    let Some(card) = v.get("found") else {
        return render::balance_answer(v);
    };
    let t = render::rows(
        &["transaction", "order", "type", "date", "amount"],
        &card["transactions"],
        |x| {
            vec![
                s(&x["id"]),
                s(&x["order-reference"]),
                s(&x["action"]),
                s(&x["at"]),
                render::money(&x["amount"]),
            ]
        },
    );
    format!("{}\n{t}", render::balance_line(card))
}

fn stats(v: &Json) -> String {
    let mut head = table(&["figure", "value"]);
    head.add_row(vec!["cards created".into(), s(&v["cards-created"])]);
    head.add_row(vec!["fully used".into(), s(&v["fully-used"])]);
    head.add_row(vec![
        "usage rate".into(),
        format!("{} %", s(&v["usage-rate"])),
    ]);
    for c in v["by-status"].as_array().into_iter().flatten() {
        head.add_row(vec![format!("  {}", s(&c["status"])), s(&c["count"])]);
    }
    let money = render::rows(
        &[
            "currency",
            "sold",
            "credited",
            "redeemed (net)",
            "outstanding",
            "breakage",
        ],
        &v["currencies"],
        |c| {
            vec![
                s(&c["currency"]),
                s(&c["total-sold"]["amount"]),
                s(&c["total-credited"]["amount"]),
                s(&c["total-redeemed"]["amount"]),
                s(&c["outstanding"]["amount"]),
                s(&c["breakage"]["amount"]),
            ]
        },
    );
    format!("{head}\n{money}")
}

fn history(v: &Json) -> String {
    let t = render::rows(
        &[
            "#",
            "when",
            "card",
            "code",
            "action",
            "amount",
            "after",
            "reference",
        ],
        &v["rows"],
        |r| {
            let e = &r["entry"];
            vec![
                s(&e["id"]),
                s(&e["created-at"]),
                s(&e["card-id"]),
                s(&r["masked-code"]),
                s(&e["action"]),
                render::money(&e["amount"]),
                s(&e["balance-after"]["amount"]),
                s(&e["reference"]),
            ]
        },
    );
    format!("{t}\n{} row(s) match", s(&v["total"]))
}
