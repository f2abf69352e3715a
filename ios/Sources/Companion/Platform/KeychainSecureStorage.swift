import Foundation
import Security

/// The core's secure storage on iOS: one generic-password Keychain item per key, readable only
/// on this device after its first unlock (background sync must reach the tokens while the phone
/// is locked in a pocket; "ThisDeviceOnly" keeps them out of backups and device migration,
/// where the device signing key must not follow).
public final class KeychainSecureStorage: SecureStorage, @unchecked Sendable {
    private let service: String

    /// `service` scopes the items to this app (and to one environment, if the app has several).
    public init(service: String = "app.companion.secure-storage") {
        self.service = service
    }

    public func get(key: String) throws -> Data? {
        var query = baseQuery(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data else {
                throw PlatformError.Failed(reason: "keychain item '\(key)' holds no data")
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw failure("read", key, status)
        }
    }

    public func put(key: String, value: Data) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: value,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let status = SecItemUpdate(baseQuery(key) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            var item = baseQuery(key)
            item.merge(attributes) { _, new in new }
            let added = SecItemAdd(item as CFDictionary, nil)
            guard added == errSecSuccess else { throw failure("store", key, added) }
        } else if status != errSecSuccess {
            throw failure("store", key, status)
        }
    }

    public func delete(key: String) throws {
        let status = SecItemDelete(baseQuery(key) as CFDictionary)
        // Deleting a missing key is not an error for the core.
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw failure("delete", key, status)
        }
    }

    private func baseQuery(_ key: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
        ]
    }

    private func failure(_ action: String, _ key: String, _ status: OSStatus) -> PlatformError {
        let text = SecCopyErrorMessageString(status, nil) as String? ?? "OSStatus \(status)"
        return PlatformError.Failed(reason: "keychain could not \(action) '\(key)': \(text)")
    }
}
