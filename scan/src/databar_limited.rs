//! GS1 DataBar Limited (ISO/IEC 24724, section 5.4 ff.), which rxing does not read.
//!
//! A Limited symbol is one row of 47 elements: a 1-module bar (left guard, after a 1-module
//! space that merges with the quiet zone), a 26-module left data character, an 18-module check
//! character and a 26-module right data character (14 elements each, starting with a space),
//! then a 1-module space and a 1-module bar (right guard); 74 modules with the leading space,
//! and at least 5 modules of quiet zone on the right.
//!
//! A data character's value follows from its odd elements (1st, 3rd, ...) and even elements
//! through the DataBar combinatorial value (the `getRSSvalue` of rxing's RSS utilities) and the
//! group table below; the check character is looked up among the 89 patterns of the
//! specification. The symbol is accepted only if the check character equals the weighted sum of
//! both data characters' elements modulo 89 and the GTIN check digit computed from the 13-digit
//! value is what it is (it is not transmitted, so the mod-89 check is the real guard).

use rxing::oned::rss::rss_utils::getRSSvalue;

/// Elements from the left guard bar to the right guard bar.
const SYMBOL_ELEMENTS: usize = 45;
const CHAR_ELEMENTS: usize = 14;

/// Per group of data character values (ISO/IEC 24724, table for DataBar Limited characters):
/// first value of the group, number of even-element combinations, sum of the odd elements,
/// widest odd element.
const G_SUM: [u32; 7] = [
    0, 183_064, 820_064, 1_000_776, 1_491_021, 1_979_845, 1_996_939,
];
const T_EVEN: [u32; 7] = [28, 728, 6454, 203, 2408, 1, 16632];
const ODD_SUM: [u32; 7] = [17, 13, 9, 15, 11, 19, 7];
const ODD_WIDEST: [u32; 7] = [6, 5, 3, 5, 4, 8, 1];

/// The 89 check character patterns (element widths in modules, 18 modules each), indexed by
/// check value, as tabulated in ISO/IEC 24724.
const CHECK_PATTERNS: [&str; 89] = [
    "11111111113311",
    "11111111123211",
    "11111111133111",
    "11111112113211",
    "11111112123111",
    "11111113113111",
    "11111211113211",
    "11111211123111",
    "11111212113111",
    "11111311113111",
    "11121111113211",
    "11121111123111",
    "11121112113111",
    "11121211113111",
    "11131111113111",
    "12111111113211",
    "12111111123111",
    "12111112113111",
    "12111211113111",
    "12121111113111",
    "13111111113111",
    "11111111212311",
    "11111111222211",
    "11111111232111",
    "11111112212211",
    "11111112222111",
    "11111113212111",
    "11111211212211",
    "11111211222111",
    "11111212212111",
    "11111311212111",
    "11121111212211",
    "11121111222111",
    "11121112212111",
    "11121211212111",
    "11131111212111",
    "12111111212211",
    "12111111222111",
    "12111112212111",
    "12111211212111",
    "12121111212111",
    "13111111212111",
    "11111111311311",
    "11111111321211",
    "11111112311211",
    "11121111311211",
    "12111111311211",
    "11111121112311",
    "11111121122211",
    "11111121132111",
    "11111122112211",
    "11121121112211",
    "11121121122111",
    "11121122112111",
    "11121221112111",
    "11131121112111",
    "12111121112211",
    "12111121122111",
    "12121121112111",
    "11112111112311",
    "11112111122211",
    "11112111132111",
    "11112112112211",
    "11112112122111",
    "11112211112211",
    "12112111112211",
    "12112111122111",
    "12112112112111",
    "12112211112111",
    "12122111112111",
    "13112111112111",
    "11211111112311",
    "11211111122211",
    "11211111132111",
    "11211112112211",
    "11211112122111",
    "11211113112111",
    "11211211112211",
    "11211211122111",
    "11221111112211",
    "21111111122211",
    "21111111132111",
    "21111112112211",
    "21111112122111",
    "21111113112111",
    "21111211122111",
    "21111212112111",
    "21121111122111",
    "21111111221211",
];

/// A decoded symbol: the 14-digit GTIN and where it lies on the row (sample positions).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LimitedRead {
    pub gtin14: String,
    pub start: usize,
    pub end: usize,
}

/// Reads a DataBar Limited symbol from a binarised row (true = ink), left to right. The
/// caller tries the reversed row and the other polarity.
pub(crate) fn decode_row(bits: &[bool]) -> Option<LimitedRead> {
    // Runs as (is_bar, start, width).
    let mut runs: Vec<(bool, usize, usize)> = Vec::new();
    for (i, &b) in bits.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if run.0 == b => run.2 += 1,
            _ => runs.push((b, i, 1)),
        }
    }
    if runs.len() < SYMBOL_ELEMENTS {
        return None;
    }
    for first in 0..=runs.len() - SYMBOL_ELEMENTS {
        if !runs[first].0 {
            continue;
        }
        let el = &runs[first..first + SYMBOL_ELEMENTS];
        let width = |r: &[(bool, usize, usize)]| r.iter().map(|e| e.2).sum::<usize>() as f32;
        let (left_w, check_w, right_w) =
            (width(&el[1..15]), width(&el[15..29]), width(&el[29..43]));
        let module = (left_w + check_w + right_w) / 70.0;
        // The three characters must have the widths of 26, 18 and 26 modules.
        let near = |w: f32, m: f32| (w / (module * m) - 1.0).abs() < 0.07;
        if module < 0.8 || !near(left_w, 26.0) || !near(check_w, 18.0) || !near(right_w, 26.0) {
            continue;
        }
        // Guard bars and the guard space are one module.
        let one = |w: usize| (w as f32) > 0.4 * module && (w as f32) < 1.8 * module;
        if !one(el[0].2) || !one(el[43].2) || !one(el[44].2) {
            continue;
        }
        // Quiet zones: a space of a module before (or the row's start), 5 after (or the end).
        if first > 0 && (runs[first - 1].2 as f32) < 0.8 * module {
            continue;
        }
        let after = first + SYMBOL_ELEMENTS;
        if after < runs.len() && (runs[after].2 as f32) < 4.0 * module {
            continue;
        }
        let widths = |r: &[(bool, usize, usize)]| -> [f32; CHAR_ELEMENTS] {
            let mut out = [0f32; CHAR_ELEMENTS];
            for (o, e) in out.iter_mut().zip(r) {
                *o = e.2 as f32;
            }
            out
        };
        let Some(check) = normalise(&widths(&el[15..29]), 18) else {
            continue;
        };
        let check_text: String = check.iter().map(|d| char::from(b'0' + *d as u8)).collect();
        let Some(check_value) = CHECK_PATTERNS.iter().position(|p| *p == check_text) else {
            continue;
        };
        let (Some(left), Some(right)) = (
            data_character(&widths(&el[1..15])),
            data_character(&widths(&el[29..43])),
        ) else {
            continue;
        };
        if (left.1 + 20 * right.1) % 89 != check_value as u64 {
            continue;
        }
        let mut value = 2_013_571u64 * u64::from(left.0) + u64::from(right.0);
        // A linkage flag (a GS1 Composite component follows) adds this offset.
        if value >= 2_015_133_531_096 {
            value -= 2_015_133_531_096;
        }
        if value > 1_999_999_999_999 {
            continue;
        }
        let body = format!("{value:013}");
        let check_digit = crate::gs1::gs1_check_digit(&body)?;
        let last = &el[SYMBOL_ELEMENTS - 1];
        return Some(LimitedRead {
            gtin14: format!("{body}{check_digit}"),
            start: el[0].1,
            end: last.1 + last.2,
        });
    }
    None
}

/// The value of a 26-module data character and its checksum contribution (elements weighted
/// by powers of 3, first element weight 1).
fn data_character(widths: &[f32; CHAR_ELEMENTS]) -> Option<(u32, u64)> {
    let pattern = normalise(widths, 26)?;
    let checksum = pattern
        .iter()
        .rev()
        .fold(0u64, |acc, &p| (3 * acc + u64::from(p)) % 89);
    let mut odd = [0u32; 7];
    let mut even = [0u32; 7];
    for (i, &p) in pattern.iter().enumerate() {
        if i % 2 == 0 {
            odd[i / 2] = p;
        } else {
            even[i / 2] = p;
        }
    }
    let group = ODD_SUM.iter().position(|&s| s == odd.iter().sum::<u32>())?;
    let odd_widest = ODD_WIDEST[group];
    let even_widest = 9 - odd_widest;
    if odd.iter().any(|&w| w > odd_widest) || even.iter().any(|&w| w > even_widest) {
        return None;
    }
    let v_odd = getRSSvalue(&odd, odd_widest, false);
    let v_even = getRSSvalue(&even, even_widest, true);
    if v_even >= T_EVEN[group] {
        return None;
    }
    Some((v_odd * T_EVEN[group] + v_even + G_SUM[group], checksum))
}

/// Rounds 14 element widths to whole modules summing to `modules` (each at least 1): the
/// elements with the largest rounding error give way first.
fn normalise(widths: &[f32; CHAR_ELEMENTS], modules: u32) -> Option<[u32; CHAR_ELEMENTS]> {
    let total: f32 = widths.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let scale = modules as f32 / total;
    let exact: Vec<f32> = widths.iter().map(|w| w * scale).collect();
    let mut out = [0u32; CHAR_ELEMENTS];
    for (o, e) in out.iter_mut().zip(&exact) {
        *o = (e.round() as u32).max(1);
    }
    for _ in 0..CHAR_ELEMENTS {
        let sum: u32 = out.iter().sum();
        if sum == modules {
            return Some(out);
        }
        // Adjust the element whose rounding went furthest the wrong way.
        let grow = sum < modules;
        let pick = (0..CHAR_ELEMENTS)
            .filter(|&i| grow || out[i] > 1)
            .max_by(|&a, &b| {
                let err = |i: usize| {
                    let d = exact[i] - out[i] as f32;
                    if grow { d } else { -d }
                };
                err(a).total_cmp(&err(b))
            })?;
        // Refuse characters that need a large correction: that is not a clean read.
        let d = (exact[pick] - out[pick] as f32).abs();
        if d > 0.9 {
            return None;
        }
        if grow {
            out[pick] += 1;
        } else {
            out[pick] -= 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a symbol from module widths (starting with a bar) with quiet zones.
    fn row(elements: &[u32], module: usize) -> Vec<bool> {
        let mut bits = vec![false; 10 * module];
        for (i, &w) in elements.iter().enumerate() {
            bits.extend(std::iter::repeat_n(i % 2 == 0, w as usize * module));
        }
        bits.extend(std::iter::repeat_n(false, 10 * module));
        bits
    }

    #[test]
    fn check_patterns_are_18_modules_of_14_elements() {
        for p in CHECK_PATTERNS {
            assert_eq!(p.len(), 14);
            assert_eq!(p.bytes().map(|b| u32::from(b - b'0')).sum::<u32>(), 18);
        }
    }

    #[test]
    fn noise_is_not_a_symbol() {
        let elements: Vec<u32> = (0..60).map(|i| 1 + (i * 7 % 3)).collect();
        assert_eq!(decode_row(&row(&elements, 3)), None);
    }
}
