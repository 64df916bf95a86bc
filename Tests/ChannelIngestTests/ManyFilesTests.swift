import Foundation
import XCTest
@testable import ChannelIngest

/// What makes thousands of small files cheap must not change a figure: a directory or a quoted
/// glob names the same files as the shell would, one log cut into many files gives the tables of
/// the one file, and detection with the previous file's format gives the answer full detection
/// gives.
final class ManyFilesTests: XCTestCase {
    func testDirectoriesAndGlobsExpandToTheirFiles() throws {
        let dir = TempDir()
        _ = dir.write("b/2.log", "x\n")
        _ = dir.write("b/1.log", "x\n")
        _ = dir.write("b/deep/3.log", "x\n")
        _ = dir.write("b/.hidden", "x\n")
        _ = dir.write("b/.git/config", "x\n")
        _ = dir.write("a.log.gz", "x\n")
        let root = dir.url.path
        XCTAssertEqual(try InputPaths.expand([root + "/b"]), [root + "/b/1.log", root + "/b/2.log", root + "/b/deep/3.log"])
        XCTAssertEqual(try InputPaths.expand([root + "/b/"]), [root + "/b/1.log", root + "/b/2.log", root + "/b/deep/3.log"])
        XCTAssertEqual(try InputPaths.expand([root + "/b/*.log"]), [root + "/b/1.log", root + "/b/2.log"])
        XCTAssertEqual(try InputPaths.expand(["-", root + "/a.log.gz"]), ["-", root + "/a.log.gz"])
        XCTAssertEqual(try InputPaths.expand([root + "/missing.log"]), [root + "/missing.log"])   // opening it reports it
        XCTAssertThrowsError(try InputPaths.expand([root + "/b/*.gz"])) { XCTAssertEqual("\($0)", "no file matches \(root)/b/*.gz") }
        _ = dir.write("empty/.keep", "")
        XCTAssertThrowsError(try InputPaths.expand([root + "/empty"])) { XCTAssertEqual("\($0)", "the directory \(root)/empty holds no files") }
    }

    /// One log, 240 lines of 8 visitors, cut into 24 gzipped files of 10 lines: passed as
    /// files, as their directory and as a glob, the tables are the one file's.
    func testOneLogCutIntoManyFilesGivesItsTables() throws {
        let dir = TempDir()
        var all: [String] = []
        for i in 0..<240 {
            all.append(line("198.51.100.\(i % 8 + 1)", day0 + Int64(i) * 90, i % 5 == 0 ? "/?utm_source=newsletter&utm_medium=email" : "/p\(i % 7)",
                            ref: i % 3 == 0 ? "https://www.google.com/" : "-"))
        }
        let whole = dir.write("whole/access.log", all.joined(separator: "\n") + "\n")
        var parts: [String] = []
        for k in 0..<24 {
            parts.append(dir.write("parts/p\(String(format: "%02d", k)).gz", bytes: gzipBytes(all[(k * 10)..<(k * 10 + 10)].joined(separator: "\n") + "\n")))
        }
        func tables(_ files: [String]) throws -> [String: String] {
            var o = IngestOptions()
            o.siteHosts = ["example.com"]
            o.files = files
            o.quiet = true
            let job = IngestJob(options: o)
            try job.run()
            XCTAssertEqual(job.stats.lines, 240)
            let t = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats)
            return Dictionary(uniqueKeysWithValues: t.all.map { ($0.0, $0.1.render()) })
        }
        let one = try tables([whole])
        XCTAssertTrue(one["traffic.csv"]!.contains("Email,"))
        XCTAssertEqual(try tables(parts), one)
        XCTAssertEqual(try tables(parts.reversed()), one)
        XCTAssertEqual(try tables([dir.url.path + "/parts"]), one)
        XCTAssertEqual(try tables([dir.url.path + "/parts/p*.gz"]), one)
    }

    /// Detection told the previous file's format answers as full detection does, for every
    /// format's sample and every format as the guess.
    func testDetectionWithALikelyFormatGivesTheSameAnswer() throws {
        let formats = FormatFixtureTests.dir
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: formats.path) {
            let folder = formats.appendingPathComponent(name)
            guard let gz = try FileManager.default.contentsOfDirectory(atPath: folder.path).first(where: { $0.hasSuffix(".gz") }) else { continue }
            let setup = IngestOptions(config: try IngestConfig.load(path: folder.appendingPathComponent("ingest.toml").path),
                                      origin: folder.appendingPathComponent("ingest.toml").path).formatSetup
            let text = readToEnd(try DecompressedInput(path: folder.appendingPathComponent(gz).path))
            let lines = text.split(separator: 0x0A).prefix(LogFormat.detectionLines).map(Array.init)
            try lines.withSpans { spans in
                let full = setup.detect(spans)
                XCTAssertEqual(full == nil, name == "log_format", name)   // a format string is named, not detected
                for guess in LogFormat.allCases {
                    XCTAssertEqual(setup.detect(spans, likely: guess), full, "\(name), guessing \(guess)")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 9 * LogFormat.allCases.count)
    }
}

private extension Array where Element == [UInt8] {
    /// The lines as `ByteSpan`s for the duration of `body`.
    func withSpans(_ body: ([ByteSpan]) throws -> Void) throws {
        var pointers: [UnsafeMutablePointer<UInt8>] = []
        defer { pointers.forEach { $0.deallocate() } }
        let spans = map { bytes -> ByteSpan in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(1, bytes.count))
            bytes.withUnsafeBufferPointer { if let b = $0.baseAddress { p.initialize(from: b, count: bytes.count) } }
            pointers.append(p)
            return ByteSpan(base: p, count: bytes.count)
        }
        try body(spans)
    }
}
