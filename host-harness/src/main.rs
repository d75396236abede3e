//! `giftcard-harness`: the reference host's command line. Every command loads
//! the component, opens the SQLite database (`giftcards.db` unless `--db`),
//! makes one or more export calls, and prints a table — or JSON with `--json`.
//! Exit status: 0 on success, 1 when the plugin refused the request or a call
//! failed, 2 for usage errors.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use giftcard_harness::clock::Clock;
use giftcard_harness::harness::{Harness, HarnessConfig, money};
use giftcard_harness::render;
use giftcard_harness::runtime::Outcome;
use giftcard_harness::{demo, scenario};
use serde_json::{Value as Json, json};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "giftcard-harness", version, about = "Run the gift-card WebAssembly component in a simulated shop", long_about = None)]
struct Cli {
    /// SQLite database file (created and migrated if missing).
    #[arg(
        long,
        global = true,
        default_value = "giftcards.db",
        value_name = "PATH"
    )]
    db: PathBuf,
    /// Component to load instead of the one built with this harness.
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Run on a fixed clock starting at this RFC 3339 time instead of the system clock.
    #[arg(long, global = true, value_name = "TIME")]
    fixed_clock: Option<String>,
    /// Seed the random source (deterministic codes) instead of using the OS's.
    #[arg(long, global = true, value_name = "N")]
    seed: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage cards as an administrator.
    #[command(subcommand)]
    Card(CardCommand),
    /// Check a card's balance as a customer would (rate limited, generic answers).
    Balance {
        /// The code, in any case, with or without dashes and spaces.
        code: String,
        /// Who is asking, for the rate limit.
        #[arg(long, default_value = "cli")]
        client_key: String,
    },
    /// Show or change the plugin's settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Show the plugin's name, version and contract version.
    Info,
    /// Run a short scripted session showing the plugin at work.
    Demo,
    /// Run conformance scenarios.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Run scenario files (or every `.toml`/`.json` file in the directories given).
    Run {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Show the current settings.
    Show,
    /// Change some settings.
    Set {
        #[arg(long)]
        code_prefix: Option<String>,
        #[arg(long)]
        code_length: Option<u8>,
        #[arg(long)]
        code_group_size: Option<u8>,
        /// Days a new card stays valid (0 = never expires).
        #[arg(long)]
        default_validity_days: Option<u32>,
        #[arg(long)]
        default_currency: Option<String>,
    },
}

/// Who is acting, recorded in the ledger.
#[derive(Args)]
struct AdminArgs {
    /// The administrator's user name.
    #[arg(long, default_value = "admin")]
    admin_user: String,
}

#[derive(Subcommand)]
enum CardCommand {
    /// Create a card.
    Create {
        /// Initial value, e.g. 25 or 19.99.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// ISO 4217 currency (default: the plugin's default currency setting).
        #[arg(long)]
        currency: Option<String>,
        /// A custom code instead of a generated one.
        #[arg(long)]
        code: Option<String>,
        /// Expiry as an RFC 3339 time.
        #[arg(long, conflicts_with = "validity_days")]
        expires_at: Option<String>,
        /// Valid for this many days (0 = never expires).
        #[arg(long)]
        validity_days: Option<u32>,
        /// Only this customer may redeem the card.
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        comment: Option<String>,
        /// Idempotency key: repeating a create with it returns the same card.
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Show one card with its full code.
    Show {
        /// Card id, or code (prefix with `code:` for an all-digit code).
        card: String,
    },
    /// List cards, codes masked.
    List {
        /// active, used, expired or disabled.
        #[arg(long)]
        status: Option<String>,
        /// Part of a code.
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[arg(long, default_value_t = 50)]
        page_size: u32,
    },
    /// Add (positive) or remove (negative) value, with a reason.
    Adjust {
        card: String,
        /// Signed amount in the card's currency, e.g. -5 or 10.50.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// Why (required).
        #[arg(long)]
        comment: String,
        /// Idempotency key: the same adjustment is applied once.
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Block a card.
    Disable {
        card: String,
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Unblock a card.
    Enable {
        card: String,
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Show a card's ledger.
    History {
        card: String,
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[arg(long, default_value_t = 100)]
        page_size: u32,
    },
}

/// `42` → by id; `code:123456` or anything else → by code.
fn card_ref(text: &str) -> Json {
    if let Some(code) = text.strip_prefix("code:") {
        return json!({ "code": code });
    }
    match text.parse::<u64>() {
        Ok(id) => json!({ "id": id }),
        Err(_) => json!({ "code": text }),
    }
}

fn open(cli: &Cli) -> Result<Harness> {
    let mut config = HarnessConfig::new(&cli.db);
    config.component = cli.component.clone();
    config.seed = cli.seed;
    if let Some(start) = &cli.fixed_clock {
        let t = chrono::DateTime::parse_from_rfc3339(start)
            .with_context(|| format!("--fixed-clock `{start}` is not an RFC 3339 time"))?;
        config.clock = Clock::fixed(t.timestamp());
    }
    Harness::open(config)
}

/// Makes one call and prints its outcome; `Err` when the plugin refused.
fn call_and_print(
    harness: &Harness,
    json_out: bool,
    name: &str,
    args: Json,
    human: fn(&Json) -> String,
) -> Result<()> {
    match harness.call(name, &args)? {
        Outcome::Ok(v) => {
            if json_out {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{}", human(&v));
            }
            Ok(())
        }
        Outcome::Err(e) => {
            if json_out {
                println!("{}", serde_json::to_string_pretty(&json!({ "error": e }))?);
            }
            bail!("{name} refused: {}", render::error(&e))
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let json_out = cli.json;
    match &cli.command {
        Command::Scenario(ScenarioCommand::Run { paths }) => {
            let report = scenario::run_files(paths, cli.component.as_deref())?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&report.to_json())?);
            } else {
                report.write_text(&mut std::io::stdout())?;
            }
            let summary = report.summary();
            if summary.failed > 0 {
                bail!("{} scenario(s) failed", summary.failed);
            }
            Ok(())
        }
        Command::Demo => {
            let harness = open(&cli)?;
            demo::run(&harness, &mut std::io::stdout())
        }
        Command::Info => {
            let harness = open(&cli)?;
            call_and_print(&harness, json_out, "lifecycle.metadata", Json::Null, |m| {
                format!(
                    "{} {} · contract giftcard:plugin@{} · schema v{}",
                    m["name"].as_str().unwrap_or("?"),
                    m["version"].as_str().unwrap_or("?"),
                    m["contract-version"].as_str().unwrap_or("?"),
                    m["schema-version"]
                )
            })
        }
        Command::Settings(cmd) => {
            let harness = open(&cli)?;
            match cmd {
                SettingsCommand::Show => call_and_print(
                    &harness,
                    json_out,
                    "lifecycle.get-settings",
                    Json::Null,
                    render::settings,
                ),
                SettingsCommand::Set {
                    code_prefix,
                    code_length,
                    code_group_size,
                    default_validity_days,
                    default_currency,
                } => {
                    let update = json!({
                        "code-prefix": code_prefix, "code-length": code_length,
                        "code-group-size": code_group_size,
                        "default-validity-days": default_validity_days,
                        "default-currency": default_currency,
                    });
                    call_and_print(
                        &harness,
                        json_out,
                        "lifecycle.configure",
                        update,
                        render::settings,
                    )
                }
            }
        }
        Command::Balance { code, client_key } => {
            let harness = open(&cli)?;
            call_and_print(
                &harness,
                json_out,
                "customer.check-balance",
                json!({ "code": code, "client-key": client_key }),
                render::balance_answer,
            )
        }
        Command::Card(cmd) => {
            let harness = open(&cli)?;
            card_command(&harness, json_out, cmd)
        }
    }
}

fn card_command(harness: &Harness, json_out: bool, cmd: &CardCommand) -> Result<()> {
    match cmd {
        CardCommand::Create {
            amount,
            currency,
            code,
            expires_at,
            validity_days,
            customer,
            comment,
            reference,
            admin,
        } => {
            let currency = match currency {
                Some(c) => c.clone(),
                None => harness.call_ok("lifecycle.get-settings", &Json::Null)?["default-currency"]
                    .as_str()
                    .unwrap_or("USD")
                    .to_owned(),
            };
            let args = json!({
                "amount": money(amount, &currency), "code": code, "expires-at": expires_at,
                "validity-days": validity_days, "customer-id": customer, "comment": comment,
                "admin-user": admin.admin_user, "reference": reference,
            });
            call_and_print(harness, json_out, "admin.create-card", args, render::card)
        }
        CardCommand::Show { card } => call_and_print(
            harness,
            json_out,
            "admin.get-card",
            json!({ "card": card_ref(card) }),
            render::card,
        ),
        CardCommand::List {
            status,
            code,
            customer,
            page,
            page_size,
        } => {
            let args = json!({
                "status": status, "code": code, "customer-id": customer,
                "page": { "page": page, "page-size": page_size },
            });
            call_and_print(
                harness,
                json_out,
                "admin.list-cards",
                args,
                render::card_page,
            )
        }
        CardCommand::Adjust {
            card,
            amount,
            comment,
            reference,
            admin,
        } => {
            let current = harness.call("admin.get-card", &json!({ "card": card_ref(card) }))?;
            let currency = match &current {
                Outcome::Ok(c) => c["balance"]["currency"]
                    .as_str()
                    .unwrap_or("USD")
                    .to_owned(),
                Outcome::Err(e) => bail!("admin.get-card refused: {}", render::error(e)),
            };
            let args = json!({
                "card": card_ref(card), "amount": money(amount, &currency), "comment": comment,
                "admin-user": admin.admin_user, "reference": reference,
            });
            call_and_print(
                harness,
                json_out,
                "admin.adjust-balance",
                args,
                render::card,
            )
        }
        CardCommand::Disable {
            card,
            comment,
            admin,
        }
        | CardCommand::Enable {
            card,
            comment,
            admin,
        } => {
            let name = if matches!(cmd, CardCommand::Disable { .. }) {
                "admin.disable-card"
            } else {
                "admin.enable-card"
            };
            let args = json!({ "card": card_ref(card), "comment": comment, "admin-user": admin.admin_user });
            call_and_print(harness, json_out, name, args, render::card)
        }
        CardCommand::History {
            card,
            page,
            page_size,
        } => {
            let args =
                json!({ "card": card_ref(card), "page": { "page": page, "page-size": page_size } });
            call_and_print(
                harness,
                json_out,
                "admin.card-history",
                args,
                render::history,
            )
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
