//! The AI table in `scan/src/gs1/dictionary.rs` is generated from the GS1 Barcode Syntax
//! Dictionary committed at `fixtures/gs1/gs1-syntax-dictionary.txt`. This test renders the
//! table from that file and fails when the committed one differs, so the two cannot drift.
//! After updating the dictionary file, regenerate with
//! `GS1_REGENERATE=1 cargo test -p companion-scan --test gs1_dictionary`.
//!
//! It also walks every AI of the dictionary through the parser: a valid value built from
//! the AI's components must be accepted, a too-long or wrongly typed one refused.

use std::path::PathBuf;

use companion_scan::gs1::{Gs1Error, check_element, parse_bracketed};

#[derive(Debug, Clone)]
struct Comp {
    cset: char,
    min: usize,
    max: usize,
    optional: bool,
    linters: Vec<String>,
}

#[derive(Debug, Clone)]
struct Entry {
    ais: Vec<String>,
    flags: String,
    components: Vec<Comp>,
    req: Vec<Vec<Vec<String>>>,
    ex: Vec<String>,
    dlpkey: Option<Vec<Vec<String>>>,
    title: String,
}

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

fn dictionary_text() -> String {
    std::fs::read_to_string(repo_file("fixtures/gs1/gs1-syntax-dictionary.txt"))
        .expect("fixtures/gs1/gs1-syntax-dictionary.txt")
}

fn parse_component(token: &str) -> Comp {
    let (spec, linters, optional) = match token.strip_prefix('[') {
        Some(rest) => {
            let (inner, after) = rest.split_once(']').expect("closing ]");
            (inner, after.trim_start_matches(','), true)
        }
        None => match token.split_once(',') {
            Some((spec, linters)) => (spec, linters, false),
            None => (token, "", false),
        },
    };
    let cset = spec.chars().next().expect("type");
    assert!("NXYZ".contains(cset), "unknown type in {token}");
    let len = &spec[1..];
    let (min, max) = match len.strip_prefix("..") {
        Some(max) => (1, max.parse().expect("length")),
        None => {
            let n = len.parse().expect("length");
            (n, n)
        }
    };
    Comp {
        cset,
        min,
        max,
        optional,
        linters: linters
            .split(',')
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    }
}

fn expand_ais(spec: &str) -> Vec<String> {
    match spec.split_once('-') {
        Some((from, to)) => {
            let width = from.len();
            let (a, b): (u32, u32) = (from.parse().unwrap(), to.parse().unwrap());
            (a..=b).map(|n| format!("{n:0width$}")).collect()
        }
        None => vec![spec.to_string()],
    }
}

fn parse_dictionary(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (body, title) = match line.split_once('#') {
            Some((body, title)) => (body, title.trim()),
            None => (line, ""),
        };
        let mut tokens = body.split_whitespace().peekable();
        let ais = expand_ais(tokens.next().expect("AI"));
        let mut flags = String::new();
        while let Some(t) = tokens.peek() {
            if t.chars()
                .all(|c| "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~".contains(c))
                && !t.starts_with('[')
            {
                flags.push_str(t);
                tokens.next();
            } else {
                break;
            }
        }
        let mut entry = Entry {
            ais,
            flags,
            components: Vec::new(),
            req: Vec::new(),
            ex: Vec::new(),
            dlpkey: None,
            title: title.to_string(),
        };
        for token in tokens {
            if let Some(list) = token.strip_prefix("req=") {
                entry.req.push(
                    list.split(',')
                        .map(|alt| alt.split('+').map(String::from).collect())
                        .collect(),
                );
            } else if let Some(list) = token.strip_prefix("ex=") {
                entry.ex.extend(list.split(',').map(String::from));
            } else if token == "dlpkey" {
                entry.dlpkey = Some(vec![vec![]]);
            } else if let Some(list) = token.strip_prefix("dlpkey=") {
                entry.dlpkey = Some(
                    list.split('|')
                        .map(|alt| alt.split(',').map(String::from).collect())
                        .collect(),
                );
            } else {
                assert!(
                    entry.req.is_empty() && entry.ex.is_empty() && entry.dlpkey.is_none(),
                    "component after attributes: {line}"
                );
                entry.components.push(parse_component(token));
            }
        }
        assert!(!entry.components.is_empty(), "no components: {line}");
        entries.push(entry);
    }
    entries
}

fn linter_variant(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().expect("linter name").to_ascii_uppercase();
    std::iter::once(first).chain(chars).collect()
}

fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", quoted.join(", "))
}

fn render(entries: &[Entry]) -> String {
    let mut rows: Vec<(String, String)> = Vec::new();
    for entry in entries {
        let components: Vec<String> = entry
            .components
            .iter()
            .map(|c| {
                let linters: Vec<String> = c.linters.iter().map(|l| linter_variant(l)).collect();
                format!(
                    "comp({}, {}, {}, {}, &[{}])",
                    c.cset,
                    c.min,
                    c.max,
                    c.optional,
                    linters.join(", ")
                )
            })
            .collect();
        let req: Vec<String> = entry
            .req
            .iter()
            .map(|group| {
                let alts: Vec<String> = group.iter().map(|alt| quoted_list(alt)).collect();
                format!("&[{}]", alts.join(", "))
            })
            .collect();
        let dlpkey = match &entry.dlpkey {
            None => "None".to_string(),
            Some(alts) => {
                let alts: Vec<String> = alts.iter().map(|alt| quoted_list(alt)).collect();
                format!("Some(&[{}])", alts.join(", "))
            }
        };
        for ai in &entry.ais {
            rows.push((
                ai.clone(),
                format!(
                    "    AiEntry {{ ai: {ai:?}, predefined: {}, key: {}, dl_attr: {}, components: &[{}], req: &[{}], ex: {}, dlpkey: {dlpkey}, title: {:?} }},\n",
                    entry.flags.contains('*'),
                    entry.flags.contains('!'),
                    entry.flags.contains('?'),
                    components.join(", "),
                    req.join(", "),
                    quoted_list(&entry.ex),
                    entry.title,
                ),
            ));
        }
    }
    // Sorted by AI so the parser can binary-search (the file is sorted lexically by
    // range start, which puts 7040 before 710 but 7230 after it).
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from(
        "//! @generated by scan/tests/gs1_dictionary.rs from\n\
         //! fixtures/gs1/gs1-syntax-dictionary.txt (GS1 Barcode Syntax Dictionary, Apache-2.0).\n\
         //! Do not edit: update the dictionary file and regenerate with\n\
         //! `GS1_REGENERATE=1 cargo test -p companion-scan --test gs1_dictionary`.\n\
         \n\
         use super::ai_table::Cset::{N, X, Y, Z};\n\
         use super::ai_table::{AiEntry, comp};\n\
         use super::linters::Linter::*;\n\
         \n\
         /// Every AI of the GS1 Barcode Syntax Dictionary, ranges expanded, sorted by AI.\n\
         #[rustfmt::skip]\n\
         pub(crate) static AI_TABLE: &[AiEntry] = &[\n",
    );
    for (_, row) in rows {
        out.push_str(&row);
    }
    out.push_str("];\n");
    out
}

#[test]
fn generated_table_matches_the_committed_dictionary() {
    let entries = parse_dictionary(&dictionary_text());
    let rendered = render(&entries);
    let path = repo_file("scan/src/gs1/dictionary.rs");
    if std::env::var_os("GS1_REGENERATE").is_some() {
        std::fs::write(&path, &rendered).expect("write dictionary.rs");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "scan/src/gs1/dictionary.rs is not what fixtures/gs1/gs1-syntax-dictionary.txt \
         generates; run GS1_REGENERATE=1 cargo test -p companion-scan --test gs1_dictionary"
    );
}

// ---- every AI: a valid example is accepted, broken ones refused ----

const CSET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

fn mod10(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn check_pair(body: &str) -> String {
    let primes = [
        2u32, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
    ];
    let cset32 = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let sum: u32 = body
        .chars()
        .rev()
        .zip(primes)
        .map(|(c, p)| CSET82.find(c).unwrap() as u32 * p)
        .sum::<u32>()
        % 1021;
    [cset32[(sum >> 5) as usize], cset32[(sum & 31) as usize]]
        .iter()
        .map(|&b| char::from(b))
        .collect()
}

/// A value for one component that its linters accept, `len` long where the linter allows.
fn component_example(c: &Comp, len: usize) -> String {
    let has = |l: &str| c.linters.iter().any(|x| x == l);
    let filler = |n: usize| -> String {
        match c.cset {
            'N' => "1234567890".chars().cycle().take(n).collect(),
            'Y' => "1234A-/#".chars().cycle().take(n).collect(),
            'Z' => "1234Ab-_".chars().cycle().take(n).collect(),
            _ => "1234Ab-.".chars().cycle().take(n).collect(),
        }
    };
    let fixed = |v: &str| v.to_string();
    // Room for what the linters need: a four-digit company prefix (after the indicator
    // digit for gcppos2), a check pair, a non-digit.
    let mut len = len;
    if has("gcppos1") {
        len = len.max(4);
    }
    if has("gcppos2") {
        len = len.max(5);
    }
    if has("csumalpha") {
        len = len.max(if has("gcppos1") { 6 } else { 2 });
    }
    if has("hasnondigit") {
        len = len.max(7);
    }
    if has("csum") {
        return format!("{}{}", filler(len - 1), mod10(&filler(len - 1)));
    }
    if has("csumalpha") {
        let body = filler(len - 2);
        return format!("{body}{}", check_pair(&body));
    }
    for (linter, example) in [
        ("yymmd0", "261200"),
        ("yymmdd", "260131"),
        ("yyyymmdd", "20260131"),
        ("hhmi", "1230"),
        ("hh", "12"),
        ("mi", "30"),
        ("ss", "45"),
        ("iso3166", "276"),
        ("iso3166999", "999"),
        ("iso3166alpha2", "DE"),
        ("iso4217", "978"),
        ("iban", "DE91100000000123456789"),
        ("yesno", "1"),
        ("iso5218", "2"),
        ("latitude", "0900000000"),
        ("longitude", "1800000000"),
        ("hyphen", "-"),
        ("importeridx", "A"),
        ("mediatype", "01"),
        ("posinseqslash", "1/2"),
        ("zero", "0"),
        ("winding", "1"),
        ("pieceoftotal", "0102"),
        ("packagetype", "PK"),
        ("couponcode", "012345612345611110123"),
        ("couponposoffer", "001234561234560123456"),
    ] {
        if has(linter) {
            return fixed(example);
        }
    }
    filler(len)
}

fn example(entry: &Entry, longest: bool) -> String {
    entry
        .components
        .iter()
        .filter(|c| longest || !c.optional)
        .map(|c| component_example(c, if longest { c.max } else { c.min }))
        .collect()
}

#[test]
fn every_dictionary_ai_accepts_a_valid_value_and_refuses_broken_ones() {
    let entries = parse_dictionary(&dictionary_text());
    let mut checked = 0;
    for entry in &entries {
        for ai in &entry.ais {
            for longest in [false, true] {
                let value = example(entry, longest);
                let element = check_element(ai, &value);
                assert_eq!(element.issue, None, "({ai}){value} should be valid");
                let parsed = parse_bracketed(&format!("({ai}){value}"))
                    .unwrap_or_else(|e| panic!("({ai}){value}: {e}"));
                assert_eq!(parsed[0].value, value);
                checked += 1;
            }
            // One character too many: refused as a length error, whatever the AI.
            let max: usize = entry.components.iter().map(|c| c.max).sum();
            let too_long = "1".repeat(max + 1);
            assert!(
                matches!(
                    parse_bracketed(&format!("({ai}){too_long}")),
                    Err(Gs1Error::BadLength { .. })
                ),
                "({ai}){too_long} should be too long"
            );
            assert!(check_element(ai, &too_long).issue.is_some());
            // A character outside the first component's set.
            let first = &entry.components[0];
            let bad_char = match first.cset {
                'N' => "A",
                'Y' => "a",
                'Z' => "!",
                _ => " ",
            };
            let mut bad = example(entry, true);
            bad.replace_range(0..1, bad_char);
            assert!(
                check_element(ai, &bad).issue.is_some(),
                "({ai}){bad} should be refused"
            );
        }
    }
    assert!(checked > 900, "only {checked} values checked");
}
