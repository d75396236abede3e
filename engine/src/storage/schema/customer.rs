//! The tables `customer` owns, kept with the schema so the storage layer
//! needs nothing from the layers above it.

/// Schema v5: what the canonical rate-limit keys and the per-customer limit
/// of failed lookups need. Attempts are purged by time across all keys, so
/// the time column gets its own index; failed lookups get a table of their
/// own, counted per customer and purged by time likewise.
pub const SCHEMA_V5: &[&str] = &[
    "CREATE INDEX gc_balance_checks_at ON gc_balance_checks (attempted_at)",
    "CREATE TABLE gc_failed_lookups (customer_id TEXT NOT NULL, failed_at BIGINT NOT NULL)",
    "CREATE INDEX gc_failed_lookups_customer ON gc_failed_lookups (customer_id, failed_at)",
    "CREATE INDEX gc_failed_lookups_at ON gc_failed_lookups (failed_at)",
];
