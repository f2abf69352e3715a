//! Items scanned at the stop against the manifest: one rule for the phone (shown before the
//! recipient signs) and the server (flags on the receipt).

use serde::{Deserialize, Serialize};

use super::{ExpectedItem, ItemScan};

/// One difference between what was scanned and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemDiscrepancy {
    /// Fewer scanned than expected for the line.
    Short {
        line_id: String,
        gtin: String,
        expected: i64,
        scanned: i64,
    },
    /// More scanned than expected for the line.
    Over {
        line_id: String,
        gtin: String,
        expected: i64,
        scanned: i64,
    },
    /// The GTIN is on the manifest but this lot is not the one loaded.
    WrongLot {
        line_id: String,
        gtin: String,
        expected_lot: String,
        scanned_lot: Option<String>,
        quantity: i64,
    },
    /// The GTIN is not on this stop's manifest at all.
    NotOnManifest {
        gtin: String,
        lot: Option<String>,
        quantity: i64,
    },
    /// The item was typed in, not scanned.
    ManualEntry {
        gtin: String,
        lot: Option<String>,
        reason: String,
    },
}

/// Reconciles `scanned` against `expected`. Scans of a GTIN count towards its lines in
/// manifest order; a scan whose lot matches no line of its GTIN (when the line names a lot)
/// is a wrong lot and does not count. Lines with nothing scanned are short.
pub fn reconcile(expected: &[ExpectedItem], scanned: &[ItemScan]) -> Vec<ItemDiscrepancy> {
    let mut out = Vec::new();
    let mut counted = vec![0i64; expected.len()];
    for s in scanned {
        if let Some(reason) = &s.manual_reason {
            out.push(ItemDiscrepancy::ManualEntry {
                gtin: s.gtin.clone(),
                lot: s.lot.clone(),
                reason: reason.clone(),
            });
        }
        let lines: Vec<usize> = (0..expected.len())
            .filter(|&i| same_gtin(&expected[i].gtin, &s.gtin))
            .collect();
        if lines.is_empty() {
            out.push(ItemDiscrepancy::NotOnManifest {
                gtin: s.gtin.clone(),
                lot: s.lot.clone(),
                quantity: s.quantity,
            });
            continue;
        }
        let lot_ok = |i: usize| match &expected[i].lot {
            None => true,
            Some(l) => s.lot.as_deref() == Some(l.as_str()),
        };
        match lines.iter().copied().find(|&i| lot_ok(i)) {
            Some(i) => counted[i] += s.quantity,
            None => {
                let i = lines[0];
                out.push(ItemDiscrepancy::WrongLot {
                    line_id: expected[i].line_id.clone(),
                    gtin: s.gtin.clone(),
                    expected_lot: expected[i].lot.clone().unwrap_or_default(),
                    scanned_lot: s.lot.clone(),
                    quantity: s.quantity,
                });
            }
        }
    }
    for (e, &n) in expected.iter().zip(&counted) {
        if n < e.quantity {
            out.push(ItemDiscrepancy::Short {
                line_id: e.line_id.clone(),
                gtin: e.gtin.clone(),
                expected: e.quantity,
                scanned: n,
            });
        } else if n > e.quantity {
            out.push(ItemDiscrepancy::Over {
                line_id: e.line_id.clone(),
                gtin: e.gtin.clone(),
                expected: e.quantity,
                scanned: n,
            });
        }
    }
    out
}

/// One trade item, however its GTIN is spelt: a scanned EAN-13 (`4012345678901`), the
/// UPC-A it was printed as and the manifest's GTIN-14 (`04012345678901`) are the same number
/// left-padded with zeros (GS1 General Specifications 3.3.2), so they compare without the
/// leading zeros. Anything longer than 14 digits compares as written.
///
/// ```
/// use companion_wire::deliveries::items::same_gtin;
/// assert!(same_gtin("04012345678901", "4012345678901"));
/// assert!(!same_gtin("04012345678901", "4012345678902"));
/// ```
pub fn same_gtin(a: &str, b: &str) -> bool {
    fn key(g: &str) -> &str {
        if g.len() <= 14 && g.bytes().all(|c| c.is_ascii_digit()) {
            g.trim_start_matches('0')
        } else {
            g
        }
    }
    key(a) == key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, gtin: &str, lot: Option<&str>, q: i64) -> ExpectedItem {
        ExpectedItem {
            line_id: id.into(),
            gtin: gtin.into(),
            lot: lot.map(Into::into),
            description: "d".into(),
            quantity: q,
        }
    }

    fn scan(gtin: &str, lot: Option<&str>, q: i64, manual: Option<&str>) -> ItemScan {
        ItemScan {
            gtin: gtin.into(),
            lot: lot.map(Into::into),
            quantity: q,
            manual_reason: manual.map(Into::into),
        }
    }

    #[test]
    fn exact_match_has_no_discrepancy() {
        let e = [line("1", "A", Some("L1"), 5), line("2", "B", None, 2)];
        let s = [
            scan("A", Some("L1"), 3, None),
            scan("A", Some("L1"), 2, None),
            scan("B", None, 2, None),
        ];
        assert!(reconcile(&e, &s).is_empty());
    }

    #[test]
    fn a_scanned_ean_13_counts_towards_its_gtin_14_line() {
        // The scanner reports what the label carries (13 digits for an EAN-13); manifests
        // from the ERP hold GTIN-14. Compared as text, every scan was "not on manifest" and
        // the line "short".
        let expected = [line("L1", "04012345678901", None, 2)];
        let scanned = [
            scan("4012345678901", None, 1, None),
            scan("04012345678901", None, 1, None),
        ];
        assert_eq!(reconcile(&expected, &scanned), vec![]);
        let other = [scan("4012345678902", None, 2, None)];
        assert!(matches!(
            reconcile(&expected, &other).as_slice(),
            [
                ItemDiscrepancy::NotOnManifest { .. },
                ItemDiscrepancy::Short { .. }
            ]
        ));
    }

    #[test]
    fn every_kind_of_discrepancy() {
        let e = [
            line("1", "A", Some("L1"), 5),
            line("2", "B", None, 2),
            line("3", "C", None, 1),
        ];
        let s = [
            scan("A", Some("L9"), 5, None),
            scan("B", None, 3, Some("label torn")),
            scan("Z", None, 1, None),
        ];
        let d = reconcile(&e, &s);
        assert!(d.contains(&ItemDiscrepancy::WrongLot {
            line_id: "1".into(),
            gtin: "A".into(),
            expected_lot: "L1".into(),
            scanned_lot: Some("L9".into()),
            quantity: 5
        }));
        assert!(d.contains(&ItemDiscrepancy::ManualEntry {
            gtin: "B".into(),
            lot: None,
            reason: "label torn".into()
        }));
        assert!(d.contains(&ItemDiscrepancy::NotOnManifest {
            gtin: "Z".into(),
            lot: None,
            quantity: 1
        }));
        assert!(d.contains(&ItemDiscrepancy::Short {
            line_id: "1".into(),
            gtin: "A".into(),
            expected: 5,
            scanned: 0
        }));
        assert!(d.contains(&ItemDiscrepancy::Over {
            line_id: "2".into(),
            gtin: "B".into(),
            expected: 2,
            scanned: 3
        }));
        assert!(d.contains(&ItemDiscrepancy::Short {
            line_id: "3".into(),
            gtin: "C".into(),
            expected: 1,
            scanned: 0
        }));
        assert_eq!(d.len(), 6);
    }
}
