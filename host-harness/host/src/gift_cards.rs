//! [`GiftCards`]: a runtime, a database, a clock and a random source behind
//! one handle, for a platform that wants typed calls and nothing else.

use crate::call::Committed;
use crate::clock::{Clock, Randomness};
use crate::database::{Backend, SqliteBackend};
use crate::runtime::Runtime;
use crate::{CallState, Plugin, tables};
use anyhow::{Context, Result, anyhow, bail};
use std::path::Path;
use std::sync::{Arc, Mutex};
use wasmtime::Store;

/// The plugin on one database.
pub struct GiftCards {
    runtime: Arc<Runtime>,
    backend: Arc<dyn Backend>,
    clock: Clock,
    random: Mutex<Randomness>,
}

impl GiftCards {
    /// Opens (or creates) a SQLite database for `runtime`: the host's tables
    /// are created when missing and the plugin's schema is migrated, as a
    /// shop does at install and upgrade. The system clock and the OS's
    /// random source; see [`GiftCards::with_clock`] for tests.
    pub fn open_sqlite(runtime: Arc<Runtime>, path: &Path) -> Result<GiftCards> {
        let backend = SqliteBackend::open(path)
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("opening the database {}", path.display()))?;
        Self::open(runtime, Arc::new(backend))
    }

    /// [`GiftCards::open_sqlite`] for any backend.
    pub fn open(runtime: Arc<Runtime>, backend: Arc<dyn Backend>) -> Result<GiftCards> {
        tables::ensure(backend.as_ref()).context("creating the host's own tables")?;
        let host = GiftCards {
            runtime,
            backend,
            clock: Clock::System,
            random: Mutex::new(Randomness::Os),
        };
        if let Err(e) = host.call(|p, s| p.giftcard_plugin_lifecycle().call_migrate(s))? {
            bail!("migrating the plugin's schema failed: {e:?}");
        }
        Ok(host)
    }

    /// Uses `clock` (a fixed one, say) and a seeded random source from now
    /// on, so runs repeat exactly.
    pub fn with_clock(mut self, clock: Clock, seed: u64) -> GiftCards {
        self.clock = clock;
        self.random = Mutex::new(Randomness::seeded(seed));
        self
    }

    /// One typed call in its own write transaction: committed when it
    /// returns `ok`, rolled back on `err` or a trap (the outer `Err`).
    pub fn call<R: Committed>(
        &self,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let tx = self.backend.begin().map_err(|e| anyhow!("{e}"))?;
        let random = self.random.lock().unwrap().for_call();
        self.runtime.call(tx, &self.clock, random, f)
    }

    /// One typed call that only reads, in a read-only transaction: it never
    /// waits for a writer, and a write in it fails.
    pub fn call_read<R: Committed>(
        &self,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let tx = self.backend.begin_read().map_err(|e| anyhow!("{e}"))?;
        let random = self.random.lock().unwrap().for_call();
        self.runtime.call(tx, &self.clock, random, f)
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Faults;
    use crate::api::admin::{CreateCardRequest, GetCardRequest};
    use crate::types::{CardRef, Error, Money};
    use std::sync::OnceLock;

    fn runtime() -> Arc<Runtime> {
        static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
        RUNTIME
            .get_or_init(|| Arc::new(Runtime::built_in(crate::Limits::default()).unwrap()))
            .clone()
    }

    fn shop(dir: &tempfile::TempDir) -> GiftCards {
        GiftCards::open_sqlite(runtime(), &dir.path().join("t.db"))
            .unwrap()
            .with_clock(Clock::fixed(1_767_225_600), 7)
    }

    fn create(amount: &str) -> CreateCardRequest {
        CreateCardRequest::new(Money::new(amount, "USD"), "alice")
    }

    fn get(shop: &GiftCards, id: u64) -> Result<crate::api::admin::Card, Error> {
        let request = GetCardRequest {
            card: CardRef::Id(id),
        };
        shop.call_read(|p, s| p.giftcard_plugin_admin().call_get_card(s, &request))
            .unwrap()
    }

    #[test]
    fn an_ok_call_commits() {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(&dir);
        let req = create("12.50");
        let card = shop
            .call(|p, s| p.giftcard_plugin_admin().call_create_card(s, &req))
            .unwrap()
            .unwrap();
        assert_eq!(card.balance.amount, "12.50");
        assert_eq!(get(&shop, card.id).unwrap().code, card.code);
    }

    #[test]
    fn an_err_rolls_back_and_arrives_typed() {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(&dir);
        let req = create("-5");
        let refused = shop
            .call(|p, s| p.giftcard_plugin_admin().call_create_card(s, &req))
            .unwrap();
        assert!(
            matches!(refused, Err(Error::InvalidAmount(_))),
            "{refused:?}"
        );
        assert!(matches!(get(&shop, 1), Err(Error::CardNotFound)));
    }

    #[test]
    fn a_trap_at_any_statement_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(&dir);
        let req = create("10");
        let mut trapped = 0;
        for at in 1..=40 {
            let tx = shop.backend().begin().unwrap();
            let faults = Faults {
                trap_at_statement: Some(at),
                ..Faults::default()
            };
            let (tx, result) = shop.runtime().call_in(
                tx,
                shop.clock(),
                Randomness::seeded(at as u64).for_call(),
                faults,
                |p, s| p.giftcard_plugin_admin().call_create_card(s, &req),
            );
            let result = crate::call::finish(tx, result);
            match result {
                Err(_) => trapped += 1,
                // Fewer statements than `at`: the call ran whole.
                Ok(card) => {
                    card.unwrap();
                    break;
                }
            }
            assert!(
                matches!(get(&shop, 1), Err(Error::CardNotFound)),
                "after a trap at {at}"
            );
        }
        assert!(trapped > 2, "create-card runs several statements");
    }

    #[test]
    fn a_read_only_call_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(&dir);
        let req = create("10");
        let result = shop.call_read(|p, s| p.giftcard_plugin_admin().call_create_card(s, &req));
        assert!(!matches!(result, Ok(Ok(_))), "{result:?}");
        assert!(matches!(get(&shop, 1), Err(Error::CardNotFound)));
    }

    #[test]
    fn another_world_is_called_dynamically_only() {
        let wat = r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func (export "answer") (result s32) (canon lift (core func $i "f"))))"#;
        let runtime = Runtime::from_bytes(wat.as_bytes(), crate::Limits::default()).unwrap();
        assert!(!runtime.is_typed());
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteBackend::open(&dir.path().join("t.db")).unwrap();
        let clock = Clock::fixed(0);
        let typed = runtime.call(
            db.begin().unwrap(),
            &clock,
            Randomness::seeded(1).for_call(),
            |p, s| p.giftcard_plugin_lifecycle().call_metadata(s),
        );
        assert!(format!("{:#}", typed.err().unwrap()).contains("does not implement"));
        let value = runtime
            .call_dynamic(
                "answer",
                &[],
                db.begin().unwrap(),
                &clock,
                Randomness::seeded(1).for_call(),
                Faults::default(),
            )
            .unwrap();
        assert_eq!(value, wasmtime::component::Val::S32(7));
    }
}
