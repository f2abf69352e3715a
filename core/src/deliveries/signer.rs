//! Who signs a seal: the device key by default ([`DeviceIdentity`], kept in secure
//! storage), or a signer the shell provides (StrongBox / Secure Enclave, through the
//! bindings' `ProofSigner`). Either way the core only sees [`SealSigner`].
//!
//! The device's chain of seals belongs to the key, not to the account: its head (last
//! sequence and hash) is kept in secure storage next to the key, so two drivers sharing a
//! phone continue one chain, and in the account database with each seal (same transaction),
//! so a kill between the two writes loses nothing: the head is the later of the two.

use std::sync::Arc;

use base64::Engine;
use companion_wire::deliveries::{ChainHead, SealSigner, SignerError, hex, parse_sha256};

use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::platform::SecureStorage;

/// A signer shared across threads.
pub type SharedSigner = Arc<dyn SealSigner + Send + Sync>;

impl SealSigner for DeviceIdentity {
    fn public_key(&self) -> Vec<u8> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(self.public_key_b64())
            .unwrap_or_default()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        DeviceIdentity::sign(self, message).map_err(|e| SignerError(e.to_string()))
    }
}

/// The signer's public key as the seal carries it (base64url, no padding).
pub fn public_key_b64(signer: &dyn SealSigner) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signer.public_key())
}

/// The secure-storage entry of the chain head of `public_key_b64`.
fn head_entry(public_key_b64: &str) -> String {
    let digest = companion_wire::deliveries::sha256_hex(public_key_b64.as_bytes());
    format!("device.pod_chain_head.{}", &digest[..32])
}

fn platform(e: crate::platform::PlatformError) -> Error {
    Error::Platform {
        service: "secure storage",
        reason: e.to_string(),
    }
}

/// The chain head of a key as kept in secure storage (`None` before its first seal).
pub fn stored_head(storage: &dyn SecureStorage, public_key_b64: &str) -> Result<Option<ChainHead>> {
    let Some(bytes) = storage.get(head_entry(public_key_b64)).map_err(platform)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let parsed = text.split_once(':').and_then(|(seq, sha)| {
        Some(ChainHead {
            sequence: seq.parse().ok()?,
            seal_sha256: parse_sha256(sha)?,
        })
    });
    match parsed {
        Some(head) => Ok(Some(head)),
        None => Err(Error::Platform {
            service: "secure storage",
            reason: "the seal chain head entry is damaged".into(),
        }),
    }
}

/// Records `head` as the key's chain head in secure storage.
pub fn store_head(
    storage: &dyn SecureStorage,
    public_key_b64: &str,
    head: ChainHead,
) -> Result<()> {
    let value = format!("{}:{}", head.sequence, hex(&head.seal_sha256));
    storage
        .put(head_entry(public_key_b64), value.into_bytes())
        .map_err(platform)
}

/// Forgets the key's chain head (its only seal was refused: the next is the first again).
pub fn clear_head(storage: &dyn SecureStorage, public_key_b64: &str) -> Result<()> {
    storage.delete(head_entry(public_key_b64)).map_err(platform)
}

/// The later of two heads.
pub fn later(a: Option<ChainHead>, b: Option<ChainHead>) -> Option<ChainHead> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.sequence > a.sequence { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::FileSecureStorage;

    #[test]
    fn the_chain_head_round_trips_per_key_and_the_later_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let storage = FileSecureStorage::new(dir.path()).unwrap();
        assert_eq!(stored_head(&storage, "key-a").unwrap(), None);
        let head = ChainHead {
            sequence: 7,
            seal_sha256: [9; 32],
        };
        store_head(&storage, "key-a", head).unwrap();
        assert_eq!(stored_head(&storage, "key-a").unwrap(), Some(head));
        assert_eq!(stored_head(&storage, "key-b").unwrap(), None);
        let older = ChainHead {
            sequence: 6,
            seal_sha256: [1; 32],
        };
        assert_eq!(later(Some(older), Some(head)), Some(head));
        assert_eq!(later(Some(head), Some(older)), Some(head));
        assert_eq!(later(None, Some(older)), Some(older));
        clear_head(&storage, "key-a").unwrap();
        assert_eq!(stored_head(&storage, "key-a").unwrap(), None);
        // A damaged entry is an error, never read as "no seal yet" (which would fork).
        storage
            .put(head_entry("key-a"), b"seven:zz".to_vec())
            .unwrap();
        assert!(stored_head(&storage, "key-a").is_err());
    }

    #[test]
    fn the_device_key_signs_seals_that_verify() {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn SecureStorage> = Arc::new(FileSecureStorage::new(dir.path()).unwrap());
        let device = DeviceIdentity::load_or_create(&storage).unwrap();
        assert_eq!(SealSigner::public_key(&device).len(), 65);
        let sig = SealSigner::sign(&device, b"companion-pod-v1 test").unwrap();
        assert!(crate::device::verify_signature(
            &public_key_b64(&device),
            b"companion-pod-v1 test",
            &sig
        ));
    }
}
