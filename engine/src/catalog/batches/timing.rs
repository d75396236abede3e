use super::*;
use crate::storage::sqlite::NativeEnv;

#[test]
#[ignore]
fn native_generation_speed() {
    let dir = std::env::temp_dir().join(format!("gen-{}.db", std::process::id()));
    let conn = rusqlite::Connection::open(&dir).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    let mut env = NativeEnv::new(conn, 1_767_225_600, 5);
    env.call(|e| crate::api::migrate(e)).unwrap();
    let mut d = tests::input("T");
    d.code_name = None;
    let d = env.call(|e| create(e, d)).unwrap();
    let start = std::time::Instant::now();
    env.call(|e| generate(e, crate::testing::generate_request(d.id, 100_000)))
        .unwrap();
    let s = start.elapsed().as_secs_f64();
    println!("native: {:.0} cards/s", 100_000.0 / s);
    let _ = std::fs::remove_file(&dir);
}
