// swift-tools-version:6.0
// libFuzzer targets over ingest's parsers: built and run by scripts/fuzz, never by `swift build`
// of the main package (they have no main of their own: libFuzzer brings it).
import PackageDescription

let targets = ["ncsa", "log_format", "w3c", "alb", "json_lines", "ga4", "gzip", "url", "crm", "config", "lists", "partials", "paths"]

let package = Package(
    name: "IngestFuzz",
    dependencies: [.package(name: "ingest", path: "..")],
    targets: [.target(name: "FuzzDriver")] + targets.map { name in
        .executableTarget(
            name: "fuzz_\(name)",
            dependencies: ["FuzzDriver", .product(name: "ChannelIngest", package: "ingest")],
            path: "Sources/\(name)"
        )
    },
    swiftLanguageModes: [.v5]
)
