//! The server's own ECDSA P-256 key, which countersigns receipts, and the secret that
//! receipt-page tokens derive from. Both are generated on first use and kept in the server
//! database (encrypted at rest when the server runs with a SQLCipher key).

use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ApiError;

/// The loaded key material.
pub struct ServerKey {
    key: EcdsaKeyPair,
    page_secret: hmac::Key,
}

impl ServerKey {
    /// Loads the key, creating it in the same transaction as the caller's writes if this
    /// is the first receipt the server issues.
    pub fn load_or_create(conn: &Connection) -> Result<ServerKey, ApiError> {
        let rng = SystemRandom::new();
        let row: Option<(Vec<u8>, Vec<u8>)> = conn
            .query_row(
                "SELECT pkcs8, page_secret FROM pod_server_key WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (pkcs8, secret) = match row {
            Some(r) => r,
            None => {
                let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                    .map_err(|_| ApiError::internal("cannot generate the server key"))?;
                let mut secret = [0u8; 32];
                rng.fill(&mut secret)
                    .map_err(|_| ApiError::internal("no randomness"))?;
                conn.execute(
                    "INSERT INTO pod_server_key(id, pkcs8, page_secret, created_at) VALUES (1, ?1, ?2, ?3)",
                    params![doc.as_ref(), &secret[..], crate::db::now()],
                )?;
                (doc.as_ref().to_vec(), secret.to_vec())
            }
        };
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng)
            .map_err(|_| ApiError::internal("the stored server key is unusable"))?;
        Ok(ServerKey {
            key,
            page_secret: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        })
    }

    /// Uncompressed SEC1 public key, base64url without padding.
    pub fn public_key_b64(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.key.public_key().as_ref())
    }

    /// ASN.1 DER signature over `message`, base64url without padding.
    pub fn sign_b64(&self, message: &[u8]) -> Result<String, ApiError> {
        let sig = self
            .key
            .sign(&SystemRandom::new(), message)
            .map_err(|_| ApiError::internal("signing the receipt failed"))?;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }

    /// The receipt-page token of a proof: HMAC-SHA-256 of its id under the page secret,
    /// base64url (43 characters). Deterministic, so a resubmission gets the same page
    /// without the token being stored; unguessable without the secret.
    pub fn page_token(&self, proof_id: &str) -> String {
        let tag = hmac::sign(&self.page_secret, proof_id.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag.as_ref())
    }
}

/// SHA-256 of a page token, hex: what the proofs table stores to find the proof.
pub fn token_hash(token: &str) -> String {
    companion_wire::deliveries::sha256_hex(token.as_bytes())
}
