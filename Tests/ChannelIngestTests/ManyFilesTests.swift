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
        // A link to a file is that file; a linked directory is not walked into (no loops).
        _ = dir.write("l/real.log", "x\n")
        try FileManager.default.createSymbolicLink(atPath: root + "/l/link.log", withDestinationPath: root + "/l/real.log")
        try FileManager.default.createSymbolicLink(atPath: root + "/l/loop", withDestinationPath: root + "/l")
        XCTAssertEqual(try InputPaths.expand([root + "/l"]), [root + "/l/link.log", root + "/l/real.log"])
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

extension ManyFilesTests {
    /// 120 files named on the command line (ArgumentParser is helped past its quadratic cost
    /// there, `ManyInputs`): around options, after `--`, and after an option's value, the
    /// binary reads every file once and writes the tables of the library's run over them.
    func testManyFilesOnTheCommandLine() throws {
        func interleaved(_ files: [String], _ out: String) -> [String] {
            var arguments: [String] = []
            arguments.append(contentsOf: files[..<40])
            arguments.append(contentsOf: ["--site", "example.com", "--quiet"])
            arguments.append(contentsOf: files[40..<80])
            arguments.append(contentsOf: ["--out", out])
            arguments.append(contentsOf: files[80...])
            return arguments
        }
        let binary = NightlyCrashTests.binary
        guard FileManager.default.isExecutableFile(atPath: binary) else { return XCTFail("\(binary) is not built") }
        let dir = TempDir()
        var files: [String] = []
        for k in 0..<120 {
            let lines = (0..<3).map { i in
                line("198.51.100.\(k % 20 + 1)", day0 + Int64(k * 3 + i) * 60, i == 0 && k % 4 == 0 ? "/?utm_source=news&utm_medium=email" : "/p\(i)")
            }
            files.append(dir.write("parts/p\(String(format: "%03d", k)).gz", bytes: gzipBytes(lines.joined(separator: "\n") + "\n")))
        }
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.files = [dir.url.path + "/parts"]
        o.quiet = true
        let job = IngestJob(options: o)
        try job.run()
        XCTAssertEqual(job.stats.lines, 360)
        let expected = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats).traffic.render()
        let commandLines: [[String]] = [
            ["--site", "example.com", "--quiet", "--out", dir.path("a")] + files,
            interleaved(files, dir.path("b")),
            ["run", "--site", "example.com", "--out", dir.path("c"), "--quiet", "--"] + files,
            ["--site=example.com", "--quiet", "--out=\(dir.path("d"))", "--max-malformed", "0.5"] + files,
        ]
        /// Runs the binary; its exit status and what it wrote on standard error.
        func ingest(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            p.standardError = err
            try p.run()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, message)
        }
        for (n, arguments) in commandLines.enumerated() {
            XCTAssertEqual(try ingest(arguments).status, 0, "command line \(n)")
            let out = dir.path(["a", "b", "c", "d"][n])
            XCTAssertEqual(try String(contentsOfFile: out + "/traffic.csv", encoding: .utf8), expected, "command line \(n)")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
            XCTAssertEqual(summary["files"] as? Int, 120, "command line \(n)")
            XCTAssertEqual(summary["lines"] as? Int, 360, "command line \(n)")
        }
        // An error in such a command line is ArgumentParser's own message, stand-ins unseen.
        let (status, message) = try ingest(["--site", "example.com", "--nonsense"] + files)
        XCTAssertEqual(status, 2)
        XCTAssertEqual(message, "ingest: Unknown option '--nonsense'\n")
    }

    /// The peek's first time is the earliest of its lines (not the first line's), whether
    /// detection confirmed a likely format (and timed the lines itself) or ran in full.
    func testPeekTimesTheEarliestLine() throws {
        let dir = TempDir()
        let times: [Int64] = [day0 + 600, day0 + 60, day0 + 900, day0 + 300]   // earliest: the second
        let path = dir.write("a.log.gz", bytes: gzipBytes(times.map { line("198.51.100.1", $0, "/") }.joined(separator: "\n") + "\n"))
        let setup = IngestOptions().formatSetup
        for likely in [nil, LogFormat.combined, .common, .w3c] {
            let peek = try FilePeek.peek(path: path, forced: nil, setup: setup, likely: likely)
            XCTAssertEqual(peek.format, .combined, "\(String(describing: likely))")
            XCTAssertEqual(peek.firstTime, day0 + 60, "\(String(describing: likely))")
        }
        let forced = try FilePeek.peek(path: path, forced: .combined, setup: setup)
        XCTAssertEqual(forced.firstTime, day0 + 60)
    }
}
