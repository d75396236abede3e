//! Gift-card products: what the shop sells, and the amounts each offers.
//! The plugin owns them so a purchase amount is validated where the card is
//! made, and the issued cards take the product's validity.

/// The product table, created by schema v3. Amounts are minor units of the
/// product's currency; `denominations` is a comma-separated ascending list.
pub const SCHEMA_V3: &[&str] = &["CREATE TABLE gc_products (
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
    )"];
