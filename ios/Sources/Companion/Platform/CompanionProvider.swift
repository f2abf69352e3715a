import Foundation
import UIKit

/// Creates the one `CompanionClient` the app uses, on first need, with Application Support as its
/// data directory. Screens and background tasks all ask this provider, so the core's database
/// and runtime are opened exactly once per process.
///
/// Opening reads the Keychain and the account database, so it is `async`; it runs on the core's
/// threads and may be awaited from the main actor (`let client = try await CompanionProvider.get(...)`).
public enum CompanionProvider {
    public static func get(serverUrl: String) async throws -> CompanionClient {
        try await Opener.shared.client(serverUrl: serverUrl)
    }

    /// Serialises the first opening: callers arriving while it runs await the same one.
    private actor Opener {
        static let shared = Opener()
        private var opening: Task<CompanionClient, Error>?

        func client(serverUrl: String) async throws -> CompanionClient {
            if let opening {
                return try await opening.value
            }
            let task = Task { try await CompanionProvider.open(serverUrl: serverUrl) }
            opening = task
            do {
                return try await task.value
            } catch {
                // A failed open (no disk space, Keychain locked) may be retried later.
                opening = nil
                throw error
            }
        }
    }

    private static func open(serverUrl: String) async throws -> CompanionClient {
        #if DEBUG
        _ = initPlatform(logSink: OSLogSink(), level: .debug)
        #else
        _ = initPlatform(logSink: OSLogSink(), level: .info)
        #endif
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        let dataDir = support.appendingPathComponent("companion", isDirectory: true)
        let systemVersion = await MainActor.run { UIDevice.current.systemVersion }
        let device = DeviceInfo(
            platform: "ios",
            model: deviceModel(),
            osVersion: "iOS \(systemVersion)",
            appVersion: Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? "unknown")
        return try await CompanionClient.open(
            config: CompanionConfig(dataDir: dataDir.path, serverUrl: serverUrl, device: device),
            secureStorage: KeychainSecureStorage())
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
