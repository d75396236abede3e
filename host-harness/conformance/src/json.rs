//! Calls written as data: an export named `interface.function` with JSON
//! arguments, its result as JSON. The CLI, the scenario runner and the tests
//! drive the component this way (it works on any component); the conversion
//! itself is [`crate::dynval`]. A platform that knows the contract calls it
//! typed instead, through [`giftcard_host::GiftCards`].

pub use giftcard_host::{CallEnv, Faults, Limits, Runtime};

use crate::dynval;
use anyhow::{Result, anyhow};
use giftcard_host::Transaction;
use giftcard_host::call::finish;
use wasmtime::component::Val;

/// What an export call returned.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `ok(value)` (or a plain return value): committed.
    Ok(serde_json::Value),
    /// `err(value)`: rolled back.
    Err(serde_json::Value),
}

/// A shop action's answer reads like an export's.
impl From<giftcard_shop::Answer> for Outcome {
    fn from(answer: giftcard_shop::Answer) -> Outcome {
        match answer {
            Ok(v) => Outcome::Ok(v),
            Err(refusal) => Outcome::Err(refusal.to_json()),
        }
    }
}

impl Outcome {
    fn of(value: Val) -> Outcome {
        match value {
            Val::Result(Err(e)) => Outcome::Err(
                e.map(|v| dynval::val_to_json(&v))
                    .unwrap_or(serde_json::Value::Null),
            ),
            Val::Result(Ok(v)) => Outcome::Ok(
                v.map(|v| dynval::val_to_json(&v))
                    .unwrap_or(serde_json::Value::Null),
            ),
            other => Outcome::Ok(dynval::val_to_json(&other)),
        }
    }
}

/// A call whose function and arguments have been checked against the
/// component's types, ready to run; no transaction is needed to make one.
pub struct PreparedCall<'a> {
    name: &'a str,
    params: Vec<Val>,
}

/// JSON calls on a [`Runtime`].
pub trait JsonCalls {
    /// Checks that `name` is exported and converts `args` to its parameters.
    /// Done before any transaction starts, so a malformed call never touches
    /// the database.
    fn prepare_json<'a>(
        &'a self,
        name: &'a str,
        args: &serde_json::Value,
    ) -> Result<PreparedCall<'a>>;

    /// Runs a prepared call inside `tx` and hands the transaction back
    /// unfinished, whatever happened (see [`Runtime::call_dynamic_in`]).
    fn run_json_in(
        &self,
        call: PreparedCall<'_>,
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
    ) -> (Box<dyn Transaction>, Result<Outcome>);

    /// Runs a prepared call inside `tx`, then commits (`ok`) or rolls back
    /// (`err`, or a trap: the `Err`).
    fn run_json(
        &self,
        call: PreparedCall<'_>,
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
    ) -> Result<Outcome> {
        let (tx, result) = self.run_json_in(call, tx, env);
        let committed = result.map(|outcome| match outcome {
            Outcome::Ok(v) => Ok(v),
            Outcome::Err(e) => Err(e),
        });
        finish(tx, committed).map(|r| match r {
            Ok(v) => Outcome::Ok(v),
            Err(e) => Outcome::Err(e),
        })
    }

    /// Prepares and runs a call in `tx` (rolled back if the call is
    /// malformed).
    fn call_json(
        &self,
        name: &str,
        args: &serde_json::Value,
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
    ) -> Result<Outcome> {
        match self.prepare_json(name, args) {
            Ok(call) => self.run_json(call, tx, env),
            Err(e) => {
                let _ = tx.rollback();
                Err(e)
            }
        }
    }
}

impl JsonCalls for Runtime {
    fn prepare_json<'a>(
        &'a self,
        name: &'a str,
        args: &serde_json::Value,
    ) -> Result<PreparedCall<'a>> {
        let export = self.check_dynamic(name)?;
        let params = dynval::args_to_params(args, &export.params)
            .map_err(|e| anyhow!("arguments for `{name}`: {e}"))?;
        Ok(PreparedCall { name, params })
    }

    fn run_json_in(
        &self,
        call: PreparedCall<'_>,
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
    ) -> (Box<dyn Transaction>, Result<Outcome>) {
        let (tx, result) = self.call_dynamic_in(call.name, &call.params, tx, env);
        (tx, result.map(Outcome::of))
    }
}
