//! Typed notification events, as the server puts them in a push (the FCM `data` map; the same
//! keys beside `aps` in APNs userInfo) and as the phone reads them back.
//!
//! Every value travels as a string (FCM requires it); APNs userInfo may carry numbers, which
//! are accepted too. Unknown keys are ignored and an unknown `type` parses as
//! [`NotificationKind::Unknown`] so that older apps survive newer servers; a known type with
//! missing or ill-typed fields is a [`PayloadError`].

use std::collections::BTreeMap;

use crate::push::Category;

/// Payload format version written by this code; higher versions are still read field by field.
pub const PAYLOAD_VERSION: &str = "1";

/// Where opening the notification leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DeepLink {
    Item {
        warehouse_id: String,
        item_id: String,
    },
    PurchaseOrder {
        warehouse_id: String,
        po_number: String,
    },
    Approval {
        approval_id: String,
    },
    Stop {
        stop_id: String,
    },
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl DeepLink {
    /// The `companion://` URL shells can route on.
    pub fn url(&self) -> String {
        match self {
            DeepLink::Item {
                warehouse_id,
                item_id,
            } => {
                format!("companion://item/{}/{}", enc(warehouse_id), enc(item_id))
            }
            DeepLink::PurchaseOrder {
                warehouse_id,
                po_number,
            } => {
                format!(
                    "companion://purchase-order/{}/{}",
                    enc(warehouse_id),
                    enc(po_number)
                )
            }
            DeepLink::Approval { approval_id } => {
                format!("companion://approval/{}", enc(approval_id))
            }
            DeepLink::Stop { stop_id } => format!("companion://stop/{}", enc(stop_id)),
        }
    }
}

/// Percent-encodes everything but unreserved characters, so ids cannot alter the URL's shape.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum NotificationKind {
    StockBelowThreshold {
        warehouse_id: String,
        item_id: String,
        on_hand: i64,
        threshold: i64,
    },
    PurchaseOrderProgress {
        warehouse_id: String,
        po_number: String,
        po_line_id: String,
        qty_received: i64,
        qty_ordered: i64,
    },
    ApprovalWaiting {
        approval_id: String,
    },
    DeliveryAssigned {
        stop_id: String,
    },
    /// A type this version does not know; shown as a plain notification, no target.
    Unknown {
        type_name: String,
    },
}

/// One notification as the phone understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NotificationEvent {
    /// Unique per event (not per device): lets the phone drop duplicates.
    pub event_id: String,
    pub kind: NotificationKind,
}

/// A payload that claims a known type but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the payload is not a JSON object")]
    NotAnObject,
    #[error("the payload lacks {field}")]
    Missing { field: String },
    #[error("{field} in the payload is malformed: {reason}")]
    Malformed { field: String, reason: String },
}

// Exported on its own: the other methods speak serde maps the apps never see.
#[cfg_attr(feature = "uniffi", uniffi::export)]
impl NotificationEvent {
    /// The deep-link target, if the kind has one.
    pub fn target(&self) -> Option<DeepLink> {
        Some(match &self.kind {
            NotificationKind::StockBelowThreshold {
                warehouse_id,
                item_id,
                ..
            } => DeepLink::Item {
                warehouse_id: warehouse_id.clone(),
                item_id: item_id.clone(),
            },
            NotificationKind::PurchaseOrderProgress {
                warehouse_id,
                po_number,
                ..
            } => DeepLink::PurchaseOrder {
                warehouse_id: warehouse_id.clone(),
                po_number: po_number.clone(),
            },
            NotificationKind::ApprovalWaiting { approval_id } => DeepLink::Approval {
                approval_id: approval_id.clone(),
            },
            NotificationKind::DeliveryAssigned { stop_id } => DeepLink::Stop {
                stop_id: stop_id.clone(),
            },
            NotificationKind::Unknown { .. } => return None,
        })
    }
}

impl NotificationEvent {
    /// The preference category the event belongs to.
    pub fn category(&self) -> Option<Category> {
        Some(match self.kind {
            NotificationKind::StockBelowThreshold { .. } => Category::StockBelowThreshold,
            NotificationKind::PurchaseOrderProgress { .. } => Category::PurchaseOrder,
            NotificationKind::ApprovalWaiting { .. } => Category::Approval,
            NotificationKind::DeliveryAssigned { .. } => Category::DeliveryAssignment,
            NotificationKind::Unknown { .. } => return None,
        })
    }

    /// The string map the server sends (FCM `data`; beside `aps` for APNs).
    pub fn to_data(&self) -> BTreeMap<String, String> {
        let mut d = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            d.insert(k.to_string(), v);
        };
        put("v", PAYLOAD_VERSION.into());
        put("event_id", self.event_id.clone());
        match &self.kind {
            NotificationKind::StockBelowThreshold {
                warehouse_id,
                item_id,
                on_hand,
                threshold,
            } => {
                put("type", "stock_below_threshold".into());
                put("warehouse_id", warehouse_id.clone());
                put("item_id", item_id.clone());
                put("on_hand", on_hand.to_string());
                put("threshold", threshold.to_string());
            }
            NotificationKind::PurchaseOrderProgress {
                warehouse_id,
                po_number,
                po_line_id,
                qty_received,
                qty_ordered,
            } => {
                put("type", "po_progress".into());
                put("warehouse_id", warehouse_id.clone());
                put("po_number", po_number.clone());
                put("po_line_id", po_line_id.clone());
                put("qty_received", qty_received.to_string());
                put("qty_ordered", qty_ordered.to_string());
            }
            NotificationKind::ApprovalWaiting { approval_id } => {
                put("type", "approval_waiting".into());
                put("approval_id", approval_id.clone());
            }
            NotificationKind::DeliveryAssigned { stop_id } => {
                put("type", "delivery_assigned".into());
                put("stop_id", stop_id.clone());
            }
            NotificationKind::Unknown { type_name } => put("type", type_name.clone()),
        }
        if let Some(link) = self.target() {
            d.insert("link".into(), link.url());
        }
        d
    }

    /// Parses an FCM data message's map (Android's `RemoteMessage.data`).
    pub fn from_fcm_data(data: &BTreeMap<String, String>) -> Result<Self, PayloadError> {
        let fields: BTreeMap<&str, Field<'_>> = data
            .iter()
            .map(|(k, v)| (k.as_str(), Field::Text(v.as_str())))
            .collect();
        parse(&fields)
    }

    /// Parses APNs userInfo given as its JSON text (`aps` and unknown keys ignored).
    pub fn from_apns_user_info(json: &str) -> Result<Self, PayloadError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|_| PayloadError::NotAnObject)?;
        let obj = value.as_object().ok_or(PayloadError::NotAnObject)?;
        let fields: BTreeMap<&str, Field<'_>> = obj
            .iter()
            .map(|(k, v)| {
                let f = match v {
                    serde_json::Value::String(s) => Field::Text(s.as_str()),
                    serde_json::Value::Number(n) => Field::Number(n.as_i64()),
                    _ => Field::Other,
                };
                (k.as_str(), f)
            })
            .collect();
        parse(&fields)
    }
}

enum Field<'a> {
    Text(&'a str),
    Number(Option<i64>),
    Other,
}

/// Longest id accepted from a payload; ids are short codes, anything longer is garbage.
const MAX_ID_LEN: usize = 200;

fn text(fields: &BTreeMap<&str, Field<'_>>, name: &str) -> Result<String, PayloadError> {
    match fields.get(name) {
        None => Err(PayloadError::Missing { field: name.into() }),
        Some(Field::Text(s)) if !s.trim().is_empty() && s.len() <= MAX_ID_LEN => Ok(s.to_string()),
        Some(Field::Text(_)) => Err(PayloadError::Malformed {
            field: name.into(),
            reason: "empty or longer than 200 characters".into(),
        }),
        Some(_) => Err(PayloadError::Malformed {
            field: name.into(),
            reason: "not a string".into(),
        }),
    }
}

fn int(fields: &BTreeMap<&str, Field<'_>>, name: &str) -> Result<i64, PayloadError> {
    let bad = |reason: &str| PayloadError::Malformed {
        field: name.into(),
        reason: reason.into(),
    };
    match fields.get(name) {
        None => Err(PayloadError::Missing { field: name.into() }),
        Some(Field::Text(s)) => s.trim().parse().map_err(|_| bad("not an integer")),
        Some(Field::Number(Some(n))) => Ok(*n),
        Some(Field::Number(None)) => Err(bad("not an integer")),
        Some(Field::Other) => Err(bad("not an integer")),
    }
}

fn parse(fields: &BTreeMap<&str, Field<'_>>) -> Result<NotificationEvent, PayloadError> {
    let type_name = text(fields, "type")?;
    let event_id = text(fields, "event_id")?;
    let kind = match type_name.as_str() {
        "stock_below_threshold" => NotificationKind::StockBelowThreshold {
            warehouse_id: text(fields, "warehouse_id")?,
            item_id: text(fields, "item_id")?,
            on_hand: int(fields, "on_hand")?,
            threshold: int(fields, "threshold")?,
        },
        "po_progress" => NotificationKind::PurchaseOrderProgress {
            warehouse_id: text(fields, "warehouse_id")?,
            po_number: text(fields, "po_number")?,
            po_line_id: text(fields, "po_line_id")?,
            qty_received: int(fields, "qty_received")?,
            qty_ordered: int(fields, "qty_ordered")?,
        },
        "approval_waiting" => NotificationKind::ApprovalWaiting {
            approval_id: text(fields, "approval_id")?,
        },
        "delivery_assigned" => NotificationKind::DeliveryAssigned {
            stop_id: text(fields, "stop_id")?,
        },
        _ => NotificationKind::Unknown { type_name },
    };
    Ok(NotificationEvent { event_id, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock() -> NotificationEvent {
        NotificationEvent {
            event_id: "e1".into(),
            kind: NotificationKind::StockBelowThreshold {
                warehouse_id: "WH-NORTH".into(),
                item_id: "STRAW-250".into(),
                on_hand: 3,
                threshold: 10,
            },
        }
    }

    #[test]
    fn every_kind_round_trips_through_fcm_and_apns() {
        let kinds = [
            stock(),
            NotificationEvent {
                event_id: "e2".into(),
                kind: NotificationKind::PurchaseOrderProgress {
                    warehouse_id: "WH".into(),
                    po_number: "PO-1".into(),
                    po_line_id: "L1".into(),
                    qty_received: 5,
                    qty_ordered: 20,
                },
            },
            NotificationEvent {
                event_id: "e3".into(),
                kind: NotificationKind::ApprovalWaiting {
                    approval_id: "A-9".into(),
                },
            },
            NotificationEvent {
                event_id: "e4".into(),
                kind: NotificationKind::DeliveryAssigned {
                    stop_id: "S-3".into(),
                },
            },
        ];
        for e in kinds {
            let data = e.to_data();
            assert_eq!(NotificationEvent::from_fcm_data(&data).unwrap(), e);
            let mut info = serde_json::Map::new();
            info.insert("aps".into(), serde_json::json!({"alert": {"title": "t"}}));
            for (k, v) in &data {
                info.insert(k.clone(), serde_json::json!(v));
            }
            let json = serde_json::Value::Object(info).to_string();
            assert_eq!(NotificationEvent::from_apns_user_info(&json).unwrap(), e);
            assert!(e.target().is_some());
            assert_eq!(data["link"], e.target().unwrap().url());
        }
    }

    #[test]
    fn apns_numbers_are_accepted_and_unknown_fields_ignored() {
        let json = r#"{"aps":{},"type":"stock_below_threshold","event_id":"e","warehouse_id":"W","item_id":"I","on_hand":2,"threshold":5,"future_field":[1,2]}"#;
        let e = NotificationEvent::from_apns_user_info(json).unwrap();
        assert_eq!(
            e.target(),
            Some(DeepLink::Item {
                warehouse_id: "W".into(),
                item_id: "I".into()
            })
        );
    }

    #[test]
    fn unknown_types_are_tolerated() {
        let data = BTreeMap::from([
            ("type".to_string(), "weather_warning".to_string()),
            ("event_id".to_string(), "e".to_string()),
            ("v".to_string(), "7".to_string()),
        ]);
        let e = NotificationEvent::from_fcm_data(&data).unwrap();
        assert_eq!(
            e.kind,
            NotificationKind::Unknown {
                type_name: "weather_warning".into()
            }
        );
        assert_eq!(e.target(), None);
        assert_eq!(e.category(), None);
    }

    #[test]
    fn malformed_payloads_are_typed_errors() {
        let mut data = stock().to_data();
        data.remove("item_id");
        assert_eq!(
            NotificationEvent::from_fcm_data(&data),
            Err(PayloadError::Missing {
                field: "item_id".into()
            })
        );
        let mut data = stock().to_data();
        data.insert("on_hand".into(), "three".into());
        assert!(matches!(
            NotificationEvent::from_fcm_data(&data),
            Err(PayloadError::Malformed { field, .. }) if field == "on_hand"
        ));
        assert_eq!(
            NotificationEvent::from_fcm_data(&BTreeMap::new()),
            Err(PayloadError::Missing {
                field: "type".into()
            })
        );
        assert_eq!(
            NotificationEvent::from_apns_user_info("[1]"),
            Err(PayloadError::NotAnObject)
        );
        assert_eq!(
            NotificationEvent::from_apns_user_info("{"),
            Err(PayloadError::NotAnObject)
        );
        assert!(matches!(
            NotificationEvent::from_apns_user_info(
                r#"{"type":"approval_waiting","event_id":"e","approval_id":{"x":1}}"#
            ),
            Err(PayloadError::Malformed { .. })
        ));
        let mut data = stock().to_data();
        data.insert("item_id".into(), "x".repeat(500));
        assert!(NotificationEvent::from_fcm_data(&data).is_err());
    }

    #[test]
    fn links_cannot_be_bent_by_ids() {
        let link = DeepLink::Item {
            warehouse_id: "W/../x".into(),
            item_id: "a?b".into(),
        };
        assert_eq!(link.url(), "companion://item/W%2F..%2Fx/a%3Fb");
    }
}
