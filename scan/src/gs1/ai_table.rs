//! The shape of the GS1 Application Identifier table and the lookups over it.
//!
//! The rows themselves are in `dictionary.rs`, generated from the GS1 Barcode Syntax
//! Dictionary committed at `fixtures/gs1/gs1-syntax-dictionary.txt` (see
//! `scan/tests/gs1_dictionary.rs`), so the table cannot drift from GS1's own.

use super::dictionary::AI_TABLE;
use super::linters::Linter;

/// Character set of one component of an AI's data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cset {
    /// Digits.
    N,
    /// GS1 AI encodable character set 82.
    X,
    /// GS1 AI encodable character set 39 (upper case, digits, `#-/`).
    Y,
    /// File-safe, URI-safe base64 (character set 64), with optional `=` padding.
    Z,
}

/// One component of an AI's data field, e.g. the N13 GLN inside (8003).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Component {
    pub cset: Cset,
    pub min: usize,
    pub max: usize,
    /// Optional components may be left out once the data is exhausted.
    pub optional: bool,
    pub linters: &'static [Linter],
}

/// Shorthand the generated table uses to stay one line per AI.
pub(crate) const fn comp(
    cset: Cset,
    min: usize,
    max: usize,
    optional: bool,
    linters: &'static [Linter],
) -> Component {
    Component {
        cset,
        min,
        max,
        optional,
        linters,
    }
}

/// One AI of the dictionary (ranges such as 3100-3105 are expanded to one row each).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AiEntry {
    pub ai: &'static str,
    /// Flag `*`: predefined length, never followed by FNC1.
    pub predefined: bool,
    /// Flag `!`: a GS1 identification key.
    pub key: bool,
    /// Flag `?`: permitted as a Digital Link data attribute (query parameter).
    pub dl_attr: bool,
    pub components: &'static [Component],
    /// Each `req=` attribute: one of its alternatives must be present; an alternative is a
    /// list of AI patterns that must all be present (`01+21`).
    pub req: &'static [&'static [&'static [&'static str]]],
    /// `ex=`: AI patterns that must not appear with this AI.
    pub ex: &'static [&'static str],
    /// `dlpkey`: a Digital Link primary key with its alternative ordered qualifier lists.
    pub dlpkey: Option<&'static [&'static [&'static str]]>,
    pub title: &'static str,
}

impl AiEntry {
    /// Shortest valid data length: the mandatory components.
    pub fn min_len(&self) -> usize {
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| c.min)
            .sum()
    }

    /// Longest valid data length.
    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| c.max).sum()
    }
}

/// Looks up an exact AI such as "3103" or "10".
pub(crate) fn lookup(ai: &str) -> Option<&'static AiEntry> {
    AI_TABLE
        .binary_search_by(|e| e.ai.cmp(ai))
        .ok()
        .and_then(|i| AI_TABLE.get(i))
}

/// Finds the AI at the start of `data`. GS1 AIs are prefix-free, so at most one matches.
pub(crate) fn lookup_prefix(data: &str) -> Option<&'static AiEntry> {
    (2..=4).find_map(|len| data.get(..len).and_then(lookup))
}

/// GS1 General Specifications figure 7.8.5-2: element strings whose first two digits are
/// these have a predefined total length and need no FNC1 after them, even for AIs not yet
/// allocated. (AI prefix, AI length, data length.)
const PREDEFINED: &[(&str, usize, usize)] = &[
    ("00", 2, 18),
    ("01", 2, 14),
    ("02", 2, 14),
    ("03", 2, 14),
    ("04", 2, 16),
    ("11", 2, 6),
    ("12", 2, 6),
    ("13", 2, 6),
    ("14", 2, 6),
    ("15", 2, 6),
    ("16", 2, 6),
    ("17", 2, 6),
    ("18", 2, 6),
    ("19", 2, 6),
    ("20", 2, 2),
    ("31", 4, 6),
    ("32", 4, 6),
    ("33", 4, 6),
    ("34", 4, 6),
    ("35", 4, 6),
    ("36", 4, 6),
    ("41", 3, 13),
];

/// (AI length, data length) when the two-digit prefix of `ai` has a predefined length.
pub(crate) fn predefined_by_prefix(ai: &str) -> Option<(usize, usize)> {
    let prefix = ai.get(..2)?;
    PREDEFINED
        .iter()
        .find(|(p, _, _)| *p == prefix)
        .map(|&(_, ai_len, data_len)| (ai_len, data_len))
}

/// AIs whose two-digit prefix has a predefined length: these never need an FNC1 separator
/// after them.
pub(crate) fn has_predefined_length(ai: &str) -> bool {
    match lookup(ai) {
        Some(entry) => entry.predefined,
        None => predefined_by_prefix(ai).is_some(),
    }
}

/// The AI length shared by every allocated AI that starts with the same two digits, so an
/// unknown AI can still be cut off its data. `None` for prefixes with no allocated AI.
pub(crate) fn ai_length_by_prefix(data: &str) -> Option<usize> {
    let prefix = data.get(..2)?;
    if !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some((ai_len, _)) = predefined_by_prefix(prefix) {
        return Some(ai_len);
    }
    AI_TABLE
        .iter()
        .find(|e| e.ai.starts_with(prefix))
        .map(|e| e.ai.len())
}

/// True when `ai` matches a dictionary pattern such as "310n" or "31nn" ('n' is any digit).
pub(crate) fn matches_pattern(ai: &str, pattern: &str) -> bool {
    ai.len() == pattern.len()
        && ai
            .bytes()
            .zip(pattern.bytes())
            .all(|(a, p)| a == p || (p == b'n' && a.is_ascii_digit()))
}

/// The unit of a measure AI (310n..369n), by its first three digits.
pub(crate) fn measure_unit(ai: &str) -> Option<&'static str> {
    Some(match ai.get(..3)? {
        "310" | "330" => "kg",
        "311" | "312" | "313" | "331" | "332" | "333" => "m",
        "314" | "334" => "m2",
        "315" | "335" => "l",
        "316" | "336" => "m3",
        "337" => "kg/m2",
        "320" | "340" => "lb",
        "321" | "324" | "327" | "341" | "344" | "347" => "in",
        "322" | "325" | "328" | "342" | "345" | "348" => "ft",
        "323" | "326" | "329" | "343" | "346" | "349" => "yd",
        "350" | "353" => "in2",
        "351" | "354" => "ft2",
        "352" | "355" => "yd2",
        "356" => "t oz",
        "357" => "oz",
        "360" | "362" => "qt",
        "361" | "363" => "gal",
        "364" | "367" => "in3",
        "365" | "368" => "ft3",
        "366" | "369" => "yd3",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(AI_TABLE.windows(2).all(|w| w[0].ai < w[1].ai));
    }

    #[test]
    fn predefined_prefix_table_agrees_with_the_dictionary_flags() {
        for entry in AI_TABLE {
            let by_prefix = predefined_by_prefix(entry.ai);
            assert_eq!(
                entry.predefined,
                by_prefix.is_some(),
                "AI ({}) flag '*' vs prefix table",
                entry.ai
            );
            if let Some((ai_len, data_len)) = by_prefix {
                assert_eq!(entry.ai.len(), ai_len, "AI ({})", entry.ai);
                assert_eq!(entry.max_len(), data_len, "AI ({})", entry.ai);
                assert_eq!(entry.min_len(), data_len, "AI ({})", entry.ai);
            }
        }
    }

    #[test]
    fn ai_length_is_a_function_of_the_prefix() {
        for entry in AI_TABLE {
            assert_eq!(
                ai_length_by_prefix(entry.ai),
                Some(entry.ai.len()),
                "AI ({})",
                entry.ai
            );
        }
    }

    #[test]
    fn patterns() {
        assert!(matches_pattern("3103", "310n"));
        assert!(matches_pattern("3103", "31nn"));
        assert!(!matches_pattern("3203", "31nn"));
        assert!(!matches_pattern("310", "310n"));
    }
}
