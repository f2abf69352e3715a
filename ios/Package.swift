// swift-tools-version:5.9
// The Companion core for iOS apps: one `import Companion` gives the uniffi-generated API
// (Sources/Companion/Generated, written by scripts/gen-bindings.sh), the AsyncStream layer over
// its listener streams (Sources/Companion/Streams) and the thin platform shell
// (Sources/Companion/Platform: Keychain storage, OSLog sink, provider, permissions).
// Tests/CompanionTests: XCTest twins of the JVM tests; they need a running reference server
// (see Tests/CompanionTests/TestSupport.swift) and run on the simulator.
//
// CompanionFFI.xcframework holds libcompanion_ffi.a for device, simulator and macOS plus the C
// headers from ios/Headers; scripts/build-xcframework.sh builds it (a build product, not checked
// in). By default the package uses that local build (ios/CompanionFFI.xcframework). To use a
// released artefact instead, set both COMPANION_FFI_URL (the published
// CompanionFFI.xcframework.zip) and COMPANION_FFI_CHECKSUM (what the script printed, i.e.
// `swift package compute-checksum` of that zip) in the environment of `swift build` /
// `xcodebuild`. Xcode started from the Dock or Finder does not see shell variables: there,
// replace the `path:` line of the `else` branch below by the commented `url:` line.
import Foundation
import PackageDescription

let environment = ProcessInfo.processInfo.environment
let companionFFI: Target
if let url = environment["COMPANION_FFI_URL"], let checksum = environment["COMPANION_FFI_CHECKSUM"] {
    companionFFI = .binaryTarget(name: "CompanionFFI", url: url, checksum: checksum)
} else {
    companionFFI = .binaryTarget(name: "CompanionFFI", path: "CompanionFFI.xcframework")
    // companionFFI = .binaryTarget(name: "CompanionFFI", url: "https://.../CompanionFFI.xcframework.zip", checksum: "...")
}

let package = Package(
    name: "Companion",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "Companion", targets: ["Companion"]),
    ],
    targets: [
        // Declares the C modules CompanionFFI and CompanionCoreFFI (Headers/module.modulemap)
        // that the generated Swift imports.
        companionFFI,
        .target(
            name: "Companion",
            dependencies: ["CompanionFFI"],
            path: "Sources/Companion"
        ),
        .testTarget(
            name: "CompanionTests",
            dependencies: ["Companion"],
            path: "Tests/CompanionTests"
        ),
    ]
)
