// swift-tools-version:6.0
// The streaming benchmark's two ends (scripts/bench-streams): an upstream that answers every chat
// request with an SSE stream of timestamped chunks, and a client holding many such streams at once.
// Plain SwiftNIO, so that neither end costs much per stream; built in release by the script.
import PackageDescription

let package = Package(
    name: "bench-streams-tool",
    dependencies: [.package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0")],
    targets: [
        .executableTarget(
            name: "bench-streams-tool",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")])
    ],
    // Event-loop-bound handlers, as NIO's own examples: the Swift 5 mode keeps them plain.
    swiftLanguageModes: [.v5]
)
