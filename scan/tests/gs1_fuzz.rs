//! Scanned GS1 data is untrusted input that crosses the FFI: the parsers must answer every
//! string with a value or a typed error, never a panic. Seeded, so a failure replays.

use companion_scan::gs1::{
    gs1_check_digit, has_valid_check_digit, normalize_gtin, parse_bracketed, parse_digital_link,
    parse_element_string, to_bracketed, voice_pick_code,
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
    for _ in 0..30_000 {
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
