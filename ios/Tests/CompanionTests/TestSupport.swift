import CoreGraphics
import Foundation
import ImageIO
import XCTest
import Companion

// What the XCTest files share: the reference server to talk to, phones (clients in their own
// temporary sandboxes), and the repository's barcode frames as luma planes.
//
// The tests need a running reference server, which an iOS test process cannot start itself.
// From the repository root, before running the tests:
//
//     cargo run -p companion-cli -- serve --addr 127.0.0.1:8750 --db /tmp/companion-ios-tests.db --catalogue-rows 4000
//
// and set COMPANION_TEST_SERVER_URL=http://127.0.0.1:8750 in the test scheme's environment
// (xcodebuild: TEST_RUNNER_COMPANION_TEST_SERVER_URL=...). The simulator shares the Mac's
// loopback and file system, so the frames are read from fixtures/ in place; on a device these
// tests cannot run.

enum TestServer {
    static let demoPassword = "demo-password"

    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["COMPANION_TEST_SERVER_URL"], !url.isEmpty else {
                throw TestSetupError.noServer
            }
            return url
        }
    }
}

enum TestSetupError: Error, CustomStringConvertible {
    case noServer
    case fixture(String)

    var description: String {
        switch self {
        case .noServer:
            return "COMPANION_TEST_SERVER_URL is not set: start `companion serve --catalogue-rows 4000` (see TestSupport.swift)"
        case .fixture(let what):
            return "fixture missing or unreadable: \(what)"
        }
    }
}

/// What Keychain would be on a phone: a dictionary.
final class InMemorySecureStorage: SecureStorage, @unchecked Sendable {
    private var entries: [String: Data] = [:]
    private let lock = NSLock()

    func get(key: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func put(key: String, value: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        entries[key] = value
    }

    func delete(key: String) throws {
        lock.lock()
        defer { lock.unlock() }
        entries[key] = nil
    }
}

/// Small download pages: many round trips, so progress is visible and a sync can be cut.
let smallPages = Tuning(syncPageRows: 100)

/// Opens a client the way CompanionProvider does, in a fresh temporary sandbox.
func openPhone(tuning: Tuning = Tuning()) async throws -> CompanionClient {
    let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
    try FileManager.default.createDirectory(at: sandbox, withIntermediateDirectories: true)
    let device = DeviceInfo(platform: "ios", model: "XCTest", osVersion: "simulator", appVersion: "0.1.0-test")
    return try await CompanionClient.open(
        config: CompanionConfig(dataDir: sandbox.path, serverUrl: try TestServer.url, device: device, tuning: tuning),
        secureStorage: InMemorySecureStorage())
}

/// A phone on which `user` (maria, lena, dave) has signed in.
func signedIn(_ user: String, tuning: Tuning = Tuning()) async throws -> CompanionClient {
    let client = try await openPhone(tuning: tuning)
    _ = try await client.signIn(username: user, password: TestServer.demoPassword)
    return client
}

/// Reads values until one matches; nil if the stream finished first.
func next<T>(_ iterator: inout AsyncStream<T>.Iterator, where matches: (T) -> Bool) async -> T? {
    while let value = await iterator.next() {
        if matches(value) { return value }
    }
    return nil
}

extension SyncActivity {
    /// Download progress while syncing.
    var progress: (done: Int64, total: Int64)? {
        if case let .syncing(done, total) = self { return (done, total) }
        return nil
    }
}

/// The repository's fixtures/barcode-frames, found from this file's path.
enum TestFrames {
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // CompanionTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // ios
            .deletingLastPathComponent()  // repository
            .appendingPathComponent("fixtures/barcode-frames", isDirectory: true)
    }

    /// The accepted texts (text, text_raw, alt_texts) of each code the manifest lists for `file`.
    static func expectedTexts(_ file: String) throws -> [Set<String>] {
        let manifest = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        guard let root = try JSONSerialization.jsonObject(with: manifest) as? [String: Any],
              let frames = root["frames"] as? [[String: Any]],
              let frame = frames.first(where: { $0["file"] as? String == file }),
              let expected = frame["expected"] as? [[String: Any]]
        else { throw TestSetupError.fixture("manifest entry for \(file)") }
        return expected.map { code in
            var texts = Set<String>()
            if let text = code["text"] as? String { texts.insert(text) }
            if let raw = code["text_raw"] as? String { texts.insert(raw) }
            for alt in code["alt_texts"] as? [String] ?? [] { texts.insert(alt) }
            return texts
        }
    }

    /// A frame's luma plane, packed (row stride = width), upright (rotation 0), as a camera's
    /// Y plane would be handed over.
    static func luma(_ file: String) throws -> (data: Data, width: UInt32, height: UInt32) {
        let url = directory.appendingPathComponent(file)
        guard let source = CGImageSourceCreateWithURL(url as CFURL, nil),
              let image = CGImageSourceCreateImageAtIndex(source, 0, nil)
        else { throw TestSetupError.fixture(file) }
        let width = image.width
        let height = image.height
        var pixels = [UInt8](repeating: 0, count: width * height)
        let drawn = pixels.withUnsafeMutableBytes { raw -> Bool in
            guard let context = CGContext(
                data: raw.baseAddress, width: width, height: height, bitsPerComponent: 8, bytesPerRow: width,
                space: CGColorSpaceCreateDeviceGray(), bitmapInfo: CGImageAlphaInfo.none.rawValue)
            else { return false }
            context.draw(image, in: CGRect(x: 0, y: 0, width: width, height: height))
            return true
        }
        guard drawn else { throw TestSetupError.fixture("\(file) as grey pixels") }
        return (Data(pixels), UInt32(width), UInt32(height))
    }
}
