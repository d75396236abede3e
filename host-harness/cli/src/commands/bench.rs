//! `bench`: the plugin's cost report ([`giftcard_harness::bench`]), as a
//! table or as one JSON object.

use crate::Cli;
use crate::output::{say, say_json};
use anyhow::{Context, Result};
use giftcard_harness::bench::{self, Report};
use giftcard_harness::render;

/// Runs the standard operations `rounds` times each on the component
/// (`--component` or the built-in one) and prints what they cost.
pub fn run(cli: &Cli, json_out: bool, rounds: usize, only: &[String]) -> Result<()> {
    let operations = bench::select(only)?;
    let (bytes, built_in) = match &cli.component {
        Some(path) => (
            std::fs::read(path)
                .with_context(|| format!("reading the component at {}", path.display()))?,
            false,
        ),
        None => (giftcard_host::BUILT_COMPONENT.to_vec(), true),
    };
    let cache = crate::open::cache(cli);
    let report = bench::run(&bytes, built_in, &cache, &operations, rounds, |name| {
        if !json_out {
            eprintln!("  {name}…");
        }
    })?;
    if json_out {
        return say_json(&serde_json::to_value(&report)?);
    }
    say(&text(&report, rounds));
    Ok(())
}

/// The report as a table, then the figures people compare: size,
/// checkouts and generated cards per second.
fn text(report: &Report, rounds: usize) -> String {
    let mut table = render::table(&[
        "operation",
        "instructions",
        "statements",
        "median µs",
        "recycled µs",
        "native µs",
        "component ÷ native",
        "recycled ÷ native",
    ]);
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    for op in &report.operations {
        table.add_row(vec![
            op.name.clone(),
            or_dash(op.cost.instructions.map(|n| n.to_string())),
            or_dash(op.cost.statements.map(|n| n.to_string())),
            format!("{:.0}", op.cost.median_us),
            format!("{:.0}", op.recycled_median_us),
            or_dash(op.native_median_us.map(|n| format!("{n:.0}"))),
            or_dash(op.ratio.map(|r| format!("{r:.2}"))),
            or_dash(op.recycled_ratio.map(|r| format!("{r:.2}"))),
        ]);
    }
    let per_second = |name: &str, per_call: f64, what: &str| {
        (report.operations.iter())
            .find(|op| op.name == name)
            .map(|op| {
                format!(
                    ", {:.0} {what} per second",
                    per_call * 1e6 / op.cost.median_us
                )
            })
            .unwrap_or_default()
    };
    format!(
        "{table}\ncomponent: {} bytes{}{} (one process, SQLite WAL, median of {rounds} rounds)",
        report.component_bytes,
        per_second("checkout-1-card", 1.0, "checkouts"),
        per_second("generate-5000", 5000.0, "generated cards"),
    )
}
