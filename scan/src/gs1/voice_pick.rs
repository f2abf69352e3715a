//! The Produce Traceability Initiative (PTI) voice pick code: four digits printed on produce
//! case labels so pickers can speak the case's GTIN + lot instead of scanning it.
//!
//! Computation (PTI "Voice Pick Code" calculator, as restated in the Teklynx knowledge base
//! article KA-02292): CRC-16/ARC (polynomial x^16+x^15+x^2+1, reflected 0xA001, initial 0)
//! over the ASCII of GTIN-14 + lot + optional date YYMMDD; the code is the CRC modulo 10000,
//! zero padded. The label prints the last two digits large and the first two small.

/// A voice pick code as printed on a PTI case label.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VoicePickCode {
    /// All four digits, e.g. "6359".
    pub code: String,
    /// The two digits printed large (the last two), e.g. "59".
    pub large: String,
    /// The two digits printed small (the first two), e.g. "63".
    pub small: String,
}

/// Computes the voice pick code from the GTIN-14, the lot and the optional pack/use-by date
/// (YYMMDD, as in AI 13/17). Lot codes are case sensitive, as in the PTI calculator.
pub fn voice_pick_code(gtin14: &str, lot: &str, date_yymmdd: Option<&str>) -> VoicePickCode {
    let mut crc: u16 = 0;
    let plain = [gtin14, lot, date_yymmdd.unwrap_or("")];
    for byte in plain.iter().flat_map(|part| part.bytes()) {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    let code = format!("{:04}", crc % 10_000);
    VoicePickCode {
        large: code[2..].to_string(),
        small: code[..2].to_string(),
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_pti_examples() {
        let code = voice_pick_code("10850510002011", "46587443HG234", None);
        assert_eq!(code.code, "6359");
        assert_eq!(code.large, "59");
        assert_eq!(code.small, "63");
        assert_eq!(
            voice_pick_code("65457886676767", "2", Some("100126")).code,
            "5836"
        );
    }

    #[test]
    fn from_a_scanned_pti_case_label() {
        // A PTI case label's GS1-128 as the scanner transmits it: symbology identifier,
        // GTIN, then the lot (variable length and last, so no separator).
        let label = crate::gs1::parse_element_string(
            "]C1011085051000201110465874 43HG234"
                .replace(' ', "")
                .as_str(),
        )
        .expect("PTI label parses");
        assert!(label.iter().all(|e| e.issue.is_none()));
        let gtin = &label.iter().find(|e| e.ai == "01").expect("GTIN").value;
        let lot = &label.iter().find(|e| e.ai == "10").expect("lot").value;
        assert_eq!(voice_pick_code(gtin, lot, None).code, "6359");
        // With a pack date (AI 13) the date joins the hash.
        let dated =
            crate::gs1::parse_bracketed("(01)65457886676767(13)100126(10)2").expect("parses");
        let date = &dated
            .iter()
            .find(|e| e.ai == "13")
            .expect("pack date")
            .value;
        assert_eq!(
            voice_pick_code(&dated[0].value, "2", Some(date)).code,
            "5836"
        );
    }
}
