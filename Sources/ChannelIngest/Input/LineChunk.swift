import Foundation

/// A block of decompressed bytes that ends on a line boundary (or at the end of the file).
///
/// The reader thread fills chunks and the parser walks them; chunks are recycled through a
/// small pool so the steady state allocates nothing.
public final class LineChunk {
    public let storage: UnsafeMutablePointer<UInt8>
    public let capacity: Int
    public var count = 0
    /// Room right after the lines for field values a parser has to rewrite (a JSON string with
    /// escapes, a URL-encoded W3C field, a path and query logged apart): inside the same
    /// allocation, which lives as long as the chunk, as the lines do.
    public var arena: ParseArena
    /// Lines longer than the limit that came just before this chunk's bytes: each is one
    /// malformed line; we keep only its first bytes as a sample.
    public var oversizedLinesBefore: [[UInt8]] = []
    /// The chunk's lines, parsed on the reader thread (when it was given a format or told to
    /// detect one), or a batch of them parsed by the consumer (`LineReader.parseMore`).
    public var parsed: [ParsedLine] = []
    /// How far `parsed` (and the batches before it) reach: `count` once every line is parsed.
    /// A chunk handed over unparsed starts at 0 and the consumer parses it batch by batch.
    public var parsedEnd = 0
    /// Set on the first chunk of an input whose format the reader detected.
    public var detection: FormatDetection = .notRun

    public enum FormatDetection: Equatable {
        case notRun
        case found(LogFormat)
        case failed
    }

    init(capacity: Int) {
        self.capacity = capacity
        // Rewritten values are never longer than the lines they come from.
        storage = .allocate(capacity: 2 * capacity)
        arena = ParseArena(base: storage + capacity, capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Empties the chunk for reuse.
    func reset() {
        count = 0
        parsedEnd = 0
        arena.reset()
        oversizedLinesBefore.removeAll(keepingCapacity: true)
        parsed.removeAll(keepingCapacity: true)
        detection = .notRun
    }

    /// Calls `body` for every line (without `\n`, and without a `\r` before it), and
    /// `oversized` instead for a line longer than `LineReader.maxLineLength`.
    @inline(__always)
    public func forEachLine(_ body: (ByteSpan) -> Void, oversized: (ByteSpan) -> Void) {
        _ = forEachLine(limit: .max, body, oversized: oversized)
    }

    /// The same for at most `limit` lines from byte `start` (a line start); returns where the
    /// first line not visited starts.
    @inline(__always)
    public func forEachLine(from start: Int = 0, limit: Int, _ body: (ByteSpan) -> Void, oversized: (ByteSpan) -> Void) -> Int {
        var p = UnsafePointer(storage) + start
        let end = UnsafePointer(storage) + count
        var n = 0
        while p < end && n < limit {
            let rest = end - p
            let nl = memchr(p, 0x0A, rest).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) } ?? end
            var len = nl - p
            if len > 0 && p[len - 1] == 0x0D { len -= 1 }
            if len > LineReader.maxLineLength {
                oversized(ByteSpan(base: p, count: LineReader.sampleLength))
            } else {
                body(ByteSpan(base: p, count: len))
            }
            n += 1
            p = nl < end ? nl + 1 : end
        }
        return p - UnsafePointer(storage)
    }
}

/// Chunks outlive the reader of one file. Each reader works with a few 2 MiB chunks; made fresh
/// for every file, a run over thousands of small CDN files spent more time faulting in new pages
/// (and returning them) than reading: 2,000 files of 500 lines took 0.44 s of system time. The
/// pool keeps at most `limit` chunks, so memory stays what the busiest moment needed.
enum ChunkPool {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var chunks: [LineChunk] = []
    static let limit = 16

    static func take() -> LineChunk {
        lock.lock()
        defer { lock.unlock() }
        return chunks.popLast() ?? LineChunk(capacity: LineReader.chunkSize)
    }

    static func give(_ returned: [LineChunk]) {
        lock.lock()
        defer { lock.unlock() }
        for c in returned where chunks.count < limit {
            c.reset()
            chunks.append(c)
        }
    }
}
