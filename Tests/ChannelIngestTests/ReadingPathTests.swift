import Foundation
import XCTest
@testable import ChannelIngest

/// The tables don't depend on how the lines are read. The same five days of traffic are read
/// as one plain file, as one gzip file, as eight gzipped pieces the way logrotate leaves them
/// (each its own reader thread, merged by time), and through a pipe (format detected from the
/// first chunk, and no daily users closed early, as for standard input): every table must be
/// byte for byte the same. Whatever the performance work changes in how lines travel, this
/// pins that the answer does not move.
final class ReadingPathTests: XCTestCase {
    func testOneFileRotatedFilesAndAPipeGiveTheSameTables() throws {
        let lines = Self.traffic(seed: 7, visitors: 400, days: 5)
        let text = lines.joined(separator: "\n") + "\n"
        let dir = TempDir()

        let plain = try tables(files: [dir.write("access.log", text)])
        let gzipped = try tables(files: [dir.write("access.log.gz", bytes: gzipBytes(text))])

        var rotated: [String] = []
        let per = (lines.count + 7) / 8
        for i in 0..<8 {
            let part = lines[(i * per)..<min(lines.count, (i + 1) * per)].joined(separator: "\n") + "\n"
            rotated.append(dir.write("rotated.log.\(8 - i).gz", bytes: gzipBytes(part)))
        }
        let pieces = try tables(files: rotated.reversed())

        let fifo = dir.path("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            Array(text.utf8).withUnsafeBytes { b in
                var at = 0
                while at < b.count {
                    let n = write(fd, b.baseAddress! + at, b.count - at)
                    if n <= 0 { break }
                    at += n
                }
            }
            close(fd)
        }
        writer.start()
        let piped = try tables(files: [fifo])

        // The traffic is what it was built to be: several days, every channel kind, goals.
        let rows = { (name: String) -> Int in (plain[name] ?? "").utf8.filter { $0 == 0x0A }.count }
        // The header and Direct, Organic Search, Organic Social, Email, Referral.
        XCTAssertEqual(rows("traffic.csv"), 6)
        XCTAssertGreaterThan(rows("daily.csv"), 5 * 4)
        for (name, table) in plain {
            XCTAssertEqual(gzipped[name], table, "gzip: \(name)")
            XCTAssertEqual(pieces[name], table, "8 rotated files: \(name)")
            XCTAssertEqual(piped[name], table, "pipe: \(name)")
        }
        XCTAssertEqual(plain.keys.sorted(), ["attribution.csv", "bots.csv", "conversions.csv", "daily.csv", "landing_pages.csv", "lead_quality.csv", "paths.csv", "sources.csv", "traffic.csv"])
    }

    /// The same traffic with every chunk parsed by the consumer instead of the reader thread
    /// (what happens to some chunks when parsing is the slower side): the same tables.
    func testChunksParsedByTheConsumerGiveTheSameTables() throws {
        let text = Self.traffic(seed: 8, visitors: 300, days: 3).joined(separator: "\n") + "\n"
        let dir = TempDir()
        let path = dir.write("access.log.gz", bytes: gzipBytes(text))
        let byReader = try tables(files: [path])
        LineReader.alwaysHandOver = true
        defer { LineReader.alwaysHandOver = false }
        let byConsumer = try tables(files: [path])
        XCTAssertEqual(byConsumer, byReader)
        XCTAssertEqual(byReader.count, 9)
    }

    /// A chunk of more than `maxLinesPerChunk` short lines, parsed by the consumer in batches:
    /// line numbers run on across the batches, as when the reader cuts the chunk.
    func testBatchesKeepLineNumbers() throws {
        // Common-format lines of 63 bytes and short malformed ones: the first 1 MiB chunk
        // holds more than 16,384 lines.
        let valid = "1.2.3.4 - - [02/Mar/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1"
        XCTAssertEqual(valid.utf8.count, 63)
        var lines: [String] = []
        for i in 0..<16_000 { lines.append(i % 2 == 0 ? valid : "x") }
        lines += [String](repeating: valid, count: 400)
        lines += ["bad1", "bad2", "bad3", "bad4", "bad5", "bad6"]
        lines += [String](repeating: valid, count: 20_000)
        let dir = TempDir()
        let path = dir.write("common.log", lines.joined(separator: "\n") + "\n")
        for handOver in [false, true] {
            LineReader.alwaysHandOver = handOver
            defer { LineReader.alwaysHandOver = false }
            let job = try runJob([], configure: { $0.files = [path]; $0.format = .common })
            XCTAssertEqual(job.stats.lines, 36_406, "hand over: \(handOver)")
            XCTAssertEqual(job.stats.hits, 28_400)
            XCTAssertEqual(job.stats.malformed, 8_006)
            // The first five malformed lines are sampled with their line numbers: the "x" lines
            // 2, 4, 6, 8, 10. The "bad" lines come after 16,400 lines, in the second batch.
            XCTAssertEqual(job.stats.malformedSamples.map(\.line), [2, 4, 6, 8, 10])
        }
    }

    /// `parseMore` walks a chunk handed over unparsed in batches of `maxLinesPerChunk` lines,
    /// every line once, in order.
    func testParseMoreWalksAChunkInBatches() throws {
        let expected = (0..<20_000).map { "x\($0)" }
        let dir = TempDir()
        LineReader.alwaysHandOver = true
        defer { LineReader.alwaysHandOver = false }
        let reader = LineReader(input: try DecompressedInput(path: dir.write("x.log", expected.joined(separator: "\n") + "\n")),
                                format: .common, shareParsing: true)
        reader.start()
        var seen: [String] = []
        var batches: [Int] = []
        while let chunk = reader.next() {
            XCTAssertEqual(chunk.parsedEnd, 0)
            XCTAssertTrue(reader.parseMore(chunk))
            repeat {
                batches.append(chunk.parsed.count)
                for r in chunk.parsed { seen.append(r.line.string) }
            } while reader.parseMore(chunk)
            reader.recycle(chunk)
        }
        // About 129 KB: one chunk, 16,384 lines and then the other 3,616.
        XCTAssertEqual(batches, [16_384, 3_616])
        XCTAssertEqual(seen, expected)
    }

    /// Runs the job over `files` with two goals and returns every CSV table's text by name.
    private func tables(files: [String]) throws -> [String: String] {
        let job = try runJob([], configure: {
            $0.files = files
            $0.goals = [Goal(name: "signup", method: "POST", path: "/signup", statusRange: 300...399, value: 20),
                        Goal(name: "purchase", method: "GET", path: "/thank-you", value: 49)]
        })
        let out = TempDir()
        try ReportWriter.write(job: job, to: out.path("report"))
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path("report")) where name.hasSuffix(".csv") {
            result[name] = try String(contentsOfFile: out.path("report/\(name)"), encoding: .utf8)
        }
        return result
    }

    /// `visitors` visitors over `days` days, in time order: visits from search, social, an
    /// e-mail campaign, a referral or nothing, a few pages each (some visits past midnight),
    /// sign-ups and purchases, asset requests and a crawler.
    static func traffic(seed: UInt64, visitors: Int, days: Int) -> [String] {
        var rng = SplitMix(seed: seed)
        let referrers = ["-", "https://www.google.com/", "https://l.facebook.com/", "https://partner-blog.net/review",
                         "https://www.example.com/pricing"]
        let landings = ["/", "/pricing", "/blog/post-1", "/?utm_source=newsletter&utm_medium=email&utm_campaign=may", "/docs"]
        var timed: [(Int64, Int, String)] = []
        for v in 0..<visitors {
            let ip = "203.0.\(v / 250).\(v % 250 + 1)"
            let ua = v % 3 == 0 ? firefox : chrome
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                var t = day0 + Int64(rng.next() % UInt64(days * 86400))
                let ref = referrers[Int(rng.next() % UInt64(referrers.count))]
                timed.append((t, timed.count, line(ip, t, landings[Int(rng.next() % UInt64(landings.count))], ref: ref, ua: ua)))
                for _ in 0..<Int(rng.next() % 4) {
                    t += Int64(10 + rng.next() % 1500)
                    timed.append((t, timed.count, line(ip, t, "/page-\(rng.next() % 20)", ref: "https://www.example.com/", ua: ua)))
                    timed.append((t, timed.count, line(ip, t, "/app.css", ref: "https://www.example.com/", ua: ua)))
                }
                switch rng.next() % 6 {
                case 0:
                    t += 30
                    timed.append((t, timed.count, line(ip, t, "/signup", ua: ua, method: "POST", status: 302)))
                case 1:
                    t += 45
                    timed.append((t, timed.count, line(ip, t, "/thank-you", ua: ua)))
                default: break
                }
            }
        }
        for k in 0..<(days * 24) {
            let t = day0 + Int64(k * 3600)
            timed.append((t, timed.count, line("192.0.2.50", t, "/robots.txt", ua: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")))
        }
        return timed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }
}
