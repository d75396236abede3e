//! The conformance-scenario runner. A scenario is a data file (TOML or JSON)
//! of steps — export calls with their arguments and expected outcomes,
//! actions of the simulated shop, clock moves and invariant checks — run
//! against a fresh database on a fixed clock with a seeded random source, so
//! every run of it is identical. The format is documented for authors in
//! `tests/README.md`.

use crate::harness::{Harness, HarnessConfig};
use crate::json::{Faults, Limits, Outcome, Runtime};
use anyhow::{Context, Result, anyhow, bail};
use giftcard_host::GiftCards;
use giftcard_shop::Shop;
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The fixed clock's default start.
pub const DEFAULT_CLOCK: &str = "2026-01-01T00:00:00Z";
/// Written in expectations for an empty `option` (null), which TOML lacks.
pub const NONE: &str = "<none>";
/// The random source's default seed.
pub const DEFAULT_SEED: u64 = 1;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Scenario {
    /// Defaults to the file name without extension.
    pub name: Option<String>,
    pub description: Option<String>,
    /// Where the fixed clock starts (RFC 3339).
    pub clock: Option<String>,
    /// The seed of the random source.
    pub seed: Option<u64>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Step {
    /// An export to call, as `interface.function`.
    pub call: Option<String>,
    /// A simulated-shop action to run, as `group.verb` (see
    /// [`giftcard_shop::ACTIONS`]), with the same `args`, `expect`, `save` and
    /// `repeat` as a call.
    pub shop: Option<String>,
    /// The call's arguments, shaped like its WIT parameters.
    pub args: Option<Json>,
    /// How often to make the call (each must meet `expect`).
    pub repeat: Option<u32>,
    /// Failures to inject into the database import during the call.
    pub faults: Option<Faults>,
    /// What the call must produce; without it, any `ok`.
    pub expect: Option<Expect>,
    /// Saves parts of the `ok` value under names: `{ card = "id" }`.
    pub save: Option<BTreeMap<String, String>>,
    /// Moves the clock forward: `90s`, `15m`, `2h`, `30d`.
    pub advance: Option<String>,
    /// Sets the clock (RFC 3339).
    pub set_clock: Option<String>,
    /// Checks an invariant: `ledger` (every balance equals its history's sum,
    /// never negative, rows chain).
    pub check: Option<String>,
    /// Checks the outbox folder: how many messages it holds and what the
    /// last one says (`save` then reads from that message).
    pub outbox: Option<OutboxExpect>,
}

/// What the outbox must hold. The last message is matched as JSON: its
/// index entry (`kind`, `channel`, `recipient`, `subject`, `card-id`, …)
/// plus `text` (its readable summary: headers, plain text, parts) and
/// `view-token` (the token in its view link).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OutboxExpect {
    pub count: Option<usize>,
    pub last: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Expect {
    /// The `ok` value must contain this (see [`matches`]).
    pub ok: Option<Json>,
    /// The call must return `err` containing this.
    pub err: Option<Json>,
    /// The call must trap (and so be rolled back).
    pub trap: Option<bool>,
    /// The database must be exactly as before the call.
    pub unchanged: Option<bool>,
}

/// Counts of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
}

/// What happened to one scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub file: PathBuf,
    pub passed: bool,
    /// Steps run (all of them when it passed).
    pub steps: usize,
    /// Why it failed: the step and what differed.
    pub error: Option<String>,
}

/// The results of a run, in file order.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub results: Vec<ScenarioResult>,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let passed = self.results.iter().filter(|r| r.passed).count();
        Summary {
            passed,
            failed: self.results.len() - passed,
        }
    }

    /// One line per scenario, then `N passed, M failed`.
    pub fn write_text(&self, out: &mut dyn Write) -> Result<()> {
        for r in &self.results {
            match &r.error {
                None => writeln!(out, "ok    {} ({} steps)", r.name, r.steps)?,
                Some(e) => writeln!(out, "FAIL  {} ({}): {e}", r.name, r.file.display())?,
            }
        }
        let s = self.summary();
        writeln!(out, "{} passed, {} failed", s.passed, s.failed)?;
        Ok(())
    }

    /// `{ "results": [...], "passed": N, "failed": M }`
    pub fn to_json(&self) -> Json {
        let s = self.summary();
        serde_json::json!({ "results": self.results, "passed": s.passed, "failed": s.failed })
    }
}

/// Finds scenario files: the files given, and every `.toml`/`.json` file
/// under the directories given, in name order.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            out.extend(found);
        } else if path.exists() {
            out.push(path.clone());
        } else {
            bail!("no scenario file or directory at {}", path.display());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("toml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses a scenario file.
pub fn load(path: &Path) -> Result<Scenario> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let scenario: Scenario = if path.extension().and_then(|e| e.to_str()) == Some("json") {
        serde_json::from_str(&text)?
    } else {
        toml::from_str(&text)?
    };
    Ok(scenario)
}

/// Runs every scenario under `paths` against `component` (default: the one
/// built with this harness).
pub fn run_files(
    paths: &[PathBuf],
    component: Option<&Path>,
    cache: &giftcard_host::CodeCache,
) -> Result<Report> {
    let files = collect(paths)?;
    let runtime = Arc::new(crate::harness::load_runtime(
        component,
        Limits::default(),
        cache,
    )?);
    let mut report = Report::default();
    for file in files {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (name, outcome) = match load(&file) {
            Ok(s) => (s.name.clone().unwrap_or(stem), run_one(&runtime, &s)),
            Err(e) => (stem, Err(e)),
        };
        report.results.push(match outcome {
            Ok(steps) => ScenarioResult {
                name,
                file,
                passed: true,
                steps,
                error: None,
            },
            Err(e) => ScenarioResult {
                name,
                file,
                passed: false,
                steps: 0,
                error: Some(format!("{e:#}")),
            },
        });
    }
    Ok(report)
}

/// Runs every scenario under `paths`, printing one line each and closing with
/// `N passed, M failed`.
pub fn run_paths(
    paths: &[PathBuf],
    component: Option<&Path>,
    out: &mut dyn Write,
) -> Result<Summary> {
    let report = run_files(paths, component, &giftcard_host::CodeCache::user_default())?;
    report.write_text(out)?;
    Ok(report.summary())
}

/// Runs one scenario on a fresh database; returns how many steps ran.
pub fn run_one(runtime: &Arc<Runtime>, scenario: &Scenario) -> Result<usize> {
    let dir = tempfile::tempdir()?;
    let start = scenario.clock.as_deref().unwrap_or(DEFAULT_CLOCK);
    let start = chrono::DateTime::parse_from_rfc3339(start)
        .with_context(|| format!("clock `{start}` is not RFC 3339"))?;
    let seed = scenario.seed.unwrap_or(DEFAULT_SEED);
    let config = HarnessConfig {
        cache: giftcard_host::CodeCache::Off,
        ..HarnessConfig::replayable(dir.path().join("scenario.db"), start.timestamp(), seed)
    };
    let harness = crate::harness::open_with(Arc::clone(runtime), &config)?;
    let shop = if scenario.steps.iter().any(|s| s.shop.is_some()) {
        Some(Shop::open(&harness)?)
    } else {
        None
    };
    let mut vars: BTreeMap<String, Json> = BTreeMap::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        run_step(&harness, shop.as_ref(), step, &mut vars).with_context(|| {
            let what = step
                .call
                .as_deref()
                .or(step.shop.as_deref())
                .or(step.check.as_deref())
                .or(step.advance.as_deref())
                .unwrap_or("step");
            format!("step {} `{what}`", i + 1)
        })?;
    }
    Ok(scenario.steps.len())
}

fn run_step(
    harness: &GiftCards,
    shop: Option<&Shop>,
    step: &Step,
    vars: &mut BTreeMap<String, Json>,
) -> Result<()> {
    let actions = [
        step.call.is_some(),
        step.shop.is_some(),
        step.advance.is_some(),
        step.set_clock.is_some(),
        step.check.is_some(),
        step.outbox.is_some(),
    ];
    if actions.iter().filter(|a| **a).count() != 1 {
        bail!(
            "a step needs exactly one of `call`, `shop`, `advance`, `set-clock`, `check`, `outbox`"
        );
    }
    if let Some(want) = &step.outbox {
        return check_outbox(harness, want, step.save.as_ref(), vars);
    }
    if step.shop.is_some() && step.faults.is_some() {
        bail!("`faults` applies to `call` steps only");
    }
    if let Some(by) = &step.advance {
        return harness.clock().advance(parse_duration(by)?);
    }
    if let Some(at) = &step.set_clock {
        let t = chrono::DateTime::parse_from_rfc3339(at)
            .with_context(|| format!("`{at}` is not RFC 3339"))?;
        return harness.clock().set(t.timestamp());
    }
    if let Some(check) = &step.check {
        return match check.as_str() {
            "ledger" => {
                let problems = harness.ledger_problems()?;
                if problems.is_empty() {
                    Ok(())
                } else {
                    bail!("ledger invariants broken: {}", problems.join("; "))
                }
            }
            other => bail!("unknown check `{other}` (known: ledger)"),
        };
    }
    let name = step
        .call
        .as_deref()
        .or(step.shop.as_deref())
        .unwrap_or_default();
    let mut args = substitute(step.args.as_ref().unwrap_or(&Json::Null), vars)?;
    // The scheduler runs for the scenario clock's "now" unless told otherwise.
    if name == "scheduler.tick" && args.is_null() {
        args = serde_json::json!({ "now": giftcard_engine::storage::time::format(harness.clock().now()) });
    }
    let expect = match &step.expect {
        Some(e) => Some(Expect {
            ok: e.ok.as_ref().map(|v| substitute(v, vars)).transpose()?,
            err: e.err.as_ref().map(|v| substitute(v, vars)).transpose()?,
            trap: e.trap,
            unchanged: e.unchanged,
        }),
        None => None,
    };
    let expect = expect.as_ref();
    for _ in 0..step.repeat.unwrap_or(1).max(1) {
        let before = if expect.and_then(|e| e.unchanged) == Some(true) {
            Some(harness.snapshot()?)
        } else {
            None
        };
        let result = match (&step.shop, shop) {
            (Some(_), Some(shop)) => shop.run(name, &args).map(Outcome::from),
            (Some(_), None) => bail!("the shop was not opened"),
            (None, _) => harness.call_json_with(name, &args, step.faults.unwrap_or_default()),
        };
        check_outcome(&result, expect)?;
        if let Some(before) = before {
            let after = harness.snapshot()?;
            if after != before {
                let added: Vec<_> = after
                    .iter()
                    .filter(|r| !before.contains(r))
                    .take(3)
                    .collect();
                bail!("expected the database unchanged, but it changed (e.g. {added:?})");
            }
        }
        if let (Ok(Outcome::Ok(value)), Some(save)) = (&result, &step.save) {
            for (var, path) in save {
                let v = lookup(value, path)
                    .ok_or_else(|| anyhow!("save `{var}`: no `{path}` in {value}"))?;
                vars.insert(var.clone(), v.clone());
            }
        }
    }
    Ok(())
}

fn check_outbox(
    harness: &GiftCards,
    want: &OutboxExpect,
    save: Option<&BTreeMap<String, String>>,
    vars: &mut BTreeMap<String, Json>,
) -> Result<()> {
    let entries = harness.outbox().list()?;
    if let Some(n) = want.count
        && entries.len() != n
    {
        let seen: Vec<String> = entries
            .iter()
            .map(|e| format!("{} {} to {}", e.kind, e.channel, e.recipient))
            .collect();
        bail!(
            "expected {n} message(s) in the outbox, found {}: {seen:?}",
            entries.len()
        );
    }
    let Some(last) = entries.last() else {
        if want.last.is_some() || save.is_some() {
            bail!("the outbox is empty");
        }
        return Ok(());
    };
    let (_, bytes) = harness.outbox().get(last.seq)?;
    let text = giftcard_host::outbox::summary(&bytes);
    let mut value = serde_json::to_value(last)?;
    let token = giftcard_host::outbox::view_token(&text);
    if let Json::Object(map) = &mut value {
        let kebab: serde_json::Map<String, Json> = std::mem::take(map)
            .into_iter()
            .map(|(k, v)| (k.replace('_', "-"), v))
            .collect();
        *map = kebab;
        map.insert("text".into(), Json::String(text));
        map.insert(
            "view-token".into(),
            token.map(Json::String).unwrap_or(Json::Null),
        );
    }
    if let Some(expected) = &want.last {
        matches(&substitute(expected, vars)?, &value, "outbox.last")?;
    }
    for (var, path) in save.into_iter().flatten() {
        let v = lookup(&value, path)
            .ok_or_else(|| anyhow!("save `{var}`: no `{path}` in the last message"))?;
        vars.insert(var.clone(), v.clone());
    }
    Ok(())
}

fn check_outcome(result: &Result<Outcome>, expect: Option<&Expect>) -> Result<()> {
    let default = Expect::default();
    let expect = expect.unwrap_or(&default);
    let wants_trap = expect.trap == Some(true);
    match result {
        Err(e) if wants_trap => {
            let _ = e;
            Ok(())
        }
        Err(e) => bail!("the call failed: {e:#}"),
        Ok(_) if wants_trap => bail!("expected a trap, but the call returned"),
        Ok(Outcome::Ok(v)) => {
            if let Some(err) = &expect.err {
                bail!("expected err {err}, got ok {v}");
            }
            match &expect.ok {
                Some(want) => matches(want, v, "ok"),
                None => Ok(()),
            }
        }
        Ok(Outcome::Err(e)) => match &expect.err {
            Some(want) => matches(want, e, "err"),
            None => bail!("expected ok, got err {e}"),
        },
    }
}

/// Whether `actual` contains `expected`: objects need every expected key (and
/// may have more), arrays must have the same length and match element by
/// element, the string `"*"` matches any non-null value, a string starting
/// with `re:` is a regular expression the actual string must match, and
/// everything else must be equal. A variant case given as `"case"` also
/// matches `{"case": …}`.
pub fn matches(expected: &Json, actual: &Json, path: &str) -> Result<()> {
    match (expected, actual) {
        (Json::String(s), v) if s == "*" && !v.is_null() => Ok(()),
        (Json::String(s), Json::Null) if s == NONE => Ok(()),
        (Json::String(s), got) if s.starts_with("re:") => {
            let re = regex::Regex::new(&s[3..])
                .with_context(|| format!("at {path}: bad pattern {s:?}"))?;
            match got {
                Json::String(text) if re.is_match(text) => Ok(()),
                other => bail!("at {path}: {other} does not match /{}/", &s[3..]),
            }
        }
        (Json::String(case), Json::Object(map)) if map.len() == 1 && map.contains_key(case) => {
            Ok(())
        }
        (Json::Object(want), Json::Object(got)) => {
            for (k, w) in want {
                let g = got
                    .get(k)
                    .ok_or_else(|| anyhow!("at {path}.{k}: missing in {actual}"))?;
                matches(w, g, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Json::Array(want), Json::Array(got)) => {
            if want.len() != got.len() {
                bail!(
                    "at {path}: expected {} element(s), got {}: {actual}",
                    want.len(),
                    got.len()
                );
            }
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                matches(w, g, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (w, g) if w == g => Ok(()),
        (Json::Number(w), Json::Number(g)) if w.as_f64() == g.as_f64() => Ok(()),
        (w, g) => bail!("at {path}: expected {w}, got {g}"),
    }
}

/// Reads `a.b.0.c` out of a JSON value.
fn lookup<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(value, |v, part| match v {
            Json::Object(map) => map.get(part),
            Json::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

/// Replaces `${name}` with saved values: a string that is exactly one
/// reference becomes the saved value itself (number, object, …); references
/// inside longer strings are spliced in as text.
fn substitute(value: &Json, vars: &BTreeMap<String, Json>) -> Result<Json> {
    Ok(match value {
        Json::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                && !name.contains("${")
            {
                return vars
                    .get(name)
                    .cloned()
                    .ok_or_else(|| anyhow!("`${{{name}}}` was never saved"));
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let end = rest[start..]
                    .find('}')
                    .ok_or_else(|| anyhow!("unclosed `${{` in {s:?}"))?
                    + start;
                let name = &rest[start + 2..end];
                let v = vars
                    .get(name)
                    .ok_or_else(|| anyhow!("`${{{name}}}` was never saved"))?;
                match v {
                    Json::String(text) => out.push_str(text),
                    other => out.push_str(&other.to_string()),
                }
                rest = &rest[end + 1..];
            }
            out.push_str(rest);
            Json::String(out)
        }
        Json::Array(items) => Json::Array(
            items
                .iter()
                .map(|i| substitute(i, vars))
                .collect::<Result<_>>()?,
        ),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, vars)?)))
                .collect::<Result<_>>()?,
        ),
        other => other.clone(),
    })
}

/// `90s`, `15m`, `2h`, `30d` (or a bare number of seconds).
pub fn parse_duration(text: &str) -> Result<i64> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit() && c != '-')
            .unwrap_or(text.len()),
    );
    let n: i64 = number
        .parse()
        .with_context(|| format!("`{text}` is not a duration such as 30d"))?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => bail!("unknown duration unit `{other}` (s, m, h, d)"),
    };
    Ok(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching() {
        let actual =
            json!({ "a": 1, "b": { "c": "x", "d": [1, 2] }, "e": { "found": { "n": 1 } } });
        assert!(matches(&json!({ "a": 1 }), &actual, "ok").is_ok());
        assert!(matches(&json!({ "b": { "d": [1, 2] } }), &actual, "ok").is_ok());
        assert!(matches(&json!({ "b": { "d": [1] } }), &actual, "ok").is_err());
        assert!(matches(&json!({ "b": { "c": "y" } }), &actual, "ok").is_err());
        assert!(matches(&json!({ "z": "*" }), &actual, "ok").is_err());
        assert!(matches(&json!({ "a": "*" }), &actual, "ok").is_ok());
        assert!(matches(&json!({ "e": "found" }), &actual, "ok").is_ok());
        assert!(matches(&json!({ "b": { "c": "re:^x$" } }), &actual, "ok").is_ok());
        assert!(matches(&json!({ "b": { "c": "re:^y" } }), &actual, "ok").is_err());
        assert!(matches(&json!({ "a": "re:1" }), &actual, "ok").is_err());
        assert!(matches(&json!({ "n": "<none>" }), &json!({ "n": null }), "ok").is_ok());
        assert!(matches(&json!({ "n": "<none>" }), &json!({ "n": 1 }), "ok").is_err());
        let err = matches(&json!({ "b": { "c": "y" } }), &actual, "ok")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ok.b.c"), "{err}");
    }

    #[test]
    fn substitution_and_lookup() {
        let mut vars = BTreeMap::new();
        vars.insert("id".to_owned(), json!(7));
        vars.insert("code".to_owned(), json!("GC-AB"));
        let out = substitute(
            &json!({ "card": { "id": "${id}" }, "note": "for ${code}!" }),
            &vars,
        )
        .unwrap();
        assert_eq!(out, json!({ "card": { "id": 7 }, "note": "for GC-AB!" }));
        assert!(substitute(&json!("${nope}"), &vars).is_err());
        let v = json!({ "cards": [{ "id": 3 }] });
        assert_eq!(lookup(&v, "cards.0.id"), Some(&json!(3)));
        assert_eq!(lookup(&v, "cards.1.id"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("2h").unwrap(), 7200);
        assert_eq!(parse_duration("30d").unwrap(), 2_592_000);
        assert_eq!(parse_duration("45").unwrap(), 45);
        assert!(parse_duration("3w").is_err());
    }
}
