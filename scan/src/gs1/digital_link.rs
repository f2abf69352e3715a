//! GS1 Digital Link URIs (GS1 Digital Link standard 1.x): a web address that carries the
//! same AIs as a label, e.g. `https://id.gs1.org/01/09506000134352/10/ABC123?17=261231`.
//! Any domain may host one, so the path is searched for a primary-key AI.

use super::{Gs1Element, element_for, lookup_exact};

/// AIs that may start the path (primary keys) and their qualifiers.
const PRIMARY_KEYS: &[&str] = &[
    "01", "00", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013",
    "8017", "8018",
];

/// Digital Link short names (the standard's "convenience alphas").
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

/// Parses a GS1 Digital Link URI into elements, primary key first, then path qualifiers,
/// then numeric query parameters. Returns `None` when the URI carries no GS1 primary key
/// (an ordinary web address or a tracking link).
pub fn parse_digital_link(uri: &str) -> Option<Vec<Gs1Element>> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))?;
    let (path_and_query, _fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let segments: Vec<&str> = path.split('/').skip(1).collect();

    let mut elements = Vec::new();
    let start = (0..segments.len().saturating_sub(1)).find(|&i| {
        let ai = short_name(segments[i]).unwrap_or(segments[i]);
        PRIMARY_KEYS.contains(&ai)
            && percent_decode(segments[i + 1])
                .and_then(|value| element_for(ai, &value))
                .is_some_and(|e| e.issue.is_none())
    })?;
    let mut i = start;
    while i + 1 < segments.len() {
        let ai = short_name(segments[i]).unwrap_or(segments[i]);
        let value = percent_decode(segments[i + 1])?;
        elements.push(element_for(ai, &value)?);
        i += 2;
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let ai = short_name(key).unwrap_or(key);
        // Non-numeric keys (linkType, utm_*) are not AIs: skip them as the standard says.
        if !ai.bytes().all(|b| b.is_ascii_digit()) || lookup_exact(ai).is_none() {
            continue;
        }
        elements.push(element_for(ai, &percent_decode(value)?)?);
    }
    Some(elements)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gs1::{Gs1Value, to_bracketed};

    #[test]
    fn standard_example() {
        let elements =
            parse_digital_link("https://id.gs1.org/01/09506000134352/10/ABC123?17=261231").unwrap();
        assert_eq!(
            to_bracketed(&elements),
            "(01)09506000134352(10)ABC123(17)261231"
        );
        assert!(elements.iter().all(|e| e.issue.is_none()));
    }

    #[test]
    fn custom_domain_prefix_path_and_short_names() {
        let elements = parse_digital_link(
            "https://brand.example/products/gtin/09506000134352/lot/A%2F1?linkType=all",
        )
        .unwrap();
        assert_eq!(
            elements[0].typed,
            Some(Gs1Value::Gtin {
                gtin14: "09506000134352".into()
            })
        );
        assert_eq!(elements[1].value, "A/1");
    }

    #[test]
    fn ordinary_urls_are_not_digital_links() {
        assert!(parse_digital_link("https://track.parcel.example/p/NC2715539011").is_none());
        assert!(parse_digital_link("not a url").is_none());
        // A GTIN with a wrong check digit is not taken as a primary key.
        assert!(parse_digital_link("https://id.gs1.org/01/09506000134353").is_none());
    }
}
