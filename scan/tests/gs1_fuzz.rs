//! Scanned GS1 data is untrusted input that crosses the FFI: the parsers must answer every
//! string with a value or a typed error, never a panic. Seeded, so a failure replays.
//!
//! CI runs a debug-friendly number of inputs; `GS1_FUZZ_ITERATIONS=1000000 cargo test -p
//! companion-scan --test gs1_fuzz` runs a million of each kind.

use companion_scan::gs1::{
    check_digital_link, check_element_string, gs1_check_digit, has_valid_check_digit,
    normalize_gtin, parse_bracketed, parse_digital_link, parse_element_string, to_bracketed,
    voice_pick_code,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Characters GS1 data is made of, plus the ones that break naive slicing.
const ALPHABET: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "0",
    "1",
    "(",
    ")",
    "\u{1d}",
    "]",
    "C",
    "d",
    "Q",
    "e",
    "A",
    "z",
    "/",
    "?",
    "=",
    "&",
    "%",
    "%2",
    "%zz",
    "https://id.gs1.org/",
    "01",
    "10",
    "17",
    "310",
    "3103",
    "00",
    "é",
    "€",
    "🍌",
    " ",
    "",
    "99",
];

fn iterations(default: usize) -> usize {
    std::env::var("GS1_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn random_text(rng: &mut StdRng) -> String {
    let len = rng.random_range(0..40);
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
        .collect()
}

#[test]
fn gs1_parsers_never_panic_on_arbitrary_text() {
    let mut rng = StdRng::seed_from_u64(0x6511);
    let mut parsed = 0;
    for _ in 0..iterations(30_000) {
        let text = random_text(&mut rng);
        let outcome = std::panic::catch_unwind(|| {
            let mut ok = 0;
            if let Ok(elements) = parse_element_string(&text) {
                ok += 1;
                // What we print must parse back, unless a value holds a parenthesis
                // (allowed in GS1 character set 82, ambiguous in the bracketed form).
                let printed = to_bracketed(&elements);
                if !elements.iter().any(|e| e.value.contains(['(', ')'])) {
                    let again = parse_bracketed(&printed);
                    assert!(
                        again.is_ok(),
                        "{text:?} -> {printed} does not parse back: {again:?}"
                    );
                }
            }
            ok += usize::from(parse_bracketed(&text).is_ok());
            let _ = check_element_string(&text);
            ok += usize::from(parse_digital_link(&text).is_some());
            let _ = (
                gs1_check_digit(&text),
                has_valid_check_digit(&text),
                normalize_gtin(&text),
            );
            let _ = voice_pick_code(&text, &text, Some(&text));
            ok
        });
        match outcome {
            Ok(ok) => parsed += ok,
            Err(_) => panic!("a GS1 parser panicked on {text:?}"),
        }
    }
    // The generator must reach the parsers' success paths too, or the test proves little.
    assert!(parsed > 100, "only {parsed} random strings parsed");
}

/// Pieces of Digital Link URIs: schemes and hosts in both cases, every primary key and
/// qualifier, values of the wrong length, percent escapes (broken, multi-byte, non-UTF-8),
/// query separators, multi-byte text.
const SCHEMES: &[&str] = &[
    "https://", "HTTPS://", "http://", "Http://", "ftp://", "", "https:/",
];
const HOSTS: &[&str] = &[
    "id.gs1.org",
    "ID.GS1.ORG",
    "a",
    "",
    "brand.example/some/stem",
];
const AIS: &[&str] = &[
    "01", "00", "253", "255", "401", "402", "414", "415", "417", "8003", "8004", "8006", "8010",
    "8013", "8017", "8018", "22", "10", "21", "235", "254", "7040", "8011", "8019", "8020", "17",
    "3103", "3912", "3922", "99", "89", "999", "gtin", "lot", "", "0", "12345",
];
const VALUES: &[&str] = &[
    "09506000134352",
    "9506000134352",
    "950600013435",
    "02345673",
    "106141411234567897",
    "9520123456788",
    "26",
    "261231",
    "2612311",
    "26123",
    "0001234",
    "97",
    "978123",
    "ABC123",
    "A%2F1",
    "%",
    "%2",
    "%zz",
    "%E2%82%AC",
    "%FF%FE",
    "%00",
    "+",
    "é",
    "🍌",
    "",
    "1AB",
    "1/2",
    "095201234567880102",
    "1987654Ad4X4bL5ttr2310c2K",
    "123456789012345675",
];

fn random_uri(rng: &mut StdRng) -> String {
    let pick = |rng: &mut StdRng, list: &[&'static str]| list[rng.random_range(0..list.len())];
    // Mostly well-formed starts, so the deeper checks (values, qualifier order, query
    // rules) get exercised, not only the early refusals.
    let scheme = if rng.random_bool(0.8) {
        pick(rng, &SCHEMES[..4])
    } else {
        pick(rng, SCHEMES)
    };
    let mut uri = format!("{scheme}{}", pick(rng, HOSTS));
    for segment in 0..rng.random_range(0..5) {
        uri.push('/');
        uri.push_str(if segment == 0 && rng.random_bool(0.7) {
            pick(rng, &AIS[..16])
        } else {
            pick(rng, AIS)
        });
        if rng.random_bool(0.9) {
            uri.push('/');
            uri.push_str(pick(rng, VALUES));
        }
    }
    if rng.random_bool(0.1) {
        uri.push('/');
    }
    if rng.random_bool(0.6) {
        uri.push('?');
        for i in 0..rng.random_range(0..5) {
            if i > 0 || rng.random_bool(0.1) {
                uri.push('&');
            }
            uri.push_str(pick(rng, AIS));
            if rng.random_bool(0.9) {
                uri.push('=');
                uri.push_str(pick(rng, VALUES));
            }
        }
    }
    if rng.random_bool(0.1) {
        uri.push_str("#frag");
    }
    if rng.random_bool(0.2) {
        // Damage: a random character anywhere, multi-byte ones included.
        let at = rng.random_range(0..=uri.len());
        let at = (0..=at)
            .rev()
            .find(|&i| uri.is_char_boundary(i))
            .unwrap_or(0);
        uri.insert_str(at, ALPHABET[rng.random_range(0..ALPHABET.len())]);
    }
    uri
}

#[test]
fn digital_link_parser_never_panics() {
    let mut rng = StdRng::seed_from_u64(0xd1_6511);
    let (mut links, mut valid) = (0, 0);
    for _ in 0..iterations(50_000) {
        let uri = random_uri(&mut rng);
        let outcome = std::panic::catch_unwind(|| {
            let checked = check_digital_link(&uri);
            let parsed = parse_digital_link(&uri);
            if let Some(elements) = &parsed {
                assert!(checked.is_ok(), "{uri}: parsed but not checked");
                assert!(!elements.is_empty());
            }
            (
                parsed.is_some(),
                checked.is_ok_and(|link| link.report.is_valid()),
            )
        });
        match outcome {
            Ok((is_link, is_valid)) => {
                links += usize::from(is_link);
                valid += usize::from(is_valid);
            }
            Err(_) => panic!("the Digital Link parser panicked on {uri:?}"),
        }
    }
    // Both the accepting and the refusing paths must be exercised.
    println!("{links} Digital Links, {valid} of them valid");
    assert!(links > 500, "only {links} URIs parsed as Digital Links");
    assert!(valid > 50, "only {valid} URIs were valid Digital Links");
}
