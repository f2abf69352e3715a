import Foundation

/// The APNs side of `client.push().registerToken(provider: .apns, token:environment:)`: the
/// device token as the core takes it (hex; the core refuses anything else) and the APNs
/// environment that issued it, which the server needs to pick the sandbox or production host.
///
///     func application(_ app: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken token: Data) {
///         Task { _ = try await client.push().registerToken(
///             provider: .apns, token: ApnsToken.hex(token), environment: ApnsToken.environment()) }
///     }
///
/// Call `registerToken` with every token iOS hands over (on every launch after
/// `registerForRemoteNotifications()`, and again when it rotates): the core makes a request
/// only when one is due (a new or rotated token, the monthly refresh) and answers `.upToDate`
/// otherwise.
public enum ApnsToken {
    /// The token from `didRegisterForRemoteNotificationsWithDeviceToken`, lower-case hex.
    public static func hex(_ deviceToken: Data) -> String {
        deviceToken.map { String(format: "%02x", $0) }.joined()
    }

    /// Which APNs environment issues this build's tokens: the `aps-environment` entitlement it
    /// was signed with. The simulator gets sandbox tokens. On a device, a build from Xcode or
    /// an ad-hoc build carries `embedded.mobileprovision`, whose entitlements say it
    /// (`development` is the sandbox); App Store and TestFlight builds carry no profile and
    /// get production tokens.
    public static func environment(bundle: Bundle = .main) -> ApnsEnvironment {
        #if targetEnvironment(simulator)
        return .sandbox
        #else
        guard let url = bundle.url(forResource: "embedded", withExtension: "mobileprovision"),
              let profile = try? Data(contentsOf: url) else {
            return .production
        }
        return environment(provisioningProfile: profile)
        #endif
    }

    /// The `aps-environment` of a provisioning profile: a CMS-signed message whose content,
    /// the profile's plist, is stored in clear between `<?xml` and `</plist>`. Production when
    /// the profile names no sandbox.
    public static func environment(provisioningProfile profile: Data) -> ApnsEnvironment {
        guard let start = profile.range(of: Data("<?xml".utf8)),
              let end = profile.range(of: Data("</plist>".utf8), in: start.lowerBound..<profile.endIndex) else {
            return .production
        }
        let plist = profile.subdata(in: start.lowerBound..<end.upperBound)
        guard let root = try? PropertyListSerialization.propertyList(from: plist, options: [], format: nil) as? [String: Any],
              let entitlements = root["Entitlements"] as? [String: Any],
              let aps = entitlements["aps-environment"] as? String else {
            return .production
        }
        return aps == "development" ? .sandbox : .production
    }
}
