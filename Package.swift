// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "privatelinkd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "privatelinkd", targets: ["privatelinkd"]),
        .library(name: "Core", targets: ["Core"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // The system SQLite (Debian: libsqlite3-dev), reached through its C API.
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Linux calls Swift's Glibc module does not export (epoll, eventfd, accept4).
        .target(name: "CSystem", path: "Sources/CSystem"),
        // glibc's DNS resolver (res_nsend, ns_parse) for the verifier.
        .target(name: "CResolv", path: "Sources/CResolv", linkerSettings: [.linkedLibrary("resolv")]),
        // OpenSSL's TLS client (Debian: libssl-dev) for the verifier's handshake and certificate check.
        .target(name: "CTLS", path: "Sources/CTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // Everything but HTTP: catalog, setups, validation, store.
        .target(
            name: "Core",
            dependencies: [
                "CSQLite",
                "CResolv",
                "CTLS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/catalog.json")]
        ),
        // The HTTP/1.1 server on POSIX sockets, the API routes and the commands.
        .target(
            name: "Server",
            dependencies: [
                "Core",
                "CSystem",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/ui")]
        ),
        .executableTarget(name: "privatelinkd", dependencies: ["Server"]),
        // Helpers both test targets use (the verification fixture); not part of any product.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["Core", "Server", "TestSupport"], resources: [.copy("Resources")]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Core", "TestSupport", .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
