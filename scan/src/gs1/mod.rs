//! GS1 element strings: the data on case labels (GS1-128, DataBar, GS1 DataMatrix, GS1 QR)
//! and GS1 Digital Link URIs, parsed into typed fields the warehouse uses (GTIN, lot, dates,
//! weights, SSCC). Also the PTI voice pick code printed on produce case labels.
//!
//! Structural problems (unknown AI, truncated field) fail the whole parse with
//! [`Gs1Error`]; value problems (bad check digit, impossible date) keep the element and
//! report the reason in [`Gs1Element::issue`], so a label with one smudged field still
//! shows what it holds.

mod ai_table;
mod digital_link;
mod voice_pick;

pub use digital_link::parse_digital_link;
pub use voice_pick::{VoicePickCode, voice_pick_code};

use ai_table::{AiKind, AiSpec, has_predefined_length, lookup_exact, lookup_prefix};

/// ASCII 29: the FNC1 group separator in transmitted GS1 data.
pub const GROUP_SEPARATOR: char = '\u{1d}';

/// One AI and its value, as printed in brackets on the label.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Gs1Element {
    /// The Application Identifier, e.g. "01" or "3103".
    pub ai: String,
    /// The GS1 data title, e.g. "GTIN" or "NET WEIGHT (kg)".
    pub title: String,
    /// The raw value as encoded.
    pub value: String,
    /// The value typed where the AI has a type; `None` for free text and invalid values.
    pub typed: Option<Gs1Value>,
    /// Why the value is not valid (check digit, date, character set); `None` when valid.
    pub issue: Option<String>,
}

/// A typed GS1 value.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Gs1Value {
    /// A GTIN normalised to 14 digits, check digit verified.
    Gtin { gtin14: String },
    /// A Serial Shipping Container Code (18 digits), check digit verified.
    Sscc { sscc: String },
    /// A Global Location Number (13 digits), check digit verified.
    Gln { gln: String },
    /// A YYMMDD date. `day_stated` is false when DD was 00: the GS1 rule then means the
    /// last day of the month, which `day` holds.
    Date {
        year: u16,
        month: u8,
        day: u8,
        day_stated: bool,
    },
    /// A measure or amount with an implied decimal point (310n..369n, 390n..395n).
    Decimal {
        value: f64,
        digits: String,
        decimals: u8,
        unit: String,
    },
    /// A count of trade items or units.
    Count { count: u64 },
}

/// Why an element string could not be parsed at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Gs1Error {
    /// The data does not start with a known AI at this position.
    #[error("unknown application identifier at offset {offset}: {found}")]
    UnknownAi { offset: u32, found: String },
    /// A field is shorter or longer than its AI allows.
    #[error("AI ({ai}) has {length} characters, allowed {min}..={max}")]
    BadLength {
        ai: String,
        length: u32,
        min: u32,
        max: u32,
    },
    /// Input is empty or not GS1 data at all.
    #[error("not a GS1 element string: {reason}")]
    NotGs1 { reason: String },
}

/// The symbology identifiers that announce GS1 data (ISO/IEC 15424): GS1-128, DataBar,
/// GS1 DataMatrix, GS1 QR, GS1 Aztec/DotCode.
pub fn is_gs1_symbology_identifier(id: &str) -> bool {
    matches!(
        id,
        "]C1" | "]e0" | "]e1" | "]e2" | "]d2" | "]Q3" | "]J1" | "]z1"
    )
}

/// Parses transmitted GS1 data: AIs and values concatenated, FNC1 sent as ASCII 29 after
/// variable-length fields. Tolerates a leading symbology identifier or FNC1.
pub fn parse_element_string(data: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
    require_ascii(data)?;
    let mut rest = data;
    if rest.len() >= 3 && rest.starts_with(']') {
        rest = &rest[3..];
    }
    rest = rest.trim_start_matches(GROUP_SEPARATOR);
    if rest.is_empty() {
        return Err(Gs1Error::NotGs1 {
            reason: "empty".into(),
        });
    }
    if rest.starts_with('(') {
        return parse_bracketed(rest);
    }
    let mut elements = Vec::new();
    while !rest.is_empty() {
        let offset = (data.len() - rest.len()) as u32;
        let Some((spec, ai)) = lookup_prefix(rest) else {
            return Err(Gs1Error::UnknownAi {
                offset,
                found: rest.chars().take(4).collect(),
            });
        };
        let after_ai = &rest[ai.len()..];
        let value = if spec.is_fixed() {
            let Some(value) = after_ai.get(..spec.max_len) else {
                return Err(bad_length(ai, spec, after_ai.len()));
            };
            value
        } else {
            let end = after_ai.find(GROUP_SEPARATOR).unwrap_or(after_ai.len());
            &after_ai[..end]
        };
        if value.contains(GROUP_SEPARATOR)
            || value.len() < spec.min_len
            || value.len() > spec.max_len
        {
            return Err(bad_length(ai, spec, value.len()));
        }
        elements.push(element(spec, ai, value));
        rest = &after_ai[value.len()..];
        // A separator is required after variable fields and tolerated after fixed ones
        // whose AI is not of predefined length.
        rest = rest.strip_prefix(GROUP_SEPARATOR).unwrap_or(rest);
    }
    Ok(elements)
}

/// GS1 element strings use a subset of ASCII (character sets 82 and 39); anything else is
/// not GS1 data, and refusing it up front keeps byte offsets on character boundaries.
fn require_ascii(text: &str) -> Result<(), Gs1Error> {
    if text.is_ascii() {
        Ok(())
    } else {
        Err(Gs1Error::NotGs1 {
            reason: "GS1 data is ASCII only".into(),
        })
    }
}

/// Parses the human-readable bracketed form `(01)09501101530003(10)AB12C`.
pub fn parse_bracketed(text: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
    require_ascii(text)?;
    let mut elements = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let offset = (text.len() - rest.len()) as u32;
        let not_gs1 = || Gs1Error::NotGs1 {
            reason: format!("expected '(AI)' at offset {offset}"),
        };
        let inner = rest.strip_prefix('(').ok_or_else(not_gs1)?;
        let close = inner.find(')').ok_or_else(not_gs1)?;
        let ai = &inner[..close];
        let spec = lookup_exact(ai).ok_or_else(|| Gs1Error::UnknownAi {
            offset,
            found: ai.to_string(),
        })?;
        let after = &inner[close + 1..];
        let end = after.find('(').unwrap_or(after.len());
        let value = &after[..end];
        if value.len() < spec.min_len || value.len() > spec.max_len {
            return Err(bad_length(ai, spec, value.len()));
        }
        elements.push(element(spec, ai, value));
        rest = &after[end..];
    }
    if elements.is_empty() {
        return Err(Gs1Error::NotGs1 {
            reason: "no element".into(),
        });
    }
    Ok(elements)
}

/// The bracketed human-readable form, `(01)...(10)...`, the convention of the frame sets.
pub fn to_bracketed(elements: &[Gs1Element]) -> String {
    elements
        .iter()
        .map(|e| format!("({}){}", e.ai, e.value))
        .collect()
}

/// The transmitted form without symbology identifier: GS after each variable-length field
/// that is not last.
pub fn to_transmitted(elements: &[Gs1Element]) -> String {
    let mut out = String::new();
    for (i, e) in elements.iter().enumerate() {
        out.push_str(&e.ai);
        out.push_str(&e.value);
        if i + 1 < elements.len() && !has_predefined_length(&e.ai) {
            out.push(GROUP_SEPARATOR);
        }
    }
    out
}

fn bad_length(ai: &str, spec: &AiSpec, length: usize) -> Gs1Error {
    Gs1Error::BadLength {
        ai: ai.to_string(),
        length: length as u32,
        min: spec.min_len as u32,
        max: spec.max_len as u32,
    }
}

/// The GS1 AI encodable character set 82 (General Specifications figure 7.11-1).
fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

/// Builds an element, typing and validating its value.
pub(crate) fn element_for(ai: &str, value: &str) -> Option<Gs1Element> {
    lookup_exact(ai).map(|spec| element(spec, ai, value))
}

fn element(spec: &AiSpec, ai: &str, value: &str) -> Gs1Element {
    let (typed, issue) = match type_value(spec, ai, value) {
        Ok(typed) => (typed, None),
        Err(reason) => (None, Some(reason)),
    };
    Gs1Element {
        ai: ai.to_string(),
        title: spec.title.to_string(),
        value: value.to_string(),
        typed,
        issue,
    }
}

fn type_value(spec: &AiSpec, ai: &str, value: &str) -> Result<Option<Gs1Value>, String> {
    let numeric = !matches!(spec.kind, AiKind::Alphanumeric);
    if numeric && !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("non-digit in a numeric field".into());
    }
    if !numeric && !value.chars().all(is_cset82) {
        return Err("character outside GS1 character set 82".into());
    }
    match spec.kind {
        AiKind::Gtin => {
            check_digit_ok(value)?;
            Ok(Some(Gs1Value::Gtin {
                gtin14: value.to_string(),
            }))
        }
        AiKind::Sscc => {
            check_digit_ok(value)?;
            Ok(Some(Gs1Value::Sscc {
                sscc: value.to_string(),
            }))
        }
        AiKind::Gln => {
            check_digit_ok(value)?;
            Ok(Some(Gs1Value::Gln {
                gln: value.to_string(),
            }))
        }
        AiKind::NumericWithCheck => check_digit_ok(value).map(|_| None),
        AiKind::Date => parse_date(value).map(Some),
        AiKind::Measure(unit) => {
            let decimals = ai.as_bytes().last().map_or(0, |d| d - b'0');
            // 391n/393n carry a 3-digit ISO 4217 currency code before the amount.
            let digits = if matches!(&ai[..3], "391" | "393") {
                &value[3..]
            } else {
                value
            };
            if usize::from(decimals) > digits.len() {
                return Err(format!(
                    "{decimals} decimals but only {} digits",
                    digits.len()
                ));
            }
            let int: f64 = digits.parse().map_err(|_| "not a number".to_string())?;
            let unit = if matches!(&ai[..3], "391" | "393") {
                format!("{} {}", unit, &value[..3])
            } else {
                unit.to_string()
            };
            Ok(Some(Gs1Value::Decimal {
                value: int / 10f64.powi(i32::from(decimals)),
                digits: digits.to_string(),
                decimals,
                unit,
            }))
        }
        AiKind::Count => value
            .parse()
            .map(|count| Some(Gs1Value::Count { count }))
            .map_err(|_| "count out of range".into()),
        AiKind::Numeric | AiKind::Alphanumeric => Ok(None),
    }
}

/// GS1 mod-10 check digit over all digits but the last (GTIN-8/12/13/14, SSCC, GLN, GSIN).
pub fn gs1_check_digit(body: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, b) in body.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// True when the last digit of `digits` is its valid GS1 check digit.
pub fn has_valid_check_digit(digits: &str) -> bool {
    check_digit_ok(digits).is_ok()
}

fn check_digit_ok(digits: &str) -> Result<(), String> {
    // Digits only before slicing: decoded text can hold any character (Code 128 carries
    // Latin-1), and a byte index inside a multi-byte character would panic.
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("non-digit".into());
    }
    let Some((body, last)) = digits.len().checked_sub(1).map(|n| digits.split_at(n)) else {
        return Err("empty".into());
    };
    let expected = gs1_check_digit(body).ok_or_else(|| "non-digit".to_string())?;
    let found = last.bytes().next().map(|b| b.wrapping_sub(b'0'));
    if found == Some(expected) {
        Ok(())
    } else {
        Err(format!("check digit {last} is wrong, expected {expected}"))
    }
}

/// Normalises a GTIN-8/12/13/14 to 14 digits after checking its check digit.
pub fn normalize_gtin(digits: &str) -> Option<String> {
    if !matches!(digits.len(), 8 | 12 | 13 | 14) || !has_valid_check_digit(digits) {
        return None;
    }
    Some(format!("{digits:0>14}"))
}

fn parse_date(value: &str) -> Result<Gs1Value, String> {
    let num = |r: std::ops::Range<usize>| value[r].parse::<u8>().unwrap_or(0);
    let (yy, month, dd) = (num(0..2), num(2..4), num(4..6));
    if !(1..=12).contains(&month) {
        return Err(format!("month {month:02} is not 01..12"));
    }
    let year = resolve_century(yy, current_year());
    let last = days_in_month(year, month);
    if dd > last {
        return Err(format!("day {dd:02} does not exist in {year}-{month:02}"));
    }
    Ok(Gs1Value::Date {
        year,
        month,
        day: if dd == 0 { last } else { dd },
        day_stated: dd != 0,
    })
}

/// GS1 General Specifications 7.12: a two-digit year lies within 49 years back and 50
/// years ahead of the current year.
pub fn resolve_century(yy: u8, current_year: u16) -> u16 {
    let century = current_year / 100 * 100;
    let diff = i32::from(yy) - i32::from(current_year % 100);
    let base = if diff >= 51 {
        century - 100
    } else if diff <= -50 {
        century + 100
    } else {
        century
    };
    base + u16::from(yy)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn current_year() -> u16 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Civil-from-days (Howard Hinnant), enough to get the year right.
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days / 146_097;
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let year = yoe + era * 400 + i64::from(mp >= 10);
    year.clamp(2000, 9999) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_general_specifications_example_with_separator() {
        // GS1 General Specifications 5.4.7.4-style example: GTIN, weight, lot and expiry.
        let elements =
            parse_element_string("0195012345678903310300012310ABC123\u{1d}17260131").unwrap();
        assert_eq!(
            to_bracketed(&elements),
            "(01)95012345678903(3103)000123(10)ABC123(17)260131"
        );
        assert_eq!(
            elements[0].typed,
            Some(Gs1Value::Gtin {
                gtin14: "95012345678903".into()
            })
        );
        match &elements[1].typed {
            Some(Gs1Value::Decimal {
                value,
                decimals,
                unit,
                ..
            }) => {
                assert!((value - 0.123).abs() < 1e-9);
                assert_eq!(*decimals, 3);
                assert_eq!(unit, "kg");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            elements[3].typed,
            Some(Gs1Value::Date {
                year: 2026,
                month: 1,
                day: 31,
                day_stated: true
            })
        );
    }

    #[test]
    fn sscc_and_symbology_identifier() {
        let elements = parse_element_string("]C100106141411234567897").unwrap();
        // SSCC from the General Specifications (section 2.2.1 example 0 0614141 123456789 7).
        assert_eq!(elements.len(), 1);
        assert_eq!(elements[0].ai, "00");
        assert_eq!(elements[0].issue, None);
        assert!(matches!(elements[0].typed, Some(Gs1Value::Sscc { .. })));
    }

    #[test]
    fn date_with_day_zero_means_end_of_month() {
        let elements = parse_bracketed("(15)280200").unwrap();
        assert_eq!(
            elements[0].typed,
            Some(Gs1Value::Date {
                year: 2028,
                month: 2,
                day: 29,
                day_stated: false
            })
        );
    }

    #[test]
    fn invalid_values_are_reported_with_reason() {
        let elements = parse_bracketed("(01)09501101530004(17)261341(11)261232").unwrap();
        assert!(
            elements[0]
                .issue
                .as_deref()
                .unwrap_or("")
                .contains("check digit")
        );
        assert!(elements[1].issue.as_deref().unwrap_or("").contains("month"));
        assert!(
            elements[2]
                .issue
                .as_deref()
                .unwrap_or("")
                .contains("day 32")
        );
        assert!(elements.iter().all(|e| e.typed.is_none()));
    }

    #[test]
    fn malformed_strings_fail() {
        assert!(matches!(
            parse_element_string("0195012345"),
            Err(Gs1Error::BadLength { .. })
        ));
        assert!(matches!(
            parse_element_string("ZZ12"),
            Err(Gs1Error::UnknownAi { .. })
        ));
        assert!(matches!(
            parse_element_string(""),
            Err(Gs1Error::NotGs1 { .. })
        ));
        assert!(matches!(
            parse_element_string("10ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            Err(Gs1Error::BadLength { .. })
        ));
        assert!(parse_bracketed("(01)123").is_err());
        assert!(parse_bracketed("01)95012345678903").is_err());
        assert!(parse_bracketed("(2)1").is_err());
    }

    #[test]
    fn non_digit_in_numeric_field_is_an_issue() {
        let elements = parse_bracketed("(37)12A4").unwrap();
        assert!(elements[0].issue.is_some());
    }

    #[test]
    fn transmitted_form_round_trips() {
        let raw = "01441064468885791728020510VJPUJV\u{1d}210390116";
        let elements = parse_element_string(raw).unwrap();
        assert_eq!(
            to_bracketed(&elements),
            "(01)44106446888579(17)280205(10)VJPUJV(21)0390116"
        );
        assert_eq!(to_transmitted(&elements), raw);
    }

    #[test]
    fn gtin_normalisation() {
        assert_eq!(
            normalize_gtin("036000291452").as_deref(),
            Some("00036000291452")
        );
        assert_eq!(
            normalize_gtin("4006381333931").as_deref(),
            Some("04006381333931")
        );
        assert_eq!(normalize_gtin("4006381333932"), None);
    }

    #[test]
    fn century_window() {
        assert_eq!(resolve_century(26, 2026), 2026);
        assert_eq!(resolve_century(76, 2026), 2076);
        assert_eq!(resolve_century(77, 2026), 1977);
        assert_eq!(resolve_century(10, 2090), 2110);
    }
}
