//! Issue 9 (GS1 half), case by case: what the comparison with GS1's Syntax Engine found,
//! pinned so it stays fixed. Public API only, as the decoder, the CLI and the bindings use it.

use companion_scan::gs1::{
    Gs1IssueKind, Gs1Value, UNKNOWN_AI_TITLE, check_digital_link, check_element, parse_bracketed,
    parse_digital_link, parse_element_string, to_bracketed,
};

const GS: char = '\u{1d}';

fn dl_issues(uri: &str) -> Vec<(Gs1IssueKind, String)> {
    check_digital_link(uri)
        .unwrap_or_else(|e| panic!("{uri}: {e}"))
        .report
        .issues
        .into_iter()
        .map(|i| (i.kind, i.message))
        .collect()
}

#[test]
fn digital_links_that_panicked_are_parsed_with_issues() {
    for uri in [
        "https://id.gs1.org/01/09506000134352?17=26123",
        "https://id.gs1.org/01/09506000134352?3912=97",
        "https://id.gs1.org/01/09506000134352/17/26",
    ] {
        let elements = parse_digital_link(uri).expect("still a Digital Link");
        assert_eq!(elements[0].value, "09506000134352");
        assert!(elements[1].issue.is_some(), "{uri}: {elements:?}");
    }
}

#[test]
fn digital_link_values_are_length_checked_like_element_strings() {
    for uri in [
        "https://id.gs1.org/01/09506000134352?17=2612311",
        "https://id.gs1.org/01/09506000134352?3103=0001234",
        "https://id.gs1.org/01/09506000134352?99=",
    ] {
        let elements = parse_digital_link(uri).unwrap();
        assert!(elements[1].issue.is_some(), "{uri}");
        assert_eq!(elements[1].typed, None, "{uri}: no value from invalid data");
    }
    // A GTIN-13 in the path is the GTIN-14 with a leading zero, as the item lookup wants.
    let elements = parse_digital_link("https://id.gs1.org/01/9506000134352").unwrap();
    assert_eq!(
        elements[0].typed,
        Some(Gs1Value::Gtin {
            gtin14: "09506000134352".into()
        })
    );
    // Two different expiry dates: both kept, the conflict reported.
    let issues = dl_issues("https://id.gs1.org/01/09506000134352?17=261231&17=270101");
    assert!(issues.iter().any(|(k, _)| *k == Gs1IssueKind::Association));
}

#[test]
fn digital_link_structure_is_checked() {
    let issues = dl_issues("https://id.gs1.org/01/09506000134352/21/123/10/ABC");
    assert!(issues.iter().any(|(k, _)| *k == Gs1IssueKind::DigitalLink));
    // (21) is a qualifier of (01): path, not query.
    let issues = dl_issues("https://id.gs1.org/01/09506000134352?21=123");
    assert!(issues.iter().any(|(k, _)| *k == Gs1IssueKind::DigitalLink));
    // Unknown query keys are kept: an unknown AI as an element, others as parameters.
    let link = check_digital_link("https://id.gs1.org/01/09506000134352?89=X&foo=bar").unwrap();
    assert_eq!(link.report.elements[1].title, UNKNOWN_AI_TITLE);
    assert_eq!(link.other_params[0].key, "foo");
}

#[test]
fn upper_case_and_location_keys() {
    let elements = parse_digital_link("HTTPS://ID.GS1.ORG/01/09506000134352/10/ABC").unwrap();
    assert_eq!(to_bracketed(&elements), "(01)09506000134352(10)ABC");
    let elements = parse_digital_link("https://id.gs1.org/414/9520123456788/7040/1ABC").unwrap();
    assert_eq!(to_bracketed(&elements), "(414)9520123456788(7040)1ABC");
    assert!(elements.iter().all(|e| e.issue.is_none()));
    let elements = parse_digital_link("https://id.gs1.org/415/9520123456788/8020/INV1").unwrap();
    assert!(elements.iter().all(|e| e.issue.is_none()), "{elements:?}");
}

#[test]
fn ais_new_to_the_table_are_read() {
    let elements =
        parse_bracketed("(01)09501101530003(21)S1(10)LOT1(17)271231(7030)276ABC(8030)SIG").unwrap();
    assert!(elements.iter().all(|e| e.issue.is_none()), "{elements:?}");
    assert_eq!(elements[4].title, "PROCESSOR # 0");
    let elements = parse_bracketed("(00)106141411234567897(4330)001250-").unwrap();
    assert!(elements.iter().all(|e| e.issue.is_none()), "{elements:?}");
}

#[test]
fn unknown_ais_do_not_lose_the_label() {
    // (3106) and (3944) are not GS1 AIs. The first has a predefined length, the second's
    // value runs to the FNC1; the GTIN, lot and date around them are kept.
    let data = format!("0109501101530003310600123439441234{GS}10LOT1{GS}17271231");
    let elements = parse_element_string(&data).unwrap();
    let ais: Vec<&str> = elements.iter().map(|e| e.ai.as_str()).collect();
    assert_eq!(ais, ["01", "3106", "3944", "10", "17"]);
    for e in &elements {
        let unknown = e.ai == "3106" || e.ai == "3944";
        assert_eq!(e.issue.is_some(), unknown, "{e:?}");
    }
}

#[test]
fn check_digits_dates_and_associations() {
    for (ai, bad) in [
        ("253", "9520123456789ABC"),
        ("255", "9521234500002"),
        ("8003", "09520123456789A1"),
        ("8006", "095201234567890102"),
        ("8013", "1987654Ad4X4bL5ttr2310cXK"),
        ("8017", "952012345678901234"),
        ("8018", "952012345678901234"),
        ("8026", "095201234567890102"),
        ("4326", "261200"),
        ("7006", "261200"),
    ] {
        assert!(check_element(ai, bad).issue.is_some(), "({ai}){bad}");
    }
    let elements = parse_bracketed("(02)09501101530003").unwrap();
    assert!(elements[0].issue.as_deref().unwrap().contains("(37)"));
}
