//! `giftcard-harness shop <group> <verb> [--flags] [--args JSON]`: the
//! simulated shop's actions on the command line, one subcommand per action.

use crate::{Cli, open, say, say_json};
use anyhow::{Result, bail};
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};
use giftcard_harness::render;
use giftcard_harness::runtime::Outcome;
use giftcard_harness::shop::{self, ArgKind, Shop};
use serde_json::{Value as Json, json};

/// `shop <group> <verb> [--flags] [--args JSON]`, built from the shop's own
/// action table ([`shop::ACTIONS`]) so every action is reachable with proper
/// flags and `--help`; `--args` gives the arguments as one JSON object
/// (flags given as well override its keys).
pub struct ShopCli {
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

pub fn run(cli: &Cli, json_out: bool, cmd: &ShopCli) -> Result<()> {
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
            say_json(&Json::Array(list))?;
        } else {
            say(&shop::render::render(&json!({ "actions": list })));
        }
        return Ok(());
    };
    let harness = open(cli)?;
    let shop = Shop::open(harness)?;
    match shop.run(action, &cmd.args)? {
        Outcome::Ok(v) => {
            if json_out {
                say_json(&v)?;
            } else {
                say(&shop::render::render(&v));
            }
            Ok(())
        }
        Outcome::Err(e) => {
            if json_out {
                say_json(&json!({ "error": e }))?;
            }
            bail!("{action} refused: {}", render::error(&e))
        }
    }
}
