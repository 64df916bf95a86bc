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

final class NightlyTests: XCTestCase {
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
        try ReportWriter.write(report: report, costs: nil, summary: "{}", to: dir.path("report"), html: HTMLReport.Context())
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

    /// GA4's daily export tables, one a night: a session across midnight is in both (one
    /// `ga_session_id`) and is one session, as in one run over both tables.
    func testGA4ExportsReadNightByNightGiveTheTablesOfOneRun() throws {
        let dir = TempDir()
        let fixture = LogrotateNights.root.appendingPathComponent("fixtures/formats/ga4")
        let config = fixture.appendingPathComponent("ingest.toml").path
        var o = IngestOptions(config: try IngestConfig.load(path: config), origin: config)
        o.secretFile = dir.path("secret")
        o.quiet = true
        let older = fixture.appendingPathComponent("access.log.1.gz").path, newer = fixture.appendingPathComponent("access.log.gz").path
        var once = o
        once.files = [older, newer]
        let job = IngestJob(options: once)
        try job.run()
        try ReportWriter.write(job: job, to: dir.path("once"))
        var carried = 0
        for files in [[older], [older, newer]] {
            var n = o
            n.files = files
            n.statePath = dir.path("state.db")
            let night = IngestJob(options: n)
            try night.run(state: try StateStore(path: dir.path("state.db")))
            try ReportWriter.write(job: night, to: dir.path("nightly"))
            carried += night.stats.openSessions
        }
        XCTAssertGreaterThan(carried, 0)
        let expected = try tables(in: dir.path("once"))
        let got = try tables(in: dir.path("nightly"))
        XCTAssertEqual(expected.count, 9)
        for (name, text) in expected { XCTAssertEqual(got[name], text, name) }
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


/// Nightly runs of the real binary, killed (SIGKILL) at random moments and run again.
final class NightlyCrashTests: XCTestCase {
    /// The `ingest` built beside the tests.
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ingest").path
    }

    func start(_ nights: LogrotateNights, logs: [String], crm: String, dir: TempDir) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["--config", LogrotateNights.root.appendingPathComponent("fixtures/ingest.toml").path, "--state", dir.path("state.db"),
                       "--secret-file", dir.path("secret"), "--conversions", crm, "--out", dir.path("out"), "--quiet"] + logs
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func testKilledRunsLeaveTheStateAsBeforeAndTheTotalsEqualACleanRun() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            return XCTFail("\(Self.binary) is not built (swift build builds it with the tests)")
        }
        let nights = try LogrotateNights()
        let clean = TempDir()
        let expected = try oneOff(nights, secret: clean.path("secret"), out: clean.path("oneoff"))
        // How long one night takes, to kill inside it.
        let timing = TempDir()
        let (logs0, crm0) = try nights.write(night: 0, into: timing)
        let t0 = Date()
        let first = try start(nights, logs: logs0, crm: crm0, dir: timing)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        let typical = Date().timeIntervalSince(t0)

        var killedInside = 0
        for seed in [1, 2, 3] as [UInt64] {
            var rng = SplitMix(seed: seed)
            let dir = TempDir()
            try FileManager.default.copyItem(atPath: clean.path("secret"), toPath: dir.path("secret"))
            for k in 0..<nights.nights {
                let (logs, crm) = try nights.write(night: k, into: dir)
                let before = FileManager.default.fileExists(atPath: dir.path("state.db")) ? try stateCounts(dir.path("state.db")) : nil
                let victim = try start(nights, logs: logs, crm: crm, dir: dir)
                usleep(UInt32(Double(rng.next() % 1000) / 1000 * typical * 1.2 * 1_000_000))
                kill(victim.processIdentifier, SIGKILL)
                victim.waitUntilExit()
                if let before, FileManager.default.fileExists(atPath: dir.path("state.db")) {
                    let after = try stateCounts(dir.path("state.db"))
                    if after["runs"] == before["runs"] {
                        // Killed before its commit: nothing of it was kept.
                        XCTAssertEqual(after, before, "seed \(seed) night \(k)")
                        killedInside += 1
                    }
                }
                let again = try start(nights, logs: logs, crm: crm, dir: dir)
                again.waitUntilExit()
                XCTAssertEqual(again.terminationStatus, 0, "seed \(seed) night \(k)")
            }
            let got = try tables(in: dir.path("out"))
            for (name, text) in expected { XCTAssertEqual(got[name], text, "seed \(seed): \(name)") }
        }
        print("killed inside a run: \(killedInside) of \(3 * nights.nights)")
        // Most kills land inside a run (the rest after its commit, which is fine too).
        XCTAssertGreaterThan(killedInside, 5)
    }
}


/// Exactly-once input on hand-made files: what each run reads is known line by line.
final class InputLedgerTests: XCTestCase {
    func run(_ files: [String], dir: TempDir, timezone: String = "UTC") throws -> IngestJob {
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.files = files
        o.statePath = dir.path("state.db")
        o.secretFile = dir.path("secret")
        o.timezone = timezone
        o.quiet = true
        let job = IngestJob(options: o)
        try job.run(state: try StateStore(path: dir.path("state.db")))
        return job
    }

    func lines(_ range: Range<Int>) -> [String] {
        range.map { line("10.0.0.\($0 % 200)", day0 + Int64($0) * 60, "/page-\($0)") }
    }

    func testAGrowingLogIsReadUpToItsLastCompleteLineAndThenOn() throws {
        let dir = TempDir()
        let all = lines(0..<6)
        // The fourth line is being written when the first run comes.
        let partial = all[0..<3].joined(separator: "\n") + "\n" + all[3].prefix(30)
        let log = dir.write("access.log", partial)
        XCTAssertEqual(try run([log], dir: dir).stats.hits, 3)
        try Data((all.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: log))
        let second = try run([log], dir: dir)
        XCTAssertEqual(second.stats.hits, 3)
        XCTAssertEqual(second.stats.malformed, 0)
        XCTAssertEqual(second.inputs.first?.resumedAt, partial.utf8.count - 30)
        XCTAssertEqual(second.report?.stats.hits, 6)
        XCTAssertEqual(second.report?.aggregates.sessions, 6)
    }

    func testARotatedAndCompressedLogIsNotReadTwice() throws {
        let dir = TempDir()
        let all = lines(0..<10)
        let log = dir.write("access.log", all[0..<4].joined(separator: "\n") + "\n")
        XCTAssertEqual(try run([log], dir: dir).stats.hits, 4)
        // logrotate: access.log got two more lines, was renamed, compressed; a new one began.
        try FileManager.default.removeItem(atPath: log)
        let rotated = dir.write("access.log.1.gz", bytes: gzipBytes(all[0..<6].joined(separator: "\n") + "\n"))
        let fresh = dir.write("access.log", all[6..<10].joined(separator: "\n") + "\n")
        let second = try run([fresh, rotated], dir: dir)
        XCTAssertEqual(second.stats.hits, 6)
        XCTAssertEqual(second.report?.stats.hits, 10)
        // Unchanged since: not even opened.
        let third = try run([fresh, rotated], dir: dir)
        XCTAssertEqual(third.stats.hits, 0)
        XCTAssertEqual(third.inputs.filter(\.alreadyRead).count, 2)
        XCTAssertEqual(third.report?.aggregates.sessions, 10)
    }

    func testALogRewrittenInPlaceIsReadAsNewWithAWarning() throws {
        let dir = TempDir()
        let log = dir.write("access.log", lines(0..<3).joined(separator: "\n") + "\n")
        _ = try run([log], dir: dir)
        // copytruncate, then other lines: same file, same inode, another start.
        let h = FileHandle(forWritingAtPath: log)!
        h.truncateFile(atOffset: 0)
        h.write(Data((lines(10..<12).joined(separator: "\n") + "\n").utf8))
        h.closeFile()
        let second = try run([log], dir: dir)
        XCTAssertEqual(second.stats.hits, 2)
        XCTAssertTrue(second.stats.warnings.contains { $0.contains("its start is not what an earlier run read") }, "\(second.stats.warnings)")
    }

    func testOneLogUnderTwoNamesIsReadOnce() throws {
        let dir = TempDir()
        let text = lines(0..<3).joined(separator: "\n") + "\n"
        let a = dir.write("access.log.1", text)
        let b = dir.write("access.log.1.gz", bytes: gzipBytes(text))
        let job = try run([a, b], dir: dir)
        XCTAssertEqual(job.stats.hits, 3)
        XCTAssertTrue(job.stats.warnings.contains { $0.contains("starts with the same bytes as") })
    }

    func testAnotherZoneIsRefused() throws {
        let dir = TempDir()
        let log = dir.write("access.log", lines(0..<2).joined(separator: "\n") + "\n")
        _ = try run([log], dir: dir)
        XCTAssertThrowsError(try run([log], dir: dir, timezone: "Europe/Berlin")) { e in
            XCTAssertEqual((e as? IngestError)?.exitCode, 2)
            XCTAssertTrue("\(e)".contains("counts days in UTC"), "\(e)")
        }
    }

    /// A session open when a run ends is continued by the next: one session, not two.
    func testASessionAcrossTwoRunsIsOneSession() throws {
        let dir = TempDir()
        let ip = "10.1.1.1"
        // Pages every 5 minutes until a minute before midnight, when the run comes.
        let visit = (0..<7).map { line(ip, day0 + 86400 - 1860 + Int64($0) * 300, $0 == 0 ? "/" : "/page-\($0)", ref: $0 == 0 ? "https://www.google.com/" : "-") }
        let a = dir.write("a.log", visit.joined(separator: "\n") + "\n")
        let first = try run([a], dir: dir)
        XCTAssertEqual(first.stats.openSessions, 1)
        // Hits within the reorder window (10 min) of the latest confirmed time (the last line
        // but one: a lone last line may be a stray timestamp) wait as hits, since a line logged
        // late may still precede them: -960, -660, -360 and -60 s.
        XCTAssertEqual(first.stats.pendingHits, 4)
        let b = dir.write("b.log", [line(ip, day0 + 86400 + 60, "/about")].joined(separator: "\n") + "\n")
        let second = try run([b], dir: dir)
        let r = try XCTUnwrap(second.report)
        XCTAssertEqual(r.aggregates.sessions, 1)
        XCTAssertEqual(r.aggregates.byChannel[.organicSearch]?.pageviews, 8)
        XCTAssertEqual(r.aggregates.byChannel[.organicSearch]?.durationSeconds, 1860 + 60)
    }
}

/// `ingest report` for a part of the state: the days in range, and only those.
final class StateRangeTests: XCTestCase {
    func testADayOfTheStateIsThatDaysRowsOfTheWholeRun() throws {
        let nights = try LogrotateNights()
        let dir = TempDir()
        let whole = try oneOff(nights, secret: dir.path("secret"), out: dir.path("oneoff"))
        let (logs, crm) = try nights.write(night: nights.nights - 1, into: dir)
        let job = IngestJob(options: nights.options(logs: logs, crm: crm, state: dir.path("state.db"), secret: dir.path("secret"), out: dir.path("out")))
        try job.run(state: try StateStore(path: dir.path("state.db")))
        let daily = whole["daily.csv"]!.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",").map(String.init) }
        let day = daily[daily.count / 2][0]
        let d = LogTime.daysFromCivil(year: Int(day.prefix(4))!, month: Int(day.dropFirst(5).prefix(2))!, day: Int(day.suffix(2))!)
        let r = try StateReport.make(store: StateStore(path: dir.path("state.db")), model: nil, from: d, to: d)
        let rows = daily.filter { $0[0] == day }
        // date, channel, sessions, users, pageviews, conversions, value
        for row in rows where !row[1].hasPrefix("(") {
            let c = try XCTUnwrap(r.aggregates.byChannel[Channel(name: row[1])!], row[1])
            XCTAssertEqual(c.sessions, Int(row[2]), row[1])
            XCTAssertEqual(c.distinctUsers, Int(row[3]), row[1])
            XCTAssertEqual(c.pageviews, Int(row[4]), row[1])
            XCTAssertEqual(String(format: "%.2f", c.conversions), row[5], row[1])
        }
        XCTAssertEqual(r.aggregates.sessions, rows.filter { !$0[1].hasPrefix("(") }.map { Int($0[2])! }.reduce(0, +))
        XCTAssertEqual(r.aggregates.byDay.keys.map(\.day).allSatisfy { $0 == d }, true)
    }
}

/// No client address reaches the state file: visitors are keyed hashes.
final class StatePrivacyTests: XCTestCase {
    func testTheStateHoldsNoAddressOfTheLogsOrTheCRM() throws {
        let nights = try LogrotateNights()
        let dir = TempDir()
        for k in 0..<nights.nights { _ = try { () throws -> IngestJob in
            let (logs, crm) = try nights.write(night: k, into: dir)
            let job = IngestJob(options: nights.options(logs: logs, crm: crm, state: dir.path("state.db"), secret: dir.path("secret"), out: dir.path("out")))
            try job.run(state: try StateStore(path: dir.path("state.db")))
            return job
        }() }
        var addresses = Set<String>()
        for s in nights.servers { for l in s.lines { if let sp = l.firstIndex(of: " ") { addresses.insert(String(l[..<sp])) } } }
        for (text, _) in nights.crmLines {
            for f in text.split(separator: ",") where f.split(separator: ".").count == 4 && f.allSatisfy({ $0.isNumber || $0 == "." }) { addresses.insert(String(f)) }
        }
        addresses = addresses.filter { $0.contains(".") || $0.contains(":") }
        XCTAssertGreaterThan(addresses.count, 500)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path("state.db")))
        for a in addresses where a.count >= 7 {
            XCTAssertNil(bytes.range(of: Data(a.utf8)), a)
        }
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: dir.path("state.db"))[.posixPermissions] as? Int, 0o600)
    }
}

/// CRM rows across nights: a row that arrives the night after its goal hit still stands for it.
final class NightlyCRMTests: XCTestCase {
    func night(_ logs: [String], crm: String, dir: TempDir) throws -> IngestJob {
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.goals = [Goal(name: "purchase", method: "GET", path: "/thank-you", value: 49)]
        o.files = logs
        o.crm.files = [crm]
        o.statePath = dir.path("state.db")
        o.secretFile = dir.path("secret")
        o.quiet = true
        let job = IngestJob(options: o)
        try job.run(state: try StateStore(path: dir.path("state.db")))
        return job
    }

    func testARowArrivingTheNightAfterItsHitStandsForIt() throws {
        let dir = TempDir()
        let ip = "10.2.2.2"
        let t = day0 + 86400 - 1200
        // A purchase at 23:40 whose CRM row (created 23:59) is only in the next night's export.
        let visit = [line(ip, t, "/", ref: "https://www.google.com/"), line(ip, t + 60, "/thank-you?lead=77"),
                     line("10.9.9.9", t + 1200, "/")]
        let a = dir.write("a.log", visit.joined(separator: "\n") + "\n")
        let header = "Record ID,Create Date,Type,Lead Status,Amount\n"
        let empty = dir.write("crm1.csv", header + "L1,2026-03-01T10:00:00Z,lead,New,\n")
        let first = try night([a], crm: empty, dir: dir)
        XCTAssertEqual(first.report?.aggregates.byChannel[.organicSearch]?.conversions, 1)
        XCTAssertEqual(first.report?.aggregates.byChannel[.organicSearch]?.value, 49)
        let b = dir.write("b.log", line("10.9.9.9", t + 7200, "/").appending("\n"))
        let full = dir.write("crm2.csv", header + "L1,2026-03-01T10:00:00Z,lead,New,\n77,2026-03-02T23:59:00Z,purchase,Closed Won,120\n")
        let second = try night([b], crm: full, dir: dir)
        let search = try XCTUnwrap(second.report?.aggregates.byChannel[.organicSearch])
        // One purchase, worth what the CRM says, not the hit's 49 beside it.
        XCTAssertEqual(search.conversions, 1)
        XCTAssertEqual(search.value, 120)
        XCTAssertEqual(second.report?.aggregates.leads(.organicSearch).customers, 1)
        // One journey too: the row's, not the superseded hit's beside it (and 10.9.9.9's, who
        // never converted).
        let rows = try XCTUnwrap(second.report?.aggregates.journeyRows)
        XCTAssertEqual(rows, [PathRow(path: JourneyPath(channels: [.direct]), conversions: 0, nonConversions: 1),
                              PathRow(path: JourneyPath(channels: [.organicSearch]), conversions: 1, nonConversions: 0, value: 120)])
        XCTAssertEqual(second.report?.aggregates.credited(.organicSearch, model: .markov).conversions, 1)
    }

    /// The same session reloads the thank-you page without the lead id: in a run that knows
    /// the row, the first hit is the row's and the reload is the log's purchase; so here too,
    /// once the row comes.
    func testALaterHitOfTheSameGoalCountsOnceTheRowStandsForTheFirst() throws {
        let dir = TempDir()
        let ip = "10.3.3.3"
        let t = day0 + 86400 - 1800
        let visit = [line(ip, t, "/", ref: "https://www.google.com/"), line(ip, t + 60, "/thank-you?lead=88"),
                     line(ip, t + 120, "/thank-you"), line("10.9.9.9", t + 1800, "/")]
        let header = "Record ID,Create Date,Type,Lead Status,Amount\n"
        let a = dir.write("a.log", visit.joined(separator: "\n") + "\n")
        let first = try night([a], crm: dir.write("crm1.csv", header + "L1,2026-03-01T10:00:00Z,lead,New,\n"), dir: dir)
        XCTAssertEqual(first.report?.aggregates.byChannel[.organicSearch]?.conversions, 1)
        XCTAssertEqual(first.report?.aggregates.byChannel[.organicSearch]?.value, 49)
        let b = dir.write("b.log", line("10.9.9.9", t + 9000, "/").appending("\n"))
        let second = try night([b], crm: dir.write("crm2.csv", header + "88,2026-03-02T23:31:30Z,purchase,Closed Won,120\n"), dir: dir)
        let search = try XCTUnwrap(second.report?.aggregates.byChannel[.organicSearch])
        XCTAssertEqual(search.conversions, 2)
        XCTAssertEqual(search.value, 169)
        // The same data in one run gives the same.
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.goals = [Goal(name: "purchase", method: "GET", path: "/thank-you", value: 49)]
        o.files = [a, b]
        o.crm.files = [dir.path("crm2.csv")]
        o.quiet = true
        let once = IngestJob(options: o)
        try once.run()
        XCTAssertEqual(once.aggregates.byChannel[.organicSearch]?.conversions, 2)
        XCTAssertEqual(once.aggregates.byChannel[.organicSearch]?.value, 169)
    }
}
