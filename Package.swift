// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ingest",
    products: [
        .executable(name: "ingest", targets: ["ingest"]),
        .library(name: "ChannelIngest", targets: ["ChannelIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // zlib from the system (`apt-get install zlib1g-dev`), seen through a module map.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Intel ISA-L's inflate (`apt-get install libisal-dev`), the default gzip reader.
        .systemLibrary(
            name: "CISAL",
            path: "Sources/CISAL",
            providers: [.apt(["libisal-dev"])]
        ),
        .target(
            name: "ChannelIngest",
            dependencies: ["CZlib", "CISAL", .product(name: "TOMLKit", package: "TOMLKit"), .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Mustache", package: "swift-mustache"), .product(name: "Yams", package: "Yams")],
            resources: [.copy("Channels/Lists"), .copy("Traffic/BotList"), .copy("Reports/Templates")],
            // Dynamic exclusivity checks cost ~5 % on the per-line path; the pipeline's state is
            // owned by one thread at a time, so release builds leave them out.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "ingest",
            dependencies: [
                "ChannelIngest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ChannelIngestTests",
            dependencies: ["ChannelIngest"],
            exclude: ["Golden"]  // read by path (#filePath), reviewed by hand
        ),
    ],
    swiftLanguageModes: [.v5]
)
