//! The GS1 Barcode Syntax Engine's own unit-test cases (fixtures/gs1/engine-cases.tsv),
//! element strings and Digital Links, run through our parsers. Every case must agree with
//! the engine's verdict (and, when accepted, give the same data string), except the few
//! listed in `KNOWN_DIFFERENCES` with the reason. Run with `--nocapture` to see the
//! agreement per group.

use std::collections::BTreeMap;
use std::path::PathBuf;

use companion_scan::gs1::{
    GROUP_SEPARATOR, Gs1IssueKind, Gs1Report, check_bracketed, check_digital_link,
    check_element_string, to_transmitted,
};

/// Cases where we knowingly differ from the engine.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "991234",
    "scanners strip the leading FNC1 with the symbology identifier, so data without \
         one is accepted",
)];

struct Case {
    line: usize,
    group: String,
    expect_ok: bool,
    input: String,
    output: String,
}

fn cases() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/gs1/engine-cases.tsv");
    let text = std::fs::read_to_string(path).expect("fixtures/gs1/engine-cases.tsv");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "line {}: {l:?}", i + 1);
            Case {
                line: i + 1,
                group: cols[0].to_string(),
                expect_ok: match cols[1] {
                    "ok" => true,
                    "fail" => false,
                    other => panic!("line {}: verdict {other}", i + 1),
                },
                input: cols[2].to_string(),
                output: cols[3].to_string(),
            }
        })
        .collect()
}

/// The engine's data string: "^" for FNC1 first and between fields that need it.
fn engine_string(report: &Gs1Report) -> String {
    format!("^{}", to_transmitted(&report.elements)).replace(GROUP_SEPARATOR, "^")
}

/// Our verdict on a case: accepted, and the data string when accepted. Each group counts
/// the issues that the engine's test of that group would count.
fn run(case: &Case) -> (bool, String) {
    let counted = |report: &Gs1Report, ignore: &[Gs1IssueKind]| {
        report.issues.iter().all(|i| ignore.contains(&i.kind))
    };
    let (report, ignore): (Option<Gs1Report>, &[Gs1IssueKind]) = match case.group.as_str() {
        // Parsing and linting in the engine do not evaluate associations.
        "parse" | "lint" => (
            check_bracketed(&case.input).ok(),
            &[Gs1IssueKind::Association],
        ),
        "process" => (
            check_element_string(&case.input.replace('^', &GROUP_SEPARATOR.to_string())).ok(),
            &[Gs1IssueKind::Association],
        ),
        "validate" => (
            check_bracketed(&case.input).ok(),
            &[Gs1IssueKind::UnknownAi],
        ),
        "dl" => (check_digital_link(&case.input).ok().map(|l| l.report), &[]),
        "dl_unknown" => (
            check_digital_link(&case.input).ok().map(|l| l.report),
            &[Gs1IssueKind::UnknownAi],
        ),
        other => panic!("unknown group {other}"),
    };
    match report {
        Some(report) if counted(&report, ignore) => (true, engine_string(&report)),
        _ => (false, String::new()),
    }
}

#[test]
fn agrees_with_the_syntax_engine_unit_tests() {
    let mut per_group: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut known = 0;
    for case in cases() {
        let (ok, output) = run(&case);
        let agrees =
            ok == case.expect_ok && (!ok || case.output.is_empty() || output == case.output);
        let tally = per_group.entry(case.group.clone()).or_default();
        tally.1 += 1;
        if agrees {
            tally.0 += 1;
            continue;
        }
        if KNOWN_DIFFERENCES
            .iter()
            .any(|(pattern, _)| case.input.contains(pattern) || case.input == *pattern)
        {
            known += 1;
            continue;
        }
        unexpected.push(format!(
            "line {} [{}] {:?}: engine {} {:?}, we {} {:?}",
            case.line,
            case.group,
            case.input,
            if case.expect_ok { "accepts" } else { "refuses" },
            case.output,
            if ok { "accept" } else { "refuse" },
            output
        ));
    }
    let (agree, total) = per_group
        .values()
        .fold((0, 0), |(a, t), (ga, gt)| (a + ga, t + gt));
    for (group, (a, t)) in &per_group {
        println!("{group:>10}: {a}/{t} agree");
    }
    println!(
        "{:>10}: {agree}/{total} agree ({:.1}%), {known} known differences",
        "all",
        100.0 * agree as f64 / total as f64
    );
    assert!(
        unexpected.is_empty(),
        "disagreements with the engine:\n{}",
        unexpected.join("\n")
    );
}
