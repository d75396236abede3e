use super::*;

#[test]
fn phone_numbers_are_normalised() {
    assert_eq!(
        normalise_phone("+44 20 7946 0958").unwrap(),
        "+442079460958"
    );
    assert_eq!(
        normalise_phone("0049 (30) 1234-5678").unwrap(),
        "+493012345678"
    );
    assert_eq!(
        normalise_phone(" +1.555.010.9999 ").unwrap(),
        "+15550109999"
    );
}

#[test]
fn bad_phone_numbers_are_refused_with_a_reason() {
    for bad in [
        "",
        "020 7946 0958",
        "+44 20 79x6",
        "+1234567",
        "+1234567890123456",
        "+0 123 456 789",
        "hello",
    ] {
        let err = normalise_phone(bad).unwrap_err();
        assert!(!err.is_empty(), "{bad}");
    }
}

#[test]
fn delivery_dates_in_the_past_are_refused() {
    let now = 1_800_000_000;
    assert_eq!(
        check_delivery_date("deliver-at", &time::format(now + 60), now).unwrap(),
        now + 60
    );
    assert!(check_delivery_date("deliver-at", &time::format(now), now).is_ok());
    assert!(matches!(
        check_delivery_date("deliver-at", &time::format(now - 1), now),
        Err(Error::InvalidDeliveryDate(m)) if m.contains("in the past")
    ));
    assert!(matches!(
        check_delivery_date("deliver-at", "next tuesday", now),
        Err(Error::InvalidDeliveryDate(_))
    ));
}

#[test]
fn delivery_dates_take_timestamps_and_plain_dates() {
    let now = time::parse("2026-03-01T09:00:00Z", "now").unwrap();
    // Today as a plain date is not past; yesterday is.
    assert_eq!(
        check_delivery_date("deliver-at", "2026-03-01", now).unwrap(),
        time::parse("2026-03-01T00:00:00Z", "t").unwrap()
    );
    assert!(matches!(
        check_delivery_date("deliver-at", "2026-02-28", now),
        Err(Error::InvalidDeliveryDate(m)) if m.contains("in the past")
    ));
    // A timestamp an hour ago is past; the present moment is not.
    assert!(check_delivery_date("deliver-at", "2026-03-01T08:00:00Z", now).is_err());
    assert!(check_delivery_date("deliver-at", "2026-03-01T09:00:00Z", now).is_ok());
    for bad in ["2026-02-30", "08/03/2026", "2026-3-8", "soon", ""] {
        assert!(
            matches!(
                parse_delivery_date("deliver-at", bad),
                Err(Error::InvalidDeliveryDate(_))
            ),
            "{bad}"
        );
    }
}
