//! The sandbox's limits: a guest that loops forever is stopped at its
//! deadline, one that grabs memory is stopped at its limit, and in both cases
//! the same runtime goes on serving calls. The misbehaving guests are tiny
//! components written in WAT, exporting an interface the way the plugin does.

use giftcard_conformance::json::{CallEnv, JsonCalls, Limits, Outcome, Runtime};
use giftcard_host::clock::Clock;
use giftcard_host::database::{Backend, SqliteBackend};
use rand::SeedableRng;
use std::time::{Duration, Instant};

const ROGUE: &str = r#"
(component
  (core module $m
    (memory (export "memory") 1)
    ;; Never returns.
    (func (export "spin") (result i32)
      (loop $forever (br $forever))
      i32.const 0)
    ;; Grows memory a page at a time until the host says no.
    (func (export "hog") (result i32)
      (loop $more
        (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
      i32.const 0)
    (func (export "ping") (result i32) i32.const 42))
  (core instance $i (instantiate $m))
  (func $spin (result u32) (canon lift (core func $i "spin")))
  (func $hog (result u32) (canon lift (core func $i "hog")))
  (func $ping (result u32) (canon lift (core func $i "ping")))
  (instance $rogue
    (export "spin" (func $spin))
    (export "hog" (func $hog))
    (export "ping" (func $ping)))
  (export "giftcard:plugin/rogue@0.1.0" (instance $rogue)))
"#;

fn setup(limits: Limits) -> (Runtime, SqliteBackend, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let backend = SqliteBackend::open(&dir.path().join("rogue.db")).unwrap();
    let runtime = Runtime::from_bytes(ROGUE.as_bytes(), limits).unwrap();
    (runtime, backend, dir)
}

fn call(runtime: &Runtime, backend: &SqliteBackend, name: &str) -> anyhow::Result<Outcome> {
    call_with(runtime, backend, name, &serde_json::Value::Null)
}

/// `name(args)` in a fresh transaction at time 0 with a fixed seed.
fn call_with(
    runtime: &Runtime,
    backend: &SqliteBackend,
    name: &str,
    args: &serde_json::Value,
) -> anyhow::Result<Outcome> {
    let clock = Clock::fixed(0);
    let env = CallEnv::new(&clock, rand::rngs::StdRng::seed_from_u64(1));
    runtime.call_json(name, args, backend.begin().unwrap(), env)
}

#[test]
fn a_runaway_loop_is_stopped_at_its_deadline_and_the_host_goes_on() {
    let limits = Limits {
        deadline: Duration::from_millis(200),
        ..Limits::default()
    };
    let (runtime, backend, _dir) = setup(limits);
    assert_eq!(
        call(&runtime, &backend, "rogue.ping").unwrap(),
        Outcome::Ok(serde_json::json!(42))
    );
    let started = Instant::now();
    let err = call(&runtime, &backend, "rogue.spin").expect_err("the loop must be stopped");
    let took = started.elapsed();
    assert!(
        format!("{err:?}").to_lowercase().contains("interrupt"),
        "{err:?}"
    );
    assert!(
        took >= Duration::from_millis(150),
        "stopped too early: {took:?}"
    );
    assert!(
        took < Duration::from_secs(10),
        "stopped far too late: {took:?}"
    );
    // Fresh store per call: the next call is unaffected.
    for _ in 0..3 {
        assert_eq!(
            call(&runtime, &backend, "rogue.ping").unwrap(),
            Outcome::Ok(serde_json::json!(42))
        );
    }
}

#[test]
fn a_memory_blow_up_is_stopped_at_the_limit_and_the_host_goes_on() {
    let limits = Limits {
        memory_bytes: 4 << 20,
        ..Limits::default()
    };
    let (runtime, backend, _dir) = setup(limits);
    let err = call(&runtime, &backend, "rogue.hog").expect_err("growing past the limit must trap");
    let text = format!("{err:?}").to_lowercase();
    assert!(text.contains("memory") || text.contains("grow"), "{text}");
    assert_eq!(
        call(&runtime, &backend, "rogue.ping").unwrap(),
        Outcome::Ok(serde_json::json!(42))
    );
}

#[test]
fn unknown_functions_and_bad_arguments_are_refused_before_the_guest_runs() {
    let (runtime, backend, _dir) = setup(Limits::default());
    assert!(call(&runtime, &backend, "rogue.nothing").is_err());
    let bad = call_with(
        &runtime,
        &backend,
        "rogue.ping",
        &serde_json::json!({ "unexpected": 1 }),
    );
    assert!(bad.is_err());
    assert_eq!(
        runtime.functions().collect::<Vec<_>>(),
        ["rogue.hog", "rogue.ping", "rogue.spin"]
    );
}
