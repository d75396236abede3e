//! `giftcard-harness`: the reference host's command line. Every command loads
//! the component, opens the SQLite database (`giftcards.db` unless `--db`),
//! makes one or more export calls, and prints a table — or JSON with `--json`.
//! Exit status: 0 on success, 1 when the plugin refused the request (a
//! refused balance check included), a call failed or a message could not be
//! delivered, 2 for usage errors.
//!
//! Commands that only look (show, list, history, stats, info, outbox list…)
//! run in read-only transactions: they never take the write lock, so they
//! work while another process holds a long write. Text output never carries
//! raw control characters from stored data ([`render::printable`]), and a
//! closed pipe (`… | head`) ends the program quietly.

use anyhow::Result;
use clap::{Parser, Subcommand};
use giftcard_harness::render;
use std::path::PathBuf;
use std::process::ExitCode;

mod commands;
mod open;
mod output;

use commands::{checks, plugin};
use open::open;
use output::{
    Refused, answer_and_print, call_and_print, print_outcome, read_and_print, say, say_json,
};

/// The heading `--help` shows the options every command takes under.
const GLOBAL: &str = "Global options";

#[derive(Parser)]
#[command(name = "giftcard-harness", version, about = "Run the gift-card WebAssembly component in a simulated shop", long_about = None)]
pub struct Cli {
    /// SQLite database file, created and migrated if missing [default:
    /// giftcards.db; `demo` uses a fresh demo.db]
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    db: Option<PathBuf>,
    /// Component to load instead of the one built into this binary.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    component: Option<PathBuf>,
    /// Compile the component afresh instead of using (and filling) the
    /// compiled-code cache in the user's cache folder.
    #[arg(long, global = true, help_heading = GLOBAL)]
    no_cache: bool,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true, help_heading = GLOBAL)]
    json: bool,
    /// Run on a fixed clock starting at this RFC 3339 time instead of the system clock.
    #[arg(long, global = true, value_name = "TIME", help_heading = GLOBAL)]
    fixed_clock: Option<String>,
    /// Seed the random source (deterministic codes) instead of using the OS's.
    #[arg(long, global = true, value_name = "N", help_heading = GLOBAL)]
    seed: Option<u64>,
    /// Also send emails through this SMTP server (plain SMTP, no TLS: a local
    /// relay or test sink); an email counts as delivered once it accepts it.
    /// They are written to the outbox folder either way.
    #[arg(long, global = true, value_name = "HOST:PORT", help_heading = GLOBAL)]
    smtp: Option<String>,
    /// The address emails come from (the shop's name is its display name).
    #[arg(
        long,
        global = true,
        value_name = "ADDRESS",
        default_value = "giftcards@shop.example",
        help_heading = GLOBAL
    )]
    mail_from: String,
    /// The outbox folder (default: `<db file>.outbox/` beside the database).
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    outbox: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The database file when `--db` is not given.
const DEFAULT_DB: &str = "giftcards.db";
/// The demo's database when `--db` is not given: never the shop's own.
const DEMO_DB: &str = "demo.db";

impl Cli {
    /// The database the command works on.
    fn db(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Manage cards as an administrator.
    #[command(subcommand)]
    Card(Box<commands::cards::CardCommand>),
    /// Check a card's balance as a customer would (rate limited, generic
    /// answers; exit status 1 when the answer is a refusal).
    Balance(commands::customer::CodeLookup),
    /// Show or change the plugin's settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Show the plugin's name, version and contract version, and the
    /// database's schema version beside the build's.
    Info,
    /// Write the component this binary embeds to a file (for wasm-tools,
    /// another host, or a package); prints its size.
    Component {
        /// Where to write the .wasm file (replaced if it exists).
        #[arg(long, value_name = "FILE.wasm")]
        out: PathBuf,
    },
    /// Run a short scripted session showing the plugin at work (in a fresh
    /// demo.db unless --db is given).
    Demo,
    /// Check the database: SQLite's integrity check, the ledger invariant of
    /// every card, the schema version, messages waiting for delivery. Exit
    /// status 1 on any finding.
    Doctor,
    /// The plugin as a marketplace ships it: pack, sign and inspect a
    /// package; install, upgrade, roll back or uninstall it on the database.
    #[command(subcommand)]
    Plugin(commands::marketplace::PluginCommand),
    /// Run conformance scenarios.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// The plugin's cost report: wasm instructions, SQL statements and the
    /// median time of standard operations (collect, placed, paid, checkout,
    /// balance check, bulk generation), each on a fresh seeded database,
    /// with a fresh instance per call and with recycled instances; with the
    /// built-in component also the native engine and the ratios.
    Bench {
        /// Timed rounds per operation (after one to warm up), 1 to 10,000.
        #[arg(long, default_value_t = 15, value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..=10_000))]
        rounds: u32,
        /// Only this standard operation (repeat for several), e.g.
        /// `--only collect-200-lines-10-cards`.
        #[arg(long, value_name = "NAME")]
        only: Vec<String>,
    },
    /// Run the simulated shop around the plugin: catalog, quotes, orders,
    /// invoices, shipments, credit memos (`shop actions` lists every action).
    Shop(commands::shop::ShopCli),
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
    Batch(commands::batches::BatchCommand),
    /// Goodwill cards from orders (`issue`) and campaigns (`campaign`).
    #[command(flatten)]
    Issuing(commands::issuing::IssuingCommand),
    /// Manage the plugin's gift-card products: amounts, validity, order, activation.
    #[command(subcommand)]
    Product(commands::products::ProductCommand),
    #[command(flatten)]
    Customer(commands::customer::CustomerCommand),
    /// The messages delivered so far (emails as MIME files, SMS, print PDFs).
    #[command(subcommand)]
    Outbox(commands::delivery::OutboxCommand),
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
        /// Scenario files, or directories whose `.toml` / `.json` files to run.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Show the current settings.
    Show,
    /// Change some settings.
    Set(commands::products::SettingsSet),
}

fn run(cli: Cli) -> Result<()> {
    let json_out = cli.json;
    match &cli.command {
        Command::Scenario(ScenarioCommand::Run { paths }) => {
            checks::scenario(&cli, json_out, paths)
        }
        Command::Demo => checks::demo(&cli),
        Command::Bench { rounds, only } => {
            commands::bench::run(&cli, json_out, *rounds as usize, only)
        }
        Command::Doctor => checks::doctor(&cli, json_out),
        Command::Component { out } => plugin::component(out, json_out),
        Command::Info => plugin::info(&cli, json_out),
        Command::Plugin(cmd) => commands::marketplace::run(&cli, json_out, cmd),
        Command::Settings(cmd) => plugin::settings(&cli, json_out, cmd),
        Command::Balance(lookup) => answer_and_print(
            open(&cli)?,
            json_out,
            "customer.check-balance",
            lookup.args(),
            render::balance_answer,
        ),
        Command::Card(cmd) => commands::cards::run(open(&cli)?, json_out, cmd),
        Command::Shop(cmd) => commands::shop::run(&cli, json_out, cmd),
        Command::Call { function, args } => plugin::call(&cli, function, args.as_deref()),
        Command::Batch(cmd) => commands::batches::run(open(&cli)?, json_out, cmd),
        Command::Issuing(cmd) => commands::issuing::run(open(&cli)?, json_out, cmd),
        Command::Product(cmd) => commands::products::run(open(&cli)?, json_out, cmd),
        Command::Customer(cmd) => commands::customer::run(&cli, json_out, cmd),
        Command::Outbox(cmd) => commands::delivery::run_outbox(open(&cli)?, json_out, cmd),
        Command::View { token } => commands::delivery::view(open(&cli)?, json_out, token),
        Command::Tick { at } => commands::delivery::tick(open(&cli)?, json_out, at.as_deref()),
    }
}

fn main() -> ExitCode {
    output::quiet_on_closed_pipe();
    let cli = Cli::parse();
    let json_out = cli.json;
    let result = run(cli);
    // Whatever the command did, a message it could not deliver is reported
    // (the change that sent it is committed; the message stays pending):
    // as an error when this command queued it, as a warning when an earlier
    // one did (it was only tried again on the way).
    let failed_own = output::report_undelivered(json_out);
    match result {
        Ok(()) if !failed_own => ExitCode::SUCCESS,
        Ok(()) => ExitCode::FAILURE,
        Err(e) if e.is::<Refused>() => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{}", render::printable(&format!("error: {e:#}")));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument and flag of every command says what it is for, and the
    /// options every command takes sit under their own heading.
    #[test]
    fn every_argument_has_help_text() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
                if arg.is_global_set() && arg.get_help_heading() != Some(GLOBAL) {
                    missing.push(format!("{path} {id}: global, but not under `{GLOBAL}`"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_long_about().is_none() {
                    missing.push(format!("{path} {} (the command itself)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        let mut cmd = Cli::command();
        cmd.build();
        walk(&cmd, "giftcard-harness", &mut missing);
        assert!(
            missing.is_empty(),
            "without help text:\n{}",
            missing.join("\n")
        );
    }
}
