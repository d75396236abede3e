//! `giftcard-harness shop <group> <verb> [--flags] [--args JSON]`: the
//! simulated shop's actions on the command line, one subcommand per action.

use crate::{Cli, open, say, say_json};
use anyhow::Result;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};
use giftcard_conformance::json::Outcome;
use giftcard_harness::render;
use giftcard_shop::{self as shop, LineText, Shop};
use serde_json::{Value as Json, json};
use std::any::TypeId;

/// `shop <group> <verb> [--flags] [--args JSON]`, one subcommand per action
/// of [`shop::ACTIONS`], its flags and `--help` those its arguments struct
/// declares ([`cli_arg`] adds how each kind is typed); `--args` gives the
/// arguments as one JSON object (flags given as well override its keys).
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

/// How an argument is typed on the command line, by the type its struct
/// field reads (JSON takes any of them as the JSON type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A string (`String`, or read as text: `#[arg(value_parser = String)]`).
    Text,
    /// A whole number. Read as any `i64`, so that one out of the field's
    /// range (`--page -1`) gets serde's `invalid-argument`, as in JSON.
    Int,
    /// `true` / `false`; a bare `--flag` means true.
    Bool,
    /// A list of strings (`Vec<String>`): comma-separated, or repeated.
    List,
    /// Line quantities (`Vec<LineQty>`): `--lines 1=2,3=1`, or repeated.
    Lines,
}

fn kind(arg: &Arg) -> Kind {
    let t = arg.get_value_parser().type_id();
    let is = |id: TypeId| t == id;
    let many = matches!(arg.get_action(), ArgAction::Append);
    if is(TypeId::of::<bool>()) {
        Kind::Bool
    } else if is(TypeId::of::<LineText>()) {
        Kind::Lines
    } else if [
        TypeId::of::<i64>(),
        TypeId::of::<u64>(),
        TypeId::of::<i32>(),
        TypeId::of::<u32>(),
    ]
    .into_iter()
    .any(is)
    {
        Kind::Int
    } else if many {
        Kind::List
    } else {
        Kind::Text
    }
}

/// An action's flag as the command line takes it: its kind's value name and
/// syntax, and a required one may come from `--args` instead.
fn cli_arg(arg: Arg) -> Arg {
    if arg.get_id() == "args" {
        return arg;
    }
    let arg = if arg.is_required_set() {
        arg.required(false).required_unless_present("args")
    } else {
        arg
    };
    match kind(&arg) {
        Kind::Text => arg.value_name("TEXT").allow_hyphen_values(true),
        Kind::Int => arg
            .value_name("N")
            .allow_hyphen_values(true)
            .value_parser(clap::value_parser!(i64)),
        Kind::Bool => arg
            .value_name("BOOL")
            .num_args(0..=1)
            .default_missing_value("true"),
        Kind::List => arg.value_name("A,B,…").value_delimiter(','),
        Kind::Lines => arg.value_name("LINE=QTY,…").value_delimiter(','),
    }
}

/// The `shop <group> <verb>` command of one action.
fn verb_command(action: &shop::Action) -> clap::Command {
    let cmd = clap::Command::new(action.verb()).arg(
        Arg::new("args")
            .long("args")
            .value_name("JSON")
            .help("All arguments as one JSON object (kebab-case keys); flags override it"),
    );
    (action.augment_args)(cmd)
        .about(action.about)
        .long_about(None)
        .mut_args(cli_arg)
}

fn shop_commands(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd.subcommand_required(true).subcommand(
        clap::Command::new("actions").about("List every shop action with its arguments"),
    );
    let mut groups: Vec<&str> = Vec::new();
    for a in shop::ACTIONS {
        if !groups.contains(&a.group()) {
            groups.push(a.group());
        }
    }
    for group in groups {
        let mut g = clap::Command::new(group)
            .about(group_about(group))
            .subcommand_required(true);
        for a in shop::ACTIONS.iter().filter(|a| a.group() == group) {
            g = g.subcommand(verb_command(a));
        }
        cmd = cmd.subcommand(g);
    }
    cmd
}

fn usage(msg: String) -> clap::Error {
    clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("{msg}\n"))
}

/// The arguments given to one action's command as one JSON object: `--args`
/// with the flags given over it, each under its long name (the struct's
/// kebab-case field name) as its kind's JSON type.
fn args_json(action: &shop::Action, m: &ArgMatches) -> Result<Json, clap::Error> {
    let mut obj = match m.get_one::<String>("args") {
        Some(text) => match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(map)) => map,
            _ => return Err(usage(format!("--args must be a JSON object, got `{text}`"))),
        },
        None => serde_json::Map::new(),
    };
    let cmd = verb_command(action);
    for arg in cmd.get_arguments() {
        let (id, Some(name)) = (arg.get_id().as_str(), arg.get_long()) else {
            continue;
        };
        if name == "args" || m.value_source(id).is_none() {
            continue;
        }
        let value = match kind(arg) {
            Kind::Text => m.get_one::<String>(id).map(|v| json!(v)),
            Kind::Int => m.get_one::<i64>(id).map(|v| json!(v)),
            Kind::Bool => m.get_one::<bool>(id).map(|v| json!(v)),
            Kind::List => m
                .get_many::<String>(id)
                .map(|vs| json!(vs.collect::<Vec<_>>())),
            Kind::Lines => match m.get_many::<LineText>(id) {
                None => None,
                Some(vs) => {
                    let mut lines = Vec::new();
                    for LineText(v) in vs {
                        let (line, qty) = v
                            .split_once('=')
                            .and_then(|(l, q)| Some((l, q.trim().parse::<i64>().ok()?)))
                            .ok_or_else(|| {
                                usage(format!("--{name} `{v}`: expected LINE=QUANTITY, e.g. 1=2"))
                            })?;
                        lines.push(json!({ "line": line.trim(), "quantity": qty }));
                    }
                    Some(Json::Array(lines))
                }
            },
        };
        if let Some(v) = value {
            obj.insert(name.to_owned(), v);
        }
    }
    Ok(Json::Object(obj))
}

// Only the dispatch over the actions is written out; each action's flags
// and JSON come from its arguments struct.
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
        Ok(ShopCli {
            args: args_json(action, vm)?,
            action: Some(name),
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

/// An action's arguments for `shop actions`: each name, `?` when optional.
fn arg_names(action: &shop::Action) -> Vec<String> {
    action
        .command()
        .get_arguments()
        .map(|a| {
            let name = a.get_long().unwrap_or(a.get_id().as_str());
            format!("{name}{}", if a.is_required_set() { "" } else { "?" })
        })
        .collect()
}

pub fn run(cli: &Cli, json_out: bool, cmd: &ShopCli) -> Result<()> {
    let Some(action) = &cmd.action else {
        let list: Vec<Json> = shop::ACTIONS
            .iter()
            .map(|a| {
                json!({
                    "action": a.name, "about": a.about,
                    "args": arg_names(a),
                })
            })
            .collect();
        if json_out {
            say_json(&Json::Array(list))?;
        } else {
            say(&render::shop::render(&json!({ "actions": list })));
        }
        return Ok(());
    };
    let harness = open(cli)?;
    let shop = Shop::open(harness)?;
    let outcome = shop.run(action, &cmd.args).map(Outcome::from)?;
    crate::print_outcome(outcome, json_out, action, render::shop::render)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value of `arg`'s kind for the command line (`None`: the bare flag).
    /// Text is `simple`, which the product's `kind` reads too.
    fn sample(arg: &Arg) -> Option<&'static str> {
        match kind(arg) {
            Kind::Text => Some("simple"),
            Kind::Int => Some("1"),
            Kind::Bool => None,
            Kind::List => Some("a,b"),
            Kind::Lines => Some("1=2,3=1"),
        }
    }

    /// The command line giving `action` the flags `wanted` (by name).
    fn flags(action: &shop::Action, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let mut argv = vec![action.verb().to_owned()];
        for arg in verb_command(action).get_arguments() {
            let name = arg.get_long().unwrap();
            if name != "args" && wanted(name) {
                argv.push(format!("--{name}"));
                argv.extend(sample(arg).map(str::to_owned));
            }
        }
        argv
    }

    fn read(action: &shop::Action, argv: &[String]) -> Json {
        let m = verb_command(action)
            .try_get_matches_from(argv)
            .unwrap_or_else(|e| panic!("{}: {argv:?}: {e}", action.name));
        args_json(action, &m).unwrap()
    }

    #[test]
    fn every_flag_of_every_action_is_a_field_of_its_arguments() {
        let mut flags_seen = 0;
        for action in shop::ACTIONS {
            // Every flag, given: each is a field of the struct, of its type.
            let argv = flags(action, |_| true);
            let all = read(action, &argv);
            action
                .check_args(&all)
                .unwrap_or_else(|e| panic!("{}: {all}: {e:?}", action.name));
            flags_seen += argv.len();
            // The required flags are enough for serde too.
            let declared = action.command();
            let required: Vec<_> = declared
                .get_arguments()
                .filter(|a| a.is_required_set())
                .map(|a| a.get_long().unwrap())
                .collect();
            let required = read(action, &flags(action, |name| required.contains(&name)));
            assert_eq!(action.check_args(&required), Ok(()), "{}", action.name);
            // And each one is required by serde as well as by the command line.
            for key in required.as_object().unwrap().keys() {
                let mut less = required.clone();
                less.as_object_mut().unwrap().remove(key);
                assert_eq!(
                    action.check_args(&less),
                    Err(shop::error::ShopError::InvalidArgument(format!(
                        "missing field `{key}`"
                    ))),
                    "{}",
                    action.name
                );
            }
            // The declaration as listed is the one the command line reads.
            let declared: Vec<_> = declared
                .get_arguments()
                .map(|a| a.get_id().clone())
                .collect();
            let cli: Vec<_> = verb_command(action)
                .get_arguments()
                .map(|a| a.get_id().clone())
                .filter(|id| id != "args")
                .collect();
            assert_eq!(declared, cli, "{}", action.name);
        }
        assert_eq!(shop::ACTIONS.len(), 37);
        assert!(flags_seen > 100);
    }

    #[test]
    fn special_kinds_read_as_before() {
        let invoice = shop::action("order.invoice").unwrap();
        let argv = [
            "invoice",
            "--order",
            "-1",
            "--lines",
            "1=2, 3 =1",
            "--lines",
            "4=1",
            "--pay",
        ];
        assert_eq!(
            read(invoice, &argv.map(String::from)),
            json!({
                "order": "-1",
                "lines": [
                    { "line": "1", "quantity": 2 },
                    { "line": "3", "quantity": 1 },
                    { "line": "4", "quantity": 1 },
                ],
                "pay": true,
            })
        );
        let product = shop::action("product.create").unwrap();
        let argv = [
            "create",
            "--sku",
            "gc",
            "--denominations",
            "25,50",
            "--denominations",
            "100",
            "--validity-days",
            "-3",
            "--taxable",
            "false",
            "--args",
            r#"{"sku":"old","kind":"gift-card"}"#,
        ];
        assert_eq!(
            read(product, &argv.map(String::from)),
            json!({
                "sku": "gc", "kind": "gift-card", "denominations": ["25", "50", "100"],
                "validity-days": -3, "taxable": false,
            })
        );
    }
}
