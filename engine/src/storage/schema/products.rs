//! The tables `catalog::products` owns, kept with the schema so the storage layer
//! needs nothing from the layers above it.

/// The product table, created by schema v3. Amounts are minor units of the
/// product's currency; `denominations` is a comma-separated ascending list.
/// Orders also remember the buyer's email, so cards issued when an invoice is
/// paid (long after placement) can name their purchaser.
pub const SCHEMA_V3: &[&str] = &[
    "CREATE TABLE gc_products (
        id BIGINT PRIMARY KEY,
        sku TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        description TEXT,
        image TEXT,
        currency TEXT NOT NULL,
        denominations TEXT NOT NULL,
        custom_min BIGINT,
        custom_max BIGINT,
        validity_days BIGINT,
        terms TEXT,
        position BIGINT NOT NULL,
        active BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        CHECK ((custom_min IS NULL) = (custom_max IS NULL)),
        CHECK (custom_min IS NULL OR (custom_min > 0 AND custom_min <= custom_max))
    )",
    "CREATE INDEX gc_products_position ON gc_products (position, id)",
    "ALTER TABLE gc_orders ADD COLUMN customer_email TEXT",
];
