//! The tables `cards::management` owns, kept with the schema so the storage layer
//! needs nothing from the layers above it.

/// The export log, created by schema v3: who exported which cards, and
/// whether the file held full codes.
pub const SCHEMA_V3: &[&str] = &["CREATE TABLE gc_card_exports (
        at BIGINT NOT NULL,
        admin_user TEXT NOT NULL,
        include_codes BIGINT NOT NULL,
        card_count BIGINT NOT NULL
    )"];
