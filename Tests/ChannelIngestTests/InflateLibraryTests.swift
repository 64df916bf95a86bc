import Foundation
import XCTest
@testable import ChannelIngest

/// ISA-L (the default) and zlib (`--inflate zlib`, the reference) read every gzip input to the
/// same bytes and report the same damage: whole members, several members, headers with a name
/// and a comment, zero padding, and every kind of damage, each built here so the right answer is
/// known without either library.
final class InflateLibraryTests: XCTestCase {
    /// Bytes that do not compress well, so members span many deflate blocks and buffer refills.
    static func noisyText(lines: Int, seed: UInt64) -> String {
        var x = seed
        var s = ""
        for i in 0..<lines {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            s += "198.51.100.\(i % 250) - - [07/Dec/2026:02:13:\(i % 60) +0000] \"GET /p/\(String(x, radix: 36)) HTTP/1.1\" 200 \(x % 9000)\n"
        }
        return s
    }

    struct Reading: Equatable {
        var bytes: [UInt8]
        var damage: InputDamage?
        var isGzip: Bool
    }

    func read(_ bytes: [UInt8], _ library: InflateLibrary) throws -> Reading {
        let dir = TempDir()
        let input = try DecompressedInput(path: dir.write("in", bytes: bytes), inflate: library)
        return Reading(bytes: readToEnd(input), damage: input.damage, isGzip: input.isGzip)
    }

    /// Both libraries, and the expected text and damage kind.
    func check(_ bytes: [UInt8], text: String, damage: InputDamage.Kind?, offset: Int? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let isal = try read(bytes, .isal), zlib = try read(bytes, .zlib)
        XCTAssertEqual(isal.damage?.kind, damage, "ISA-L", file: file, line: line)
        XCTAssertEqual(zlib.damage?.kind, damage, "zlib", file: file, line: line)
        if damage == nil || damage == .trailingGarbage {
            XCTAssertEqual(String(decoding: isal.bytes, as: UTF8.self), text, "ISA-L", file: file, line: line)
            XCTAssertEqual(String(decoding: zlib.bytes, as: UTF8.self), text, "zlib", file: file, line: line)
        } else {
            // Up to the damage: a prefix of the text, the same with both libraries.
            XCTAssertTrue(text.utf8.starts(with: isal.bytes), "ISA-L", file: file, line: line)
            XCTAssertTrue(text.utf8.starts(with: zlib.bytes), "zlib", file: file, line: line)
        }
        if let offset {
            XCTAssertEqual(isal.damage?.offset, offset, "ISA-L", file: file, line: line)
            XCTAssertEqual(zlib.damage?.offset, offset, "zlib", file: file, line: line)
        }
    }

    func testWholeAndSeveralMembers() throws {
        let a = Self.noisyText(lines: 30_000, seed: 1), b = Self.noisyText(lines: 7, seed: 2)
        try check(gzipBytes(a), text: a, damage: nil)
        try check(gzipBytes(a) + gzipBytes(b) + gzipBytes(""), text: a + b, damage: nil)
        try check(gzipBytes(b) + [0, 0, 0, 0] + gzipBytes(b), text: b + b, damage: nil)   // zero padding between
        try check(gzipBytes(""), text: "", damage: nil)
    }

    /// A header with FNAME, FCOMMENT, FEXTRA and FHCRC, written by hand around zlib's deflate data.
    func testHeaderFieldsAreSkipped() throws {
        let text = Self.noisyText(lines: 50, seed: 3)
        let plain = gzipBytes(text)
        // gzip -n writes a 10-byte header without optional fields; keep its deflate data and trailer.
        let body = Array(plain[10...])
        var header: [UInt8] = [0x1F, 0x8B, 8, 0x1E, 0, 0, 0, 0, 0, 3]     // FHCRC|FEXTRA|FNAME|FCOMMENT
        header += [6, 0, 0x41, 0x42, 2, 0, 0x78, 0x79]                    // XLEN 6: subfield "AB" with 2 bytes
        header += Array("access.log".utf8) + [0]
        header += Array("a comment".utf8) + [0]
        let crc = crc32(header)
        header += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF)]
        try check(header + body, text: text, damage: nil)
    }

    func testDamage() throws {
        let text = Self.noisyText(lines: 20_000, seed: 4)
        let full = gzipBytes(text)
        // Cut in the middle: truncated, at the file's end.
        let cut = Array(full.prefix(full.count / 2))
        try check(cut, text: text, damage: .truncated, offset: cut.count)
        // Cut inside the trailer: every byte inflated, the member still truncated.
        try check(Array(full.dropLast(3)), text: text, damage: .truncated, offset: full.count - 3)
        // A wrong CRC-32, and a wrong ISIZE: corrupt.
        var badCRC = full
        badCRC[full.count - 8] ^= 0xFF
        try check(badCRC, text: text, damage: .corrupt)
        var badSize = full
        badSize[full.count - 4] ^= 0x01
        try check(badSize, text: text, damage: .corrupt)
        // Deflate data overwritten from its first block: corrupt.
        var garbled = full
        for i in 10..<min(400, full.count - 8) { garbled[i] = 0xFF }
        try check(garbled, text: text, damage: .corrupt)
        // Not gzip after a whole member.
        let ok = "ok\n"
        try check(gzipBytes(ok) + Array("garbage".utf8), text: ok, damage: .trailingGarbage, offset: gzipBytes(ok).count)
        // A second member with a reserved header flag set (RFC 1952: refuse it), and one
        // with another compression method than deflate.
        try check(gzipBytes(ok) + [0x1F, 0x8B, 8, 0x80, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0], text: ok, damage: .corrupt,
                  offset: gzipBytes(ok).count + 4)
        try check(gzipBytes(ok) + [0x1F, 0x8B, 7, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0], text: ok, damage: .corrupt,
                  offset: gzipBytes(ok).count + 4)
        // A second member whose header is cut short.
        try check(gzipBytes(ok) + [0x1F, 0x8B, 8], text: ok, damage: .truncated)
    }

    /// The file's fixtures and every gzip file of the fuzz corpus: the same bytes and damage kind.
    func testFixturesAndFuzzSeedsReadTheSame() throws {
        let root = EndToEndTests.root
        var files: [URL] = []
        for dir in ["fixtures/logs", "Fuzz/Corpus/gzip", "Fuzz/Crashers/gzip"] {
            let url = root.appendingPathComponent(dir)
            files += ((try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? [])
        }
        XCTAssertGreaterThan(files.count, 4)
        for f in files {
            let bytes = [UInt8](try Data(contentsOf: f))
            let isal = try read(bytes, .isal), zlib = try read(bytes, .zlib)
            XCTAssertEqual(isal.bytes, zlib.bytes, f.lastPathComponent)
            XCTAssertEqual(isal.damage?.kind, zlib.damage?.kind, f.lastPathComponent)
        }
    }

    /// The fixtures' run (gzip and plain files, goals, CRM, costs) gives the same tables with
    /// either library.
    func testTheFixturesRunGivesTheSameTablesWithEither() throws {
        let root = EndToEndTests.root
        let logs = root.appendingPathComponent("fixtures/logs")
        let files = try FileManager.default.contentsOfDirectory(atPath: logs.path).map { logs.appendingPathComponent($0).path }
        let configPath = root.appendingPathComponent("fixtures/ingest.toml").path
        let config = try IngestConfig.load(path: configPath)
        func tables(_ library: InflateLibrary) throws -> [String] {
            let job = try runJob([], configure: {
                $0 = IngestOptions(config: config, origin: configPath)
                $0.files = files
                $0.quiet = true
                $0.inflate = library
            })
            let t = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats)
            return [t.traffic.render(), t.daily.render(), t.sources.render(), t.landingPages.render(), "\(job.stats.lines) \(job.stats.malformed)"]
        }
        let isal = try tables(.isal), zlib = try tables(.zlib)
        XCTAssertEqual(isal, zlib)
        XCTAssertFalse(isal[0].isEmpty)
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (c & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~c
    }
}
