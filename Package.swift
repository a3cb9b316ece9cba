// swift-tools-version: 6.2
import PackageDescription

// Layering (DESIGN.md §5), bottom to top; nothing below knows what is above:
//   CNcurses, CLibURing, CLinux  C bindings and static inline shims only
//   OverlapModel                 shared vocabulary: modes, kinds, snapshot, ServerControl
//   OverlapSystem                the one way into system calls (EINTR retried once, typed Errno),
//                                the named joinable thread, socket addresses, a TCP client
//   OverlapCore                  overlapped requests, engines, notifiers, sessions, counters
//   OverlapDashboard             screen, widgets, view model, key map; sees the model only
//   OverlapMetrics               Prometheus exposition of snapshots and its HTTP server (Hummingbird
//                                on its own one-thread NIO event loop group; the only target that
//                                sees Hummingbird or SwiftNIO, so the engine cannot reach either)
//   OverlapLoad                  the verifying load generator (a client; knows no server code)
//   OverlapHarness               bench and soak: a server driven by the load generator, in process
//   overlap                      argument parsing and wiring only
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "overlap",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "overlap", targets: ["overlap"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // The HTTP side of --metrics-port (OverlapMetrics only). The NIO, HTTP types and service
        // lifecycle packages come with Hummingbird; they are named here because OverlapMetrics
        // uses a few of their types directly (its event loop group, a channel handler, shutdown).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CNcurses", path: "CNcurses", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CLibURing", path: "Sources/CLibURing", pkgConfig: "liburing",
                       providers: [.apt(["liburing-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .target(name: "OverlapModel", swiftSettings: strict),
        .target(
            name: "OverlapSystem",
            dependencies: ["CLinux", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict),
        .target(
            name: "OverlapCore",
            dependencies: [
                "OverlapModel", "OverlapSystem", "CLibURing", "CLinux",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(name: "OverlapDashboard", dependencies: ["OverlapModel", "OverlapSystem", "CNcurses"], swiftSettings: strict),
        .target(
            name: "OverlapMetrics",
            dependencies: [
                "OverlapModel",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // What the server uses beside Hummingbird's own API: its event loop group
                // (NIOPosix), the request guard handler (NIOCore, NIOHTTP1's parser error,
                // NIOHTTPTypes' request parts, HTTPTypes), and stopping on request (ServiceLifecycle).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "OverlapLoad",
            dependencies: [
                "CLinux", "OverlapSystem",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            // Each connection is touched by one thread only; the runtime
            // exclusivity checks on its fields cost the hot loop ~10%.
            swiftSettings: strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        // In-process harnesses that drive a server with the load generator:
        // bench and soak (their logic, tested; the executable only parses).
        .target(
            name: "OverlapHarness",
            dependencies: ["OverlapCore", "OverlapLoad", "OverlapModel", "OverlapSystem",
                           .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict),
        .executableTarget(
            name: "overlap",
            dependencies: [
                "OverlapModel", "OverlapCore", "OverlapDashboard", "OverlapLoad", "OverlapMetrics", "OverlapHarness", "OverlapSystem",
                "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // What every test target shares: the client, waiting with a deadline,
        // the server harness that checks nothing is left behind, and the core's
        // test doubles (the manual engine, the port harness, a recording
        // routine, a router rig), which reach the core's `package` API.
        .target(
            name: "OverlapTestSupport",
            dependencies: ["OverlapCore", "OverlapModel", "OverlapSystem",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "OverlapCoreTests",
            dependencies: ["OverlapCore", "OverlapModel", "OverlapSystem", "OverlapTestSupport", "CLinux",
                           .product(name: "SystemPackage", package: "swift-system"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "OverlapLoadTests",
            dependencies: ["OverlapLoad", "OverlapCore", "OverlapModel", "OverlapSystem", "OverlapTestSupport",
                           "OverlapHarness"],
            swiftSettings: strict),
        .testTarget(
            name: "OverlapMetricsTests",
            dependencies: ["OverlapMetrics", "OverlapCore", "OverlapModel", "OverlapSystem", "OverlapTestSupport",
                           .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict),
        .testTarget(
            name: "OverlapHarnessTests",
            dependencies: ["OverlapHarness", "OverlapCore", "OverlapModel", "OverlapTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "OverlapDashboardTests",
            dependencies: ["OverlapDashboard", "OverlapModel"],
            exclude: ["Golden"],
            swiftSettings: strict),
    ]
)
