//! The movement rules, one implementation for both sides: the phone checks a movement
//! before queueing it (so the user hears at once what the server would say), the server
//! checks it again before applying it (the phone may be old, or not a phone at all).
//!
//! Each side answers [`Catalogue`] from its own copy of the warehouse; the rules, their
//! order and their wording live only here.
//!
//! ```
//! use companion_wire::inventory::MovementKind;
//! use companion_wire::inventory::rules::{MovementRef, check_shape};
//! let pick = MovementRef {
//!     warehouse_id: "wh-north", kind: MovementKind::Pick, item_id: "I1", lot_id: "L1",
//!     location_id: "N-01", to_location_id: None, qty: 0, reason: None, po_line_id: None,
//! };
//! assert_eq!(check_shape(&pick).unwrap_err().field, "qty");
//! ```

use super::{AdjustReason, MAX_ABS_QTY, MovementKind, reject};

/// Longest identifier (warehouse, item, lot, bin, purchase-order line, movement id).
pub const MAX_ID_LEN: usize = 64;

/// Why a movement is refused: the rejection code the server stores and sends, the field at
/// fault (what the phone's form highlights), and a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub field: &'static str,
    pub reason: String,
}

fn rejection(code: &'static str, field: &'static str, reason: impl Into<String>) -> Rejection {
    Rejection {
        code,
        field,
        reason: reason.into(),
    }
}

/// A movement as either side holds it (the phone's draft, the server's wire record).
#[derive(Debug, Clone, Copy)]
pub struct MovementRef<'a> {
    pub warehouse_id: &'a str,
    pub kind: MovementKind,
    pub item_id: &'a str,
    pub lot_id: &'a str,
    pub location_id: &'a str,
    pub to_location_id: Option<&'a str>,
    pub qty: i64,
    pub reason: Option<AdjustReason>,
    pub po_line_id: Option<&'a str>,
}

/// What one side knows of a warehouse's catalogue.
pub trait Catalogue {
    type Error;
    /// `None` for an item the warehouse does not stock; otherwise whether it is archived.
    fn item_archived(&self, warehouse_id: &str, item_id: &str)
    -> Result<Option<bool>, Self::Error>;
    /// The item a lot belongs to.
    fn lot_item(&self, warehouse_id: &str, lot_id: &str) -> Result<Option<String>, Self::Error>;
    /// Whether a bin exists and is not archived.
    fn bin_open(&self, warehouse_id: &str, location_id: &str) -> Result<bool, Self::Error>;
    /// The item of a purchase-order line.
    fn po_line_item(
        &self,
        warehouse_id: &str,
        po_line_id: &str,
    ) -> Result<Option<String>, Self::Error>;
}

/// The rules that need no catalogue: identifiers, the quantity of each kind, an
/// adjustment's reason, a move's destination.
pub fn check_shape(m: &MovementRef<'_>) -> Result<(), Rejection> {
    for (field, value) in [
        ("warehouse_id", m.warehouse_id),
        ("item_id", m.item_id),
        ("lot_id", m.lot_id),
        ("location_id", m.location_id),
    ] {
        if value.trim().is_empty() || value.len() > MAX_ID_LEN {
            return Err(rejection(
                reject::INVALID,
                field,
                format!("must be 1 to {MAX_ID_LEN} characters"),
            ));
        }
    }
    for (field, value) in [
        ("to_location_id", m.to_location_id),
        ("po_line_id", m.po_line_id),
    ] {
        if value.is_some_and(|v| v.trim().is_empty() || v.len() > MAX_ID_LEN) {
            return Err(rejection(
                reject::INVALID,
                field,
                format!("must be 1 to {MAX_ID_LEN} characters when given"),
            ));
        }
    }
    if !m.kind.accepts_qty(m.qty) {
        let rule = match m.kind {
            MovementKind::Adjust => {
                format!("must be non-zero and at most {MAX_ABS_QTY} either way")
            }
            MovementKind::Count => format!("must be between 0 and {MAX_ABS_QTY}"),
            _ => format!("must be between 1 and {MAX_ABS_QTY}"),
        };
        return Err(rejection(
            reject::INVALID,
            "qty",
            format!("{} for a {}: {rule}", m.qty, m.kind.as_str()),
        ));
    }
    if m.kind == MovementKind::Adjust && m.reason.is_none() {
        return Err(rejection(
            reject::INVALID,
            "reason",
            "an adjustment needs a reason (damage, spoilage, shrink, found)",
        ));
    }
    match (m.kind, m.to_location_id) {
        (MovementKind::Move, None) => Err(rejection(
            reject::INVALID,
            "to_location_id",
            "a move needs a destination bin",
        )),
        (MovementKind::Move, Some(to)) if to == m.location_id => Err(rejection(
            reject::INVALID,
            "to_location_id",
            "a move needs two different bins",
        )),
        (MovementKind::Move, _) => Ok(()),
        (_, Some(_)) => Err(rejection(
            reject::INVALID,
            "to_location_id",
            "only a move has a destination bin",
        )),
        _ => Ok(()),
    }
}

/// The rules against the warehouse's catalogue: the item is stocked (and not archived for
/// stock coming in), the lot is the item's, the bins exist, a purchase-order line is the
/// item's. Call after [`check_shape`].
pub fn check_catalogue<C: Catalogue>(
    catalogue: &C,
    m: &MovementRef<'_>,
) -> Result<Result<(), Rejection>, C::Error> {
    let wh = m.warehouse_id;
    match catalogue.item_archived(wh, m.item_id)? {
        None => {
            return Ok(Err(rejection(
                reject::UNKNOWN_ITEM,
                "item_id",
                format!("item {} is not stocked in {wh}", m.item_id),
            )));
        }
        // Archived items may still be counted or picked down, but not received or adjusted up.
        Some(true)
            if m.kind == MovementKind::Receive || (m.kind == MovementKind::Adjust && m.qty > 0) =>
        {
            return Ok(Err(rejection(
                reject::ARCHIVED_ITEM,
                "item_id",
                format!("item {} is archived", m.item_id),
            )));
        }
        Some(_) => {}
    }
    if catalogue.lot_item(wh, m.lot_id)?.as_deref() != Some(m.item_id) {
        return Ok(Err(rejection(
            reject::UNKNOWN_LOT,
            "lot_id",
            format!("lot {} of item {} is unknown", m.lot_id, m.item_id),
        )));
    }
    for (field, bin) in [
        ("location_id", Some(m.location_id)),
        ("to_location_id", m.to_location_id),
    ] {
        if let Some(bin) = bin
            && !catalogue.bin_open(wh, bin)?
        {
            return Ok(Err(rejection(
                reject::UNKNOWN_LOCATION,
                field,
                format!("bin {bin} does not exist in {wh}"),
            )));
        }
    }
    if let Some(po) = m.po_line_id {
        if m.kind != MovementKind::Receive {
            return Ok(Err(rejection(
                reject::INVALID,
                "po_line_id",
                "only a receipt is made against a purchase order line",
            )));
        }
        match catalogue.po_line_item(wh, po)? {
            None => {
                return Ok(Err(rejection(
                    reject::UNKNOWN_PO_LINE,
                    "po_line_id",
                    format!("purchase order line {po} is unknown"),
                )));
            }
            Some(item) if item != m.item_id => {
                return Ok(Err(rejection(
                    reject::INVALID,
                    "po_line_id",
                    format!("purchase order line {po} is for item {item}"),
                )));
            }
            Some(_) => {}
        }
    }
    Ok(Ok(()))
}

/// Stock may not go below zero by a move, pick or adjustment: `on_hand` is what the side
/// deciding sees in the source bin, `delta` the movement's change to it.
pub fn check_available(m: &MovementRef<'_>, on_hand: i64, delta: i64) -> Result<(), Rejection> {
    let takes = matches!(
        m.kind,
        MovementKind::Move | MovementKind::Pick | MovementKind::Adjust
    );
    if takes && delta < 0 && on_hand + delta < 0 {
        return Err(rejection(
            reject::INSUFFICIENT_STOCK,
            "qty",
            format!(
                "only {on_hand} of {} lot {} in bin {}",
                m.item_id, m.lot_id, m.location_id
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Fake {
        items: HashMap<&'static str, bool>,
        lots: HashMap<&'static str, &'static str>,
        bins: Vec<&'static str>,
        po: HashMap<&'static str, &'static str>,
    }

    impl Catalogue for Fake {
        type Error = ();
        fn item_archived(&self, _: &str, item: &str) -> Result<Option<bool>, ()> {
            Ok(self.items.get(item).copied())
        }
        fn lot_item(&self, _: &str, lot: &str) -> Result<Option<String>, ()> {
            Ok(self.lots.get(lot).map(|s| s.to_string()))
        }
        fn bin_open(&self, _: &str, bin: &str) -> Result<bool, ()> {
            Ok(self.bins.contains(&bin))
        }
        fn po_line_item(&self, _: &str, po: &str) -> Result<Option<String>, ()> {
            Ok(self.po.get(po).map(|s| s.to_string()))
        }
    }

    fn base(kind: MovementKind, qty: i64) -> MovementRef<'static> {
        MovementRef {
            warehouse_id: "wh",
            kind,
            item_id: "I1",
            lot_id: "L1",
            location_id: "B1",
            to_location_id: None,
            qty,
            reason: None,
            po_line_id: None,
        }
    }

    fn catalogue() -> Fake {
        Fake {
            items: [("I1", false), ("OLD", true)].into(),
            lots: [("L1", "I1"), ("LX", "OTHER")].into(),
            bins: vec!["B1", "B2"],
            po: [("PO1", "I1"), ("PO2", "OTHER")].into(),
        }
    }

    #[test]
    fn shape_rules() {
        assert!(check_shape(&base(MovementKind::Pick, 3)).is_ok());
        assert_eq!(
            check_shape(&base(MovementKind::Pick, 0)).unwrap_err().field,
            "qty"
        );
        assert_eq!(
            check_shape(&base(MovementKind::Adjust, i64::MIN))
                .unwrap_err()
                .field,
            "qty",
            "i64::MIN is refused, not overflowed"
        );
        assert!(check_shape(&base(MovementKind::Count, 0)).is_ok());
        assert_eq!(
            check_shape(&base(MovementKind::Adjust, 2))
                .unwrap_err()
                .field,
            "reason"
        );
        let mv = MovementRef {
            to_location_id: Some("B1"),
            ..base(MovementKind::Move, 1)
        };
        assert_eq!(check_shape(&mv).unwrap_err().field, "to_location_id");
        assert_eq!(
            check_shape(&base(MovementKind::Move, 1)).unwrap_err().field,
            "to_location_id"
        );
        let long = "x".repeat(MAX_ID_LEN + 1);
        let m = MovementRef {
            item_id: &long,
            ..base(MovementKind::Pick, 1)
        };
        assert_eq!(check_shape(&m).unwrap_err().field, "item_id");
    }

    #[test]
    fn catalogue_rules() {
        let c = catalogue();
        let ok = |m: MovementRef<'_>| check_catalogue(&c, &m).unwrap();
        assert!(ok(base(MovementKind::Pick, 1)).is_ok());
        let unknown = ok(MovementRef {
            item_id: "NOPE",
            ..base(MovementKind::Pick, 1)
        });
        assert_eq!(unknown.unwrap_err().code, reject::UNKNOWN_ITEM);
        let archived_in = ok(MovementRef {
            item_id: "OLD",
            ..base(MovementKind::Receive, 1)
        });
        assert_eq!(archived_in.unwrap_err().code, reject::ARCHIVED_ITEM);
        let wrong_lot = ok(MovementRef {
            lot_id: "LX",
            ..base(MovementKind::Pick, 1)
        });
        assert_eq!(wrong_lot.unwrap_err().code, reject::UNKNOWN_LOT);
        let to_nowhere = ok(MovementRef {
            to_location_id: Some("B9"),
            ..base(MovementKind::Move, 1)
        });
        assert_eq!(to_nowhere.unwrap_err().field, "to_location_id");
        let po_other = ok(MovementRef {
            po_line_id: Some("PO2"),
            ..base(MovementKind::Receive, 1)
        });
        assert_eq!(po_other.unwrap_err().field, "po_line_id");
        let po_missing = ok(MovementRef {
            po_line_id: Some("PO9"),
            ..base(MovementKind::Receive, 1)
        });
        assert_eq!(po_missing.unwrap_err().code, reject::UNKNOWN_PO_LINE);
    }

    #[test]
    fn stock_never_goes_negative() {
        let pick = base(MovementKind::Pick, 5);
        assert!(check_available(&pick, 5, -5).is_ok());
        assert_eq!(
            check_available(&pick, 4, -5).unwrap_err().code,
            reject::INSUFFICIENT_STOCK
        );
        // A receipt or a count never fails for lack of stock.
        assert!(check_available(&base(MovementKind::Count, 0), 0, -3).is_ok());
    }
}
