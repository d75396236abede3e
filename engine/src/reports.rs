//! Statistics and the global history grid: read-only views over cards and
//! their ledger.
