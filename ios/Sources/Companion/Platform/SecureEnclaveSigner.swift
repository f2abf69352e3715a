import Foundation
import Security

/// The proof-of-delivery signer on iOS: a P-256 key created in, and never leaving, the Secure
/// Enclave. Pass it to `CompanionClient.openWithSigner(config:secureStorage:proofSigner:)`;
/// its public key is registered at sign-in and the core seals every proof with it.
///
///     let signer = try SecureEnclaveSigner()
///     let client = try await CompanionClient.openWithSigner(
///         config: config, secureStorage: KeychainSecureStorage(), proofSigner: signer)
///
/// The generated `ProofSigner` contract, followed as documented:
/// - `publicKey()`: uncompressed SEC1, 65 bytes `0x04 || X || Y`, which is exactly what
///   `SecKeyCopyExternalRepresentation` gives for an EC public key;
/// - `sign(message:)`: ASN.1 DER ECDSA P-256 SHA-256 over the message, the signer hashing it:
///   `.ecdsaSignatureMessageX962SHA256` returns that DER form, so it is passed on unchanged
///   (no conversion to raw r || s).
///
/// The key is one Keychain item (tag `app.companion.proof-signer`), created on first use and
/// found again on every launch, since the server only accepts seals by the registered key.
/// Access: `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly` with `.privateKeyUsage` (a
/// proof can be sealed with the phone locked in a cradle after its first unlock; no user
/// presence is asked, and the key never follows a backup or migration).
///
/// No Secure Enclave (the simulator, an old device): the trait documents a key the shell keeps
/// in the Secure Enclave and says nothing of a software key, so there is no silent fallback:
/// `init` throws `ProofSignerError.Failed`. The app then opens with `CompanionClient.open`
/// (the core's own device key, kept by `KeychainSecureStorage`), as the Android shell does
/// without StrongBox or Keystore.
public final class SecureEnclaveSigner: ProofSigner, @unchecked Sendable {
    private let privateKey: SecKey
    private let publicKeyBytes: Data

    /// Finds the Secure Enclave key tagged `tag`, or creates it. Throws if there is no Secure
    /// Enclave or the Keychain refuses.
    public init(tag: String = "app.companion.proof-signer") throws {
        let tagData = Data(tag.utf8)
        let key = try SecureEnclaveSigner.existingKey(tagData) ?? SecureEnclaveSigner.createKey(tagData)
        privateKey = key
        guard let publicKey = SecKeyCopyPublicKey(key) else {
            throw ProofSignerError.Failed(reason: "the Secure Enclave key has no public key")
        }
        var error: Unmanaged<CFError>?
        guard let exported = SecKeyCopyExternalRepresentation(publicKey, &error) as Data? else {
            throw SecureEnclaveSigner.failure("export the public key", error)
        }
        guard exported.count == 65, exported.first == 0x04 else {
            throw ProofSignerError.Failed(reason: "the public key is not uncompressed SEC1 P-256 (\(exported.count) bytes)")
        }
        publicKeyBytes = exported
    }

    public func publicKey() -> Data {
        publicKeyBytes
    }

    public func sign(message: Data) throws -> Data {
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(
            privateKey, .ecdsaSignatureMessageX962SHA256, message as CFData, &error) as Data?
        else {
            throw SecureEnclaveSigner.failure("sign", error)
        }
        return signature
    }

    /// Removes the key (a reset of the app's data); the next `init` creates a new one, which
    /// must be registered again by signing in.
    public static func deleteKey(tag: String = "app.companion.proof-signer") throws {
        let status = SecItemDelete(query(Data(tag.utf8)) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw ProofSignerError.Failed(reason: "keychain could not delete the proof key: OSStatus \(status)")
        }
    }

    private static func query(_ tag: Data) -> [String: Any] {
        [
            kSecClass as String: kSecClassKey,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeyClass as String: kSecAttrKeyClassPrivate,
            kSecAttrApplicationTag as String: tag,
        ]
    }

    private static func existingKey(_ tag: Data) throws -> SecKey? {
        var lookup = query(tag)
        lookup[kSecAttrTokenID as String] = kSecAttrTokenIDSecureEnclave
        lookup[kSecReturnRef as String] = true
        var item: CFTypeRef?
        let status = SecItemCopyMatching(lookup as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let item, CFGetTypeID(item) == SecKeyGetTypeID() else {
                throw ProofSignerError.Failed(reason: "the keychain item of the proof key is not a key")
            }
            return (item as! SecKey)
        case errSecItemNotFound:
            return nil
        default:
            throw ProofSignerError.Failed(reason: "keychain could not read the proof key: OSStatus \(status)")
        }
    }

    private static func createKey(_ tag: Data) throws -> SecKey {
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            kCFAllocatorDefault, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, .privateKeyUsage, &error)
        else {
            throw failure("create the key's access control", error)
        }
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: tag,
                kSecAttrAccessControl as String: access,
            ] as [String: Any],
        ]
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw failure("create a key in the Secure Enclave (none on the simulator)", error)
        }
        return key
    }

    private static func failure(_ action: String, _ error: Unmanaged<CFError>?) -> ProofSignerError {
        let reason = error.map { String(describing: $0.takeRetainedValue()) } ?? "no reason given"
        return ProofSignerError.Failed(reason: "could not \(action): \(reason)")
    }
}
