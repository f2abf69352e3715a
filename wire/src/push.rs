//! Wire types of the push endpoints (`/v1/push/…` for phones, `/v1/erp/push/…` for the ERP),
//! shared by the core and the reference server.

use serde::{Deserialize, Serialize};

/// Longest token accepted (FCM tokens are ~160 characters, APNs 64 hex digits today).
pub const MAX_TOKEN_LEN: usize = 4096;

/// The notification categories a user can switch on and off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// An item's stock in a warehouse fell below its threshold (per warehouse).
    StockBelowThreshold,
    /// Receipts against purchase orders, and other PO changes.
    PurchaseOrder,
    /// An approval waits for this user.
    Approval,
    /// A delivery stop was assigned to this user.
    DeliveryAssignment,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::StockBelowThreshold,
        Category::PurchaseOrder,
        Category::Approval,
        Category::DeliveryAssignment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::StockBelowThreshold => "stock_below_threshold",
            Category::PurchaseOrder => "purchase_order",
            Category::Approval => "approval",
            Category::DeliveryAssignment => "delivery_assignment",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Only stock alerts are chosen per warehouse.
    pub fn per_warehouse(self) -> bool {
        self == Category::StockBelowThreshold
    }
}

/// Which push service delivers to a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PushProvider {
    Fcm,
    Apns,
}

impl PushProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            PushProvider::Fcm => "fcm",
            PushProvider::Apns => "apns",
        }
    }
    pub fn parse(s: &str) -> Option<PushProvider> {
        match s {
            "fcm" => Some(PushProvider::Fcm),
            "apns" => Some(PushProvider::Apns),
            _ => None,
        }
    }
}

/// APNs environment of a token (debug builds of the iOS app get sandbox tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ApnsEnvironment {
    Production,
    Sandbox,
}

/// Why a token is refused before it is sent anywhere.
pub fn validate_token(provider: PushProvider, token: &str) -> Result<(), &'static str> {
    if token.is_empty() {
        return Err("the token is empty");
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err("the token is too long");
    }
    let ok = match provider {
        // FCM registration tokens: URL-safe base64 plus ':' separators.
        PushProvider::Fcm => token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.')),
        // APNs device tokens travel as hex.
        PushProvider::Apns => {
            token.len().is_multiple_of(2) && token.bytes().all(|b| b.is_ascii_hexdigit())
        }
    };
    if ok {
        Ok(())
    } else {
        Err("the token has characters its provider never issues")
    }
}

/// `POST /v1/push/registration`: this install's token, for the signed-in account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub provider: PushProvider,
    pub token: String,
    /// APNs only; production when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<ApnsEnvironment>,
}

impl std::fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("provider", &self.provider)
            .field("token", &"<redacted>")
            .field("environment", &self.environment)
            .finish()
    }
}

/// The answer to a registration: the server's time of it, which the phone keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub registered_at: i64,
}

/// `GET /v1/push/registration`. The token is never sent back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationStatus {
    pub registered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<PushProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_at: Option<i64>,
}

/// One switch. `warehouse_id` is set for per-warehouse categories only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Preference {
    pub category: Category,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse_id: Option<String>,
    pub enabled: bool,
}

/// `GET`/`POST /v1/push/preferences`: the switches that differ from the default (on).
/// A POST replaces the set named in it; others keep their value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferencesDoc {
    pub preferences: Vec<Preference>,
    /// Server time of the last change (0 when never changed).
    #[serde(default)]
    pub updated_at: i64,
}

/// `POST /v1/erp/push/events`: the ERP raises a notification for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErpEvent {
    ApprovalWaiting {
        username: String,
        approval_id: String,
        title: String,
        body: String,
    },
    DeliveryAssigned {
        username: String,
        stop_id: String,
        title: String,
        body: String,
    },
}

/// Answer to an ERP event: how many devices it was queued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpEventAccepted {
    pub event_id: String,
    pub deliveries: u32,
}

/// `POST /v1/erp/push/thresholds`: the stock level below which a warehouse is alerted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdRequest {
    pub warehouse_id: String,
    pub item_id: String,
    pub threshold: i64,
}

/// The header carrying the ERP's API key.
pub const ERP_KEY_HEADER: &str = "x-erp-api-key";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_per_provider() {
        assert!(validate_token(PushProvider::Fcm, "").is_err());
        assert!(validate_token(PushProvider::Fcm, &"a".repeat(MAX_TOKEN_LEN + 1)).is_err());
        assert!(validate_token(PushProvider::Fcm, "cXyz:APA91b-_x").is_ok());
        assert!(validate_token(PushProvider::Fcm, "a b").is_err());
        assert!(validate_token(PushProvider::Apns, &"ab".repeat(32)).is_ok());
        assert!(validate_token(PushProvider::Apns, "xyz").is_err());
        assert!(validate_token(PushProvider::Apns, "abc").is_err());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let r = RegisterRequest {
            provider: PushProvider::Fcm,
            token: "secret-token-123".into(),
            environment: None,
        };
        assert!(!format!("{r:?}").contains("secret-token-123"));
    }

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        assert_eq!(Category::parse("weather"), None);
    }
}
