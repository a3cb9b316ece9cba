// swift-tools-version: 6.2
import PackageDescription

// Layering (DESIGN.md §5), bottom to top; nothing below knows what is above:
//   CNcurses, CLibURing, CLinux  C bindings and static inline shims only
//   OverlapModel                 shared vocabulary: modes, kinds, snapshot, ServerControl
//   OverlapCore                  overlapped requests, engines, notifiers, sessions, counters
//   OverlapDashboard             screen, widgets, view model, key map; sees the model only
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
    ],
    targets: [
        .systemLibrary(name: "CNcurses", path: "CNcurses", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CLibURing", path: "Sources/CLibURing", pkgConfig: "liburing",
                       providers: [.apt(["liburing-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .target(name: "OverlapModel", swiftSettings: strict),
        .target(
            name: "OverlapCore",
            dependencies: [
                "OverlapModel", "CLibURing", "CLinux",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict),
        .target(name: "OverlapDashboard", dependencies: ["OverlapModel", "CNcurses"], swiftSettings: strict),
        .executableTarget(
            name: "overlap",
            dependencies: [
                "OverlapModel", "OverlapCore", "OverlapDashboard", "CLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "OverlapCoreTests",
            dependencies: ["OverlapCore", "OverlapModel", "CLinux"],
            swiftSettings: strict),
        .testTarget(
            name: "OverlapDashboardTests",
            dependencies: ["OverlapDashboard", "OverlapModel"],
            exclude: ["Golden"],
            swiftSettings: strict),
    ]
)
