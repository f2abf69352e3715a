// swift-tools-version:5.9
// The Companion core for iOS apps: one `import Companion` gives the uniffi-generated API
// (Sources/Companion/Generated, written by scripts/gen-bindings.sh), the AsyncStream layer over
// its listener streams (Sources/Companion/Streams) and the thin platform shell
// (Sources/Companion/Platform: Keychain storage, OSLog sink, provider, permissions).
// Tests/CompanionTests: XCTest twins of the JVM tests; they need a running reference server
// (see Tests/CompanionTests/TestSupport.swift) and run on the simulator.
//
// CompanionFFI.xcframework holds libcompanion_ffi.a for device and simulator plus the C headers
// from ios/Headers; build it as ios/README.md describes. It is a build product, not checked in.
import PackageDescription

let package = Package(
    name: "Companion",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "Companion", targets: ["Companion"]),
    ],
    targets: [
        // Declares the C modules CompanionFFI and CompanionCoreFFI (Headers/module.modulemap)
        // that the generated Swift imports.
        .binaryTarget(name: "CompanionFFI", path: "CompanionFFI.xcframework"),
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
