//! The engine's `Environment`, backed by the component's imports: the host's
//! `database` and `exchange-rates`, `wasi:clocks/wall-clock` and
//! `wasi:random/random`. Nothing else reaches outside the sandbox.

use crate::bindings::giftcard::plugin::database as wit;
use crate::bindings::giftcard::plugin::exchange_rates;
use crate::bindings::giftcard::plugin::outbox;
use crate::bindings::wasi::{clocks::wall_clock, random::random};
use crate::convert::mirror_enum;
use giftcard_engine::Environment;
use giftcard_engine::delivery::{DeliveryError, OutboundMessage};
use giftcard_engine::storage::db::{Database, DbError, QueryResult, Value};

/// Stateless: every export call gets a fresh instance from the host anyway.
pub struct ComponentEnv;

mirror_enum!(Value <=> wit::Value { Null, Integer(i), Real(f), Text(s), Blob(b) });

mirror_enum!(wit::Error => DbError { ConstraintViolation(m), Busy, InvalidStatement(m), Other(m) });

mirror_enum!(outbox::DeliveryError => DeliveryError { Rejected(m), Unavailable(m) });

impl Database for ComponentEnv {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError> {
        let params: Vec<wit::Value> = params.iter().cloned().map(Into::into).collect();
        wit::execute(sql, &params)
            .map(|r| QueryResult {
                columns: r.columns,
                rows: r
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(Into::into).collect())
                    .collect(),
                rows_changed: r.rows_changed,
                last_insert_id: r.last_insert_id,
            })
            .map_err(Into::into)
    }
}

impl Environment for ComponentEnv {
    fn db(&mut self) -> &mut dyn Database {
        self
    }

    fn now(&mut self) -> i64 {
        i64::try_from(wall_clock::now().seconds).unwrap_or(i64::MAX)
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        let bytes = random::get_random_bytes(buf.len() as u64);
        buf.copy_from_slice(&bytes[..buf.len()]);
    }

    fn exchange_rate(&mut self, from: &str, to: &str) -> Option<String> {
        exchange_rates::rate(from, to)
    }

    fn deliver(&mut self, m: &OutboundMessage) -> Result<String, DeliveryError> {
        let message = outbox::OutboundMessage {
            message_id: m.message_id,
            card_id: m.card_id,
            kind: m.kind.into(),
            channel: m.channel.into(),
            from_name: m.from_name.clone(),
            recipient: m.recipient.clone(),
            subject: m.subject.clone(),
            text_body: m.text_body.clone(),
            html_body: m.html_body.clone(),
            attachments: m
                .attachments
                .iter()
                .map(|a| outbox::Attachment {
                    name: a.name.clone(),
                    media_type: a.media_type.clone(),
                    content_id: a.content_id.clone(),
                    content: a.content.clone(),
                })
                .collect(),
        };
        outbox::deliver(&message).map_err(Into::into)
    }
}
