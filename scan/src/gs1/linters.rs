//! Content checks ("linters") that the GS1 Barcode Syntax Dictionary names per component,
//! e.g. `N14,csum,gcppos2`. Each returns why the component is invalid. They take ASCII text
//! whose character set was already checked, and never index past its end.

/// The linters the dictionary names. Variant names are the dictionary's, capitalised, so
/// the generated table maps one to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Linter {
    Csum,
    Csumalpha,
    Gcppos1,
    Gcppos2,
    Yymmd0,
    Yymmdd,
    Yyyymmdd,
    Hhmi,
    Hh,
    Mi,
    Ss,
    Iso3166,
    Iso3166999,
    Iso3166alpha2,
    Iso4217,
    Iban,
    Pcenc,
    Yesno,
    Iso5218,
    Latitude,
    Longitude,
    Hyphen,
    Importeridx,
    Mediatype,
    Posinseqslash,
    Nonzero,
    Zero,
    Winding,
    Pieceoftotal,
    Nozeroprefix,
    Hasnondigit,
    /// UN/ECE Recommendation 21 package type codes: the code list is not carried here, so
    /// only the character set and length are checked.
    Packagetype,
    /// Names that other releases of the dictionary use for the same or retired checks, so
    /// the table can be regenerated from them: `key`/`keyoff1` (now `gcppos1`/`gcppos2`),
    /// `hhmm` (now `hhmi`), `yymmddhh` and `mmoptss` (8008 before its split), `latlong`
    /// (4309 before its split), `iso3166list` (423/425 before their split), `yyyymmd0`.
    #[allow(dead_code)]
    Key,
    #[allow(dead_code)]
    Keyoff1,
    #[allow(dead_code)]
    Hhmm,
    #[allow(dead_code)]
    Yymmddhh,
    #[allow(dead_code)]
    Mmoptss,
    #[allow(dead_code)]
    Latlong,
    #[allow(dead_code)]
    Iso3166list,
    #[allow(dead_code)]
    Yyyymmd0,
    /// North American coupon code (8110): its fields and their length indicators.
    Couponcode,
    /// Positive offer file coupon code (8112): its fields and their length indicators.
    Couponposoffer,
}

impl Linter {
    /// Checks one component; `Err` says why it is invalid.
    pub(crate) fn check(self, data: &str) -> Result<(), String> {
        match self {
            Linter::Csum => csum(data),
            Linter::Csumalpha => csumalpha(data),
            Linter::Gcppos1 => gcp(data, 0),
            Linter::Gcppos2 => gcp(data, 1),
            Linter::Yymmd0 => yymmdd(data, true),
            Linter::Yymmdd => yymmdd(data, false),
            Linter::Yyyymmdd => yyyymmdd(data),
            Linter::Hhmi => hhmi(data),
            Linter::Hh => number_in(data, 0, 23, "hour"),
            Linter::Mi => number_in(data, 0, 59, "minute"),
            Linter::Ss => number_in(data, 0, 59, "second"),
            Linter::Iso3166 => iso3166(data),
            Linter::Iso3166999 if data == "999" => Ok(()),
            Linter::Iso3166999 => iso3166(data),
            Linter::Iso3166alpha2 => iso3166alpha2(data),
            Linter::Iso4217 => iso4217(data),
            Linter::Iban => iban(data),
            Linter::Pcenc => pcenc(data),
            Linter::Yesno => one_of(data, &["0", "1"], "not 0 (no) or 1 (yes)"),
            Linter::Iso5218 => one_of(data, &["0", "1", "2", "9"], "not an ISO/IEC 5218 code"),
            Linter::Latitude => at_most(data, 1_800_000_000, "latitude"),
            Linter::Longitude => at_most(data, 3_600_000_000, "longitude"),
            Linter::Hyphen if data.bytes().all(|b| b == b'-') => Ok(()),
            Linter::Hyphen => Err(format!("'{data}' is not a hyphen")),
            Linter::Importeridx => importeridx(data),
            Linter::Mediatype => mediatype(data),
            Linter::Posinseqslash => posinseqslash(data),
            Linter::Nonzero if data.bytes().all(|b| b == b'0') => {
                Err(format!("{data} must not be zero"))
            }
            Linter::Zero if data != "0" => Err(format!("{data} must be 0")),
            Linter::Winding => one_of(data, &["0", "1", "9"], "not a winding direction"),
            Linter::Pieceoftotal => pieceoftotal(data),
            Linter::Nozeroprefix if data.len() > 1 && data.starts_with('0') => {
                Err(format!("{data} must not start with 0"))
            }
            Linter::Hasnondigit if data.bytes().all(|b| b.is_ascii_digit()) => {
                Err("must contain a non-digit".into())
            }
            Linter::Key => gcp(data, 0),
            Linter::Keyoff1 => gcp(data, 1),
            Linter::Hhmm => hhmi(data),
            Linter::Yymmddhh => match (data.get(..6), data.get(6..)) {
                (Some(date), Some(hh)) if data.len() == 8 => {
                    yymmdd(date, false)?;
                    number_in(hh, 0, 23, "hour")
                }
                _ => Err("not a YYMMDDHH date and hour".into()),
            },
            Linter::Mmoptss => match (data.get(..2), data.get(2..)) {
                (Some(mm), Some("")) => number_in(mm, 0, 59, "minute"),
                (Some(mm), Some(ss)) if data.len() == 4 => {
                    number_in(mm, 0, 59, "minute")?;
                    number_in(ss, 0, 59, "second")
                }
                _ => Err("not MM or MMSS".into()),
            },
            Linter::Latlong => match (data.get(..10), data.get(10..)) {
                (Some(lat), Some(long)) if data.len() == 20 => {
                    at_most(lat, 1_800_000_000, "latitude")?;
                    at_most(long, 3_600_000_000, "longitude")
                }
                _ => Err("not a latitude and longitude".into()),
            },
            Linter::Iso3166list if data.is_empty() || !data.len().is_multiple_of(3) => {
                Err("not a list of ISO 3166 country codes".into())
            }
            Linter::Iso3166list => data
                .as_bytes()
                .chunks(3)
                .try_for_each(|code| iso3166(std::str::from_utf8(code).unwrap_or_default())),
            Linter::Yyyymmd0 if data.len() == 8 && data.ends_with("00") => {
                yyyymmdd(&format!("{}01", &data[..6]))
            }
            Linter::Yyyymmd0 => yyyymmdd(data),
            Linter::Couponcode => couponcode(data),
            Linter::Couponposoffer => couponposoffer(data),
            Linter::Nonzero
            | Linter::Zero
            | Linter::Nozeroprefix
            | Linter::Hasnondigit
            | Linter::Packagetype => Ok(()),
        }
    }
}

/// GS1 AI encodable character set 82, in the order that gives each its value for the
/// check character pair (General Specifications 7.9.5).
pub(crate) const CSET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
/// Character set 32, the alphabet of the check character pair.
const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn digits(data: &str) -> bool {
    !data.is_empty() && data.bytes().all(|b| b.is_ascii_digit())
}

fn value(data: &str) -> Option<u64> {
    if digits(data) && data.len() <= 18 {
        data.parse().ok()
    } else {
        None
    }
}

/// GS1 mod-10 check digit of the digits in `body`.
pub(crate) fn mod10(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0') % 10);
            if i % 2 == 0 { d * 3 } else { d }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn csum(data: &str) -> Result<(), String> {
    let Some((&last, body)) = data.as_bytes().split_last() else {
        return Err("too short for a check digit".into());
    };
    if !digits(data) {
        return Err("non-digit".into());
    }
    let expected = mod10(body);
    if last - b'0' == expected {
        Ok(())
    } else {
        Err(format!(
            "check digit {} is wrong, expected {expected}",
            char::from(last)
        ))
    }
}

/// The check character pair of `body` (General Specifications 7.9.5): character values
/// weighted by increasing primes from the right, modulo 1021, split into two 5-bit values.
pub(crate) fn check_pair(body: &str) -> Option<[u8; 2]> {
    const PRIMES: [u32; 97] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181,
        191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
        283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397,
        401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503,
        509,
    ];
    if body.len() > PRIMES.len() {
        return None;
    }
    let mut sum = 0u32;
    for (c, prime) in body.chars().rev().zip(PRIMES) {
        let index = CSET82.find(c)?;
        sum += index as u32 * prime;
    }
    let sum = (sum % 1021) as usize;
    Some([CSET32[sum >> 5], CSET32[sum & 31]])
}

fn csumalpha(data: &str) -> Result<(), String> {
    if data.len() < 2 {
        return Err("too short for a check character pair".into());
    }
    let (body, pair) = data.split_at(data.len() - 2);
    let expected = check_pair(body).ok_or("not valid for a check character pair")?;
    if pair.as_bytes() == expected {
        Ok(())
    } else {
        Err(format!(
            "check characters {pair} are wrong, expected {}{}",
            char::from(expected[0]),
            char::from(expected[1])
        ))
    }
}

/// A GS1 Company Prefix starts at `offset`; without a registry of allocations only its
/// minimum length (four digits) can be checked.
fn gcp(data: &str, offset: usize) -> Result<(), String> {
    let Some(start) = data.get(offset..) else {
        return Err("too short for a GS1 Company Prefix".into());
    };
    match start.get(..4) {
        None => Err("too short for a GS1 Company Prefix".into()),
        Some(prefix) if !digits(prefix) => Err("does not start with a GS1 Company Prefix".into()),
        Some(_) => Ok(()),
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

pub(crate) fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn month_day(year: u16, mm: &str, dd: &str, day_zero_ok: bool) -> Result<(), String> {
    let month = value(mm).unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Err(format!("month {mm} is not 01..12"));
    }
    let day = value(dd).unwrap_or(99);
    if day == 0 && day_zero_ok {
        return Ok(());
    }
    let last = days_in_month(year, month as u8);
    if day == 0 || day > u64::from(last) {
        return Err(format!("day {dd} does not exist in {year}-{mm}"));
    }
    Ok(())
}

fn yymmdd(data: &str, day_zero_ok: bool) -> Result<(), String> {
    if data.len() != 6 || !digits(data) {
        return Err("not a YYMMDD date".into());
    }
    let yy = value(&data[..2]).unwrap_or(0) as u8;
    let year = super::resolve_century(yy, super::current_year());
    month_day(year, &data[2..4], &data[4..6], day_zero_ok)
}

fn yyyymmdd(data: &str) -> Result<(), String> {
    if data.len() != 8 || !digits(data) {
        return Err("not a YYYYMMDD date".into());
    }
    let year = value(&data[..4]).unwrap_or(0) as u16;
    month_day(year, &data[4..6], &data[6..8], false)
}

fn hhmi(data: &str) -> Result<(), String> {
    let (Some(hh), Some(mi)) = (data.get(..2), data.get(2..)) else {
        return Err("not an HHMI time".into());
    };
    if data.len() != 4 {
        return Err("not an HHMI time".into());
    }
    number_in(hh, 0, 23, "hour")?;
    number_in(mi, 0, 59, "minute")
}

fn number_in(data: &str, min: u64, max: u64, what: &str) -> Result<(), String> {
    match value(data) {
        Some(v) if (min..=max).contains(&v) => Ok(()),
        _ => Err(format!("{what} {data} is not {min:02}..{max:02}")),
    }
}

fn at_most(data: &str, max: u64, what: &str) -> Result<(), String> {
    match value(data) {
        Some(v) if v <= max => Ok(()),
        _ => Err(format!("{data} is not a valid {what}")),
    }
}

fn one_of(data: &str, allowed: &[&str], reason: &str) -> Result<(), String> {
    if allowed.contains(&data) {
        Ok(())
    } else {
        Err(format!("{data}: {reason}"))
    }
}

/// Looks `n` up in a bitset whose most significant bit is element 0.
fn in_bitset(bits: &[u64], n: usize) -> bool {
    bits.get(n / 64)
        .is_some_and(|word| word & (0x8000_0000_0000_0000 >> (n % 64)) != 0)
}

/// ISO 3166-1 numeric country codes, as a bitset over 000..999.
const ISO3166: [u64; 16] = [
    0x08a8_8889_8888_b888,
    0x8aa8_0a28_8888_8888,
    0x0888_888a_2223_2889,
    0x8818_8a22_21e3_22a2,
    0x2a2a_1800_8888_8888,
    0x888a_8888_8888_8888,
    0x8882_88a2_622a_22a2,
    0x2222_2222_8808_b888,
    0x8888_9708_0822_2222,
    0x2de1_0288_8888_a222,
    0x320a_1b22_2222_a203,
    0xe208_08c8_0888_88a8,
    0x8888_889a_8900_2021,
    0xe080_222a_0008_2102,
    0,
    0,
];

/// ISO 4217 numeric currency codes, as a bitset over 000..999.
const ISO4217: [u64; 16] = [
    0x0088_0000_8808_b808,
    0x8880_0820_8088_0808,
    0x0880_8088_0022_0009,
    0x8010_8202_0282_2000,
    0x0202_0000_0800_0000,
    0x8888_0888_8888_8080,
    0x0882_88a2_6222_2002,
    0x0222_0000_8800_a080,
    0x8808_0c00_0822_0200,
    0x2022_0288_8000_0020,
    0x1202_0000_0020_2202,
    0xa200_0080_0008_8888,
    0x0088_8800_8100_2020,
    0x2080_0028_0000_2200,
    0x0400_000d_fead_bfdf,
    0xfdfd_fce2_2500_0000,
];

/// ISO 3166-1 alpha-2 country codes, as a bitset over AA..ZZ.
const ISO3166_ALPHA2: [u64; 11] = [
    0x1e9a_fb77_f7bd_bb7b,
    0xe4fc_21a8_012b_0070,
    0x003a_900d_f9df_a800,
    0xb160_181e_f002_02c0,
    0x00b8_d42f_8281_f2bf,
    0x3fff_eba4_d210_0080,
    0x023c_f1ca_8000_0002,
    0x008a_8fbf_e75c_ddf9,
    0x5982_0820_eaa1_0200,
    0x4002_0000_0000_0800,
    0x1020_0200_8000_0000,
];

fn iso3166(data: &str) -> Result<(), String> {
    match value(data) {
        Some(n) if data.len() == 3 && in_bitset(&ISO3166, n as usize) => Ok(()),
        _ => Err(format!("{data} is not an ISO 3166 country code")),
    }
}

fn iso4217(data: &str) -> Result<(), String> {
    match value(data) {
        Some(n) if data.len() == 3 && in_bitset(&ISO4217, n as usize) => Ok(()),
        _ => Err(format!("{data} is not an ISO 4217 currency code")),
    }
}

fn is_alpha2(data: &str) -> bool {
    match data.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => in_bitset(
            &ISO3166_ALPHA2,
            usize::from(a - b'A') * 26 + usize::from(b - b'A'),
        ),
        _ => false,
    }
}

fn iso3166alpha2(data: &str) -> Result<(), String> {
    if is_alpha2(data) {
        Ok(())
    } else {
        Err(format!("{data} is not an ISO 3166 alpha-2 country code"))
    }
}

/// ISO 13616 IBAN: country code, then mod-97 over the rearranged characters equals 1.
fn iban(data: &str) -> Result<(), String> {
    if data.len() < 4 {
        return Err("too short for an IBAN".into());
    }
    if !data.get(..2).is_some_and(is_alpha2) {
        return Err("IBAN does not start with a country code".into());
    }
    if data.len() <= 14 {
        return Err("too short for an IBAN".into());
    }
    let bytes = data.as_bytes();
    let mut sum = 0u32;
    for &b in bytes[4..].iter().chain(&bytes[..4]) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return Err(format!("'{}' is not allowed in an IBAN", char::from(b))),
        };
        sum = (sum * if v < 10 { 10 } else { 100 } + v) % 97;
    }
    if sum == 1 {
        Ok(())
    } else {
        Err("IBAN check digits are wrong".into())
    }
}

fn pcenc(data: &str) -> Result<(), String> {
    let bytes = data.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        {
            return Err("'%' not followed by two hex digits".into());
        }
    }
    Ok(())
}

fn importeridx(data: &str) -> Result<(), String> {
    match data.as_bytes() {
        [b'-' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z'] => Ok(()),
        _ => Err(format!("'{data}' is not an importer index")),
    }
}

/// GS1 AIDC media type code list: 01..10 allocated, 80..99 company internal.
fn mediatype(data: &str) -> Result<(), String> {
    match value(data) {
        Some(1..=10 | 80..=99) if data.len() == 2 => Ok(()),
        _ => Err(format!("{data} is not an AIDC media type")),
    }
}

/// "position/end", e.g. "1/3": both numbers without leading zero, position not past end.
fn posinseqslash(data: &str) -> Result<(), String> {
    let malformed = || Err(format!("'{data}' is not position/end"));
    let Some((pos, end)) = data.split_once('/') else {
        return malformed();
    };
    let (Some(p), Some(e)) = (value(pos), value(end)) else {
        return malformed();
    };
    if pos.starts_with('0') || end.starts_with('0') {
        return Err(format!("'{data}' has a leading zero"));
    }
    if p > e {
        return Err(format!("position {p} is after the end {e}"));
    }
    Ok(())
}

/// "piece of total": the first half is the piece number, the second the total, both
/// non-zero, piece <= total.
fn pieceoftotal(data: &str) -> Result<(), String> {
    if !data.len().is_multiple_of(2) || !digits(data) {
        return Err("not a piece/total pair".into());
    }
    let (piece, total) = data.split_at(data.len() / 2);
    let (p, t) = (value(piece).unwrap_or(0), value(total).unwrap_or(0));
    if p == 0 {
        return Err("piece number is zero".into());
    }
    if t == 0 {
        return Err("total number of pieces is zero".into());
    }
    if p > t {
        return Err(format!("piece {p} exceeds the total {t}"));
    }
    Ok(())
}

/// Reads the digit fields of a coupon code (GS1 US coupon application guidelines, as the
/// Syntax Engine's linters check them), naming the field that is missing or wrong.
struct Coupon<'a> {
    rest: &'a [u8],
}

impl Coupon<'_> {
    fn digit(&mut self, field: &str) -> Result<u8, String> {
        let (&d, rest) = self
            .rest
            .split_first()
            .ok_or_else(|| format!("coupon: {field} missing"))?;
        self.rest = rest;
        Ok(d - b'0')
    }

    fn digit_in(&mut self, field: &str, allowed: &[u8]) -> Result<u8, String> {
        let d = self.digit(field)?;
        if allowed.contains(&d) {
            Ok(d)
        } else {
            Err(format!("coupon: {field} {d} is not valid"))
        }
    }

    fn take(&mut self, n: usize, field: &str) -> Result<&[u8], String> {
        if self.rest.len() < n {
            return Err(format!("coupon: {field} truncated"));
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    /// A length indicator digit from `allowed`, then `offset` + that many digits.
    fn field(&mut self, field: &str, allowed: &[u8], offset: usize) -> Result<(), String> {
        let vli = self.digit_in(&format!("{field} length"), allowed)?;
        self.take(usize::from(vli) + offset, field).map(|_| ())
    }

    fn next_is(&self, option: u8) -> bool {
        self.rest.first() == Some(&(b'0' + option))
    }

    fn date(&mut self, field: &str) -> Result<[u8; 6], String> {
        let date = self.take(6, field)?;
        let text = std::str::from_utf8(date).unwrap_or_default();
        yymmdd(text, false).map_err(|_| format!("coupon: {field} is not a valid date"))?;
        let mut out = [0; 6];
        out.copy_from_slice(date);
        Ok(out)
    }

    fn end(&self) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err("coupon: excess data".into())
        }
    }
}

const VLI_0_TO_6: &[u8] = &[0, 1, 2, 3, 4, 5, 6];
const VLI_1_TO_5: &[u8] = &[1, 2, 3, 4, 5];
const REQUIREMENT_CODES: &[u8] = &[0, 1, 2, 3, 4, 9];

fn couponcode(data: &str) -> Result<(), String> {
    if !data.bytes().all(|b| b.is_ascii_digit()) {
        return Err("coupon: non-digit".into());
    }
    let mut c = Coupon {
        rest: data.as_bytes(),
    };
    c.field("company prefix", VLI_0_TO_6, 6)?;
    c.take(6, "offer code")?;
    c.field("save value", VLI_1_TO_5, 0)?;
    c.field("1st purchase requirement", VLI_1_TO_5, 0)?;
    c.digit_in("1st purchase requirement code", REQUIREMENT_CODES)?;
    c.take(3, "1st purchase family code")?;
    if c.next_is(1) {
        c.digit("option")?;
        c.digit_in("additional purchase rules code", &[0, 1, 2, 3])?;
        c.field("2nd purchase requirement", VLI_1_TO_5, 0)?;
        c.digit_in("2nd purchase requirement code", REQUIREMENT_CODES)?;
        c.take(3, "2nd purchase family code")?;
        second_gcp(&mut c, "2nd purchase company prefix")?;
    }
    if c.next_is(2) {
        c.digit("option")?;
        c.field("3rd purchase requirement", VLI_1_TO_5, 0)?;
        c.digit_in("3rd purchase requirement code", REQUIREMENT_CODES)?;
        c.take(3, "3rd purchase family code")?;
        second_gcp(&mut c, "3rd purchase company prefix")?;
    }
    let mut expiry = None;
    if c.next_is(3) {
        c.digit("option")?;
        expiry = Some(c.date("expiration date")?);
    }
    if c.next_is(4) {
        c.digit("option")?;
        let start = c.date("start date")?;
        // Both YYMMDD: byte order is date order within the century window.
        if expiry.is_some_and(|expiry| start > expiry) {
            return Err("coupon: expiration date before start date".into());
        }
    }
    if c.next_is(5) {
        c.digit("option")?;
        let vli = c.digit("serial number length")?;
        c.take(usize::from(vli) + 6, "serial number")?;
    }
    if c.next_is(6) {
        c.digit("option")?;
        c.field("retailer company prefix or GLN", &[1, 2, 3, 4, 5, 6, 7], 6)?;
    }
    if c.next_is(9) {
        c.digit("option")?;
        c.digit_in("save value code", &[0, 1, 2, 5, 6])?;
        c.digit_in("save value applies to item", &[0, 1, 2])?;
        c.digit("store coupon flag")?;
        c.digit_in("don't multiply flag", &[0, 1])?;
    }
    c.end()
}

/// A company prefix with its length indicator, where "9" means none.
fn second_gcp(c: &mut Coupon, field: &str) -> Result<(), String> {
    let vli = c.digit_in(&format!("{field} length"), &[0, 1, 2, 3, 4, 5, 6, 9])?;
    if vli != 9 {
        c.take(usize::from(vli) + 6, field)?;
    }
    Ok(())
}

fn couponposoffer(data: &str) -> Result<(), String> {
    if !data.bytes().all(|b| b.is_ascii_digit()) {
        return Err("coupon: non-digit".into());
    }
    let mut c = Coupon {
        rest: data.as_bytes(),
    };
    c.digit_in("format code", &[0, 1])?;
    c.field("funder ID", VLI_0_TO_6, 6)?;
    c.take(6, "offer code")?;
    let vli = c.digit("serial number length")?;
    c.take(usize::from(vli) + 6, "serial number")?;
    c.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_character_pair_examples() {
        // Examples from the GS1 General Specifications and the Syntax Dictionary tests.
        for ok in [
            "1987654Ad4X4bL5ttr2310c2K",
            "12345678901234567890123NT",
            "22",
            "!22",
            "00000!HV",
            "99999zzzzzzzzzzzzzzzzzzT2",
            "12345_!\"%&'()*+,-./LC",
        ] {
            assert_eq!(Linter::Csumalpha.check(ok), Ok(()), "{ok}");
        }
        for bad in ["1987654Ad4X4bL5ttr2310cXK", "33", "2", ""] {
            assert!(Linter::Csumalpha.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn country_currency_and_iban() {
        assert!(Linter::Iso3166.check("276").is_ok());
        assert!(Linter::Iso3166.check("999").is_err());
        assert!(Linter::Iso3166999.check("999").is_ok());
        assert!(Linter::Iso4217.check("978").is_ok());
        assert!(Linter::Iso4217.check("987").is_err());
        assert!(Linter::Iso3166alpha2.check("DE").is_ok());
        assert!(Linter::Iso3166alpha2.check("AA").is_err());
        for ok in [
            "DE91100000000123456789",
            "GB98MIDL07009312345678",
            "BE71096123456769",
            "MT90MALT011000012345MTLCAST001SABC",
        ] {
            assert_eq!(Linter::Iban.check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "BE71096123456760",
            "FR1234",
            "XX361234567890",
            "FR12_45678901234",
        ] {
            assert!(Linter::Iban.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_times() {
        assert!(Linter::Yymmd0.check("280200").is_ok());
        assert!(Linter::Yymmdd.check("280200").is_err());
        assert!(Linter::Yymmdd.check("280229").is_ok());
        assert!(Linter::Yymmdd.check("270229").is_err());
        assert!(Linter::Yymmdd.check("201300").is_err());
        assert!(Linter::Yyyymmdd.check("20000229").is_ok());
        assert!(Linter::Yyyymmdd.check("19000229").is_err());
        assert!(Linter::Hhmi.check("2359").is_ok());
        assert!(Linter::Hhmi.check("2400").is_err());
        assert!(Linter::Hhmi.check("2360").is_err());
        assert!(Linter::Ss.check("60").is_err());
    }

    #[test]
    fn names_of_other_dictionary_releases() {
        assert!(Linter::Key.check("1234").is_ok());
        assert!(Linter::Keyoff1.check("1234").is_err());
        assert!(Linter::Hhmm.check("2360").is_err());
        assert!(Linter::Yymmddhh.check("26123123").is_ok());
        assert!(Linter::Yymmddhh.check("26123124").is_err());
        assert!(Linter::Mmoptss.check("59").is_ok());
        assert!(Linter::Mmoptss.check("5960").is_err());
        assert!(Linter::Latlong.check("18000000003600000000").is_ok());
        assert!(Linter::Iso3166list.check("276250").is_ok());
        assert!(Linter::Iso3166list.check("2762").is_err());
        assert!(Linter::Yyyymmd0.check("20260200").is_ok());
        assert!(Linter::Yyyymmd0.check("20261300").is_err());
    }

    #[test]
    fn coupons() {
        for ok in ["012345612345611110123", "0123456123456111101233261231"] {
            assert_eq!(Linter::Couponcode.check(ok), Ok(()), "{ok}");
        }
        assert!(
            Linter::Couponcode
                .check("012345612345611110123900000")
                .is_err()
        );
        for ok in [
            "001234561234560123456",
            "061234567890121234569123456789012345",
        ] {
            assert_eq!(Linter::Couponposoffer.check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "0",
            "07",
            "0012345612345601234567",
            "201234561234560123456",
        ] {
            assert!(Linter::Couponposoffer.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn small_linters() {
        assert!(Linter::Pieceoftotal.check("0102").is_ok());
        assert!(Linter::Pieceoftotal.check("0302").is_err());
        assert!(Linter::Pieceoftotal.check("0002").is_err());
        assert!(Linter::Posinseqslash.check("1/3").is_ok());
        assert!(Linter::Posinseqslash.check("2/1").is_err());
        assert!(Linter::Posinseqslash.check("0/3").is_err());
        assert!(Linter::Posinseqslash.check("111").is_err());
        assert!(Linter::Pcenc.check("A%20B").is_ok());
        assert!(Linter::Pcenc.check("ABC%0g").is_err());
        assert!(Linter::Pcenc.check("AB%").is_err());
        assert!(Linter::Gcppos1.check("123").is_err());
        assert!(Linter::Gcppos1.check("12A4").is_err());
        assert!(Linter::Gcppos2.check("01234").is_ok());
        assert!(Linter::Importeridx.check("=").is_err());
        assert!(Linter::Latitude.check("1800000001").is_err());
        assert!(Linter::Longitude.check("3600000000").is_ok());
        assert!(Linter::Mediatype.check("11").is_err());
        assert!(Linter::Nozeroprefix.check("0123").is_err());
        assert!(Linter::Hasnondigit.check("0123").is_err());
    }
}
