// swift-tools-version:6.1
import Foundation
import PackageDescription

// Swift 6 language mode everywhere; `ExistentialAny` on. CI sets PARLEY_WERROR=1 so that
// warnings in *our* targets fail the build (dependencies are not affected).
var parleySwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]
if ProcessInfo.processInfo.environment["PARLEY_WERROR"] == "1" {
    parleySwiftSettings.append(.unsafeFlags(["-warnings-as-errors"]))
}

let package = Package(
    name: "Parley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parleyd", targets: ["parleyd"]),
        .executable(name: "parleyctl", targets: ["parleyctl"]),
        .executable(name: "parley-sim", targets: ["parley-sim"]),
        .executable(name: "parley-bench", targets: ["parley-bench"]),
        .library(name: "ParleyControl", targets: ["ParleyControl"]),
        .library(name: "ParleyConfig", targets: ["ParleyConfig"]),
        // For the libFuzzer package (Fuzz/): the device protocol parsers and the DSP decoders.
        .library(name: "ParleyDevices", targets: ["ParleyDevices"]),
        .library(name: "ParleyDSP", targets: ["ParleyDSP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure core: identifiers, priorities, events, the incident model. No I/O.
        .target(
            name: "ParleyCore",
            swiftSettings: parleySwiftSettings
        ),
        // Configuration: the Sendable struct and its YAML loader (file/line/key errors).
        .target(
            name: "ParleyConfig",
            dependencies: [
                "ParleyCore",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // Incident store: SQLite through GRDB, hash-chained event log, group-commit writer.
        .target(
            name: "ParleyStore",
            dependencies: [
                "ParleyCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // Control protocol: versioned newline-delimited JSON messages and the line decoder.
        // Pure (no sockets) so that parleyctl, the server and the fuzzers share it.
        .target(
            name: "ParleyControl",
            dependencies: ["ParleyCore"],
            swiftSettings: parleySwiftSettings
        ),
        // Control socket server (SwiftNIO, Unix socket, SO_PEERCRED roles, audit).
        .target(
            name: "ParleyControlServer",
            dependencies: [
                "ParleyCore",
                "ParleyControl",
                "ParleyConfig",
                "ParleyStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // systemd integration: sd_notify protocol, watchdog pings.
        .target(
            name: "ParleySystemd",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // Signal processing in pure Swift (no I/O): levels/VOX, tone detection and generation.
        .target(
            name: "ParleyDSP",
            dependencies: ["ParleyCore"],
            swiftSettings: parleySwiftSettings
        ),
        // C libraries as Swift modules. Each shim header holds `static inline` wrappers for the
        // variadic or macro-only C APIs Swift cannot call directly.
        .systemLibrary(name: "CAlsa", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev", "libogg-dev", "libopusenc-dev"])]),
        // Audio adapters: ALSA PCM capture/playback on dedicated threads, Ogg Opus recording.
        .target(
            name: "ParleyAudio",
            dependencies: [
                "ParleyCore", "ParleyDSP", "CAlsa", "COpus",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // Device adapters, one file per hardware variant: PTT (serial RTS/DTR, CM108 HID GPIO,
        // rigctld), COR/squelch inputs, serial ports.
        .target(
            name: "ParleyDevices",
            dependencies: [
                "ParleyCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // Radio channels: capture → squelch → recordings and transmission rows; floor control →
        // PTT; the services parleyd runs per configured channel.
        .target(
            name: "ParleyRadio",
            dependencies: [
                "ParleyCore", "ParleyConfig", "ParleyDSP", "ParleyAudio", "ParleyDevices", "ParleyStore", "ParleyControl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // Telephony: lines on AT voice modems and GSM modems, the call queue, handoffs, deaf text.
        .target(
            name: "ParleyTelephony",
            dependencies: [
                "ParleyCore", "ParleyConfig", "ParleyDSP", "ParleyAudio", "ParleyDevices", "ParleyStore", "ParleyControl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        .executableTarget(
            name: "parleyd",
            dependencies: [
                "ParleyCore", "ParleyConfig", "ParleyStore", "ParleyControl",
                "ParleyControlServer", "ParleySystemd", "ParleyRadio", "ParleyTelephony", "ParleyDevices", "ParleyAudio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        .executableTarget(
            name: "parleyctl",
            dependencies: [
                "ParleyCore", "ParleyControl", "ParleyStore", "ParleyDSP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        .executableTarget(
            name: "parley-sim",
            dependencies: [
                "ParleyCore", "ParleyDSP", "ParleyDevices",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        .executableTarget(
            name: "parley-bench",
            dependencies: [
                "ParleyCore", "ParleyStore", "ParleyDSP", "ParleyAudio", "ParleyDevices",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        // Helpers the test targets share (not a test target: no tests of its own).
        .target(
            name: "ParleyTestSupport", dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/ParleyTestSupport", swiftSettings: parleySwiftSettings),
        .testTarget(name: "ParleyCoreTests", dependencies: ["ParleyCore"], swiftSettings: parleySwiftSettings),
        .testTarget(name: "ParleyConfigTests", dependencies: ["ParleyConfig", "ParleyCore"], swiftSettings: parleySwiftSettings),
        .testTarget(
            name: "ParleyStoreTests",
            dependencies: ["ParleyStore", "ParleyCore", "ParleyTestSupport", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: parleySwiftSettings
        ),
        .testTarget(name: "ParleyControlTests", dependencies: ["ParleyControl", "ParleyCore"], swiftSettings: parleySwiftSettings),
        .testTarget(
            name: "ParleyControlServerTests",
            dependencies: ["ParleyControlServer", "ParleyControl", "ParleyStore", "ParleyConfig", "ParleyCore",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: parleySwiftSettings
        ),
        .testTarget(name: "ParleyDSPTests", dependencies: ["ParleyDSP", "ParleyCore"], swiftSettings: parleySwiftSettings),
        .testTarget(
            name: "ParleyAudioTests",
            dependencies: ["ParleyAudio", "ParleyDSP", "ParleyCore", "CAlsa", "ParleyTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: parleySwiftSettings
        ),
        .testTarget(
            name: "ParleyDevicesTests",
            dependencies: ["ParleyDevices", "ParleyCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: parleySwiftSettings
        ),
        .testTarget(
            name: "ParleyRadioTests",
            dependencies: [
                "ParleyRadio", "ParleyConfig", "ParleyCore", "ParleyStore", "ParleyDevices", "ParleyAudio", "ParleyDSP", "ParleyControl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        .testTarget(
            name: "ParleyTelephonyTests",
            dependencies: [
                "ParleyTelephony", "ParleyConfig", "ParleyCore", "ParleyStore", "ParleyDevices", "ParleyDSP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: parleySwiftSettings
        ),
        .testTarget(
            name: "ParleySystemdTests", dependencies: ["ParleySystemd", "ParleyTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: parleySwiftSettings),
        // End-to-end tests that run the built parleyd/parleyctl binaries as real processes.
        .testTarget(name: "ParleyDaemonTests", dependencies: ["ParleyControl", "ParleyCore", "ParleyDevices", "ParleyDSP"], swiftSettings: parleySwiftSettings),
    ]
)
