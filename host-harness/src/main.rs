//! `giftcard-harness`: the reference host's command line. Every command loads
//! the component, opens the SQLite database (`giftcards.db` unless `--db`),
//! makes one or more export calls, and prints a table — or JSON with `--json`.
//! Exit status: 0 on success, 1 when the plugin refused the request or a call
//! failed, 2 for usage errors.

use anyhow::{Context, Result, bail};
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use giftcard_harness::clock::Clock;
use giftcard_harness::harness::{Harness, HarnessConfig};
use giftcard_harness::render;
use giftcard_harness::runtime::Outcome;
use giftcard_harness::shop::{self, ArgKind, Shop};
use giftcard_harness::{demo, scenario};
use serde_json::{Value as Json, json};
use std::path::PathBuf;
use std::process::ExitCode;

mod cli_batches;
mod cli_cards;
mod cli_customer;
mod cli_delivery;
mod cli_issuing;
mod cli_products;

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
    /// Also send emails through this SMTP server (plain SMTP, no TLS: a local
    /// relay or test sink). They are written to the outbox folder either way.
    #[arg(long, global = true, value_name = "HOST:PORT")]
    smtp: Option<String>,
    /// The address emails come from (the shop's name is its display name).
    #[arg(
        long,
        global = true,
        value_name = "ADDRESS",
        default_value = "giftcards@shop.example"
    )]
    mail_from: String,
    /// The outbox folder (default: `<db file>.outbox/` beside the database).
    #[arg(long, global = true, value_name = "DIR")]
    outbox: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage cards as an administrator.
    #[command(subcommand)]
    Card(Box<cli_cards::CardCommand>),
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
    /// Run the simulated shop around the plugin: catalog, quotes, orders,
    /// invoices, shipments, credit memos (`shop actions` lists every action).
    Shop(ShopCli),
    /// Call any export of the plugin directly, with its arguments as JSON
    /// shaped like the WIT parameters (as in scenario files), and print the
    /// answer as JSON. Reaches every function of the contract.
    Call {
        /// `interface.function`, e.g. `admin.get-card` or `products.list-products`.
        function: String,
        /// The arguments as one JSON value (the request record itself for
        /// one-record functions); omit for functions without parameters.
        #[arg(long, value_name = "JSON")]
        args: Option<String>,
    },
    /// Batch definitions and bulk code generation.
    #[command(subcommand)]
    Batch(cli_batches::BatchCommand),
    /// Goodwill cards from orders (`issue`) and campaigns (`campaign`).
    #[command(flatten)]
    Issuing(cli_issuing::IssuingCommand),
    /// Manage the plugin's gift-card products: amounts, validity, order, activation.
    #[command(subcommand)]
    Product(cli_products::ProductCommand),
    #[command(flatten)]
    Customer(cli_customer::CustomerCommand),
    /// The messages delivered so far (emails as MIME files, SMS, print PDFs).
    #[command(subcommand)]
    Outbox(cli_delivery::OutboxCommand),
    /// Open a card's view link as its recipient would (records the first view).
    View {
        /// The token at the end of the link in the card's message.
        token: String,
    },
    /// Run the scheduler now: expire cards, send due scheduled messages and
    /// expiry reminders. Safe to run as often as you like.
    Tick {
        /// Run for this RFC 3339 time instead of the clock's.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
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
    Set(cli_products::SettingsSet),
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
    config.delivery.from_address = cli.mail_from.clone();
    config.delivery.outbox = cli.outbox.clone();
    if let Some(smtp) = &cli.smtp {
        config.delivery.smtp = Some(giftcard_harness::outbox::Smtp::parse(smtp)?);
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
                SettingsCommand::Set(set) => call_and_print(
                    &harness,
                    json_out,
                    "lifecycle.configure",
                    set.update()?,
                    render::settings,
                ),
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
            cli_cards::run(&harness, json_out, cmd)
        }
        Command::Shop(cmd) => shop_command(&cli, json_out, cmd),
        Command::Call { function, args } => {
            let args: Json = match args {
                Some(text) => serde_json::from_str(text)
                    .with_context(|| format!("--args is not valid JSON: `{text}`"))?,
                None => Json::Null,
            };
            let harness = open(&cli)?;
            // Always JSON: there is no table layout for an arbitrary answer.
            call_and_print(&harness, true, function, args, |_| String::new())
        }
        Command::Batch(cmd) => cli_batches::run(&open(&cli)?, json_out, cmd),
        Command::Issuing(cmd) => cli_issuing::run(&open(&cli)?, json_out, cmd),
        Command::Product(cmd) => cli_products::run(&open(&cli)?, json_out, cmd),
        Command::Customer(cmd) => cli_customer::run(&cli, json_out, cmd),
        Command::Outbox(cmd) => cli_delivery::run_outbox(&open(&cli)?, json_out, cmd),
        Command::View { token } => cli_delivery::view(&open(&cli)?, json_out, token),
        Command::Tick { at } => cli_delivery::tick(&open(&cli)?, json_out, at.as_deref()),
    }
}

/// `shop <group> <verb> [--flags] [--args JSON]`, built from the shop's own
/// action table ([`shop::ACTIONS`]) so every action is reachable with proper
/// flags and `--help`; `--args` gives the arguments as one JSON object
/// (flags given as well override its keys).
struct ShopCli {
    /// `None` for `shop actions`.
    action: Option<String>,
    args: Json,
}

fn group_about(group: &str) -> &'static str {
    match group {
        "website" => "Websites: base currency, tax rate, flat shipping",
        "store" => "Store views and their display currency",
        "rate" => "The shop's exchange rates (lent to the plugin)",
        "product" => "The catalog: simple, digital and gift-card products",
        "customer" => "Customers and their account credit",
        "quote" => "Quotes (carts): items, discount, shipping, gift-card codes, totals",
        "order" => "Orders: place, show, invoice, ship, refund, cancel",
        "invoice" => "Invoices: pay, show",
        "memo" => "Credit memos",
        _ => "",
    }
}

fn shop_arg(doc: &shop::ArgDoc) -> Arg {
    let mut arg = Arg::new(doc.name).long(doc.name).help(doc.help);
    if doc.required {
        // Required, unless given inside `--args`.
        arg = arg.required_unless_present("args");
    }
    match doc.kind {
        ArgKind::Text => arg.value_name("TEXT").allow_hyphen_values(true),
        ArgKind::Int => arg
            .value_name("N")
            .allow_hyphen_values(true)
            .value_parser(clap::value_parser!(i64)),
        ArgKind::Bool => arg
            .value_name("BOOL")
            .num_args(0..=1)
            .default_missing_value("true")
            .value_parser(clap::value_parser!(bool)),
        ArgKind::List => arg
            .value_name("A,B,…")
            .value_delimiter(',')
            .action(ArgAction::Append),
        ArgKind::Lines => arg
            .value_name("LINE=QTY,…")
            .value_delimiter(',')
            .action(ArgAction::Append),
    }
}

fn shop_commands(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd.subcommand_required(true).subcommand(
        clap::Command::new("actions").about("List every shop action with its arguments"),
    );
    let mut groups: Vec<&str> = Vec::new();
    for a in shop::ACTIONS {
        let group = a.name.split('.').next().unwrap_or(a.name);
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    for group in groups {
        let mut g = clap::Command::new(group)
            .about(group_about(group))
            .subcommand_required(true);
        for a in shop::ACTIONS
            .iter()
            .filter(|a| a.name.starts_with(&format!("{group}.")))
        {
            let verb = &a.name[group.len() + 1..];
            let mut c = clap::Command::new(verb).about(a.about).arg(
                Arg::new("args")
                    .long("args")
                    .value_name("JSON")
                    .help("All arguments as one JSON object (kebab-case keys); flags override it"),
            );
            for doc in a.args {
                c = c.arg(shop_arg(doc));
            }
            g = g.subcommand(c);
        }
        cmd = cmd.subcommand(g);
    }
    cmd
}

fn usage(msg: String) -> clap::Error {
    clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("{msg}\n"))
}

impl FromArgMatches for ShopCli {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (group, gm) = m.subcommand().ok_or_else(missing)?;
        if group == "actions" {
            return Ok(ShopCli {
                action: None,
                args: Json::Null,
            });
        }
        let (verb, vm) = gm.subcommand().ok_or_else(missing)?;
        let name = format!("{group}.{verb}");
        let action = shop::action(&name).ok_or_else(missing)?;
        let mut obj = match vm.get_one::<String>("args") {
            Some(text) => match serde_json::from_str::<Json>(text) {
                Ok(Json::Object(map)) => map,
                _ => return Err(usage(format!("--args must be a JSON object, got `{text}`"))),
            },
            None => serde_json::Map::new(),
        };
        for doc in action.args {
            let id = doc.name;
            let value = match doc.kind {
                ArgKind::Text => vm.get_one::<String>(id).map(|v| json!(v)),
                ArgKind::Int => vm.get_one::<i64>(id).map(|v| json!(v)),
                ArgKind::Bool => vm.get_one::<bool>(id).map(|v| json!(v)),
                ArgKind::List => vm
                    .get_many::<String>(id)
                    .map(|vs| json!(vs.collect::<Vec<_>>())),
                ArgKind::Lines => match vm.get_many::<String>(id) {
                    None => None,
                    Some(vs) => {
                        let mut lines = Vec::new();
                        for v in vs {
                            let (line, qty) = v
                                .split_once('=')
                                .and_then(|(l, q)| Some((l, q.trim().parse::<i64>().ok()?)))
                                .ok_or_else(|| {
                                    usage(format!("--{id} `{v}`: expected LINE=QUANTITY, e.g. 1=2"))
                                })?;
                            lines.push(json!({ "line": line.trim(), "quantity": qty }));
                        }
                        Some(Json::Array(lines))
                    }
                },
            };
            if let Some(v) = value {
                obj.insert(id.to_owned(), v);
            }
        }
        Ok(ShopCli {
            action: Some(name),
            args: Json::Object(obj),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for ShopCli {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        shop_commands(cmd)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        shop_commands(cmd)
    }
}

fn shop_command(cli: &Cli, json_out: bool, cmd: &ShopCli) -> Result<()> {
    let Some(action) = &cmd.action else {
        let list: Vec<Json> = shop::ACTIONS
            .iter()
            .map(|a| {
                json!({
                    "action": a.name, "about": a.about,
                    "args": a.args.iter().map(|d| format!("{}{}", d.name, if d.required { "" } else { "?" })).collect::<Vec<_>>(),
                })
            })
            .collect();
        if json_out {
            println!("{}", serde_json::to_string_pretty(&list)?);
        } else {
            println!("{}", shop::render::render(&json!({ "actions": list })));
        }
        return Ok(());
    };
    let harness = open(cli)?;
    let shop = Shop::open(&harness)?;
    match shop.run(action, &cmd.args)? {
        Outcome::Ok(v) => {
            if json_out {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{}", shop::render::render(&v));
            }
            Ok(())
        }
        Outcome::Err(e) => {
            if json_out {
                println!("{}", serde_json::to_string_pretty(&json!({ "error": e }))?);
            }
            bail!("{action} refused: {}", render::error(&e))
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
