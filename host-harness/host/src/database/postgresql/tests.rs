//! The PostgreSQL backend against a real server, started here: Debian's
//! PostgreSQL, `initdb` into a temporary folder, a loopback port, stopped when
//! the test process ends. A machine without PostgreSQL fails these tests
//! with what to install; they are never skipped.

use super::*;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The server's port, started once per test process.
fn server() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        // Started from a thread that never ends: the server is told to stop
        // (SIGINT, a fast shutdown) when the thread that started it exits,
        // so it dies with the test process and never with one test.
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            send.send(start_server()).unwrap();
            loop {
                std::thread::park();
            }
        });
        receive.recv().unwrap()
    })
}

fn bin(name: &str) -> PathBuf {
    let found = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|versions| {
            let mut dirs: Vec<PathBuf> = versions
                .filter_map(|v| v.ok().map(|v| v.path().join("bin").join(name)))
                .filter(|p| p.exists())
                .collect();
            dirs.sort();
            dirs.pop()
        });
    found.unwrap_or_else(|| {
        panic!(
            "PostgreSQL's `{name}` was not found under /usr/lib/postgresql: \
             install Debian's `postgresql` package (scripts/test.sh does)"
        )
    })
}

/// `initdb` refuses to run as root: run as the `postgres` user then.
fn unprivileged(command: &mut Command) -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    let user = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !user.is_null(),
        "running as root, and there is no `postgres` user to run PostgreSQL as"
    );
    let (uid, gid) = unsafe { ((*user).pw_uid, (*user).pw_gid) };
    unsafe {
        command.pre_exec(move || {
            if libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Some((uid, gid))
}

fn start_server() -> u16 {
    let dir = tempfile::Builder::new()
        .prefix("giftcard-pg-")
        .tempdir()
        .unwrap()
        .keep();
    let data = dir.join("data");
    let mut initdb = Command::new(bin("initdb"));
    initdb
        .args(["--auth=trust", "--username=giftcard", "--encoding=UTF8"])
        .arg("-D")
        .arg(&data)
        .stdout(Stdio::null());
    if let Some((uid, gid)) = unprivileged(&mut initdb) {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
    }
    let status = initdb.status().expect("running initdb");
    assert!(status.success(), "initdb failed: {status}");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut postgres = Command::new(bin("postgres"));
    postgres
        .arg("-D")
        .arg(&data)
        .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", dir.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    unprivileged(&mut postgres);
    unsafe {
        postgres.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT);
            Ok(())
        });
    }
    // Never waited on: the server lives as long as the test process, and
    // the death signal above ends it.
    #[allow(clippy::zombie_processes)]
    let _server = postgres.spawn().expect("starting postgres");
    let url = format!("postgres://giftcard@127.0.0.1:{port}/postgres");
    for _ in 0..200 {
        if postgres::Client::connect(&url, NoTls).is_ok() {
            return port;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("PostgreSQL did not accept connections on port {port} within 10 s");
}

/// A fresh database on the shared server, for one test.
fn fresh_database(name: &str) -> String {
    let port = server();
    let admin = format!("postgres://giftcard@127.0.0.1:{port}/postgres");
    let mut client = postgres::Client::connect(&admin, NoTls).unwrap();
    // Two statements: neither may run inside a transaction block.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    format!("postgres://giftcard@127.0.0.1:{port}/{name}")
}

#[test]
fn placeholders_are_numbered_outside_literals_and_comments() {
    assert_eq!(
        numbered_placeholders("SELECT ?1, ?12 FROM t WHERE a = ? AND b = ?"),
        "SELECT $1, $12 FROM t WHERE a = $1 AND b = $2"
    );
    assert_eq!(
        numbered_placeholders("SELECT '?1', \"q?\" -- ?3\n, ?2"),
        "SELECT '?1', \"q?\" -- ?3\n, $2"
    );
    assert_eq!(
        numbered_placeholders("SELECT 'it''s ?'"),
        "SELECT 'it''s ?'"
    );
}

#[test]
fn values_round_trip_at_the_extremes() {
    let db = PostgresBackend::connect(&fresh_database("values_round_trip")).unwrap();
    let mut tx = db.begin().unwrap();
    tx.execute(
        "CREATE TABLE t (i BIGINT, s TEXT, b BYTEA, r DOUBLE PRECISION, small INTEGER)",
        &[],
    )
    .unwrap();
    let rows = [
        vec![
            Value::Integer(i64::MIN),
            Value::Text(String::new()),
            Value::Blob(vec![]),
            Value::Real(-0.5),
            Value::Integer(i64::from(i32::MIN)),
        ],
        vec![
            Value::Integer(i64::MAX),
            Value::Text("é\u{1F600}'\"?1".into()),
            Value::Blob((0..=255).collect()),
            Value::Real(f64::MAX),
            Value::Integer(i64::from(i32::MAX)),
        ],
        vec![
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ],
    ];
    for row in &rows {
        let r = tx
            .execute("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)", row)
            .unwrap();
        assert_eq!(r.rows_changed, 1);
    }
    let r = tx
        .execute("SELECT i, s, b, r, small FROM t ORDER BY i NULLS LAST", &[])
        .unwrap();
    assert_eq!(r.columns, ["i", "s", "b", "r", "small"]);
    assert_eq!(r.rows, rows);
    // SUM of a BIGINT is NUMERIC in PostgreSQL: whole ones come back as
    // integers, CAST to BIGINT or not.
    let r = tx
        .execute(
            "SELECT SUM(small), CAST(SUM(small) AS BIGINT), 1.5 FROM t",
            &[],
        )
        .unwrap();
    assert_eq!(
        r.rows,
        vec![vec![
            Value::Integer(-1),
            Value::Integer(-1),
            Value::Text("1.5".into())
        ]]
    );
    // No lossy conversions: too large for INTEGER, text for a number.
    let e = tx
        .execute(
            "INSERT INTO t (small) VALUES (?1)",
            &[Value::Integer(i64::from(i32::MAX) + 1)],
        )
        .unwrap_err();
    assert!(
        matches!(e, DbError::Other(ref m) | DbError::InvalidStatement(ref m) if m.contains("does not fit")),
        "{e:?}"
    );
    tx.rollback().unwrap();
}

#[test]
fn errors_keep_their_kind_and_rolled_back_calls_leave_nothing() {
    let db = PostgresBackend::connect(&fresh_database("errors_keep_kind")).unwrap();
    let mut tx = db.begin().unwrap();
    tx.execute(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0))",
        &[],
    )
    .unwrap();
    tx.commit().unwrap();

    let mut tx = db.begin().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 5)", &[]).unwrap();
    let e = tx.execute("INSERT INTO t VALUES (1, 5)", &[]).unwrap_err();
    assert!(matches!(e, DbError::ConstraintViolation(_)), "{e:?}");
    tx.rollback().unwrap();

    let mut tx = db.begin().unwrap();
    let e = tx.execute("SELECT nope FROM t", &[]).unwrap_err();
    assert!(matches!(e, DbError::InvalidStatement(_)), "{e:?}");
    tx.rollback().unwrap();

    let mut read = db.begin_read().unwrap();
    let r = read.execute("SELECT COUNT(*) FROM t", &[]).unwrap();
    assert_eq!(r.rows, vec![vec![Value::Integer(0)]]);
    assert!(read.execute("INSERT INTO t VALUES (2, 1)", &[]).is_err());
    read.rollback().unwrap();

    // A guarded update reports how many rows it changed, with or without
    // RETURNING.
    let mut tx = db.begin().unwrap();
    tx.execute("INSERT INTO t VALUES (3, 10)", &[]).unwrap();
    let r = tx
        .execute(
            "UPDATE t SET n = n - ?1 WHERE id = 3 AND n >= ?1 RETURNING n",
            &[Value::Integer(4)],
        )
        .unwrap();
    assert_eq!(
        (r.rows_changed, r.rows.clone()),
        (1, vec![vec![Value::Integer(6)]])
    );
    let r = tx
        .execute(
            "UPDATE t SET n = n - ?1 WHERE id = 3 AND n >= ?1",
            &[Value::Integer(7)],
        )
        .unwrap();
    assert_eq!(r.rows_changed, 0);
    tx.commit().unwrap();
}

#[test]
fn concurrent_writers_never_both_spend_and_a_lost_connection_rolls_back() {
    let url = fresh_database("concurrent_writers");
    let db = std::sync::Arc::new(PostgresBackend::connect(&url).unwrap());
    let mut tx = db.begin().unwrap();
    tx.execute(
        "CREATE TABLE card (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)",
        &[],
    )
    .unwrap();
    tx.execute("INSERT INTO card VALUES (1, 100)", &[]).unwrap();
    tx.commit().unwrap();

    // Read, then write what was read: SERIALIZABLE refuses the second of
    // two overlapping spends (busy) instead of letting both through.
    let spends: Vec<_> = (0..4)
        .map(|_| {
            let db = std::sync::Arc::clone(&db);
            std::thread::spawn(move || {
                let mut ok = 0;
                for _ in 0..50 {
                    let mut tx = db.begin().unwrap();
                    let r = tx.execute("SELECT balance FROM card WHERE id = 1", &[]);
                    let Ok(Value::Integer(balance)) = r.map(|r| r.rows[0][0].clone()) else {
                        tx.rollback().ok();
                        continue;
                    };
                    if balance < 1 {
                        tx.rollback().ok();
                        continue;
                    }
                    let spent = tx.execute(
                        "UPDATE card SET balance = ?1 WHERE id = 1",
                        &[Value::Integer(balance - 1)],
                    );
                    match spent.and_then(|_| tx.commit()) {
                        Ok(()) => ok += 1,
                        Err(DbError::Busy) => {}
                        Err(e) => panic!("{e:?}"),
                    }
                }
                ok
            })
        })
        .collect();
    let spent: i64 = spends.into_iter().map(|t| t.join().unwrap()).sum();
    let mut read = db.begin_read().unwrap();
    let r = read.execute("SELECT balance FROM card", &[]).unwrap();
    assert_eq!(r.rows, vec![vec![Value::Integer(100 - spent)]]);
    read.rollback().unwrap();

    // The server ends this connection in the middle of a transaction: the
    // change is gone, and the next transaction gets a new connection.
    let mut tx = db.begin().unwrap();
    let r = tx.execute("SELECT pg_backend_pid()", &[]).unwrap();
    let Value::Integer(pid) = r.rows[0][0] else {
        panic!("{r:?}")
    };
    tx.execute("UPDATE card SET balance = 0", &[]).unwrap();
    let mut admin = postgres::Client::connect(&url, NoTls).unwrap();
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&(pid as i32)])
        .unwrap();
    let e = tx.execute("SELECT 1", &[]).unwrap_err();
    assert!(matches!(e, DbError::Other(_)), "{e:?}");
    assert!(tx.commit().is_err());
    let mut read = db.begin_read().unwrap();
    let r = read.execute("SELECT balance FROM card", &[]).unwrap();
    assert_eq!(r.rows, vec![vec![Value::Integer(100 - spent)]]);
    read.rollback().unwrap();
}
