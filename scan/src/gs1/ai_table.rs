//! The GS1 Application Identifier table (GS1 General Specifications, section 3.2).
//!
//! Each entry states the data length (fixed or variable up to a maximum), the character set
//! and how the value is typed. AIs whose last digit is a decimal-point indicator (310n..369n,
//! 390n..395n) are stored once with `decimal_digit` set.

/// What the data field of an AI holds, so the parser can type and validate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AiKind {
    /// 14-digit GTIN with a mod-10 check digit (01, 02, 03).
    Gtin,
    /// 18-digit SSCC with a mod-10 check digit (00).
    Sscc,
    /// 13-digit GLN with a mod-10 check digit (410..417).
    Gln,
    /// YYMMDD date; DD may be 00 (day not stated).
    Date,
    /// Digits with the decimal point position given by the AI's last digit; `unit` names it.
    Measure(&'static str),
    /// Plain count.
    Count,
    /// Numeric field without further meaning in the core.
    Numeric,
    /// Alphanumeric (GS1 AI encodable character set 82).
    Alphanumeric,
    /// Numeric with a check digit at a fixed position (GSIN 402: 17 digits).
    NumericWithCheck,
}

/// One row of the AI table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AiSpec {
    /// The AI digits; for decimal AIs the first three digits (e.g. "310").
    pub ai: &'static str,
    /// True when the last AI digit is the implied decimal point position.
    pub decimal_digit: bool,
    pub title: &'static str,
    pub min_len: usize,
    pub max_len: usize,
    pub kind: AiKind,
}

impl AiSpec {
    /// Fixed-length data field (min == max).
    pub fn is_fixed(&self) -> bool {
        self.min_len == self.max_len
    }

    /// Length of the AI itself.
    pub fn ai_len(&self) -> usize {
        self.ai.len() + usize::from(self.decimal_digit)
    }
}

use AiKind::*;

const fn fx(ai: &'static str, title: &'static str, len: usize, kind: AiKind) -> AiSpec {
    AiSpec {
        ai,
        decimal_digit: false,
        title,
        min_len: len,
        max_len: len,
        kind,
    }
}
const fn var(ai: &'static str, title: &'static str, max: usize, kind: AiKind) -> AiSpec {
    AiSpec {
        ai,
        decimal_digit: false,
        title,
        min_len: 1,
        max_len: max,
        kind,
    }
}
const fn rng(
    ai: &'static str,
    title: &'static str,
    min: usize,
    max: usize,
    kind: AiKind,
) -> AiSpec {
    AiSpec {
        ai,
        decimal_digit: false,
        title,
        min_len: min,
        max_len: max,
        kind,
    }
}
const fn dec(ai: &'static str, title: &'static str, unit: &'static str) -> AiSpec {
    AiSpec {
        ai,
        decimal_digit: true,
        title,
        min_len: 6,
        max_len: 6,
        kind: Measure(unit),
    }
}
const fn decv(
    ai: &'static str,
    title: &'static str,
    min: usize,
    max: usize,
    unit: &'static str,
) -> AiSpec {
    AiSpec {
        ai,
        decimal_digit: true,
        title,
        min_len: min,
        max_len: max,
        kind: Measure(unit),
    }
}

/// AIs of the GS1 General Specifications that warehouse, logistics and produce labels use.
pub(crate) static AI_TABLE: &[AiSpec] = &[
    fx("00", "SSCC", 18, Sscc),
    fx("01", "GTIN", 14, Gtin),
    fx("02", "CONTENT", 14, Gtin),
    fx("03", "MTO GTIN", 14, Gtin),
    var("10", "BATCH/LOT", 20, Alphanumeric),
    fx("11", "PROD DATE", 6, Date),
    fx("12", "DUE DATE", 6, Date),
    fx("13", "PACK DATE", 6, Date),
    fx("15", "BEST BEFORE or BEST BY", 6, Date),
    fx("16", "SELL BY", 6, Date),
    fx("17", "USE BY OR EXPIRY", 6, Date),
    fx("20", "VARIANT", 2, Numeric),
    var("21", "SERIAL", 20, Alphanumeric),
    var("22", "CPV", 20, Alphanumeric),
    var("235", "TPX", 28, Alphanumeric),
    var("240", "ADDITIONAL ID", 30, Alphanumeric),
    var("241", "CUST. PART No.", 30, Alphanumeric),
    var("242", "MTO VARIANT", 6, Numeric),
    var("243", "PCN", 20, Alphanumeric),
    var("250", "SECONDARY SERIAL", 30, Alphanumeric),
    var("251", "REF. TO SOURCE", 30, Alphanumeric),
    rng("253", "GDTI", 13, 30, Alphanumeric),
    var("254", "GLN EXTENSION COMPONENT", 20, Alphanumeric),
    rng("255", "GCN", 13, 25, Numeric),
    var("30", "VAR. COUNT", 8, Count),
    dec("310", "NET WEIGHT (kg)", "kg"),
    dec("311", "LENGTH (m)", "m"),
    dec("312", "WIDTH (m)", "m"),
    dec("313", "HEIGHT (m)", "m"),
    dec("314", "AREA (m2)", "m2"),
    dec("315", "NET VOLUME (l)", "l"),
    dec("316", "NET VOLUME (m3)", "m3"),
    dec("320", "NET WEIGHT (lb)", "lb"),
    dec("321", "LENGTH (in)", "in"),
    dec("322", "LENGTH (ft)", "ft"),
    dec("323", "LENGTH (yd)", "yd"),
    dec("324", "WIDTH (in)", "in"),
    dec("325", "WIDTH (ft)", "ft"),
    dec("326", "WIDTH (yd)", "yd"),
    dec("327", "HEIGHT (in)", "in"),
    dec("328", "HEIGHT (ft)", "ft"),
    dec("329", "HEIGHT (yd)", "yd"),
    dec("330", "GROSS WEIGHT (kg)", "kg"),
    dec("331", "LENGTH (m), log", "m"),
    dec("332", "WIDTH (m), log", "m"),
    dec("333", "HEIGHT (m), log", "m"),
    dec("334", "AREA (m2), log", "m2"),
    dec("335", "VOLUME (l), log", "l"),
    dec("336", "VOLUME (m3), log", "m3"),
    dec("337", "KG PER m2", "kg/m2"),
    dec("340", "GROSS WEIGHT (lb)", "lb"),
    dec("341", "LENGTH (in), log", "in"),
    dec("342", "LENGTH (ft), log", "ft"),
    dec("343", "LENGTH (yd), log", "yd"),
    dec("344", "WIDTH (in), log", "in"),
    dec("345", "WIDTH (ft), log", "ft"),
    dec("346", "WIDTH (yd), log", "yd"),
    dec("347", "HEIGHT (in), log", "in"),
    dec("348", "HEIGHT (ft), log", "ft"),
    dec("349", "HEIGHT (yd), log", "yd"),
    dec("350", "AREA (in2)", "in2"),
    dec("351", "AREA (ft2)", "ft2"),
    dec("352", "AREA (yd2)", "yd2"),
    dec("353", "AREA (in2), log", "in2"),
    dec("354", "AREA (ft2), log", "ft2"),
    dec("355", "AREA (yd2), log", "yd2"),
    dec("356", "NET WEIGHT (t oz)", "t oz"),
    dec("357", "NET VOLUME (oz)", "oz"),
    dec("360", "NET VOLUME (qt)", "qt"),
    dec("361", "NET VOLUME (gal.)", "gal"),
    dec("362", "VOLUME (qt), log", "qt"),
    dec("363", "VOLUME (gal.), log", "gal"),
    dec("364", "VOLUME (in3)", "in3"),
    dec("365", "VOLUME (ft3)", "ft3"),
    dec("366", "VOLUME (yd3)", "yd3"),
    dec("367", "VOLUME (in3), log", "in3"),
    dec("368", "VOLUME (ft3), log", "ft3"),
    dec("369", "VOLUME (yd3), log", "yd3"),
    var("37", "COUNT", 8, Count),
    decv("390", "AMOUNT", 1, 15, "local currency"),
    decv("391", "AMOUNT", 4, 18, "ISO 4217 currency"),
    decv("392", "PRICE", 1, 15, "local currency"),
    decv("393", "PRICE", 4, 18, "ISO 4217 currency"),
    decv("394", "PRCNT OFF", 4, 4, "%"),
    decv("395", "PRICE/UoM", 6, 6, "local currency"),
    var("400", "ORDER NUMBER", 30, Alphanumeric),
    var("401", "GINC", 30, Alphanumeric),
    fx("402", "GSIN", 17, NumericWithCheck),
    var("403", "ROUTE", 30, Alphanumeric),
    fx("410", "SHIP TO LOC", 13, Gln),
    fx("411", "BILL TO", 13, Gln),
    fx("412", "PURCHASE FROM", 13, Gln),
    fx("413", "SHIP FOR LOC", 13, Gln),
    fx("414", "LOC No.", 13, Gln),
    fx("415", "PAY TO", 13, Gln),
    fx("416", "PROD/SERV LOC", 13, Gln),
    fx("417", "PARTY", 13, Gln),
    var("420", "SHIP TO POST", 20, Alphanumeric),
    rng("421", "SHIP TO POST", 4, 12, Alphanumeric),
    fx("422", "ORIGIN", 3, Numeric),
    rng("423", "COUNTRY - INITIAL PROCESS.", 3, 15, Numeric),
    fx("424", "COUNTRY - PROCESS.", 3, Numeric),
    rng("425", "COUNTRY - DISASSEMBLY", 3, 15, Numeric),
    fx("426", "COUNTRY - FULL PROCESS", 3, Numeric),
    var("427", "ORIGIN SUBDIVISION", 3, Alphanumeric),
    var("4300", "SHIP TO COMP", 35, Alphanumeric),
    var("4301", "SHIP TO NAME", 35, Alphanumeric),
    var("4302", "SHIP TO ADD1", 70, Alphanumeric),
    var("4307", "SHIP TO COUNTRY", 2, Alphanumeric),
    var("4308", "SHIP TO PHONE", 30, Alphanumeric),
    fx("4324", "DLVY FROM DATE", 10, Numeric),
    fx("4325", "DLVY TO DATE", 10, Numeric),
    fx("4326", "REL DATE", 6, Date),
    fx("7001", "NSN", 13, Numeric),
    var("7002", "MEAT CUT", 30, Alphanumeric),
    fx("7003", "EXPIRY TIME", 10, Numeric),
    var("7004", "ACTIVE POTENCY", 4, Numeric),
    var("7005", "CATCH AREA", 12, Alphanumeric),
    fx("7006", "FIRST FREEZE DATE", 6, Date),
    rng("7007", "HARVEST DATE", 6, 12, Numeric),
    var("7008", "AQUATIC SPECIES", 3, Alphanumeric),
    var("7009", "FISHING GEAR TYPE", 10, Alphanumeric),
    var("7010", "PROD METHOD", 2, Alphanumeric),
    rng("7011", "TEST BY DATE", 6, 10, Numeric),
    var("7020", "REFURB LOT", 20, Alphanumeric),
    var("7021", "FUNC STAT", 20, Alphanumeric),
    var("7022", "REV STAT", 20, Alphanumeric),
    var("7023", "GIAI - ASSEMBLY", 30, Alphanumeric),
    fx("8001", "DIMENSIONS", 14, Numeric),
    var("8002", "CMT No.", 20, Alphanumeric),
    rng("8003", "GRAI", 14, 30, Alphanumeric),
    var("8004", "GIAI", 30, Alphanumeric),
    fx("8005", "PRICE PER UNIT", 6, Numeric),
    fx("8006", "ITIP", 18, Numeric),
    var("8007", "IBAN", 34, Alphanumeric),
    rng("8008", "PROD TIME", 8, 12, Numeric),
    var("8009", "OPTSEN", 50, Alphanumeric),
    var("8010", "CPID", 30, Alphanumeric),
    var("8011", "CPID SERIAL", 12, Numeric),
    var("8012", "VERSION", 20, Alphanumeric),
    var("8013", "GMN", 25, Alphanumeric),
    fx("8017", "GSRN - PROVIDER", 18, Numeric),
    fx("8018", "GSRN - RECIPIENT", 18, Numeric),
    var("8019", "SRIN", 10, Numeric),
    var("8020", "REF No.", 25, Alphanumeric),
    fx("8026", "ITIP CONTENT", 18, Numeric),
    var("8110", "-", 70, Alphanumeric),
    fx("8111", "POINTS", 4, Numeric),
    var("8112", "-", 70, Alphanumeric),
    var("8200", "PRODUCT URL", 70, Alphanumeric),
    var("90", "INTERNAL", 30, Alphanumeric),
    var("91", "INTERNAL", 90, Alphanumeric),
    var("92", "INTERNAL", 90, Alphanumeric),
    var("93", "INTERNAL", 90, Alphanumeric),
    var("94", "INTERNAL", 90, Alphanumeric),
    var("95", "INTERNAL", 90, Alphanumeric),
    var("96", "INTERNAL", 90, Alphanumeric),
    var("97", "INTERNAL", 90, Alphanumeric),
    var("98", "INTERNAL", 90, Alphanumeric),
    var("99", "INTERNAL", 90, Alphanumeric),
];

/// AIs whose two-digit prefix has a predefined length (General Specifications figure
/// 7.8.5-2): these never need an FNC1 separator after them.
pub(crate) fn has_predefined_length(ai: &str) -> bool {
    matches!(
        ai.get(..2),
        Some(
            "00" | "01"
                | "02"
                | "03"
                | "04"
                | "11"
                | "12"
                | "13"
                | "14"
                | "15"
                | "16"
                | "17"
                | "18"
                | "19"
                | "20"
                | "31"
                | "32"
                | "33"
                | "34"
                | "35"
                | "36"
                | "41"
        )
    )
}

/// Finds the AI at the start of `data`, returning its spec and the AI digits.
pub(crate) fn lookup_prefix(data: &str) -> Option<(&'static AiSpec, &str)> {
    for spec in AI_TABLE {
        let len = spec.ai_len();
        let Some(candidate) = data.get(..len) else {
            continue;
        };
        if !candidate.starts_with(spec.ai) {
            continue;
        }
        if spec.decimal_digit && !candidate.as_bytes()[len - 1].is_ascii_digit() {
            continue;
        }
        return Some((spec, candidate));
    }
    None
}

/// Looks up an exact AI string such as "3103" or "10".
pub(crate) fn lookup_exact(ai: &str) -> Option<&'static AiSpec> {
    lookup_prefix(ai).and_then(|(spec, found)| (found.len() == ai.len()).then_some(spec))
}
