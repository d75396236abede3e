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

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use giftcard_harness::harness::{Harness, HarnessConfig};
use giftcard_harness::render;
use giftcard_harness::runtime::Outcome;
use giftcard_harness::{demo, scenario};
use giftcard_host::CodeCache;
use giftcard_host::clock::Clock;
use serde_json::{Value as Json, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

mod cli_batches;
mod cli_cards;
mod cli_customer;
mod cli_delivery;
mod cli_issuing;
mod cli_products;
mod shop_cli;

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
    Card(Box<cli_cards::CardCommand>),
    /// Check a card's balance as a customer would (rate limited, generic
    /// answers; exit status 1 when the answer is a refusal).
    Balance {
        /// The code, in any case, with or without dashes and spaces.
        code: String,
        /// Who is asking, for the rate limit (an IP address, a session…).
        #[arg(long, default_value = "cli")]
        client_key: String,
        /// The signed-in customer asking, whose failed lookups are limited
        /// per hour.
        #[arg(long)]
        customer: Option<String>,
    },
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
    /// Run conformance scenarios.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Run the simulated shop around the plugin: catalog, quotes, orders,
    /// invoices, shipments, credit memos (`shop actions` lists every action).
    Shop(shop_cli::ShopCli),
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
    Set(cli_products::SettingsSet),
}

/// Every harness the command opened, so `main` can report the messages
/// they could not deliver (a call that committed stays committed; its
/// message stays pending and is tried again later).
static OPENED: Mutex<Vec<&'static Harness>> = Mutex::new(Vec::new());

/// What the compiled-code cache did for this process, in words.
fn compiled_code(outcome: &giftcard_host::CacheOutcome) -> String {
    use giftcard_host::CacheOutcome::*;
    match outcome {
        Hit => "loaded from the cache".to_owned(),
        Stored => "compiled, and stored in the cache".to_owned(),
        Rebuilt(why) => format!("compiled again ({why})"),
        Bypassed(why) if why == "off" => "compiled (--no-cache)".to_owned(),
        Bypassed(why) => format!("compiled, not cached ({why})"),
    }
}

/// The compiled-code cache the command uses (`--no-cache`: none).
fn cache(cli: &Cli) -> CodeCache {
    if cli.no_cache {
        CodeCache::Off
    } else {
        CodeCache::user_default()
    }
}

fn config(cli: &Cli, db: PathBuf) -> Result<HarnessConfig> {
    let mut config = HarnessConfig::new(db);
    config.component = cli.component.clone();
    config.cache = cache(cli);
    config.seed = cli.seed;
    if let Some(start) = &cli.fixed_clock {
        let t = chrono::DateTime::parse_from_rfc3339(start)
            .with_context(|| format!("--fixed-clock `{start}` is not an RFC 3339 time"))?;
        config.clock = Clock::fixed(t.timestamp());
    }
    config.delivery.from_address = cli.mail_from.clone();
    config.delivery.outbox = cli.outbox.clone();
    if let Some(smtp) = &cli.smtp {
        config.delivery.smtp = Some(giftcard_host::outbox::Smtp::parse(smtp)?);
    }
    Ok(config)
}

/// Opens the harness on `db`. It lives as long as the program (a command
/// opens one or two), so `main` can look at it once the command is done.
fn open_at(cli: &Cli, db: PathBuf) -> Result<&'static Harness> {
    let harness: &'static Harness = Box::leak(Box::new(Harness::open(config(cli, db)?)?));
    OPENED.lock().unwrap().push(harness);
    Ok(harness)
}

fn open(cli: &Cli) -> Result<&'static Harness> {
    open_at(cli, cli.db())
}

/// Prints text for a person: control characters from stored data are
/// escaped ([`render::printable`]), so nothing a customer typed can drive
/// the terminal.
fn say(text: &str) {
    println!("{}", render::printable(text));
}

/// Prints a value as JSON ([`json_text`]).
fn say_json(v: &Json) -> Result<()> {
    println!("{}", json_text(v));
    Ok(())
}

/// A value as pretty JSON a terminal cannot be fooled by: serde escapes the
/// C0 control characters itself; DEL, the C1 controls (U+0080–U+009F: some
/// terminals read U+009B as a control sequence), the Unicode line
/// separators and the bidirectional overrides, which JSON allows raw, are
/// written as `\uXXXX` escapes too (they can only occur inside strings,
/// where the escape means the same).
fn json_text(v: &Json) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != '\n' && giftcard_engine::cards::forbidden(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes one call that may write and prints its outcome; `Err` when the
/// plugin refused.
fn call_and_print(
    harness: &Harness,
    json_out: bool,
    name: &str,
    args: Json,
    human: fn(&Json) -> String,
) -> Result<()> {
    print_outcome(harness.call(name, &args)?, json_out, name, human)
}

/// Makes one call that only reads (in a read-only transaction: no write
/// lock) and prints its outcome; `Err` when the plugin refused.
fn read_and_print(
    harness: &Harness,
    json_out: bool,
    name: &str,
    args: Json,
    human: fn(&Json) -> String,
) -> Result<()> {
    print_outcome(harness.call_read(name, &args)?, json_out, name, human)
}

fn print_outcome(
    outcome: Outcome,
    json_out: bool,
    name: &str,
    human: fn(&Json) -> String,
) -> Result<()> {
    match outcome {
        Outcome::Ok(v) => {
            if json_out {
                say_json(&v)?;
            } else {
                say(&human(&v));
            }
            Ok(())
        }
        Outcome::Err(e) => {
            if json_out {
                say_json(&json!({ "error": e }))?;
            }
            bail!("{name} refused: {}", render::error(&e))
        }
    }
}

/// A customer-facing answer (`found`, `not-available`, `rate-limited`):
/// printed either way, and a refusal is exit status 1, as every refusal is.
fn answer_and_print(
    harness: &Harness,
    json_out: bool,
    name: &str,
    args: Json,
    human: fn(&Json) -> String,
) -> Result<()> {
    let outcome = harness.call(name, &args)?;
    let refused = match &outcome {
        Outcome::Ok(v) if v.get("found").is_none() => Some(human(v)),
        _ => None,
    };
    print_outcome(outcome, json_out, name, human)?;
    match refused {
        Some(why) => Err(Refused(why).into()),
        None => Ok(()),
    }
}

/// A refusal already printed on standard output: `main` exits 1 without
/// printing it again.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

fn run(cli: Cli) -> Result<()> {
    let json_out = cli.json;
    match &cli.command {
        Command::Scenario(ScenarioCommand::Run { paths }) => {
            let report = scenario::run_files(paths, cli.component.as_deref(), &cache(&cli))?;
            if json_out {
                say_json(&report.to_json())?;
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
            let db = match &cli.db {
                Some(db) => db.clone(),
                None => fresh_demo_db()?,
            };
            println!(
                "Running the demo in {}{}.",
                db.display(),
                if cli.db.is_none() {
                    " (a fresh file: your giftcards.db is never touched; --db picks another)"
                } else {
                    ""
                }
            );
            let harness = open_at(&cli, db)?;
            demo::run(harness, &mut std::io::stdout())
        }
        Command::Doctor => doctor(&cli, json_out),
        Command::Component { out } => {
            let bytes = giftcard_host::BUILT_COMPONENT;
            let dir = match out.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => std::path::Path::new("."),
            };
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("writing into {}", dir.display()))?;
            std::io::Write::write_all(&mut tmp, bytes)?;
            tmp.persist(out)
                .with_context(|| format!("writing {}", out.display()))?;
            if json_out {
                return say_json(&json!({ "path": out, "bytes": bytes.len() }));
            }
            say(&format!(
                "{} bytes written to {}",
                bytes.len(),
                out.display()
            ));
            Ok(())
        }
        Command::Info => {
            // An existing database is only looked at (its schema version as
            // it is, not migrated first); a new one is made as usual.
            let harness = if cli.db().exists() {
                let mut config = config(&cli, cli.db())?;
                config.read_only = true;
                let harness: &'static Harness = Box::leak(Box::new(Harness::open(config)?));
                harness
            } else {
                open(&cli)?
            };
            let metadata = match harness.call_read("lifecycle.metadata", &Json::Null)? {
                Outcome::Ok(m) => m,
                Outcome::Err(e) => bail!("lifecycle.metadata refused: {}", render::error(&e)),
            };
            let database = match harness.call_read("lifecycle.database-version", &Json::Null) {
                Ok(Outcome::Ok(v)) => v,
                _ => Json::Null,
            };
            let compiled = compiled_code(harness.runtime().cache_outcome());
            if json_out {
                let mut v = metadata;
                v["database-schema-version"] = database;
                v["compiled-code"] = json!(compiled);
                return say_json(&v);
            }
            say(&format!(
                "{} {} · contract giftcard:plugin@{} · schema v{} (database v{})\ncompiled code: {compiled}",
                metadata["name"].as_str().unwrap_or("?"),
                metadata["version"].as_str().unwrap_or("?"),
                metadata["contract-version"].as_str().unwrap_or("?"),
                metadata["schema-version"],
                if database.is_null() {
                    "?".to_owned()
                } else {
                    database.to_string()
                }
            ));
            Ok(())
        }
        Command::Settings(cmd) => {
            let harness = open(&cli)?;
            match cmd {
                SettingsCommand::Show => read_and_print(
                    harness,
                    json_out,
                    "lifecycle.get-settings",
                    Json::Null,
                    render::settings,
                ),
                SettingsCommand::Set(set) => call_and_print(
                    harness,
                    json_out,
                    "lifecycle.configure",
                    set.update()?,
                    render::settings,
                ),
            }
        }
        Command::Balance {
            code,
            client_key,
            customer,
        } => answer_and_print(
            open(&cli)?,
            json_out,
            "customer.check-balance",
            json!({ "code": code, "client-key": client_key, "customer-id": customer }),
            render::balance_answer,
        ),
        Command::Card(cmd) => cli_cards::run(open(&cli)?, json_out, cmd),
        Command::Shop(cmd) => shop_cli::run(&cli, json_out, cmd),
        Command::Call { function, args } => {
            let args: Json = match args {
                Some(text) => serde_json::from_str(text)
                    .with_context(|| format!("--args is not valid JSON: `{text}`"))?,
                None => Json::Null,
            };
            // Always JSON: there is no table layout for an arbitrary answer.
            call_and_print(open(&cli)?, true, function, args, |_| String::new())
        }
        Command::Batch(cmd) => cli_batches::run(open(&cli)?, json_out, cmd),
        Command::Issuing(cmd) => cli_issuing::run(open(&cli)?, json_out, cmd),
        Command::Product(cmd) => cli_products::run(open(&cli)?, json_out, cmd),
        Command::Customer(cmd) => cli_customer::run(&cli, json_out, cmd),
        Command::Outbox(cmd) => cli_delivery::run_outbox(open(&cli)?, json_out, cmd),
        Command::View { token } => cli_delivery::view(open(&cli)?, json_out, token),
        Command::Tick { at } => cli_delivery::tick(open(&cli)?, json_out, at.as_deref()),
    }
}

/// `doctor`: every check, read-only (the database is opened without
/// migrating, so an old schema is reported rather than upgraded); exit
/// status 1 on any finding.
fn doctor(cli: &Cli, json_out: bool) -> Result<()> {
    let db = cli.db();
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    // SQLite's own check first, on a read-only connection, before anything
    // else touches a file that may be damaged.
    let integrity = giftcard_harness::doctor::integrity(&db);
    let harness = config(cli, db.clone()).and_then(|mut config| {
        config.read_only = true;
        let harness: &'static Harness = Box::leak(Box::new(Harness::open(config)?));
        OPENED.lock().unwrap().push(harness);
        Ok(harness)
    });
    let report = giftcard_harness::doctor::examine_after(integrity, harness.map(|h| h as &Harness));
    if json_out {
        say_json(&json!({ "healthy": report.healthy(), "checks": report.checks }))?;
    } else {
        for check in &report.checks {
            let mark = if check.findings.is_empty() {
                "ok"
            } else {
                "FOUND"
            };
            say(&format!("{mark:<5} {}: {}", check.name, check.summary));
            for finding in &check.findings {
                say(&format!("      - {finding}"));
            }
        }
    }
    if report.healthy() {
        Ok(())
    } else {
        let found: usize = report.checks.iter().map(|c| c.findings.len()).sum();
        Err(Refused(format!("the doctor found {found} problem(s)")).into())
    }
}

/// `demo.db` in the current folder, emptied first (with its WAL files and
/// outbox) so every demo starts from nothing.
fn fresh_demo_db() -> Result<PathBuf> {
    let db = PathBuf::from(DEMO_DB);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{DEMO_DB}{suffix}"));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
    let outbox = giftcard_host::outbox::Outbox::next_to(&db);
    match std::fs::remove_dir_all(outbox.dir()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", outbox.dir().display())),
    }
    Ok(db)
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let json_out = cli.json;
    let result = run(cli);
    // Whatever the command did, a message it could not deliver is reported
    // (the change that sent it is committed; the message stays pending):
    // as an error when this command queued it, as a warning when an earlier
    // one did (it was only tried again on the way).
    let opened = OPENED.lock().unwrap().clone();
    let mut failed_own = false;
    let mut report = Vec::new();
    for h in &opened {
        for u in h.take_undelivered() {
            let own = h.queued_since_open(u.row);
            failed_own |= own;
            eprintln!(
                "{}",
                render::printable(&format!(
                    "{}: message {} ({} to {}) for card {} {} not delivered: {}. It stays \
                     pending: `giftcard-harness outbox retry` (or the next command) tries again.",
                    if own { "error" } else { "warning" },
                    u.message_id,
                    u.channel,
                    u.recipient,
                    u.card_id,
                    if own { "was" } else { "is still" },
                    u.reason
                ))
            );
            report.push(json!({ "message-id": u.message_id, "card-id": u.card_id,
                "channel": u.channel, "recipient": u.recipient, "reason": u.reason,
                "this-command": own }));
        }
        for e in h.take_delivery_errors() {
            failed_own = true;
            eprintln!(
                "{}",
                render::printable(&format!(
                    "error: the change committed, but its messages could not be delivered \
                     now ({e}); they stay pending and are tried again by the next command."
                ))
            );
        }
    }
    if json_out && !report.is_empty() {
        // On standard error: standard output holds the command's own JSON.
        eprintln!("{}", json_text(&json!({ "undelivered": report })));
    }
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

/// Restores the default action of `SIGPIPE` (which Rust's runtime ignores),
/// so writing to a closed pipe (`giftcard-harness card list | head`) ends
/// the program quietly, as other command-line tools do, instead of a panic
/// in `println!`. A command ended that way is safe: every call is its own
/// transaction, and a message not yet delivered stays pending.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists;
    // `SIG_DFL` is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
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
