//! GS1 Digital Link URIs (GS1 Digital Link standard: URI syntax 1.x): a web address that
//! carries the same AIs as a label, e.g.
//! `https://id.gs1.org/01/09506000134352/10/ABC123?17=261231`.
//!
//! Any domain and any leading path may host one, so the path is searched from its end for
//! the primary key, as the GS1 Syntax Engine does. The values are held to the same rules as
//! element strings (lengths, check digits, dates, associations), and the Digital Link rules
//! come on top: the qualifiers after the key in the order the dictionary's `dlpkey` gives,
//! only AIs flagged as data attributes in the query.

use super::ai_table::lookup;
use super::{Gs1Element, Gs1Error, Gs1IssueKind, Gs1Report, build_element};

/// A query parameter that is not an AI (e.g. `linkType`, `utm_source`, a key without
/// value), kept as sent so nothing in the URI is silently lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlParam {
    /// The key, as sent.
    pub key: String,
    /// The value, percent-decoded; empty for a key without `=`.
    pub value: String,
}

/// A parsed GS1 Digital Link.
#[derive(Debug, Clone, PartialEq)]
pub struct DigitalLink {
    /// Scheme, domain and any path before the primary key, e.g. `https://id.gs1.org`.
    pub stem: String,
    /// The AIs: primary key, path qualifiers, then query attributes, with every issue.
    pub report: Gs1Report,
    /// Query parameters that are not AIs.
    pub other_params: Vec<DlParam>,
}

/// Characters allowed anywhere in a URI (RFC 3986), `%` included.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// Digital Link short names (the deprecated "convenience alphas"), still read in the path
/// because labels printed with them are in circulation.
fn short_name(segment: &str) -> Option<&'static str> {
    Some(match segment {
        "gtin" => "01",
        "sscc" => "00",
        "gln" => "414",
        "party" => "417",
        "gdti" => "253",
        "gcn" => "255",
        "ginc" => "401",
        "gsin" => "402",
        "grai" => "8003",
        "giai" => "8004",
        "itip" => "8006",
        "cpid" => "8010",
        "gmn" => "8013",
        "gsrnp" => "8017",
        "gsrn" => "8018",
        "cpv" => "22",
        "lot" => "10",
        "ser" => "21",
        "glnx" => "254",
        _ => return None,
    })
}

fn path_ai(segment: &str) -> &str {
    short_name(segment).unwrap_or(segment)
}

/// Parses a GS1 Digital Link URI into elements, primary key first, then path qualifiers,
/// then query attributes; problems are in each element's `issue`. Returns `None` when the
/// URI is no Digital Link: no GS1 primary key in its path, or a key whose own value is
/// invalid (an ordinary web address that happens to contain "/01/").
pub fn parse_digital_link(uri: &str) -> Option<Vec<Gs1Element>> {
    let link = check_digital_link(uri).ok()?;
    let key = link.report.elements.first()?;
    let key_invalid = link
        .report
        .issues
        .iter()
        .any(|i| i.element == 0 && i.kind == Gs1IssueKind::Value);
    if key_invalid || key.value.is_empty() {
        return None;
    }
    Some(link.report.elements)
}

/// Parses a GS1 Digital Link URI with every issue and the non-AI query parameters.
/// `Err` when the text is not a Digital Link at all (scheme, characters, no primary key).
pub fn check_digital_link(uri: &str) -> Result<DigitalLink, Gs1Error> {
    let not_dl = |reason: &str| Gs1Error::NotGs1 {
        reason: reason.to_string(),
    };
    if !uri.bytes().all(is_uri_char) {
        return Err(not_dl("URI contains characters not allowed in a URI"));
    }
    // Scheme and host are case-insensitive (RFC 3986): upper-case URIs make smaller QR
    // codes (alphanumeric mode), so labels use them.
    let scheme_len = ["https://", "http://"]
        .iter()
        .find(|s| {
            uri.get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
        })
        .map(|s| s.len())
        .ok_or_else(|| not_dl("scheme must be http:// or https://"))?;
    let after_scheme = &uri[scheme_len..];
    let domain_end = after_scheme
        .find('/')
        .filter(|&i| i > 0)
        .ok_or_else(|| not_dl("URI must have a domain and a path"))?;
    let path_and_query = &after_scheme[domain_end..];
    let path_and_query = path_and_query
        .split_once('#')
        .map_or(path_and_query, |(before, _fragment)| before);
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let segments: Vec<&str> = path[1..].split('/').collect();

    // Walk back from the end over /AI/value pairs while they are AIs, stopping at the
    // first primary key: whatever precedes it is the stem.
    let mut start = None;
    let mut i = segments.len();
    while i >= 2 {
        i -= 2;
        let Some(entry) = lookup(path_ai(segments[i])) else {
            break;
        };
        if entry.dlpkey.is_some() {
            start = Some(i);
            break;
        }
    }
    let start = start.ok_or_else(|| not_dl("no GS1 primary key in the path"))?;
    let stem = format!(
        "{}{}{}",
        &uri[..scheme_len],
        &after_scheme[..domain_end],
        segments[..start]
            .iter()
            .map(|s| format!("/{s}"))
            .collect::<String>()
    );

    let mut report = Gs1Report::default();
    let mut path_ais = Vec::new();
    for pair in segments[start..].chunks(2) {
        let [ai, raw] = pair else { break };
        let ai = path_ai(ai);
        let value = pad_gtin(ai, percent_decode(raw));
        path_ais.push(ai);
        report.push(build_element(ai, &value));
    }
    check_path_order(&mut report, &path_ais);

    let key_entry = lookup(path_ais[0]);
    let mut other_params = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let Some((key, raw)) = param.split_once('=') else {
            other_params.push(DlParam {
                key: param.to_string(),
                value: String::new(),
            });
            continue;
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
            other_params.push(DlParam {
                key: key.to_string(),
                value: percent_decode(raw),
            });
            continue;
        }
        let value = pad_gtin(key, percent_decode(raw));
        let index = report.elements.len();
        report.push(build_element(key, &value));
        let qualifies_key = key_entry
            .and_then(|e| e.dlpkey)
            .is_some_and(|alts| alts.iter().any(|alt| alt.contains(&key)));
        let problem = match lookup(key) {
            Some(_) if qualifies_key => Some(format!(
                "AI ({key}) qualifies the key ({}) and belongs in the path, not the query",
                path_ais[0]
            )),
            Some(entry) if !entry.dl_attr => Some(format!(
                "AI ({key}) is not permitted as a Digital Link query attribute"
            )),
            _ => None,
        };
        if let Some(message) = problem {
            report.issues.push(super::Gs1Issue {
                element: index,
                kind: Gs1IssueKind::DigitalLink,
                message,
            });
        }
    }
    Ok(DigitalLink {
        stem,
        report: report.finish(),
        other_params,
    })
}

/// The qualifiers after the key must follow one of its `dlpkey` sequences in order, each
/// at most once (e.g. 01 then 22, 10, 21, or 01 then 235).
fn check_path_order(report: &mut Gs1Report, path_ais: &[&str]) {
    let Some(alternatives) = path_ais
        .first()
        .and_then(|k| lookup(k))
        .and_then(|e| e.dlpkey)
    else {
        return;
    };
    let qualifiers = &path_ais[1..];
    // How many qualifiers each alternative accepts in order; the best one decides where
    // the path goes wrong.
    let accepted = |alt: &[&str]| {
        let mut next = 0;
        qualifiers
            .iter()
            .take_while(
                |q| match alt[next.min(alt.len())..].iter().position(|a| a == *q) {
                    Some(p) => {
                        next += p + 1;
                        true
                    }
                    None => false,
                },
            )
            .count()
    };
    let best = alternatives
        .iter()
        .map(|alt| accepted(alt))
        .max()
        .unwrap_or(0);
    if best == qualifiers.len() {
        return;
    }
    let orders: Vec<String> = alternatives
        .iter()
        .filter(|alt| !alt.is_empty())
        .map(|alt| alt.join(", "))
        .collect();
    let allowed = if orders.is_empty() {
        "none".to_string()
    } else {
        orders.join(" or ")
    };
    report.issues.push(super::Gs1Issue {
        element: best + 1,
        kind: Gs1IssueKind::DigitalLink,
        message: format!(
            "AI ({}) is out of place in a Digital Link path for key ({}); qualifiers allowed, in order: {allowed}",
            qualifiers[best], path_ais[0]
        ),
    });
}

/// A GTIN-8, -12 or -13 in a Digital Link stands for the GTIN-14 with leading zeros, as the
/// standard allows; the item lookup keys on 14 digits.
fn pad_gtin(ai: &str, value: String) -> String {
    if ai == "01" && matches!(value.len(), 8 | 12 | 13) && value.bytes().all(|b| b.is_ascii_digit())
    {
        format!("{value:0>14}")
    } else {
        value
    }
}

/// Percent-decoding as the GS1 Syntax Engine does it: `%` with two hex digits is a byte,
/// `+` a space, anything else literal. Bytes that are not UTF-8 become U+FFFD, which the
/// value checks then refuse.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gs1::{Gs1Value, to_bracketed};

    fn issues(uri: &str) -> Vec<String> {
        check_digital_link(uri)
            .unwrap()
            .report
            .issues
            .into_iter()
            .map(|i| i.message)
            .collect()
    }

    #[test]
    fn standard_example() {
        let elements =
            parse_digital_link("https://id.gs1.org/01/09506000134352/10/ABC123?17=261231").unwrap();
        assert_eq!(
            to_bracketed(&elements),
            "(01)09506000134352(10)ABC123(17)261231"
        );
        assert!(elements.iter().all(|e| e.issue.is_none()), "{elements:?}");
    }

    #[test]
    fn custom_domain_prefix_path_and_short_names() {
        let link = check_digital_link(
            "https://brand.example/products/gtin/09506000134352/lot/A%2F1?linkType=all",
        )
        .unwrap();
        assert_eq!(link.stem, "https://brand.example/products");
        let elements = &link.report.elements;
        assert_eq!(
            elements[0].typed,
            Some(Gs1Value::Gtin {
                gtin14: "09506000134352".into()
            })
        );
        assert_eq!(elements[1].value, "A/1");
        assert_eq!(
            link.other_params,
            [DlParam {
                key: "linkType".into(),
                value: "all".into()
            }]
        );
    }

    #[test]
    fn ordinary_urls_are_not_digital_links() {
        assert!(parse_digital_link("https://track.parcel.example/p/NC2715539011").is_none());
        assert!(parse_digital_link("not a url").is_none());
        // A GTIN with a wrong check digit is not taken as a primary key.
        assert!(parse_digital_link("https://id.gs1.org/01/09506000134353").is_none());
    }

    #[test]
    fn short_and_malformed_values_are_issues_not_panics() {
        for uri in [
            "https://id.gs1.org/01/09506000134352?17=26123",
            "https://id.gs1.org/01/09506000134352?3912=97",
            "https://id.gs1.org/01/09506000134352/17/26",
            "https://id.gs1.org/01/09506000134352?17=2612311",
            "https://id.gs1.org/01/09506000134352?3103=0001234",
            "https://id.gs1.org/01/09506000134352?99=",
        ] {
            assert!(!issues(uri).is_empty(), "{uri}");
        }
        assert!(
            issues("https://id.gs1.org/01/09506000134352?17=261231&17=261230")[0].contains("twice")
        );
    }

    #[test]
    fn gtin_13_is_padded_to_14() {
        let elements = parse_digital_link("https://id.gs1.org/01/9506000134352").unwrap();
        assert_eq!(elements[0].value, "09506000134352");
        assert_eq!(elements[0].issue, None);
    }

    #[test]
    fn path_order_follows_the_dictionary() {
        assert!(issues("https://id.gs1.org/01/09506000134352/22/A/10/B/21/C").is_empty());
        assert!(issues("https://id.gs1.org/01/09506000134352/235/X").is_empty());
        let wrong = issues("https://id.gs1.org/01/09506000134352/21/123/10/ABC");
        assert!(wrong[0].contains("out of place"), "{wrong:?}");
        assert!(!issues("https://id.gs1.org/01/09506000134352/10/A/235/X").is_empty());
        // A qualifier of the key belongs in the path.
        let query = issues("https://id.gs1.org/01/09506000134352?10=ABC");
        assert!(query[0].contains("belongs in the path"), "{query:?}");
        let query = issues("https://id.gs1.org/00/106141411234567897?21=ABC");
        assert!(
            query.iter().any(|m| m.contains("not permitted")),
            "{query:?}"
        );
    }

    #[test]
    fn upper_case_and_other_keys() {
        let elements =
            parse_digital_link("HTTPS://ID.GS1.ORG/01/09506000134352/10/ABC1?17=261231").unwrap();
        assert_eq!(
            to_bracketed(&elements),
            "(01)09506000134352(10)ABC1(17)261231"
        );
        assert!(elements.iter().all(|e| e.issue.is_none()));
        // Every primary key of the dictionary, with its qualifiers where it has some.
        for uri in [
            "https://id.gs1.org/00/106141411234567897",
            "https://id.gs1.org/01/09506000134352/22/2A/10/B/21/C",
            "https://id.gs1.org/253/9520123456788ABC",
            "https://id.gs1.org/255/9521234500001",
            "https://id.gs1.org/401/1234ABC",
            "https://id.gs1.org/402/95201234567890122",
            "https://id.gs1.org/414/9520123456788/254/32a%2Fb",
            "https://id.gs1.org/414/9520123456788/7040/1ABC",
            "https://id.gs1.org/415/9520123456788/8020/INV1",
            "https://id.gs1.org/417/9520123456788/7040/1ABC",
            "https://id.gs1.org/8003/09520123456788A1",
            "https://id.gs1.org/8004/9520614141234567/7040/1ABC",
            "https://id.gs1.org/8006/095201234567880102/10/B/21/C",
            "https://id.gs1.org/8010/1234ABC/8011/123",
            "https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K",
            "https://id.gs1.org/8017/952012345678901233/8019/1",
            "https://id.gs1.org/8018/952012345678901233/8019/1",
        ] {
            let link = check_digital_link(uri).unwrap();
            assert!(link.report.is_valid(), "{uri}: {:?}", link.report.issues);
            assert!(parse_digital_link(uri).is_some(), "{uri}");
        }
        // Qualifiers of another key are refused.
        assert!(!issues("https://id.gs1.org/414/9520123456788/8019/1").is_empty());
    }

    #[test]
    fn unknown_query_keys_are_kept() {
        let link =
            check_digital_link("https://id.gs1.org/01/09506000134352?89=X&utm_source=a&single")
                .unwrap();
        assert_eq!(link.report.elements[1].ai, "89");
        assert_eq!(link.report.issues[0].kind, Gs1IssueKind::UnknownAi);
        assert_eq!(link.other_params.len(), 2);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("A%2fB+C%zz%4"), "A/B C%zz%4");
        assert_eq!(percent_decode("%E2%82%AC"), "€");
        assert_eq!(percent_decode("%FF"), "\u{fffd}");
    }
}
