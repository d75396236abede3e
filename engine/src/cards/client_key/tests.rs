use super::*;

fn key(raw: &str) -> String {
    canonical(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"))
}

#[test]
fn one_ipv4_address_in_many_spellings_is_one_key() {
    for spelling in [
        "203.0.113.7",
        " 203.0.113.7",
        "203.0.113.7 ",
        "\u{a0}203.0.113.7\u{2003}",
        "203.0.113.07",
        "203.000.113.007",
        "0203.0.0113.7",
        "203.0.113.0000007",
        "203.0.113.7:443",
        "203.0.113.07:65535",
        "::ffff:203.0.113.7",
        "::FFFF:203.0.113.7",
        "::ffff:203.0.113.007",
        "::ffff:cb00:7107",
        "::FFFF:CB00:7107",
        "0:0:0:0:0:ffff:cb00:7107",
        "0000:0000:0000:0000:0000:ffff:203.0.113.7",
        "[::ffff:203.0.113.7]",
        "[::ffff:cb00:7107]:8080",
        "::ffff:203.0.113.7%eth0",
        "[::ffff:203.0.113.7%eth0]:443",
    ] {
        assert_eq!(key(spelling), "203.0.113.7", "{spelling:?}");
    }
}

/// Leading zeros are decimal: `010` is ten, not eight.
#[test]
fn leading_zeros_are_never_octal() {
    assert_eq!(key("010.001.000.017"), "10.1.0.17");
    assert_eq!(key("0.0.0.0"), "0.0.0.0");
    assert_eq!(key("000.000.000.000"), "0.0.0.0");
}

#[test]
fn one_ipv6_network_in_many_spellings_is_one_key() {
    for spelling in [
        "2001:db8:1:2::7",
        "2001:DB8:1:2::7",
        "2001:0db8:0001:0002:0000:0000:0000:0007",
        "2001:db8:1:2:0:0:0:7",
        "[2001:db8:1:2::7]",
        "[2001:db8:1:2::7]:443",
        "2001:db8:1:2::7%eth0",
        "[2001:db8:1:2::7%25en0]:80",
        " 2001:db8:1:2::7 ",
        // Another address of the same /64: the same subscriber.
        "2001:db8:1:2:ffff:ffff:ffff:ffff",
        "2001:db8:1:2:a:b:c:d",
        "2001:db8:1:2::203.0.113.7",
    ] {
        assert_eq!(key(spelling), "2001:db8:1:2::/64", "{spelling:?}");
    }
    assert_eq!(key("::1"), "::/64");
    assert_eq!(key("fe80::1%lo0"), "fe80::/64");
}

#[test]
fn distinct_clients_stay_distinct() {
    let keys = [
        "203.0.113.7",
        "203.0.113.8",
        "203.0.113.70",
        "203.0.11.37",
        "2001:db8:1:3::7",
        "2001:db8:2:2::7",
        // Not IPv4-mapped: an ordinary IPv6 network.
        "::203.0.113.7",
        "64:ff9b::203.0.113.7",
        // Not addresses: text keys, compared case-folded.
        "203.0.113",
        "203.0.113.7.1",
        "203.0.113.256",
        "203.0.113.7:99999",
        "203.0.113.7:",
        "0xcb.0.113.7",
        "session-abc",
        "session-abd",
        "customer:42",
    ];
    let canon: Vec<String> = keys.iter().map(|k| key(k)).collect();
    for (i, a) in canon.iter().enumerate() {
        for (j, b) in canon.iter().enumerate() {
            if i != j {
                assert_ne!(a, b, "{:?} and {:?}", keys[i], keys[j]);
            }
        }
    }
    assert_eq!(key("203.0.113.256"), "203.0.113.256");
    assert_eq!(key("::203.0.113.7"), "::/64");
}

#[test]
fn other_keys_are_trimmed_and_case_folded() {
    assert_eq!(key("  Session-ABC "), "session-abc");
    assert_eq!(key("SESSION-abc"), "session-abc");
    assert_eq!(key("ÉTÉ-Ωmega"), "été-ωmega");
    assert_eq!(key("localhost"), "localhost");
    assert_eq!(key("LOCALHOST"), "localhost");
    // Inner spaces are part of the key.
    assert_ne!(key("a b"), key("ab"));
}

#[test]
fn bad_keys_are_refused_naming_the_field() {
    for raw in [
        "",
        "   ",
        "\u{3000}",
        "203.0.113.7\n",
        "\t203.0.113.7",
        "203.0.113.7\r\n",
        "a\u{0}b",
        "a\u{7f}",
        "a\u{85}",
        "203.0.113.7\u{200b}",
        "\u{feff}session",
        "ses\u{2060}sion",
        "ses\u{e0041}sion",
    ] {
        match canonical(raw) {
            Err(Error::InvalidArgument(m)) => assert!(m.starts_with("client-key: "), "{m}"),
            other => panic!("{raw:?}: {other:?}"),
        }
    }
    assert!(canonical(&"k".repeat(MAX_LEN)).is_ok());
    assert!(matches!(
        canonical(&"k".repeat(MAX_LEN + 1)),
        Err(Error::InvalidArgument(_))
    ));
}
