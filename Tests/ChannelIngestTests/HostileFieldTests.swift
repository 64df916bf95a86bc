import Foundation
import XCTest
@testable import ChannelIngest

/// Hostile bytes in every field of a log line, odd dates and statuses, addresses with zone ids,
/// bombs and files that vanish: every line is accounted for, nothing crashes, nothing leaks.
final class HostileFieldTests: XCTestCase {
    func job(_ lines: [String], bytes: [UInt8]? = nil, configure: (inout IngestOptions) -> Void = { _ in }) throws -> IngestJob {
        let dir = TempDir()
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.quiet = true
        o.format = .combined
        o.files = [bytes.map { dir.write("h.log", bytes: $0) } ?? dir.write("h.log", lines.joined(separator: "\n") + "\n")]
        configure(&o)
        let j = IngestJob(options: o)
        try j.run()
        return j
    }

    /// Every byte value but the newline inside each field of a combined line from 203.0.113.7:
    /// the bytes of the file and its number of lines (also run by `ReportBrowserTests`).
    static func everyByteInEveryField() -> (bytes: [UInt8], lines: Int) {
        let fields = ["203.0.113.7", "-", "-", "[02/Mar/2026:10:15:07 +0000]", "\"GET /p?utm_source=a HTTP/1.1\"", "200", "512",
                      "\"https://t.co/x\"", "\"Mozilla/5.0 (X11)\""]
        var bytes: [UInt8] = []
        var lines = 0
        for f in fields.indices {
            for b in 0...255 where b != 0x0A {
                var parts = fields.map { Array($0.utf8) }
                parts[f].insert(UInt8(b), at: parts[f].count / 2)
                bytes += Array(parts.joined(separator: [0x20])) + [0x0A]
                lines += 1
            }
        }
        return (bytes, lines)
    }

    /// Each of the 256 byte values inside each field of a combined line.
    func testEveryByteInEveryField() throws {
        let (bytes, lines) = Self.everyByteInEveryField()
        let j = try job([], bytes: bytes)
        XCTAssertEqual(j.stats.lines, lines)
        XCTAssertEqual(j.stats.hits + j.stats.malformed, lines)
        XCTAssertGreaterThan(j.stats.hits, lines / 2)
        let dir = TempDir()
        try ReportWriter.write(job: j, to: dir.path("out"))
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path("out")) {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir.path("out/\(name)")))
            XCTAssertNotNil(String(data: data, encoding: .utf8), "\(name) is valid UTF-8")
            XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("203.0.113.7"), name)
        }
        // The report of this run has nothing executable that came from the input (the same page
        // is loaded in Chromium by ReportBrowserTests): its only tags are the template's.
        let html = try String(contentsOfFile: dir.path("out/report.html"), encoding: .utf8)
        XCTAssertFalse(html.lowercased().contains("<script"))
        XCTAssertNil(html.range(of: #"<[^>]*\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]), "an event handler attribute")
    }

    /// Apache and nginx escape `"` inside quoted fields (`\"`, `\x22`): a raw quote in the
    /// request, the referrer or the User-Agent makes the line malformed (counted, sampled), in
    /// combined, common and vhost_combined; the well-formed lines around them are unchanged.
    func testARawQuoteInsideAQuotedFieldIsMalformed() throws {
        let t = "[02/Mar/2026:10:15:07 +0000]"
        let good = [
            "203.0.113.1 - - \(t) \"GET /a HTTP/1.1\" 200 5 \"https://t.co/x\" \"Mozilla/5.0 (X11)\"",
            "203.0.113.2 - - \(t) \"GET /b?q=\\\"x\\\" HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11) \\\"quoted\\\"\"",   // \" escapes
            "203.0.113.3 - - \(t) \"GET /c?q=\\x22x HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11)\" \"198.51.100.9\" 0.012",    // nginx extras
        ]
        let bad = [
            "203.0.113.4 - - \(t) \"GET /d\"x HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11)\"",           // in the request
            "203.0.113.5 - - \(t) \"GET /e HTTP/1.1\" 200 5 \"https://t.co/\"x\" \"Mozilla/5.0 (X11)\"", // in the referrer
            "203.0.113.6 - - \(t) \"GET /f HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 \"evil\" (X11)\"",    // in the User-Agent
            "203.0.113.7 - - \(t) \"GET /g HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 \" (X11)\"",           // a quote before a space
            "203.0.113.8 - - \(t) \"GET /h HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11)\" x\"y",          // after the User-Agent
        ]
        let j = try job(good + bad)
        XCTAssertEqual(j.stats.lines, 8)
        XCTAssertEqual(j.stats.hits, 3)
        XCTAssertEqual(j.stats.malformed, 5)
        XCTAssertEqual(j.stats.malformedSamples.count, 5)
        XCTAssertEqual(j.stats.malformedSamples.map(\.line), [4, 5, 6, 7, 8])
        // The hits of the good lines are those of a file without the bad ones.
        let alone = try job(good)
        XCTAssertEqual(alone.stats.hits, 3)
        XCTAssertEqual(alone.stats.pageviews, j.stats.pageviews)
        XCTAssertEqual(alone.stats.sessions, j.stats.sessions)

        let common = try job(["203.0.113.1 - - \(t) \"GET /a HTTP/1.1\" 200 5", "203.0.113.4 - - \(t) \"GET /d\"x HTTP/1.1\" 200 5"]) { $0.format = .common }
        XCTAssertEqual(common.stats.hits, 1)
        XCTAssertEqual(common.stats.malformed, 1)
        let vhost = try job(["www.example.com:443 203.0.113.1 - - \(t) \"GET /a HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11)\"",
                             "www.example.com:443 203.0.113.6 - - \(t) \"GET /f HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 \"evil\" (X11)\""]) { $0.format = .vhostCombined }
        XCTAssertEqual(vhost.stats.hits, 1)
        XCTAssertEqual(vhost.stats.malformed, 1)
    }

    /// An nginx `log_format … escape=none` writes quotes raw: that file keeps the lenient
    /// reading (a quote closes a field only where the format's next literal follows).
    func testEscapeNoneKeepsRawQuotesInTheirField() throws {
        let t = "[02/Mar/2026:10:15:07 +0000]"
        let lines = ["203.0.113.6 - - \(t) \"GET /f HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 \"evil\" (X11)\"",
                     "203.0.113.4 - - \(t) \"GET /d\"x HTTP/1.1\" 200 5 \"https://t.co/\" \"Mozilla/5.0 (X11)\""]
        let fields = #"'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'"#
        let escaped = try job(lines) { $0.format = .logFormat; $0.formatSetup.formatString = try! FormatString("log_format main " + fields + ";") }
        XCTAssertEqual(escaped.stats.malformed, 2)
        let raw = try job(lines) { $0.format = .logFormat; $0.formatSetup.formatString = try! FormatString("log_format main escape=none " + fields + ";") }
        XCTAssertEqual(raw.stats.malformed, 0)
        XCTAssertEqual(raw.stats.hits, 2)
        XCTAssertTrue(try FormatString("log_format main escape=json " + fields).quotesEscaped)
        XCTAssertFalse(try FormatString("log_format main escape=none " + fields).quotesEscaped)

        // The User-Agent kept its raw quotes; the request its target.
        let f = try FormatString("log_format main escape=none " + fields)
        func read(_ line: String) -> (ua: String, target: String)? {
            var hit = Hit()
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
            defer { scratch.deallocate() }
            var arena = ParseArena(base: scratch, capacity: 4096)
            return line.withSpan { f.parse($0, into: &hit, arena: &arena) ? (hit.userAgent.string, hit.target.string) : nil }
        }
        XCTAssertEqual(read(lines[0])?.ua, #"Mozilla/5.0 "evil" (X11)"#)
        XCTAssertEqual(read(lines[1])?.target, #"/d"x"#)
    }

    func testOddDatesStatusesAndAddresses() throws {
        let lines = [
            line("203.0.113.7", 0, "/"),                                     // 1970-01-01
            line("203.0.113.8", 4_102_444_800, "/", ref: "https://t.co/x"),    // 2100-01-01
            line("fe80::1%eth0", day0, "/zone"),                             // IPv6 with a zone id
            line("203.0.113.9", day0, "/a", status: 999),
            line("203.0.113.9", day0 + 1, "/b", status: 0),
            #"203.0.113.9 - - [02/Mar/2026:10:15:07 +0000] "GET /c HTTP/1.1" 1000 5 "-" "x""#,   // four digits: malformed
            line("203.0.113.10", day0, "/?utm_source=%&utm_medium=%4&utm_campaign=%ZZ%%25"),
            #"203.0.113.11 - - [02/Mar/2026:10:15:07 +0000] "GET / HTTP/1.1" 200 5 "-" "ends with a backslash\"#,
            #"203.0.113.11 - - [02/Mar/2026:10:15:07 +0000] "GET / HTTP/1.1" 200 5 "-" ""#,
        ]
        let j = try job(lines)
        XCTAssertEqual(j.stats.lines, 9)
        XCTAssertEqual(j.stats.malformed, 3)
        XCTAssertEqual(j.stats.pageviews, 4)              // statuses 999 and 0 are hits, never page views
        XCTAssertEqual(j.stats.firstTime, 0)
        XCTAssertEqual(j.stats.lastTime, 4_102_444_800)
        let daily = TrafficTables(aggregates: j.aggregates, paths: j.stage.paths, stats: j.stats).daily.render()
        XCTAssertTrue(daily.contains("1970-01-01,Direct,1,"), daily)
        XCTAssertTrue(daily.contains("2100-01-01,Organic Social,1,"), daily)
        // Broken escapes are kept as they are, decoded once where they can be.
        let sources = TrafficTables(aggregates: j.aggregates, paths: j.stage.paths, stats: j.stats).sources.render()
        XCTAssertTrue(sources.contains("Unassigned,%,%4,1,"), sources)
    }

    /// 256 MiB of zeros in 256 KiB of gzip: read in bounded memory, one oversized line.
    func testAGzipBombStreams() throws {
        let dir = TempDir()
        let path = dir.path("bomb.gz")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "head -c 268435456 /dev/zero | gzip -1 -n > '\(path)'"]
        try p.run()
        p.waitUntilExit()
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        var o = IngestOptions()
        o.files = [path]
        o.format = .combined
        o.quiet = true
        let j = IngestJob(options: o)
        try j.run()
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        XCTAssertEqual(j.stats.bytes, 268_435_456)
        XCTAssertEqual(j.stats.lines, 1)
        XCTAssertEqual(j.stats.malformed, 1)
        // Peak memory grew by far less than the bomb (ru_maxrss is in KiB).
        XCTAssertLessThan(after.ru_maxrss - before.ru_maxrss, 64 * 1024)
    }

    /// A file that vanishes after the run began is reported; the others are still read.
    func testAFileThatVanishesMidRun() throws {
        let dir = TempDir()
        let early = dir.write("a.log", (0..<50).map { line("203.0.113.1", day0 + Int64($0) * 60, "/") }.joined(separator: "\n") + "\n")
        let late = dir.write("b.log", line("203.0.113.2", day0 + 86400, "/") + "\n")
        var o = IngestOptions()
        o.files = [early, late]
        o.quiet = true
        let j = IngestJob(options: o)
        j.willOpen = { path in if path == late { unlink(late) } }
        try j.run()
        XCTAssertEqual(j.stats.lines, 50)
        XCTAssertEqual(j.stats.damagedFiles, 1)
        XCTAssertTrue(j.stats.warnings.contains { $0.hasPrefix("cannot open \(late): No such file or directory; skipped") }, "\(j.stats.warnings)")
    }
}

/// Visitor keys come from a per-installation secret: made once with 0600, the same from run to
/// run, and never the address itself.
final class SecretTests: XCTestCase {
    func testTheSecretIsMadeOnceAndKeepsVisitorsStable() throws {
        let dir = TempDir()
        let path = dir.path("conf/ingest/secret")
        let a = try VisitorKeyer.installation(secretFile: path)
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertEqual(stat(dir.path("conf/ingest"), &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        let b = try VisitorKeyer.installation(secretFile: path)
        let other = try VisitorKeyer.installation(secretFile: dir.path("other"))
        func key(_ k: VisitorKeyer) -> UInt64 { "203.0.113.7".withSpan { k.visitor(client: $0, userAgentHash: 42) } }
        XCTAssertEqual(key(a), key(b))
        XCTAssertNotEqual(key(a), key(other))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.count, 33)
        XCTAssertFalse(text.contains("203.0.113.7"))
        dir.write("bad", "not hex")
        XCTAssertThrowsError(try VisitorKeyer.installation(secretFile: dir.path("bad"))) { e in
            XCTAssertTrue("\(e)".contains("not an ingest secret (32 hex digits)"), "\(e)")
        }
        // Through a job: the option picks the secret.
        let job = try runJob([[line("203.0.113.7", day0, "/")]], configure: { $0.secretFile = path })
        XCTAssertEqual("203.0.113.7".withSpan { job.keyer.visitor(client: $0, userAgentHash: 42) }, key(a))
    }
}
