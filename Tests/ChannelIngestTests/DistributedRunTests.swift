import Foundation
import XCTest
@testable import ChannelIngest

/// `ingest map`, `reduce` and `merge` (docs/spark.md): a run split over map tasks and any
/// number of partitions writes the tables of the same run in one process, byte for byte.
final class DistributedRunTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String { NightlyCrashTests.binary }

    /// The fixtures' options: their config (goals, a visitor-id field, a CRM export whose rows
    /// join by lead id, visitor id and IP), their costs, a secret of the test's own.
    func fixtureOptions(_ dir: TempDir) throws -> IngestOptions {
        let configPath = Self.root.appendingPathComponent("fixtures/ingest.toml").path
        var o = IngestOptions(config: try IngestConfig.load(path: configPath), origin: configPath)
        let logs = Self.root.appendingPathComponent("fixtures/logs")
        o.files = try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted().map { logs.appendingPathComponent($0).path }
        o.costsFile = Self.root.appendingPathComponent("fixtures/costs.csv").path
        o.secretFile = dir.path("secret")
        o.quiet = true
        return o
    }

    /// Every file of a run's output folder (summary.json without its `seconds`).
    func output(_ dir: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            var text = try String(contentsOfFile: (dir as NSString).appendingPathComponent(name), encoding: .utf8)
            if name == "summary.json" {
                text = text.split(separator: "\n").filter { !$0.contains("\"seconds\"") }.joined(separator: "\n")
            }
            out[name] = text
        }
        return out
    }

    func oneProcessRun(_ o: IngestOptions, into dir: String) throws {
        let job = IngestJob(options: o)
        try job.run()
        try ReportWriter.write(job: job, to: dir)
    }

    /// Map per input (ranked by name, as the Spark driver does), reduce per partition with
    /// every map's partial consulted, merge of all.
    func distributedRun(_ o: IngestOptions, partitions n: Int, work: TempDir, into dir: String) throws {
        let inputs = o.files
        let ranks = EventOrder.ranks(of: inputs)
        var mapPartials: [String] = []
        for (i, path) in inputs.enumerated() {
            var m = o
            m.files = [path]
            m.inputRank = ranks[i]
            m.inputName = path
            let folder = work.path("maps-\(n)/\(i)")
            try IngestJob(options: m).runMap(partitions: n, output: .folder(folder))
            mapPartials.append((folder as NSString).appendingPathComponent(IngestJob.mapPartialName))
        }
        var partials = mapPartials
        for p in 0..<n {
            var r = o
            r.files = []
            let streams = inputs.indices.map { work.path("maps-\(n)/\($0)/" + IngestJob.eventFileName(p)) }
            let text = try IngestJob(options: r).runReduce(streams: streams, partition: .init(index: p, count: n), mapPartials: mapPartials)
            partials.append(work.write("reduces-\(n)/\(p).partial", text))
        }
        var g = o
        g.files = []
        let job = IngestJob(options: g)
        try job.runMerge(partials: partials)
        try ReportWriter.write(job: job, to: dir)
    }

    func testPartitionsWriteTheTablesOfOneProcess() throws {
        let work = TempDir()
        let o = try fixtureOptions(work)
        try oneProcessRun(o, into: work.path("one"))
        let expected = try output(work.path("one"))
        XCTAssertEqual(expected.count, 12)   // 10 tables with roi.csv and paths.csv, summary.json, report.html
        for n in [1, 8, 17] {
            try distributedRun(o, partitions: n, work: work, into: work.path("split-\(n)"))
            let got = try output(work.path("split-\(n)"))
            XCTAssertEqual(Set(got.keys), Set(expected.keys), "\(n) partitions")
            for (name, text) in expected { XCTAssertEqual(got[name], text, "\(name), \(n) partitions") }
        }
        // The figures the tables come from: every CRM strategy joined rows, some did not join.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work.path("split-17/summary.json")))) as! [String: Any]
        let crm = summary["crm"] as! [String: Any]
        let joined = crm["joined"] as! [String: Int]
        XCTAssertTrue(joined.values.allSatisfy { $0 > 0 }, "\(joined)")
        XCTAssertGreaterThan(crm["not_joined"] as! Int, 0)
    }

    /// The contract on the command line: `map | sort | reduce | merge` (one partition).
    func testShellPipelineWritesTheTablesOfOneRun() throws {
        let work = TempDir()
        let o = try fixtureOptions(work)
        let config = Self.root.appendingPathComponent("fixtures/ingest.toml").path
        let common = "--config '\(config)' --costs '\(o.costsFile!)' --secret-file '\(o.secretFile!)' --quiet"
        let files = o.files.map { "'\($0)'" }.joined(separator: " ")
        let b = Self.binary
        let script = """
            set -e -o pipefail
            '\(b)' \(files) \(common) --out '\(work.path("one"))'
            '\(b)' map \(files) \(common) | LC_ALL=C sort | '\(b)' reduce \(common) | '\(b)' merge \(common) --out '\(work.path("piped"))'
            """
        let (status, err) = try run(["bash", "-c", script])
        XCTAssertEqual(status, 0, err)
        let expected = try output(work.path("one")), got = try output(work.path("piped"))
        XCTAssertEqual(Set(got.keys), Set(expected.keys))
        for (name, text) in expected { XCTAssertEqual(got[name], text, name) }
    }

    func testMergeRefusesAnotherVersionOtherSettingsAndMissingPartitions() throws {
        let work = TempDir()
        var o = try fixtureOptions(work)
        o.crm.files = []
        let mapDir = work.path("map")
        try IngestJob(options: o).runMap(partitions: 3, output: .folder(mapDir))
        var r = o
        r.files = []
        let map = (mapDir as NSString).appendingPathComponent(IngestJob.mapPartialName)
        let reduces = try (0..<3).map { p in
            work.write("r\(p).partial", try IngestJob(options: r).runReduce(streams: [(mapDir as NSString).appendingPathComponent(IngestJob.eventFileName(p))],
                                                                             partition: .init(index: p, count: 3)))
        }
        func merge(_ paths: [String], _ change: (inout IngestOptions) -> Void = { _ in }) -> String? {
            var m = r
            change(&m)
            do {
                try IngestJob(options: m).runMerge(partials: paths)
                return nil
            } catch let e as IngestError {
                return e.description
            } catch {
                return "\(error)"
            }
        }
        XCTAssertNil(merge([map] + reduces))
        XCTAssertEqual(merge([map, reduces[0], reduces[2]]), "partition 1 of 3 is missing: the tables would leave its visitors out (2 of 3 partials given)")
        XCTAssertEqual(merge([map] + reduces + [reduces[1]]), "partition 1 of 3 is there twice: its visitors would count twice")
        let other = merge([map] + reduces) { $0.sessionTimeout = 900 }
        XCTAssertTrue(other?.contains("a partial made with other settings") ?? false, other ?? "merged")
        XCTAssertEqual(other?.split(separator: "\n").count, 1)
        // Another secret is other settings too: its visitors are other keys.
        let secret = merge([map] + reduces) { $0.secretFile = work.path("another-secret") }
        XCTAssertTrue(secret?.contains("a partial made with other settings") ?? false, secret ?? "merged")
        let text = try String(contentsOfFile: reduces[0], encoding: .utf8).replacingOccurrences(of: "\"version\":1", with: "\"version\":2")
        let v2 = work.write("v2.partial", text)
        XCTAssertEqual(merge([map, v2, reduces[1], reduces[2]]),
                       "\(v2) line 1: a partial of format version 2; this ingest reads version 1 (make every partial with the same ingest)")
        let notPartial = work.write("events.tsv", "hello\n")
        XCTAssertEqual(merge([notPartial]), "\(notPartial) line 1: not a record of an ingest partial (JSON lines with \"t\")")
        let empty = work.write("empty.partial", "")
        XCTAssertEqual(merge([empty]), "\(empty): no ingest partial in it (no header record)")
    }

    func testEventLinesReadBackAsWritten() throws {
        var e = VisitEvent(time: -86_400 * 400, seq: EventOrder.firstSeq(rank: 3) + 17, visitor: 0xFEDC_BA98_7654_3210, origin: 0, page: 0,
                           isPageview: true, goals: 0b101, isAsset: false, client: 1, isGoalHit: true)
        e.lead = 0xABC
        let source = TrafficSources.Source(source: "news%letter\tweekly", medium: "e\nmail", campaign: "")
        var out: [UInt8] = []
        EventLine.append(e, source: EventLine.sourceFields(source), page: EventLine.pageField("/a%20b\tc"), to: &out)
        XCTAssertEqual(out.filter { $0 == 0x0A }.count, 1)
        XCTAssertEqual(out.filter { $0 == 0x09 }.count, 10)
        let parsed = try XCTUnwrap(out.withUnsafeBufferPointer { EventLine.parse(ByteSpan(base: $0.baseAddress!, count: $0.count - 1)) })
        XCTAssertEqual(parsed.event.time, -86_400 * 400)
        XCTAssertEqual(parsed.event.seq, 3 << 40 + 17)
        XCTAssertEqual(parsed.event.visitor, 0xFEDC_BA98_7654_3210)
        XCTAssertEqual(parsed.event.goals, 0b101)
        XCTAssertEqual(parsed.event.client, 1)
        XCTAssertEqual(parsed.event.lead, 0xABC)
        XCTAssertTrue(parsed.event.isPageview && parsed.event.isGoalHit && !parsed.event.isAsset)
        XCTAssertEqual(EventLine.sourceParts(parsed.source), source)
        XCTAssertEqual(EventLine.unescaped(parsed.page.dropFirst(1)), "/a%20b\tc")
        // Text order is (time, order) order: negative times sort before positive ones.
        var later: [UInt8] = []
        EventLine.append(VisitEvent(time: 5, seq: 0, visitor: 1, origin: -1, page: -1), source: EventLine.noSource, page: [], to: &later)
        XCTAssertTrue(out.lexicographicallyPrecedes(later))
        XCTAssertNil("8000".utf8.withContiguousStorageIfAvailable { EventLine.parse(ByteSpan(base: $0.baseAddress!, count: $0.count)) } ?? nil)
    }

    func testExactSumsDoNotDependOnOrder() {
        XCTAssertEqual(ExactSum(0.5).units, 1 << 63)
        var s = ExactSum(0.5)
        s.add(0.25)
        XCTAssertEqual(s.units, 3 << 62)
        // Credits of a linear model over 3 and 7 sessions, values, a time-decay weight: every
        // order of adding gives the same bits.
        let terms = [1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 7, 49.99, 1e-12, 0.1, 0.2, 0.3, 1234567.89]
        var reference = ExactSum()
        for t in terms { reference.add(t) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var x = ExactSum()
            for t in terms.shuffled(using: &rng) { x.add(t) }
            XCTAssertEqual(x, reference)
        }
        // Splitting into partitions and adding their sums is the same too.
        var left = ExactSum(), right = ExactSum()
        for (i, t) in terms.enumerated() { if i % 3 == 0 { left.add(t) } else { right.add(t) } }
        XCTAssertEqual(left + right, reference)
        // Not a number, and magnitudes past 2^50, add nothing / are capped.
        var odd = ExactSum()
        odd.add(.nan)
        odd.add(.infinity)
        XCTAssertEqual(odd.units, 0)
        odd.add(1e300)
        XCTAssertEqual(odd.value, 1_125_899_906_842_624)
    }

    /// Runs a command; its exit status and standard error.
    func run(_ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
