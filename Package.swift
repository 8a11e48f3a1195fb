// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "bridgekeeper",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bridgekeeper", targets: ["bridgekeeper"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
    ],
    targets: [
        // System libraries: a modulemap and a shim.h each; C types never leave the module that imports them.
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // accept4 and posix_spawn's closefrom, which glibc declares only under _GNU_SOURCE.
        .target(name: "CLinux"),

        // The mechanics every part of the daemon shares: starting, scanning and reaping child
        // processes, stop signals, backoff, duration conversions, blocking work off the pool.
        .target(name: "Platform", dependencies: ["CLinux"], swiftSettings: swiftSettings),
        // A private OpenSSH sshd on loopback: the demo's gateway-host sshd, and the tests' real one.
        .target(name: "PrivateSSHD", dependencies: ["Platform"], swiftSettings: swiftSettings),
        // A TOML reader that keeps the line of every key, so config errors can name it.
        .target(name: "TOML", swiftSettings: swiftSettings),
        // Pure rules: addresses, binds, the exposure policy, the host audit.
        .target(name: "Policy", dependencies: ["TOML"], swiftSettings: swiftSettings),
        .target(name: "Quota", swiftSettings: swiftSettings),
        .target(
            name: "TunnelManager",
            dependencies: ["Policy", "Platform", "CLibSSH2", "CLinux", "COpenSSL", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The one database (system SQLite through GRDB): probe results, transitions, incidents, outbox.
        .target(name: "Store", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),
        // HTTP through libcurl, with phase timings: probes, webhooks and the control client.
        .target(name: "CurlHTTP", dependencies: ["Platform", "CCurl"], swiftSettings: swiftSettings),
        .target(
            name: "BridgeProbe",
            dependencies: ["Policy", "Platform", "CurlHTTP"],
            swiftSettings: swiftSettings
        ),
        // Pure translation between the OpenAI chat, OpenAI Responses and Anthropic Messages dialects:
        // order-keeping JSON, SSE, requests, whole answers and streams. Foundation-free, so it
        // builds and tests in seconds.
        .target(name: "Translation", swiftSettings: swiftSettings),
        .target(
            name: "Gateway",
            dependencies: [
                "Policy", "Platform", "Quota", "Store", "Translation", "COpenSSL",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Living under systemd: sd_notify, the watchdog, the journal, the daemon's log handler, and
        // the rule that the first service to fail stops the daemon.
        .target(
            name: "Systemd",
            dependencies: [
                "Platform", "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Bridges bridgekeeper runs itself: restarted with backoff, their output logged, their
        // process tree scanned for listeners beyond loopback and stopped when one appears.
        .target(
            name: "ManagedBridges",
            dependencies: [
                "Policy", "Platform",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Telling on-call what changed: incidents (`IncidentBook`), notices for the journal, webhook
        // payloads and their outbox, reminders, retention.
        .target(
            name: "OnCall",
            dependencies: [
                "Platform", "Store", "Systemd", "BridgeProbe", "CurlHTTP", "TunnelManager",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The config file: TOML to validated types (every problem at once, with its line), the
        // embedded default config and policy, and what each module is given (its own
        // configuration: tunnel specs, probe targets, the gateway's, managed bridges, webhooks).
        .target(
            name: "Config",
            dependencies: ["TOML", "Policy", "Quota", "TunnelManager", "BridgeProbe", "Gateway", "ManagedBridges", "OnCall"],
            resources: [.embedInCode("Resources/default-policy.toml"), .embedInCode("Resources/default-config.toml")],
            swiftSettings: swiftSettings
        ),
        // Bridge states and what feeds them (tunnels, probes), status, the control endpoint.
        .target(
            name: "Supervisor",
            dependencies: [
                "Config", "TOML", "Policy", "Platform", "Store", "TunnelManager", "BridgeProbe", "CurlHTTP", "Gateway", "Systemd", "OnCall",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `bridgekeeper demo`: demo bridges, a private sshd and the daemon as a child, on loopback.
        .target(
            name: "Demo",
            dependencies: [
                "Config", "Supervisor", "Policy", "Platform", "PrivateSSHD", "Translation", "TunnelManager",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bridgekeeper",
            dependencies: [
                "Config", "Supervisor", "Systemd", "ManagedBridges", "OnCall", "Policy", "Platform", "TOML", "Store", "TunnelManager", "BridgeProbe", "CurlHTTP", "Gateway", "Demo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // A real OpenSSH sshd and loopback TCP targets for tunnel tests.
        .target(name: "TestSupport", dependencies: ["Policy", "Platform", "PrivateSSHD", "Systemd"], path: "Tests/TestSupport", swiftSettings: swiftSettings),

        .testTarget(name: "PlatformTests", dependencies: ["Platform", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SystemdTests", dependencies: ["Systemd", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ManagedBridgesTests",
            dependencies: ["ManagedBridges", "Platform", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OnCallTests",
            dependencies: [
                "OnCall", "Systemd", "Store", "BridgeProbe", "TunnelManager", "TestSupport", "Platform", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ConfigTests", dependencies: ["Config", "Policy", "TOML", "Gateway", "OnCall", "TestSupport", "BridgeProbe"],
            swiftSettings: swiftSettings),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"], swiftSettings: swiftSettings),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "TOML", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SupervisorTests", dependencies: ["Supervisor", "Config", "BridgeProbe", "CurlHTTP", "TunnelManager", "Gateway"],
            swiftSettings: swiftSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "TunnelManagerTests", dependencies: ["TunnelManager", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BridgeProbeTests", dependencies: ["BridgeProbe", "CurlHTTP", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "TranslationTests", dependencies: ["Translation"], exclude: ["Golden"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Quota", "Store", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "Store", "Policy"], exclude: ["Python"], swiftSettings: swiftSettings),
    ]
)
