//! The tables `delivery` owns, kept with the schema so the storage layer
//! needs nothing from the layers above it.

/// Schema v4: delivery columns on cards (view token and timeline) and the
/// message log.
pub const SCHEMA_V4: &[&str] = &[
    "ALTER TABLE gc_cards ADD COLUMN view_token TEXT",
    "CREATE UNIQUE INDEX gc_cards_view_token ON gc_cards (view_token)",
    "ALTER TABLE gc_cards ADD COLUMN deliver_at BIGINT",
    "ALTER TABLE gc_cards ADD COLUMN sent_at BIGINT",
    "ALTER TABLE gc_cards ADD COLUMN delivered_at BIGINT",
    "ALTER TABLE gc_cards ADD COLUMN first_viewed_at BIGINT",
    "ALTER TABLE gc_cards ADD COLUMN reminded_at BIGINT",
    // The expiry the last reminder was about: a card whose expiry moves
    // (a refund's extension) is reminded again before the new date.
    "ALTER TABLE gc_cards ADD COLUMN reminded_for BIGINT",
    "CREATE TABLE gc_messages (
        id BIGINT PRIMARY KEY,
        card_id BIGINT NOT NULL REFERENCES gc_cards (id),
        kind TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'print')),
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'sent', 'delivered', 'failed')),
        actor TEXT,
        scheduled_for BIGINT,
        sent_at BIGINT,
        delivered_at BIGINT,
        host_reference TEXT,
        failure TEXT,
        created_at BIGINT NOT NULL
    )",
    "CREATE INDEX gc_messages_card ON gc_messages (card_id, id)",
    "CREATE INDEX gc_messages_due ON gc_messages (status, scheduled_for)",
    "INSERT INTO gc_sequences (name, value) VALUES ('message', 0)",
];
