//! Compact JWS signing (RS256 for Google's OAuth, ES256 for APNs) with ring.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair};

use crate::ProviderError;

/// The DER bytes of the first PEM block (`-----BEGIN PRIVATE KEY-----` …), as service-account
/// JSON keys and APNs `.p8` files hold them.
pub fn pem_to_der(pem: &str) -> Result<Vec<u8>, ProviderError> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    if body.is_empty() {
        return Err(ProviderError::Credentials("no PEM block in the key".into()));
    }
    STANDARD
        .decode(body)
        .map_err(|_| ProviderError::Credentials("the PEM key is not valid base64".into()))
}

fn signing_input(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// An RS256 signer (Google service accounts).
pub(crate) struct Rs256(RsaKeyPair);

impl Rs256 {
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, ProviderError> {
        let der = pem_to_der(pem)?;
        RsaKeyPair::from_pkcs8(&der)
            .map(Rs256)
            .map_err(|e| ProviderError::Credentials(format!("not an RSA PKCS#8 key: {e}")))
    }

    pub fn sign(
        &self,
        header: &serde_json::Value,
        claims: &serde_json::Value,
    ) -> Result<String, ProviderError> {
        let input = signing_input(header, claims);
        let mut sig = vec![0u8; self.0.public().modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| ProviderError::Credentials("RSA signing failed".into()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

/// An ES256 signer (APNs provider tokens). ring's fixed encoding is JWS's `r || s`.
pub(crate) struct Es256(EcdsaKeyPair);

impl Es256 {
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, ProviderError> {
        let der = pem_to_der(pem)?;
        EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &der,
            &SystemRandom::new(),
        )
        .map(Es256)
        .map_err(|e| ProviderError::Credentials(format!("not a P-256 PKCS#8 key: {e}")))
    }

    pub fn sign(
        &self,
        header: &serde_json::Value,
        claims: &serde_json::Value,
    ) -> Result<String, ProviderError> {
        let input = signing_input(header, claims);
        let sig = self
            .0
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| ProviderError::Credentials("ECDSA signing failed".into()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }
}

/// Splits a compact JWS and checks its signature with `verify`; returns (header, claims).
/// Used by the stand-ins, which check tokens as the providers would.
#[cfg(feature = "standins")]
pub(crate) fn verify(
    jwt: &str,
    alg: &'static dyn signature::VerificationAlgorithm,
    public_key: &[u8],
) -> Option<(serde_json::Value, serde_json::Value)> {
    let mut parts = jwt.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    signature::UnparsedPublicKey::new(alg, public_key)
        .verify(format!("{h}.{c}").as_bytes(), &sig)
        .ok()?;
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    Some((header, claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_a_block_is_a_credentials_error() {
        assert!(pem_to_der("hello").is_err());
        assert!(pem_to_der("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----").is_err());
    }
}
