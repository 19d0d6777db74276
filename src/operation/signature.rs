//! JWT signatures checked with ring, the crypto library the HTTPS client already links,
//! on keys `jsonwebtoken` parsed (PEM, JWK): one crypto library in the binary instead of
//! two (RustCrypto's RSA, P-256/384 and Ed25519 were 450 KB of code).

use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind};
use ring::{hmac, signature};

/// Whether `signature` (already base64-decoded) signs `message` under `key` with
/// `algorithm`. A key of another family, or one ring cannot use, verifies nothing.
pub fn verifies(algorithm: Algorithm, key: &DecodingKey, message: &[u8], signature: &[u8]) -> bool {
    use Algorithm::*;
    let family_ok = key.family() == algorithm.family();
    if !family_ok {
        return false;
    }
    match algorithm {
        HS256 => hmac_verifies(hmac::HMAC_SHA256, key, message, signature),
        HS384 => hmac_verifies(hmac::HMAC_SHA384, key, message, signature),
        HS512 => hmac_verifies(hmac::HMAC_SHA512, key, message, signature),
        // PyJWT (through `cryptography`) takes 1024-bit RSA keys: ring does too where
        // it has the parameters for them.
        RS256 => rsa_verifies(
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            key,
            message,
            signature,
        ),
        RS384 => rsa_verifies(
            &signature::RSA_PKCS1_2048_8192_SHA384,
            key,
            message,
            signature,
        ),
        RS512 => rsa_verifies(
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            key,
            message,
            signature,
        ),
        PS256 => rsa_verifies(
            &signature::RSA_PSS_2048_8192_SHA256,
            key,
            message,
            signature,
        ),
        PS384 => rsa_verifies(
            &signature::RSA_PSS_2048_8192_SHA384,
            key,
            message,
            signature,
        ),
        PS512 => rsa_verifies(
            &signature::RSA_PSS_2048_8192_SHA512,
            key,
            message,
            signature,
        ),
        ES256 => plain_verifies(&signature::ECDSA_P256_SHA256_FIXED, key, message, signature),
        ES384 => plain_verifies(&signature::ECDSA_P384_SHA384_FIXED, key, message, signature),
        EdDSA => plain_verifies(&signature::ED25519, key, message, signature),
        // An algorithm a later jsonwebtoken adds: not one AgentOS knows.
        _ => false,
    }
}

fn hmac_verifies(
    algorithm: hmac::Algorithm,
    key: &DecodingKey,
    message: &[u8],
    signature: &[u8],
) -> bool {
    match key.kind() {
        DecodingKeyKind::SecretOrDer(secret) => {
            hmac::verify(&hmac::Key::new(algorithm, secret), message, signature).is_ok()
        }
        DecodingKeyKind::RsaModulusExponent { .. } => false,
    }
}

fn rsa_verifies(
    parameters: &'static signature::RsaParameters,
    key: &DecodingKey,
    message: &[u8],
    signature: &[u8],
) -> bool {
    match key.kind() {
        // PKCS#1 `RSAPublicKey`, as jsonwebtoken extracts it from a PEM.
        DecodingKeyKind::SecretOrDer(der) => signature::UnparsedPublicKey::new(parameters, der)
            .verify(message, signature)
            .is_ok(),
        DecodingKeyKind::RsaModulusExponent { n, e } => signature::RsaPublicKeyComponents { n, e }
            .verify(parameters, message, signature)
            .is_ok(),
    }
}

/// EC (an uncompressed point) and Ed25519 (32 bytes) keys.
fn plain_verifies(
    algorithm: &'static dyn signature::VerificationAlgorithm,
    key: &DecodingKey,
    message: &[u8],
    signature: &[u8],
) -> bool {
    match key.kind() {
        DecodingKeyKind::SecretOrDer(public) => {
            signature::UnparsedPublicKey::new(algorithm, public)
                .verify(message, signature)
                .is_ok()
        }
        DecodingKeyKind::RsaModulusExponent { .. } => false,
    }
}
