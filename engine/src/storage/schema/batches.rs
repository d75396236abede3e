//! The tables `catalog::batches` owns, kept with the schema so the storage layer
//! needs nothing from the layers above it.

/// The definition table, created by schema v3. Lists (groups, currencies,
/// SKUs, countries) are JSON arrays of strings (a SKU or group may hold a
/// comma); times are Unix seconds.
pub const SCHEMA_V3: &[&str] = &["CREATE TABLE gc_definitions (
        id BIGINT PRIMARY KEY,
        code_name TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        description TEXT,
        enabled BIGINT NOT NULL,
        value BIGINT NOT NULL CHECK (value > 0),
        currency TEXT NOT NULL,
        min_order_amount BIGINT,
        valid_from BIGINT,
        valid_to BIGINT,
        target_kind TEXT NOT NULL,
        target_groups TEXT NOT NULL,
        currencies TEXT NOT NULL,
        required_skus TEXT NOT NULL,
        shipping_countries TEXT NOT NULL,
        billing_countries TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )"];
