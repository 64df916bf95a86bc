import Foundation
import XCTest
@testable import ChannelIngest

/// The committed fixture (two servers, a week) as logrotate leaves it on disk night after
/// night: each server's log rotates at midnight (`access.log` → `.1` → `.2.gz` …, delaycompress)
/// and the cron job runs at 00:20, so `access.log` holds the 20 minutes since and grows; the
/// CRM's full export of that moment has the leads created so far, with customers still "Open"
/// until the last night.
struct LogrotateNights {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let cronDelay: Int64 = 20 * 60

    struct Server {
        var name: String
        var lines: [String] = []
        var times: [Int64] = []
        /// Index of the first line at or after `t`, by position: logrotate cuts where the file
        /// is when it runs, so a line logged late stays in the file it was written to.
        func cut(at t: Int64) -> Int { times.firstIndex { $0 >= t } ?? lines.count }
    }

    var servers: [Server] = []
    var crmHeader = ""
    var crmLines: [(text: String, time: Int64?)] = []
    /// The cron times, one per night; the last one reads everything.
    var crons: [Int64] = []
    var midnights: [Int64] = []
    let options: IngestOptions

    init() throws {
        let config = Self.root.appendingPathComponent("fixtures/ingest.toml").path
        options = IngestOptions(config: try IngestConfig.load(path: config), origin: config)
        for name in ["web1", "web2"] {
            var s = Server(name: name)
            for suffix in [".3.gz", ".2.gz", ".1", ""] {
                let input = try DecompressedInput(path: Self.root.appendingPathComponent("fixtures/logs/\(name)-access.log\(suffix)").path)
                let text = String(decoding: readToEnd(input), as: UTF8.self)
                for l in text.split(whereSeparator: \.isNewline) {
                    let l = String(l)
                    s.lines.append(l)
                    // A malformed line stays where it was written.
                    s.times.append(Self.time(of: l) ?? s.times.last ?? 0)
                }
            }
            servers.append(s)
        }
        let first = servers.map { $0.times.min()! }.min()!, last = servers.map { $0.times.max()! }.max()!
        var m = (first / 86400 + 1) * 86400
        while m <= last {
            midnights.append(m)
            crons.append(m + Self.cronDelay)
            m += 86400
        }
        crons.append(.max)
        // The export's lines with their times (a superseded duplicate has its lead's time).
        let rows = try CRMExport.read(options.crm, zone: try ReportTimeZone("UTC")).rows
        var byLine: [Int: Int64?] = [:], byLead: [String: Int64?] = [:]
        for r in rows {
            byLine[r.line] = r.time
            if let id = r.leadID { byLead[id] = r.time }
        }
        let text = try String(contentsOfFile: options.crm.files[0], encoding: .utf8)
        for (i, l) in text.split(whereSeparator: \.isNewline).enumerated() {
            if i == 0 { crmHeader = String(l); continue }
            let id = String(l.prefix { $0 != "," })
            crmLines.append((String(l), byLine[i + 1] ?? byLead[id] ?? nil))
        }
    }

    static func time(of line: String) -> Int64? {
        guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), open < close else { return nil }
        return String(line[line.index(after: open)..<close]).withSpan { LogTime.parseCommonLog($0) }
    }

    var nights: Int { crons.count }

    /// Writes night `k`'s files (logs as logrotate left them, the CRM export) into `dir`,
    /// replacing the last night's; returns the log paths and the export's path.
    func write(night k: Int, into dir: TempDir) throws -> (logs: [String], crm: String) {
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.url.path) where f.contains("access") || f == "crm.csv" {
            try FileManager.default.removeItem(atPath: dir.path(f))
        }
        let cron = crons[k]
        let rotated = midnights.filter { $0 <= cron }
        var logs: [String] = []
        for s in servers {
            // Segments between rotations, newest first: access.log, .1, .2.gz, …
            var bounds = [0] + rotated.map { s.cut(at: $0) } + [cron == .max ? s.lines.count : s.cut(at: cron)]
            bounds = bounds.map { min($0, cron == .max ? s.lines.count : s.cut(at: cron)) }
            var segments: [[String]] = []
            for i in 0..<(bounds.count - 1) { segments.append(Array(s.lines[bounds[i]..<bounds[i + 1]])) }
            for (age, seg) in segments.reversed().enumerated() where !seg.isEmpty || age == 0 {
                let text = seg.isEmpty ? "" : seg.joined(separator: "\n") + "\n"
                let name = "\(s.name)-access.log" + (age == 0 ? "" : age == 1 ? ".1" : ".\(age).gz")
                logs.append(age >= 2 ? dir.write(name, bytes: gzipBytes(text)) : dir.write(name, text))
            }
        }
        let last = k == nights - 1
        var export = [crmHeader]
        for (text, time) in crmLines where time.map({ $0 < cron }) ?? true {
            export.append(last ? text : Self.notYetWon(text))
        }
        return (logs, dir.write("crm.csv", export.joined(separator: "\n") + "\n"))
    }

    /// A lead that is a customer by the last night is still "Open" before.
    static func notYetWon(_ line: String) -> String {
        var fields = line.split(separator: ",", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        if fields.count == 5, ["Closed Won", "customer"].contains(fields[3]) { fields[3] = "Open" }
        return fields.joined(separator: ",")
    }

    /// The options of a nightly run over `files`.
    func options(logs: [String], crm: String, state: String, secret: String, out: String) -> IngestOptions {
        var o = options
        o.files = logs
        o.crm.files = [crm]
        o.statePath = state
        o.secretFile = secret
        o.outDir = out
        o.quiet = true
        return o
    }
}

/// Every table of a report folder, by name.
func tables(in dir: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for f in try FileManager.default.contentsOfDirectory(atPath: dir) where f.hasSuffix(".csv") {
        out[f] = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
    }
    return out
}

final class NightlyTests: XCTestCase {
    /// The one-off run over the whole fixture, keyed with `secret`.
    func oneOff(_ nights: LogrotateNights, secret: String, out: String) throws -> [String: String] {
        var o = nights.options
        o.files = try FileManager.default.contentsOfDirectory(atPath: LogrotateNights.root.appendingPathComponent("fixtures/logs").path)
            .map { LogrotateNights.root.appendingPathComponent("fixtures/logs/\($0)").path }
        o.secretFile = secret
        o.quiet = true
        let job = IngestJob(options: o)
        try job.run()
        try ReportWriter.write(job: job, to: out)
        return try tables(in: out)
    }

    func nightly(_ nights: LogrotateNights, night k: Int, dir: TempDir) throws -> IngestJob {
        let (logs, crm) = try nights.write(night: k, into: dir)
        let job = IngestJob(options: nights.options(logs: logs, crm: crm, state: dir.path("state.db"), secret: dir.path("secret"), out: dir.path("out")))
        try job.run(state: try StateStore(path: dir.path("state.db")))
        try ReportWriter.write(job: job, to: dir.path("out"))
        return job
    }

    func testLogrotateNightsGiveTheTablesOfOneRun() throws {
        let nights = try LogrotateNights()
        XCTAssertEqual(nights.nights, 7)
        let dir = TempDir()
        let expected = try oneOff(nights, secret: dir.path("secret"), out: dir.path("oneoff"))
        var carried = 0
        for k in 0..<nights.nights {
            let job = try nightly(nights, night: k, dir: dir)
            carried += job.stats.openSessions
            // Each night reads only what is new: yesterday's access.log is today's .1, read to
            // its end before, and is not opened again.
            // (`.2.gz` was `.1` last night: it is inflated once to see that, from then on not.)
            if k > 1 { XCTAssertTrue(job.inputs.contains { $0.alreadyRead }, "night \(k)") }
        }
        // Sessions were open at 00:20 and continued by the next night's run.
        XCTAssertGreaterThan(carried, 0)
        let got = try tables(in: dir.path("out"))
        XCTAssertEqual(Set(got.keys), Set(expected.keys))
        for (name, text) in expected { XCTAssertEqual(got[name], text, name) }
        // Every lead was read each night and upserted: as many leads as the export has.
        let leads = try StateStore(path: dir.path("state.db")).count("SELECT COUNT(*) FROM leads")
        XCTAssertEqual(leads, Set(nights.crmLines.map { $0.text.prefix { $0 != "," } }).count)

        // The same tables from the state alone.
        let report = try StateReport.make(store: StateStore(path: dir.path("state.db")), model: nil, from: nil, to: nil)
        try ReportWriter.write(report: report, costs: nil, summary: "{}", to: dir.path("report"))
        let fromState = try tables(in: dir.path("report"))
        for (name, text) in expected { XCTAssertEqual(fromState[name], text, name) }
    }

    func testRunningTheSameNightTwiceChangesNothing() throws {
        let nights = try LogrotateNights()
        let dir = TempDir()
        for k in 0..<4 { _ = try nightly(nights, night: k, dir: dir) }
        let before = try tables(in: dir.path("out"))
        let counts = try stateCounts(dir.path("state.db"))
        let again = try nightly(nights, night: 3, dir: dir)
        XCTAssertEqual(again.stats.lines, 0)
        XCTAssertEqual(again.inputs.filter { !$0.alreadyRead }.count, 0)
        XCTAssertEqual(try tables(in: dir.path("out")), before)
        var after = try stateCounts(dir.path("state.db"))
        XCTAssertEqual(after.removeValue(forKey: "runs"), counts["runs"]! + 1)
        var expected = counts
        expected["runs"] = nil
        XCTAssertEqual(after, expected)
    }

    /// Rows per table of the state.
    func stateCounts(_ path: String) throws -> [String: Int] {
        let store = try StateStore(path: path)
        var out: [String: Int] = [:]
        for t in ["runs", "inputs", "sessions", "touchpoints", "credits", "open_sessions", "pending_events", "leads", "lead_joins",
                  "lead_credits", "lead_hits", "sessionless_hits", "day_counts", "day_bots"] {
            out[t] = try store.count("SELECT COUNT(*) FROM \(t)")
        }
        return out
    }

    func testASecondRunOnTheSameStateStopsWithAMessage() throws {
        let dir = TempDir()
        let first = try StateStore(path: dir.path("state.db"))
        XCTAssertThrowsError(try StateStore(path: dir.path("state.db"))) { e in
            guard case IngestError.stateBusy(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("in use by another ingest run"), m)
            XCTAssertEqual((e as! IngestError).exitCode, 5)
        }
        _ = first
    }
}

