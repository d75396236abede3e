//! The tables `pipeline::orders` owns, kept with the schema so the storage layer
//! needs nothing from the layers above it.

/// Schema v5: the lines of each order as placed, so later hooks can check
/// what they are told against what was ordered.
///
/// Orders placed before v5 have no recorded lines: `lines_recorded` stays 0
/// for them, and their invoices and memos keep the old, unchecked behaviour
/// (there is nothing to check them against). Every order placed from v5 on
/// has `lines_recorded = 1`.
pub const SCHEMA_V5: &[&str] = &[
    "ALTER TABLE gc_orders ADD COLUMN lines_recorded BIGINT NOT NULL DEFAULT 0",
    // The order's shipping and its tax as placed, and how much of each the
    // invoices have taken so far (minor units of the order's currency).
    "ALTER TABLE gc_orders ADD COLUMN shipping BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE gc_orders ADD COLUMN shipping_tax BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE gc_orders ADD COLUMN invoiced_shipping BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE gc_orders ADD COLUMN invoiced_shipping_tax BIGINT NOT NULL DEFAULT 0",
    // One row per placed line: what was ordered (amounts in the order's minor
    // units, the gift-card purchase as JSON) and what invoices and memos have
    // taken of it. The CHECKs are a last line of defence behind the hooks' own
    // checks and guarded updates.
    "CREATE TABLE gc_order_lines (
        order_id TEXT NOT NULL REFERENCES gc_orders (order_id),
        line_id TEXT NOT NULL,
        position BIGINT NOT NULL,
        sku TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('simple', 'digital', 'gift-card')),
        quantity BIGINT NOT NULL CHECK (quantity > 0),
        unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
        row_total BIGINT NOT NULL CHECK (row_total >= 0),
        discount BIGINT NOT NULL CHECK (discount >= 0),
        tax BIGINT NOT NULL CHECK (tax >= 0),
        gift_card TEXT,
        invoiced_quantity BIGINT NOT NULL DEFAULT 0,
        invoiced_discount BIGINT NOT NULL DEFAULT 0,
        invoiced_tax BIGINT NOT NULL DEFAULT 0,
        refunded_quantity BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (order_id, line_id),
        CHECK (invoiced_quantity >= 0 AND invoiced_quantity <= quantity),
        CHECK (invoiced_discount >= 0 AND invoiced_discount <= discount),
        CHECK (invoiced_tax >= 0 AND invoiced_tax <= tax),
        CHECK (refunded_quantity >= 0 AND refunded_quantity <= invoiced_quantity)
    )",
];
