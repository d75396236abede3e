use super::*;
use crate::settings::{self, SettingsUpdate};
use crate::storage::sqlite::NativeEnv;
use crate::testing::T0;

fn prefix(code_prefix: &str) -> SettingsUpdate {
    SettingsUpdate {
        code_prefix: Some(code_prefix.into()),
        ..SettingsUpdate::default()
    }
}

#[test]
fn a_call_reads_the_schema_and_the_settings_in_one_statement() {
    let mut env = NativeEnv::in_memory(T0, 1);
    settings::configure(&mut env, prefix("ZZ")).unwrap();
    let before = env.db.statements;
    let mut call = Current::check(&mut env).unwrap();
    let first = settings::load(&mut call).unwrap();
    let again = settings::load(&mut call).unwrap();
    assert_eq!(first.code_prefix, "ZZ");
    assert_eq!(first, again);
    assert_eq!(env.db.statements - before, 1);
    // The same settings as a plain read gives.
    assert_eq!(settings::load(&mut env).unwrap(), first);
}

#[test]
fn a_change_is_read_back_within_the_same_call() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let mut call = Current::check(&mut env).unwrap();
    assert_ne!(settings::load(&mut call).unwrap().code_prefix, "NEW");
    settings::configure(&mut call, prefix("NEW")).unwrap();
    assert_eq!(settings::load(&mut call).unwrap().code_prefix, "NEW");
}

#[test]
fn the_one_statement_check_refuses_as_the_version_check_does() {
    // No tables at all.
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut empty = NativeEnv::new(conn, T0, 1);
    assert_eq!(Current::check(&mut empty).err(), Some(Error::NotMigrated));
    // A bookkeeping table without a version row.
    let mut env = NativeEnv::in_memory(T0, 1);
    env.db.execute("DELETE FROM gc_schema", &[]).unwrap();
    assert_eq!(Current::check(&mut env).err(), Some(Error::NotMigrated));
    // An older and a newer version.
    for (version, newer) in [(latest_version() - 1, false), (latest_version() + 1, true)] {
        let mut env = NativeEnv::in_memory(T0, 1);
        let set = Value::Integer(i64::from(version));
        env.db
            .execute("UPDATE gc_schema SET version = ?1", &[set])
            .unwrap();
        let refused = Current::check(&mut env).err().unwrap();
        assert_eq!(refused, ensure_current(&mut env).unwrap_err());
        match refused {
            Error::Database(why) => assert!(newer && why.contains("newer"), "{why}"),
            other => assert!(!newer && other == Error::NotMigrated, "{other:?}"),
        }
    }
}
