import XCTest
@testable import ChannelIngest

final class InputTests: XCTestCase {
    private func readAll(_ path: String) throws -> (text: String, input: DecompressedInput) {
        let input = try DecompressedInput(path: path)
        return (String(decoding: readToEnd(input), as: UTF8.self), input)
    }

    func testPlainTextPassesThrough() throws {
        let dir = TempDir()
        let (text, input) = try readAll(dir.write("a.log", "one\ntwo\n"))
        XCTAssertEqual(text, "one\ntwo\n")
        XCTAssertFalse(input.isGzip)
        XCTAssertNil(input.damage)
    }

    func testGzipIsChosenByBytesNotName() throws {
        let dir = TempDir()
        let (text, input) = try readAll(dir.write("access.log.1", bytes: gzipBytes("hello\n")))
        XCTAssertEqual(text, "hello\n")
        XCTAssertTrue(input.isGzip)
        XCTAssertEqual(input.decompressedBytes, 6)
    }

    func testConcatenatedMembersAreReadToTheEnd() throws {
        let dir = TempDir()
        let body = String(repeating: "a line of text\n", count: 500)
        let bytes = gzipBytes(body) + gzipBytes("second member\n") + gzipBytes("third\n")
        let (text, input) = try readAll(dir.write("multi.gz", bytes: bytes))
        XCTAssertEqual(text, body + "second member\nthird\n")
        XCTAssertNil(input.damage)
    }

    func testTruncatedGzipIsReadUpToTheDamage() throws {
        let dir = TempDir()
        var rng = SystemRandomNumberGenerator()
        // Incompressible-ish text so the cut lands mid-stream.
        let body = (0..<4000).map { _ in String(UInt64.random(in: 0...UInt64.max, using: &rng), radix: 36) }.joined(separator: "\n") + "\n"
        let full = gzipBytes(body)
        let cut = Array(full.prefix(full.count / 2))
        let (text, input) = try readAll(dir.write("cut.gz", bytes: cut))
        XCTAssertEqual(input.damage?.kind, .truncated)
        XCTAssertEqual(input.damage?.offset, cut.count)
        XCTAssertTrue(body.hasPrefix(text))
        XCTAssertGreaterThan(text.count, body.count / 4)
    }

    func testCorruptGzipReportsOffset() throws {
        let dir = TempDir()
        var bytes = gzipBytes(String(repeating: "x y z\n", count: 100))
        for i in 10..<bytes.count - 8 { bytes[i] = 0xFF }  // deflate data from its first block header
        let (_, input) = try readAll(dir.write("bad.gz", bytes: bytes))
        XCTAssertEqual(input.damage?.kind, .corrupt)
    }

    func testTrailingGarbageAfterAMember() throws {
        let dir = TempDir()
        let bytes = gzipBytes("ok\n") + Array("garbage".utf8)
        let (text, input) = try readAll(dir.write("tail.gz", bytes: bytes))
        XCTAssertEqual(text, "ok\n")
        XCTAssertEqual(input.damage?.kind, .trailingGarbage)
        XCTAssertEqual(input.damage?.offset, bytes.count - 7)
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try DecompressedInput(path: "/nonexistent/access.log")) { e in
            XCTAssertTrue("\(e)".contains("cannot open /nonexistent/access.log"))
        }
    }

    /// Lines split across chunks, CRLF, a last line without newline, and one oversized line.
    func testLineReaderSplitsAndSkipsOversizedLines() throws {
        let dir = TempDir()
        let long = String(repeating: "L", count: LineReader.maxLineLength + 10)
        var text = ""
        for i in 0..<300_000 { text += "line \(i)\r\n" }   // ~3.5 MB: several chunks
        text += long + "\n" + "after\n" + "last"
        let reader = LineReader(input: try DecompressedInput(path: dir.write("l.log", text)))
        reader.start()
        var lines: [String] = []
        var oversized = 0
        while let chunk = reader.next() {
            oversized += chunk.oversizedLinesBefore.count
            XCTAssertTrue(chunk.oversizedLinesBefore.allSatisfy { $0.count == LineReader.sampleLength })
            chunk.forEachLine({ lines.append($0.string) }, oversized: { _ in oversized += 1 })
            reader.recycle(chunk)
        }
        XCTAssertEqual(oversized, 1)
        XCTAssertEqual(lines.count, 300_002)
        XCTAssertEqual(lines[0], "line 0")
        XCTAssertEqual(lines[299_999], "line 299999")
        XCTAssertEqual(lines[300_000].prefix(20), "after")
        XCTAssertEqual(lines[300_001].prefix(20), "last")
    }
}

extension InputTests {
    /// Short lines are handed over at most `maxLinesPerChunk` per chunk, in order, none lost.
    func testChunksHoldAtMostTheLineCap() throws {
        let dir = TempDir()
        let n = 3 * LineReader.maxLinesPerChunk + 123
        let text = (0..<n).map { String($0) }.joined(separator: "\n") + "\n\n\n"
        let reader = LineReader(input: try DecompressedInput(path: dir.write("short.log", text)))
        reader.start()
        var seen: [String] = []
        var chunks = 0
        while let chunk = reader.next() {
            chunks += 1
            XCTAssertLessThanOrEqual(chunk.parsed.count, LineReader.maxLinesPerChunk)
            XCTAssertTrue(chunk.parsed.allSatisfy { $0.kind == .malformed })   // no format given
            for r in chunk.parsed { seen.append(r.line.string) }
            reader.recycle(chunk)
        }
        XCTAssertEqual(chunks, 4)
        XCTAssertEqual(seen.count, n + 2)
        XCTAssertEqual(Array(seen.prefix(n)), (0..<n).map { String($0) })
        XCTAssertEqual(Array(seen.suffix(2)), ["", ""])
    }
}
