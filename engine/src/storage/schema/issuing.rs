//! The tables `pipeline::issuing` owns, kept with the schema so the storage layer
//! needs nothing from the layers above it.

/// The campaign table, created by schema v3. A percentage is kept as the
/// normalised decimal text given; a minimum order total as decimal text (it is
/// compared in each order's currency); amounts are minor units.
pub const SCHEMA_V3: &[&str] = &["CREATE TABLE gc_campaigns (
        id BIGINT PRIMARY KEY,
        name TEXT NOT NULL,
        reward_kind TEXT NOT NULL,
        percent TEXT,
        fixed_amount BIGINT,
        fixed_currency TEXT,
        min_order_total TEXT,
        website TEXT,
        starts_at BIGINT,
        ends_at BIGINT,
        validity_days BIGINT,
        active BIGINT NOT NULL,
        created_at BIGINT NOT NULL
    )"];
