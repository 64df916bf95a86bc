import XCTest
@testable import ChannelIngest

/// Every fuzz seed and every crasher libFuzzer ever found (`Fuzz/Corpus`, `Fuzz/Crashers`),
/// replayed through the same entry points the fuzz targets use. A crasher fixed stays fixed.
final class FuzzRegressionTests: XCTestCase {
    static let fuzz = EndToEndTests.root.appendingPathComponent("Fuzz")

    func inputs(_ target: String) -> [URL] {
        ["Corpus", "Crashers"].flatMap { kind -> [URL] in
            let dir = Self.fuzz.appendingPathComponent(kind).appendingPathComponent(target)
            return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
                .filter { !$0.lastPathComponent.hasPrefix(".") }
        }
    }

    func replay(_ target: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        let files = inputs(target)
        if !target.isEmpty { XCTAssertFalse(files.isEmpty && ["ncsa", "config"].contains(target), "no seeds for \(target)") }
        for url in files {
            let data = try Data(contentsOf: url)
            data.withUnsafeBytes(body)
        }
    }

    func testEverySeedAndCrasher() throws {
        try replay("ncsa") { FuzzEntry.lines(oneOf: [.combined, .common, .vhostCombined], $0) }
        try replay("log_format") { FuzzEntry.lines(.logFormat, $0) }
        try replay("w3c") { FuzzEntry.lines(.w3c, $0) }
        try replay("alb") { FuzzEntry.lines(.alb, $0) }
        try replay("json_lines") { FuzzEntry.lines(oneOf: [.caddy, .cloudflare, .json], $0) }
        try replay("ga4") { FuzzEntry.lines(.ga4, $0) }
        try replay("gzip") { FuzzEntry.gzip($0) }
        try replay("url") { FuzzEntry.url($0) }
        try replay("crm") { FuzzEntry.crm($0) }
        try replay("config") { FuzzEntry.config($0) }
        try replay("lists") { FuzzEntry.lists($0) }
        try replay("partials") { FuzzEntry.partials($0) }
        try replay("paths") { FuzzEntry.paths($0) }
        XCTAssertGreaterThanOrEqual(["ncsa", "log_format", "w3c", "alb", "json_lines", "ga4", "gzip", "url", "crm", "config", "lists", "partials", "paths"]
            .reduce(0) { $0 + inputs($1).count }, 25)
    }
}
