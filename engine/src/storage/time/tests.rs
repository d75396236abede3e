#[test]
fn round_trips() {
    let t = super::parse("2026-11-21T10:30:00+01:00", "expiry").unwrap();
    assert_eq!(super::format(t), "2026-11-21T09:30:00Z");
    assert!(super::parse("21/11/2026", "expiry").is_err());
}
