import Foundation
import XCTest
@testable import ChannelIngest

/// Whole runs on the committed fixture, whose answer the generator wrote independently
/// (scripts/generate-logs builds each session with its channel, so it never runs ingest).
final class EndToEndTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testFixtureMatchesTheGeneratorsAnswer() throws {
        let logs = Self.root.appendingPathComponent("fixtures/logs")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.root.appendingPathComponent("fixtures/expected.json"))) as! [String: Any]
        // Arguments in a scrambled order: results must not depend on it.
        let files = try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted(by: >).map { logs.appendingPathComponent($0).path }
        XCTAssertEqual(files.count, 8)
        let config = try IngestConfig.load(path: Self.root.appendingPathComponent("fixtures/ingest.toml").path)
        let job = try runJob([], configure: {
            $0 = IngestOptions(config: config, origin: Self.root.appendingPathComponent("fixtures/ingest.toml").path)
            $0.files = files
            $0.quiet = true
        })

        XCTAssertEqual(job.stats.lines, expected["lines"] as? Int)
        XCTAssertEqual(job.stats.malformed, expected["malformed"] as? Int)
        XCTAssertEqual(job.stats.hits, expected["hits"] as? Int)
        XCTAssertEqual(job.stats.botHits, expected["bot_hits"] as? Int)
        XCTAssertEqual(job.stats.pageviews, expected["pageviews"] as? Int)
        XCTAssertEqual(job.stats.sessions, expected["sessions"] as? Int)
        XCTAssertEqual(job.stats.visitors, expected["visitors"] as? Int)
        XCTAssertEqual(job.stats.files, 8)
        XCTAssertEqual(job.stats.malformedSamples.count, 5)

        let channels = expected["channels"] as! [[String: Any]]
        XCTAssertEqual(Set(channels.map { $0["channel"] as! String }), Set(job.aggregates.byChannel.keys.map(\.name)))
        for c in channels {
            let name = c["channel"] as! String
            let got = try XCTUnwrap(job.counts(Channel(name: name)!), name)
            XCTAssertEqual(got.sessions, c["sessions"] as? Int, name)
            XCTAssertEqual(got.distinctUsers, c["users"] as? Int, name)
            XCTAssertEqual(got.pageviews, c["pageviews"] as? Int, name)
            XCTAssertEqual(got.bounces, c["bounces"] as? Int, name)
            XCTAssertEqual(got.engaged, c["engaged"] as? Int, name)
            XCTAssertEqual(got.conversions, Double(c["conversions"] as! Int), name)
            XCTAssertEqual(got.value, c["value"] as! Double, accuracy: 0.001, name)
        }
        XCTAssertEqual(job.stats.goalHits, expected["goal_hits"] as? Int)
        XCTAssertEqual(job.stats.goalHitsWithoutSession, expected["goal_hits_without_session"] as? Int)
        XCTAssertEqual(job.stats.conversions, expected["conversions"] as? Int)
        let goalNames = job.aggregates.goalNames
        for row in expected["conversions_by_goal"] as! [[String: Any]] {
            let name = row["channel"] as! String, goal = goalNames.firstIndex(of: row["goal"] as! String)!
            let got = TrafficAggregates.Pseudo.allCases.first { $0.name == name }.map { job.aggregates.credited($0, goal: goal) }
                ?? job.aggregates.credited(Channel(name: name)!, goal: goal)
            XCTAssertEqual(got.conversions, Double(row["conversions"] as! Int), "\(name) \(goal)")
            XCTAssertEqual(got.value, row["value"] as! Double, accuracy: 0.001)
        }
        // Leads and what became of them, per channel and for the rows that are no channel.
        for row in expected["lead_quality"] as! [[String: Any]] {
            let name = row["channel"] as! String
            let got: TrafficAggregates.LeadTotals
            switch name {
            case TrafficAggregates.Pseudo.noSession.name: got = job.aggregates.leads(.noSession)
            case TrafficAggregates.Pseudo.notJoined.name: got = job.aggregates.leads(.notJoined)
            default: got = job.aggregates.leads(Channel(name: name)!)
            }
            for (field, value) in [("leads", got.leads), ("qualified", got.qualified), ("customers", got.customers),
                                   ("spam", got.spam), ("suspicious", got.suspicious)] {
                XCTAssertEqual(value, Double(row[field] as! Int), "\(name) \(field)")
            }
            XCTAssertEqual(got.revenue, row["revenue"] as! Double, accuracy: 0.005, name)
        }
        let crm = expected["crm"] as! [String: Any]
        let outcome = try XCTUnwrap(job.crmOutcome)
        XCTAssertEqual(outcome.notJoined, crm["not_joined"] as? Int)
        XCTAssertEqual(outcome.withoutSession, crm["joined_without_session"] as? Int)
        for (k, v) in crm["joined"] as! [String: Int] { XCTAssertEqual(outcome.joined[CRMJoin.Strategy(rawValue: k)!] ?? 0, v, k) }
        XCTAssertEqual(job.crm?.duplicateLeadIDs, crm["duplicate_lead_ids"] as? Int)

        let sources = (expected["sources"] as! [[String: Any]]).filter { Channel(name: $0["channel"] as! String) != nil }
        XCTAssertEqual(sources.count, job.aggregates.bySource.count)
        for s in sources {
            let key = TrafficAggregates.SourceKey(channel: Channel(name: s["channel"] as! String)!, source: s["source"] as! String, medium: s["medium"] as! String)
            let got = try XCTUnwrap(job.aggregates.bySource[key], "\(key)")
            XCTAssertEqual(got.sessions, s["sessions"] as? Int)
            XCTAssertEqual(got.distinctUsers, s["users"] as? Int)
            XCTAssertEqual(got.pageviews, s["pageviews"] as? Int)
        }
        let daily = expected["daily"] as! [[String: Any]]
        let orphanDays = daily.filter { Channel(name: $0["channel"] as! String) == nil }
        XCTAssertEqual(daily.count - orphanDays.count, job.aggregates.byDay.count)
        XCTAssertEqual(orphanDays.count, job.aggregates.pseudoByDay.count)
        for d in daily {
            let (y, m, dd) = (d["date"] as! String).split(separator: "-").map { Int($0)! }.tuple3
            let day = LogTime.daysFromCivil(year: y, month: m, day: dd)
            guard let channel = Channel(name: d["channel"] as! String) else {
                let row = TrafficAggregates.Pseudo.allCases.first { $0.name == d["channel"] as! String }!
                XCTAssertEqual(job.aggregates.pseudoByDay[.init(day: day, row: row)]?.conversions, Double(d["conversions"] as! Int))
                continue
            }
            let got = try XCTUnwrap(job.aggregates.byDay[TrafficAggregates.DayKey(day: day, channel: channel)])
            XCTAssertEqual(got.sessions, d["sessions"] as? Int)
            XCTAssertEqual(got.distinctUsers, d["users"] as? Int)
            XCTAssertEqual(got.conversions, Double(d["conversions"] as! Int))
        }
    }

    /// The committed fixtures' logs with their ingest.toml, run as one job.
    private func fixturesRun() throws -> (job: IngestJob, files: [String]) {
        let logs = Self.root.appendingPathComponent("fixtures/logs")
        let files = try FileManager.default.contentsOfDirectory(atPath: logs.path).map { logs.appendingPathComponent($0).path }
        let config = try IngestConfig.load(path: Self.root.appendingPathComponent("fixtures/ingest.toml").path)
        let job = try runJob([], configure: {
            $0 = IngestOptions(config: config, origin: Self.root.appendingPathComponent("fixtures/ingest.toml").path)
            $0.files = files
            $0.quiet = true
        })
        return (job, files)
    }

    /// The whole traffic table, reviewed by hand once (golden file).
    func testTrafficTableGolden() throws {
        let (job, files) = try fixturesRun()
        let tables = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats)
        let golden = try String(contentsOf: Self.root.appendingPathComponent("Tests/ChannelIngestTests/Golden/traffic.csv"), encoding: .utf8)
        XCTAssertEqual(tables.traffic.render(), golden)
    }

    func testWrittenReportHasEveryFileAndNoRawAddress() throws {
        let dir = TempDir()
        let job = try runJob([[line("192.0.2.77", day0, "/?utm_source==cmd|x&utm_medium=-1"), line("192.0.2.78", day0, "/", ua: "curl/8"),
                               "192.0.2.79 - - [garbage"]])
        try ReportWriter.write(job: job, to: dir.path("out"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path("out")).sorted()
        XCTAssertEqual(names, ["attribution.csv", "bots.csv", "conversions.csv", "daily.csv", "landing_pages.csv", "lead_quality.csv", "paths.csv", "report.html", "sources.csv", "summary.json", "traffic.csv"])
        let sources = try String(contentsOfFile: dir.path("out/sources.csv"), encoding: .utf8)
        XCTAssertTrue(sources.contains("Unassigned,'=cmd|x,'-1,1,1,1,0.00,0.0000"), sources)
        for n in names {
            let text = try String(contentsOfFile: dir.path("out/\(n)"), encoding: .utf8)
            XCTAssertFalse(text.contains("192.0.2.7"), n)
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("out/summary.json")))) as! [String: Any]
        XCTAssertEqual(summary["lines"] as? Int, 3)
        XCTAssertEqual(summary["malformed"] as? Int, 1)
        XCTAssertEqual((summary["malformed_samples"] as? [[String: Any]])?.first?["text"] as? String, "[ip] - - [garbage")
        XCTAssertEqual(summary["bot_hits"] as? Int, 1)
        XCTAssertEqual(summary["first_time"] as? String, "2026-03-02T00:00:00Z")
    }

    func testBrokenInputsAreCountedNotFatal() throws {
        let dir = TempDir()
        let good = line("192.0.2.1", day0, "/")
        // A gzip cut in half, an empty file, a binary file next to a good one.
        var rng = SplitMix(seed: 3)
        let body = (0..<3000).map { i in line("192.0.2.\(i % 200)", day0 + Int64(i), "/p\(rng.next() % 1000)") }.joined(separator: "\n") + "\n"
        let gz = gzipBytes(body)
        let cut = dir.write("cut.log.gz", bytes: Array(gz.prefix(gz.count / 2)))
        let empty = dir.write("empty.log", "")
        let binary = dir.write("binary.log", bytes: (0..<5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let ok = dir.write("ok.log", good + "\n")
        var o = IngestOptions()
        o.files = [cut, empty, binary, ok]
        o.siteHosts = ["example.com"]
        let job = IngestJob(options: o)
        try job.run()
        XCTAssertEqual(job.stats.files, 4)
        XCTAssertEqual(job.stats.damagedFiles, 1)
        XCTAssertTrue(job.stats.warnings.contains { $0.hasPrefix("\(cut): truncated gzip stream at byte \(gz.count / 2)") }, "\(job.stats.warnings)")
        XCTAssertTrue(job.stats.warnings.contains("\(empty): empty file"))
        XCTAssertTrue(job.stats.warnings.contains { $0.hasPrefix("\(binary): no known log format") })
        XCTAssertEqual(job.stats.lines, job.stats.hits + job.stats.malformed)
        XCTAssertGreaterThan(job.stats.hits, 1000)
    }

    func testOnlyUnknownFormatsIsAnError() throws {
        let dir = TempDir()
        var o = IngestOptions()
        o.files = [dir.write("x.log", "hello world\nnot a log\n")]
        XCTAssertThrowsError(try IngestJob(options: o).run()) { e in
            guard case IngestError.unknownFormat(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("x.log: no known log format fits its first lines"))
            XCTAssertTrue(m.contains("--format"))
        }
        o.files = [dir.path("missing.log")]
        XCTAssertThrowsError(try IngestJob(options: o).run()) { e in
            XCTAssertEqual("\(e)", "cannot open \(dir.path("missing.log")): No such file or directory")
        }
    }
}

extension Array {
    var tuple3: (Element, Element, Element) { (self[0], self[1], self[2]) }
}

extension EndToEndTests {
    /// A pipe (what `<(zcat …)` or stdin gives) can't be peeked: its format is detected by the
    /// reader from its first chunk, and a pipe no format fits is an unusable input.
    func testPipesAreDetectedAsTheyAreRead() throws {
        func runThroughFIFO(_ text: String) throws -> IngestJob {
            let dir = TempDir()
            let path = dir.path("fifo")
            XCTAssertEqual(mkfifo(path, 0o600), 0)
            let writer = Thread {
                let fd = open(path, O_WRONLY)
                text.utf8CString.withUnsafeBufferPointer { _ = write(fd, $0.baseAddress!, text.utf8.count) }
                close(fd)
            }
            writer.start()
            var o = IngestOptions()
            o.files = [path]
            o.siteHosts = ["example.com"]
            let job = IngestJob(options: o)
            try job.run()
            return job
        }
        let lines = (0..<50).map { line("192.0.2.\($0)", day0 + Int64($0), "/") }.joined(separator: "\n") + "\nnot a log line\n"
        let job = try runThroughFIFO(lines)
        XCTAssertEqual(job.stats.lines, 51)
        XCTAssertEqual(job.stats.hits, 50)
        XCTAssertEqual(job.stats.malformed, 1)
        XCTAssertEqual(job.stats.sessions, 50)
        XCTAssertEqual(job.inputs.first?.format, "combined")
        XCTAssertThrowsError(try runThroughFIFO("hello\nworld\n")) { e in
            guard case IngestError.unknownFormat = e else { return XCTFail("\(e)") }
        }
    }
}

extension EndToEndTests {
    /// `summary.json` is written by `JSONEncoder` (`JSONValue`); `JSONSerialization`, which
    /// wrote it before, gives the same bytes: on the fixtures' run, and on strings with every
    /// kind of character a malformed line's sample can hold.
    func testSummaryWritersAgree() throws {
        func serialized(_ o: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                   as: UTF8.self) + "\n"
        }
        let (job, files) = try fixturesRun()
        let document = SummaryJSON.document(job: job)
        // The input list encodes itself; JSONSerialization gets it as plain objects.
        var plain = document
        plain["inputs"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(XCTUnwrap(document["inputs"] as? JSONValue)))
        XCTAssertEqual((plain["inputs"] as? [Any])?.count, files.count)
        XCTAssertEqual(JSONValue.render(document), try serialized(plain))
        // An input read before, and a damaged one, with the keys only they have.
        let special = [IngestJob.InputSummary(file: "a.gz", format: "combined", bytes: 10, lines: 2, malformed: 1, damage: "truncated at byte 7"),
                       IngestJob.InputSummary(file: "b.log", format: "w3c", bytes: 5, lines: 0, malformed: 0, resumedAt: 4, alreadyRead: true)]
        XCTAssertEqual(JSONValue.render(["inputs": JSONValue.encodable(special)]), try serialized(["inputs": [
            ["file": "a.gz", "format": "combined", "bytes": 10, "lines": 2, "malformed": 1, "damage": "truncated at byte 7"],
            ["file": "b.log", "format": "w3c", "bytes": 5, "lines": 0, "malformed": 0, "resumed_at_byte": 4, "already_read": true],
        ]]))

        let strings = ["plain", "quote \" backslash \\ slash / tab \t newline \n return \r", "\u{0}\u{1}\u{1F}\u{7F}",
                       "é ü ß 中文 🙂", "\u{2028}\u{2029}\u{FEFF}", "\u{FFFD}", "", "=1+1", "</script><b>"]
        let hostile: [String: Any] = [
            "strings": strings, "by_key": Dictionary(uniqueKeysWithValues: strings.enumerated().map { ("k\($0.offset)_\($0.element)", $0.element) }),
            "numbers": [0, -1, Int.max, Int.min] as [Any], "doubles": [0.1, 4.318, 1e-7, 12_345_678.9, -0.5, 100.0] as [Any],
            "null": NSNull(), "flags": [true, false], "empty_list": [Any](), "empty_object": [String: Any](),
            "bot_hits": 1, "botx": 2, "bot": 3, "b_a": 4, "ba": 5, "a_": 8, "a": 9,
        ]
        XCTAssertEqual(JSONValue.render(hostile), try serialized(hostile))
        // Keys are sorted by their bytes, where JSONSerialization ignored case and put `_`
        // before digits; summary.json's keys are lowercase words joined by `_`, where the two
        // orders agree. `B` and `a1` are where they part.
        XCTAssertEqual(JSONValue.render(["B": 1, "a": 2, "a1": 3, "a_": 4]),
                       "{\n  \"B\" : 1,\n  \"a\" : 2,\n  \"a1\" : 3,\n  \"a_\" : 4\n}\n")
    }
}
