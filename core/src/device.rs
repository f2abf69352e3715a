//! This installation's identity: an install id and an ECDSA P-256 signing key, created on
//! first run and kept in secure storage. The public key is registered with every session;
//! the device later signs proofs of delivery with the private key, which never leaves
//! secure storage unencrypted.

use std::sync::Arc;

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
};

use crate::error::{Error, Result};
use crate::platform::SecureStorage;

const INSTALL_ID_KEY: &str = "device.install_id";
const SIGNING_KEY_KEY: &str = "device.signing_key.pkcs8";

/// The device's identity, loaded from (or created in) secure storage.
pub struct DeviceIdentity {
    install_id: String,
    key_pair: EcdsaKeyPair,
}

impl std::fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceIdentity")
            .field("install_id", &self.install_id)
            .finish_non_exhaustive()
    }
}

impl DeviceIdentity {
    /// Loads the identity, creating and storing a new one on first run.
    pub fn load_or_create(storage: &Arc<dyn SecureStorage>) -> Result<Self> {
        let rng = SystemRandom::new();
        let platform = |e: crate::platform::PlatformError| Error::Platform {
            service: "secure storage",
            reason: e.to_string(),
        };
        let install_id = match storage.get(INSTALL_ID_KEY.into()).map_err(platform)? {
            Some(bytes) => String::from_utf8(bytes).map_err(|_| Error::Platform {
                service: "secure storage",
                reason: "install id is not UTF-8".into(),
            })?,
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                storage
                    .put(INSTALL_ID_KEY.into(), id.clone().into_bytes())
                    .map_err(platform)?;
                id
            }
        };
        let pkcs8 = match storage.get(SIGNING_KEY_KEY.into()).map_err(platform)? {
            Some(bytes) => bytes,
            None => {
                let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                    .map_err(|_| Error::Internal("cannot generate device key".into()))?;
                storage
                    .put(SIGNING_KEY_KEY.into(), doc.as_ref().to_vec())
                    .map_err(platform)?;
                doc.as_ref().to_vec()
            }
        };
        let key_pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng)
            .map_err(|e| Error::Platform {
                service: "secure storage",
                reason: format!("stored device key is unusable: {e}"),
            })?;
        Ok(DeviceIdentity {
            install_id,
            key_pair,
        })
    }

    pub fn install_id(&self) -> &str {
        &self.install_id
    }

    /// Uncompressed SEC1 public key, base64url without padding (as registered with the server).
    pub fn public_key_b64(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.key_pair.public_key().as_ref())
    }

    /// ASN.1 DER ECDSA P-256 SHA-256 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let rng = SystemRandom::new();
        self.key_pair
            .sign(&rng, message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| Error::Internal("signing failed".into()))
    }
}

/// Checks a device signature made by [`DeviceIdentity::sign`] (used by the server).
pub fn verify_signature(public_key_b64: &str, message: &[u8], signature: &[u8]) -> bool {
    let Ok(public_key) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(public_key_b64)
    else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::FileSecureStorage;

    #[test]
    fn identity_is_created_once_and_signs_verifiably() {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn SecureStorage> = Arc::new(FileSecureStorage::new(dir.path()).unwrap());
        let first = DeviceIdentity::load_or_create(&storage).unwrap();
        let again = DeviceIdentity::load_or_create(&storage).unwrap();
        assert_eq!(first.install_id(), again.install_id());
        assert_eq!(first.public_key_b64(), again.public_key_b64());
        let sig = again.sign(b"pallet 42 delivered").unwrap();
        assert!(verify_signature(
            &first.public_key_b64(),
            b"pallet 42 delivered",
            &sig
        ));
        assert!(!verify_signature(
            &first.public_key_b64(),
            b"pallet 43 delivered",
            &sig
        ));
    }
}
