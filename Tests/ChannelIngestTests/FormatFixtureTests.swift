import XCTest
@testable import ChannelIngest

/// `fixtures/formats/`: the same generated traffic written in every format ingest reads. Each
/// run's tables must equal the combined log's, byte for byte; ALB's (no referrer) those of the
/// combined log with its referrers removed.
final class FormatFixtureTests: XCTestCase {
    static let dir = EndToEndTests.root.appendingPathComponent("fixtures/formats")

    func tables(_ name: String) throws -> [String: String] {
        let folder = Self.dir.appendingPathComponent(name)
        let config = try IngestConfig.load(path: folder.appendingPathComponent("ingest.toml").path)
        var o = IngestOptions(config: config, origin: folder.appendingPathComponent("ingest.toml").path)
        o.files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".gz") }
            .map { folder.appendingPathComponent($0).path }
        o.quiet = true
        let job = IngestJob(options: o)
        try job.run()
        XCTAssertEqual(job.stats.malformed, job.stats.malformedSamples.isEmpty ? 0 : job.stats.malformed)
        XCTAssertEqual(job.inputs.map(\.format), Array(repeating: config.logFormat != nil ? "log_format" : (name.hasPrefix("combined") ? "combined" : name), count: 2), name)
        let t = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats)
        return Dictionary(uniqueKeysWithValues: t.all.map { ($0.0, $0.1.render()) })
    }

    func testEveryFormatGivesTheCombinedTables() throws {
        let combined = try tables("combined")
        XCTAssertTrue(combined["traffic.csv"]!.contains("Organic Social,"))
        for format in ["log_format", "w3c", "caddy", "cloudflare", "json"] {
            let got = try tables(format)
            for (file, text) in combined { XCTAssertEqual(got[file], text, "\(format) \(file)") }
        }
        // A GA4 export has no bots (the tag never runs for them): every other table is the same.
        let ga4 = try tables("ga4")
        for (file, text) in combined where file != "bots.csv" { XCTAssertEqual(ga4[file], text, "ga4 \(file)") }
        XCTAssertEqual(ga4["bots.csv"], "bot,hits,share_of_hits\r\n")
    }

    func testALBGivesTheTablesOfTheLogWithoutReferrers() throws {
        let noReferrer = try tables("combined-noref")
        let alb = try tables("alb")
        for (file, text) in noReferrer { XCTAssertEqual(alb[file], text, "alb \(file)") }
        // What survives: campaign-tagged channels; no Organic Search or Social without a referrer.
        XCTAssertFalse(alb["traffic.csv"]!.contains("Organic Search"))
        XCTAssertTrue(alb["traffic.csv"]!.contains("Paid Search"))
    }
}
