//! GS1 element strings: the data on case labels (GS1-128, DataBar, GS1 DataMatrix, GS1 QR)
//! and GS1 Digital Link URIs, parsed into typed fields the warehouse uses (GTIN, lot, dates,
//! weights, SSCC). Also the PTI voice pick code printed on produce case labels.
//!
//! The AI table is the GS1 Barcode Syntax Dictionary (`fixtures/gs1/`), generated into
//! `dictionary.rs`; every component of a value is checked with the dictionary's linters
//! (check digits, dates, country and currency codes...), and the dictionary's association
//! rules (`req=`, `ex=`) and conflicting repeats are checked across the whole message.
//!
//! Only a string that cannot be split into AIs fails with [`Gs1Error`] (truncated or
//! over-long field, garbage where an AI should be). Everything else keeps the element and
//! reports the reason in [`Gs1Element::issue`]: a bad check digit, an impossible date, an
//! AI missing from the table, a missing companion AI. So a label with one smudged or
//! unexpected field still shows what it holds.

mod ai_table;
mod dictionary;
mod digital_link;
mod linters;
mod voice_pick;

pub use digital_link::{DigitalLink, DlParam, check_digital_link, parse_digital_link};
pub use voice_pick::{VoicePickCode, voice_pick_code};

pub(crate) use ai_table::has_predefined_length;
use ai_table::{
    AiEntry, Cset, ai_length_by_prefix, lookup, lookup_prefix, matches_pattern, measure_unit,
    predefined_by_prefix,
};
use linters::{CSET82, Linter};

/// ASCII 29: the FNC1 group separator in transmitted GS1 data.
pub const GROUP_SEPARATOR: char = '\u{1d}';

/// The title given to an AI that the dictionary does not define.
pub const UNKNOWN_AI_TITLE: &str = "UNKNOWN AI";

/// One AI and its value, as printed in brackets on the label.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Gs1Element {
    /// The Application Identifier, e.g. "01" or "3103".
    pub ai: String,
    /// The GS1 data title, e.g. "GTIN" or "NET WEIGHT (kg)"; [`UNKNOWN_AI_TITLE`] for an AI
    /// the dictionary does not define.
    pub title: String,
    /// The raw value as encoded.
    pub value: String,
    /// The value typed where the AI has a type; `None` for free text and invalid values.
    pub typed: Option<Gs1Value>,
    /// Why the element is not valid (unknown AI, check digit, date, character set, a
    /// companion AI missing, a conflicting repeat); several reasons are joined with "; ".
    /// `None` when valid.
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

/// Why an element string could not be split into AIs at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Gs1Error {
    /// Where an AI should start there is no AI: not digits, or an unknown AI whose end
    /// cannot be told.
    #[error("unknown application identifier at offset {offset}: {found}")]
    UnknownAi { offset: u32, found: String },
    /// A field is shorter or longer than its AI allows, so where the next AI starts cannot
    /// be trusted.
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

/// What kind of problem a [`Gs1Issue`] is, so callers can weigh them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gs1IssueKind {
    /// The AI is not in the GS1 Barcode Syntax Dictionary.
    UnknownAi,
    /// The value breaks its AI's format: length of a component, character set, check
    /// digit, date, code list.
    Value,
    /// A rule across AIs: a required companion AI is missing (`req=`), two AIs that must
    /// not appear together do (`ex=`), or one AI appears twice with different values.
    Association,
    /// A Digital Link rule: path order per the key's qualifiers, an AI in the query that
    /// belongs in the path, an empty query value.
    DigitalLink,
}

/// One problem found in a message, tied to the element it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Issue {
    /// Index of the element in [`Gs1Report::elements`].
    pub element: usize,
    /// What kind of problem it is.
    pub kind: Gs1IssueKind,
    /// A sentence for people.
    pub message: String,
}

/// A parsed message with every problem found in it. Each element's
/// [`Gs1Element::issue`] repeats the messages of its issues.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Gs1Report {
    /// The elements in the order of the message.
    pub elements: Vec<Gs1Element>,
    /// The problems, in the order found.
    pub issues: Vec<Gs1Issue>,
}

impl Gs1Report {
    /// True when nothing is wrong with the message.
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }

    /// Adds an element, with the issue of its value if any.
    fn push(&mut self, (element, issue): (Gs1Element, Option<(Gs1IssueKind, String)>)) {
        if let Some((kind, message)) = issue {
            self.issues.push(Gs1Issue {
                element: self.elements.len(),
                kind,
                message,
            });
        }
        self.elements.push(element);
    }

    /// Adds the cross-AI checks and copies every issue into its element.
    fn finish(mut self) -> Self {
        let associations = association_issues(&self.elements);
        self.issues.extend(associations);
        self.sync_element_issues();
        self
    }

    fn sync_element_issues(&mut self) {
        for (i, element) in self.elements.iter_mut().enumerate() {
            let messages: Vec<&str> = self
                .issues
                .iter()
                .filter(|issue| issue.element == i)
                .map(|issue| issue.message.as_str())
                .collect();
            element.issue = (!messages.is_empty()).then(|| messages.join("; "));
        }
    }
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
/// variable-length fields. Tolerates a leading symbology identifier or FNC1, and the
/// bracketed form. Problems with single values or between AIs are in each element's
/// `issue`; see [`check_element_string`] for them as a list.
pub fn parse_element_string(data: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
    check_element_string(data).map(|report| report.elements)
}

/// Like [`parse_element_string`], returning the issues as a typed list too.
pub fn check_element_string(data: &str) -> Result<Gs1Report, Gs1Error> {
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
        return check_bracketed(rest);
    }
    let mut report = Gs1Report::default();
    while !rest.is_empty() {
        // A superfluous FNC1 (after a predefined-length field, or at the end) is tolerated.
        if let Some(after) = rest.strip_prefix(GROUP_SEPARATOR) {
            rest = after;
            continue;
        }
        let offset = (data.len() - rest.len()) as u32;
        let (ai, value) = split_next(rest, offset)?;
        report.push(build_element(ai, value));
        rest = &rest[ai.len() + value.len()..];
    }
    Ok(report.finish())
}

/// Cuts the next AI and its value off transmitted data.
fn split_next(rest: &str, offset: u32) -> Result<(&str, &str), Gs1Error> {
    let up_to_separator = |s: &str| s.find(GROUP_SEPARATOR).unwrap_or(s.len());
    if let Some(entry) = lookup_prefix(rest) {
        let after = &rest[entry.ai.len()..];
        let length = if entry.predefined {
            entry.max_len()
        } else {
            up_to_separator(after)
        };
        return match after.get(..length) {
            Some(value)
                if !value.contains(GROUP_SEPARATOR)
                    && (entry.min_len()..=entry.max_len()).contains(&value.len()) =>
            {
                Ok((entry.ai, value))
            }
            _ => Err(bad_length(
                entry.ai,
                entry.min_len(),
                entry.max_len(),
                up_to_separator(after),
            )),
        };
    }
    // Not in the dictionary. The GS1 prefix tables still tell where it ends when its
    // first two digits have a predefined length; otherwise its value runs to the next
    // FNC1. Its AI length is that of the allocated AIs with the same first two digits.
    let unknown = || Gs1Error::UnknownAi {
        offset,
        found: rest.chars().take(4).collect(),
    };
    if !rest
        .get(..2)
        .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(unknown());
    }
    // A prefix with no allocated AI at all: take the shortest AI length, 2.
    let (ai_len, value_len) = match predefined_by_prefix(rest) {
        Some((ai_len, data_len)) => (ai_len, Some(data_len)),
        None => (ai_length_by_prefix(rest).unwrap_or(2), None),
    };
    let ai = rest
        .get(..ai_len)
        .filter(|ai| ai.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(unknown)?;
    let after = &rest[ai_len..];
    let value = match value_len {
        Some(n) => after
            .get(..n)
            .filter(|v| !v.contains(GROUP_SEPARATOR))
            .ok_or_else(|| bad_length(ai, n, n, up_to_separator(after)))?,
        None => &after[..up_to_separator(after)],
    };
    // An unknown AI with no data is as likely garbage as an AI: nothing to report.
    if value.is_empty() {
        return Err(unknown());
    }
    Ok((ai, value))
}

/// GS1 element strings use a subset of ASCII (character sets 82, 39 and 64); anything
/// else is not GS1 data, and refusing it up front keeps byte offsets on character
/// boundaries.
fn require_ascii(text: &str) -> Result<(), Gs1Error> {
    if text.is_ascii() {
        Ok(())
    } else {
        Err(Gs1Error::NotGs1 {
            reason: "GS1 data is ASCII only".into(),
        })
    }
}

/// Parses the human-readable bracketed form `(01)09501101530003(10)AB12C`. A `(` inside a
/// value is written `\(`.
pub fn parse_bracketed(text: &str) -> Result<Vec<Gs1Element>, Gs1Error> {
    check_bracketed(text).map(|report| report.elements)
}

/// Like [`parse_bracketed`], returning the issues as a typed list too.
pub fn check_bracketed(text: &str) -> Result<Gs1Report, Gs1Error> {
    require_ascii(text)?;
    let mut report = Gs1Report::default();
    let mut rest = text;
    while !rest.is_empty() {
        let offset = text.len() - rest.len();
        let not_gs1 = |what: &str| Gs1Error::NotGs1 {
            reason: format!("{what} at offset {offset}"),
        };
        let inner = rest
            .strip_prefix('(')
            .ok_or_else(|| not_gs1("expected '(AI)'"))?;
        let close = inner.find(')').ok_or_else(|| not_gs1("expected '(AI)'"))?;
        let ai = &inner[..close];
        if !(2..=4).contains(&ai.len()) || !ai.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_gs1("an AI is 2 to 4 digits"));
        }
        let after = &inner[close + 1..];
        let (value, used) = bracketed_value(after);
        if value.is_empty() {
            return Err(match lookup(ai) {
                Some(entry) => bad_length(ai, entry.min_len(), entry.max_len(), 0),
                None => not_gs1("empty value"),
            });
        }
        if let Some(entry) = lookup(ai)
            && !(entry.min_len()..=entry.max_len()).contains(&value.len())
        {
            return Err(bad_length(
                ai,
                entry.min_len(),
                entry.max_len(),
                value.len(),
            ));
        }
        report.push(build_element(ai, &value));
        rest = &after[used..];
    }
    if report.elements.is_empty() {
        return Err(Gs1Error::NotGs1 {
            reason: "no element".into(),
        });
    }
    Ok(report.finish())
}

/// The value up to the next unescaped `(`, with `\(` unescaped, and the bytes consumed.
fn bracketed_value(text: &str) -> (String, usize) {
    let mut value = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '(' => return (value, i),
            '\\' if chars.peek().is_some_and(|&(_, next)| next == '(') => {
                value.push('(');
                chars.next();
            }
            c => value.push(c),
        }
    }
    (value, text.len())
}

/// The bracketed human-readable form, `(01)...(10)...`, the convention of the frame sets.
pub fn to_bracketed(elements: &[Gs1Element]) -> String {
    elements
        .iter()
        .map(|e| format!("({}){}", e.ai, e.value))
        .collect()
}

/// The transmitted form without symbology identifier: GS after each field that is not of
/// predefined length and not last.
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

fn bad_length(ai: &str, min: usize, max: usize, length: usize) -> Gs1Error {
    Gs1Error::BadLength {
        ai: ai.to_string(),
        length: length as u32,
        min: min as u32,
        max: max as u32,
    }
}

/// Builds one element and checks its value against the dictionary, without the checks
/// across AIs. An AI the dictionary lacks comes back with an issue saying so.
pub fn check_element(ai: &str, value: &str) -> Gs1Element {
    build_element(ai, value).0
}

/// Builds an element, typing and validating its value (crate-internal name kept for the
/// decoder).
pub(crate) fn element_for(ai: &str, value: &str) -> Option<Gs1Element> {
    lookup(ai).map(|_| check_element(ai, value))
}

fn build_element(ai: &str, value: &str) -> (Gs1Element, Option<(Gs1IssueKind, String)>) {
    let Some(entry) = lookup(ai) else {
        let message = format!("AI ({ai}) is not in the GS1 Barcode Syntax Dictionary");
        return (
            Gs1Element {
                ai: ai.to_string(),
                title: UNKNOWN_AI_TITLE.to_string(),
                value: value.to_string(),
                typed: None,
                issue: Some(message.clone()),
            },
            Some((Gs1IssueKind::UnknownAi, message)),
        );
    };
    let checked = validate_value(entry, value).map_err(|reason| format!("AI ({ai}): {reason}"));
    let typed = match &checked {
        Ok(()) => type_value(ai, value),
        Err(_) => None,
    };
    let issue = checked.err();
    (
        Gs1Element {
            ai: ai.to_string(),
            title: entry.title.to_string(),
            value: value.to_string(),
            typed,
            issue: issue.clone(),
        },
        issue.map(|message| (Gs1IssueKind::Value, message)),
    )
}

/// Checks a value component by component, as the dictionary describes it.
fn validate_value(entry: &AiEntry, value: &str) -> Result<(), String> {
    if !value.is_ascii() {
        return Err("characters outside ASCII".into());
    }
    let wrong_length = || {
        Err(format!(
            "{} characters is not a valid length (allowed {}..={})",
            value.len(),
            entry.min_len(),
            entry.max_len()
        ))
    };
    let mut pos = 0;
    for component in entry.components {
        let remaining = value.len() - pos;
        if remaining == 0 && component.optional {
            break;
        }
        let take = if component.min == component.max {
            component.max
        } else {
            remaining.min(component.max)
        };
        if take > remaining || take < component.min {
            return wrong_length();
        }
        let part = &value[pos..pos + take];
        check_cset(component.cset, part)?;
        for linter in component.linters {
            linter.check(part)?;
        }
        pos += take;
    }
    if pos != value.len() {
        return wrong_length();
    }
    Ok(())
}

fn check_cset(cset: Cset, part: &str) -> Result<(), String> {
    let bad = match cset {
        Cset::N => part.chars().find(|c| !c.is_ascii_digit()),
        Cset::X => part.chars().find(|&c| !CSET82.contains(c)),
        Cset::Y => part
            .chars()
            .find(|&c| !(c.is_ascii_digit() || c.is_ascii_uppercase() || "#-/".contains(c))),
        Cset::Z => return check_cset64(part),
    };
    match (bad, cset) {
        (None, _) => Ok(()),
        (Some(c), Cset::N) => Err(format!("non-digit {c:?} in a numeric field")),
        (Some(c), Cset::Y) => Err(format!("{c:?} is outside GS1 character set 39")),
        (Some(c), _) => Err(format!("{c:?} is outside GS1 character set 82")),
    }
}

/// Base64url with at most two `=` of padding, and padding only where it completes a
/// group of three.
fn check_cset64(part: &str) -> Result<(), String> {
    let body = part.trim_end_matches('=');
    let pads = part.len() - body.len();
    if pads > 2 || (pads > 0 && !part.len().is_multiple_of(3)) {
        return Err("invalid base64 padding".into());
    }
    match body
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        Some(c) => Err(format!("{c:?} is outside GS1 character set 64")),
        None => Ok(()),
    }
}

/// Types a valid value where the warehouse uses it.
fn type_value(ai: &str, value: &str) -> Option<Gs1Value> {
    match ai {
        "01" | "02" | "03" => {
            return Some(Gs1Value::Gtin {
                gtin14: value.to_string(),
            });
        }
        "00" => {
            return Some(Gs1Value::Sscc {
                sscc: value.to_string(),
            });
        }
        "30" | "37" => return value.parse().ok().map(|count| Gs1Value::Count { count }),
        _ => {}
    }
    if ai.len() == 3 && ai.starts_with("41") {
        return Some(Gs1Value::Gln {
            gln: value.to_string(),
        });
    }
    let entry = lookup(ai)?;
    if let [component] = entry.components
        && component.max == 6
        && component
            .linters
            .iter()
            .any(|l| matches!(l, Linter::Yymmd0 | Linter::Yymmdd))
    {
        return parse_date(value);
    }
    if ai.len() != 4 {
        return None;
    }
    let decimals = ai.as_bytes()[3] - b'0';
    let (digits, unit) = match ai.get(..3).unwrap_or("") {
        "390" | "392" | "395" => (value, "local currency".to_string()),
        "391" | "393" => (
            value.get(3..)?,
            format!("ISO 4217 currency {}", value.get(..3)?),
        ),
        "394" => (value, "%".to_string()),
        prefix => (value, measure_unit(prefix)?.to_string()),
    };
    let int: f64 = digits.parse().ok()?;
    Some(Gs1Value::Decimal {
        value: int / 10f64.powi(i32::from(decimals)),
        digits: digits.to_string(),
        decimals,
        unit,
    })
}

/// GS1 mod-10 check digit over all digits but the last (GTIN-8/12/13/14, SSCC, GLN, GSIN).
pub fn gs1_check_digit(body: &str) -> Option<u8> {
    body.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| linters::mod10(body.as_bytes()))
}

/// True when the last digit of `digits` is its valid GS1 check digit.
pub fn has_valid_check_digit(digits: &str) -> bool {
    !digits.is_empty() && Linter::Csum.check(digits).is_ok()
}

/// Normalises a GTIN-8/12/13/14 to 14 digits after checking its check digit.
pub fn normalize_gtin(digits: &str) -> Option<String> {
    if !matches!(digits.len(), 8 | 12 | 13 | 14) || !has_valid_check_digit(digits) {
        return None;
    }
    Some(format!("{digits:0>14}"))
}

/// Types a YYMMDD (or YYMMD0) date already checked by its linter.
fn parse_date(value: &str) -> Option<Gs1Value> {
    let num = |from: usize| value.get(from..from + 2)?.parse::<u8>().ok();
    let (yy, month, dd) = (num(0)?, num(2)?, num(4)?);
    let year = resolve_century(yy, current_year());
    let last = linters::days_in_month(year, month);
    Some(Gs1Value::Date {
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

pub(crate) fn current_year() -> u16 {
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

/// The dictionary's rules across AIs, for a message or for everything read off one item:
/// required companions (`req=`), exclusions (`ex=`), one AI with two different values,
/// and AI (8030) needing the serial component of (253), (255) and (8003).
pub fn association_issues(elements: &[Gs1Element]) -> Vec<Gs1Issue> {
    let mut issues = Vec::new();
    let mut issue = |element: usize, message: String| {
        issues.push(Gs1Issue {
            element,
            kind: Gs1IssueKind::Association,
            message,
        });
    };
    let present = |pattern: &str| elements.iter().any(|e| matches_pattern(&e.ai, pattern));
    for (i, e) in elements.iter().enumerate() {
        if let Some(first) = elements[..i]
            .iter()
            .find(|other| other.ai == e.ai && other.value != e.value)
        {
            issue(
                i,
                format!(
                    "AI ({}) appears twice with different values ({} and {})",
                    e.ai, first.value, e.value
                ),
            );
        }
        let Some(entry) = lookup(&e.ai) else {
            continue;
        };
        for group in entry.req {
            if !group.iter().any(|alt| alt.iter().all(|p| present(p))) {
                let wanted: Vec<String> = group
                    .iter()
                    .map(|alt| {
                        let all: Vec<String> = alt.iter().map(|p| format!("({p})")).collect();
                        all.join(" with ")
                    })
                    .collect();
                issue(i, format!("AI ({}) requires {}", e.ai, wanted.join(" or ")));
            }
        }
    }
    // Exclusions are reported once per pair, on the element that is not a GS1
    // identification key if only one is (a label's GTIN stays clean, so the decoder's
    // "GTIN with an issue is a misread" rule keeps meaning a bad check digit), else on the
    // later one.
    for j in 0..elements.len() {
        for i in 0..j {
            let (a, b) = (&elements[i], &elements[j]);
            let excludes = |x: &Gs1Element, y: &Gs1Element| {
                x.ai != y.ai
                    && lookup(&x.ai).is_some_and(|e| e.ex.iter().any(|p| matches_pattern(&y.ai, p)))
            };
            if !(excludes(a, b) || excludes(b, a)) {
                continue;
            }
            let is_key = |e: &Gs1Element| lookup(&e.ai).is_some_and(|entry| entry.key);
            let (target, other) = if is_key(b) && !is_key(a) {
                (i, b)
            } else {
                (j, a)
            };
            let ai = &elements[target].ai;
            issue(
                target,
                format!("AI ({ai}) must not appear with ({})", other.ai),
            );
        }
    }
    // A digital signature signs one instance: the keys with an optional serial component
    // must carry it (General Specifications 3.9.17).
    if elements.iter().any(|e| e.ai == "8030") {
        for (i, e) in elements.iter().enumerate() {
            let unserialised = match e.ai.as_str() {
                "253" | "255" => e.value.len() <= 13,
                "8003" => e.value.len() <= 14,
                _ => false,
            };
            if unserialised {
                issue(
                    i,
                    format!("AI (8030) requires the serial component of ({})", e.ai),
                );
            }
        }
    }
    issues
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
        assert!(elements.iter().all(|e| e.issue.is_none()), "{elements:?}");
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
        let elements = parse_bracketed("(01)09501101530003(15)280200").unwrap();
        assert_eq!(
            elements[1].typed,
            Some(Gs1Value::Date {
                year: 2028,
                month: 2,
                day: 29,
                day_stated: false
            })
        );
        // Not where the dictionary says the day must be stated (yymmdd).
        let release = parse_bracketed("(00)106141411234567897(4326)280200").unwrap();
        assert!(release[1].issue.as_deref().unwrap().contains("day 00"));
        let frozen = check_element("7006", "280200");
        assert!(frozen.issue.is_some());
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
        // A fixed-length AI that is not of predefined length still needs its FNC1.
        assert!(matches!(
            parse_element_string("811112345"),
            Err(Gs1Error::BadLength { .. })
        ));
        assert!(parse_bracketed("(01)123").is_err());
        assert!(parse_bracketed("01)95012345678903").is_err());
        assert!(parse_bracketed("(2)1").is_err());
        assert!(parse_bracketed("(10)").is_err());
    }

    #[test]
    fn non_digit_in_numeric_field_is_an_issue() {
        let elements = parse_bracketed("(00)106141411234567897(37)12A4").unwrap();
        assert!(elements[1].issue.is_some());
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
    fn unknown_ais_keep_the_rest_of_the_label() {
        // (7030) was missing from the old table; (3106) is not a GS1 AI but its prefix has a
        // predefined length, so the string still splits.
        let report = check_element_string(
            "010950110153000331060012343106001234\u{1d}7030276ABC\u{1d}10LOT1",
        )
        .unwrap();
        let ais: Vec<&str> = report.elements.iter().map(|e| e.ai.as_str()).collect();
        assert_eq!(ais, ["01", "3106", "3106", "7030", "10"]);
        assert_eq!(report.elements[1].title, UNKNOWN_AI_TITLE);
        assert!(
            report
                .issues
                .iter()
                .all(|i| i.kind == Gs1IssueKind::UnknownAi && i.element <= 2)
        );
        assert_eq!(report.elements[4].value, "LOT1");
        // An unknown AI of a variable-length prefix: its value runs to the next FNC1.
        let report = check_element_string("0109501101530003890ABC\u{1d}10LOT1").unwrap();
        assert_eq!(report.elements[1].ai, "89");
        assert_eq!(report.elements[1].value, "0ABC");
        assert_eq!(report.elements[2].value, "LOT1");
    }

    #[test]
    fn associations_are_reported_on_the_element() {
        let elements = parse_bracketed("(02)09501101530003").unwrap();
        assert!(
            elements[0]
                .issue
                .as_deref()
                .unwrap()
                .contains("requires (37)")
        );
        let elements = parse_bracketed("(01)09501101530003(17)261231(17)270101(10)A(10)A").unwrap();
        assert!(elements[2].issue.as_deref().unwrap().contains("twice"));
        assert_eq!(elements[4].issue, None, "identical repeats are fine");
        // The exclusion lands on (37), not on the GTIN.
        let elements = parse_bracketed("(37)5(01)09501101530003").unwrap();
        assert_eq!(elements[1].issue, None);
        assert!(
            elements[0]
                .issue
                .as_deref()
                .unwrap()
                .contains("must not appear with (01)")
        );
    }

    #[test]
    fn check_digits_of_other_keys() {
        for (ai, good, bad) in [
            ("253", "9520123456788ABC", "9520123456789ABC"),
            ("255", "9521234500001", "9521234500002"),
            ("8003", "09520123456788A1", "09520123456789A1"),
            ("8006", "095201234567880102", "095201234567890102"),
            (
                "8013",
                "1987654Ad4X4bL5ttr2310c2K",
                "1987654Ad4X4bL5ttr2310cXK",
            ),
            ("8017", "952012345678901233", "952012345678901234"),
            ("8018", "952012345678901233", "952012345678901234"),
            ("8026", "095201234567880102", "095201234567890102"),
        ] {
            assert_eq!(check_element(ai, good).issue, None, "({ai}){good}");
            assert!(check_element(ai, bad).issue.is_some(), "({ai}){bad}");
        }
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
