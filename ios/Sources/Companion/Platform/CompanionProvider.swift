import Foundation
import UIKit

/// Creates the one `CompanionClient` the app uses, on first need, with Application Support as its
/// data directory. Screens and background tasks all ask this provider, so the core's database
/// and runtime are opened exactly once per process.
public enum CompanionProvider {
    private static let lock = NSLock()
    private static var shared: CompanionClient?

    public static func get(serverUrl: String) throws -> CompanionClient {
        lock.lock()
        defer { lock.unlock() }
        if let shared { return shared }
        #if DEBUG
        _ = initPlatform(logSink: OSLogSink(), level: .debug)
        #else
        _ = initPlatform(logSink: OSLogSink(), level: .info)
        #endif
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        let dataDir = support.appendingPathComponent("companion", isDirectory: true)
        let device = DeviceInfo(
            platform: "ios",
            model: deviceModel(),
            osVersion: "iOS \(UIDevice.current.systemVersion)",
            appVersion: Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? "unknown")
        let companion = try CompanionClient.open(
            config: CompanionConfig(dataDir: dataDir.path, serverUrl: serverUrl, device: device),
            secureStorage: KeychainSecureStorage())
        shared = companion
        return companion
    }

    /// The hardware identifier ("iPhone15,2"); UIDevice.model only says "iPhone".
    private static func deviceModel() -> String {
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
