import Foundation

/// Splits one input into line-aligned `LineChunk`s on a thread of its own, and parses them.
///
/// Decompression and line parsing run here, beside the main thread's bot, channel and session
/// work: the reader thread inflates into 1 MiB chunks, cuts each line into fields and hands the
/// chunks over through a bounded queue; the main thread hands them back when done. A line over
/// `maxLineLength` is never buffered whole: its first bytes are kept as a sample and the rest is
/// skipped up to the next newline.
///
/// Parsing goes where there is time for it (`shareParsing`): when nothing is queued for the
/// consumer (it is waiting, or will be once done with its chunk), the reader hands the chunk it
/// just inflated over unparsed and goes back to inflating, and the consumer parses it
/// (`parseMore`). So when inflating and parsing are the slower side (JSON
/// lines), the consumer takes part of the parsing; when the consumer is the slower side, the
/// reader parses everything, as before.
public final class LineReader {
    public static let chunkSize = 1 << 20
    public static let maxLineLength = 64 * 1024
    public static let sampleLength = 200

    public let input: DecompressedInput
    private let condition = NSCondition()
    private var ready: [LineChunk] = []
    private var free: [LineChunk] = []
    private var done = false
    private var cancelled = false
    /// Whether the consumer has started taking this input's chunks (a file started ahead of
    /// its turn has none waiting for it: its reader parses everything meanwhile).
    private var consuming = false

    /// The format lines are parsed with; with none, every line is recorded as malformed.
    private var format: LogFormat?
    private let setup: FormatSetup
    /// Detect the format from the first chunk (stdin and pipes, which can't be peeked).
    private var detect: Bool
    /// Hand chunks over unparsed when nothing is queued for the consumer (see above).
    private let shareParsing: Bool
    /// The consumer's own parser: parsers keep scratch state, so each thread has one.
    private var consumerParser: LineParser?

    public init(input: DecompressedInput, queueDepth: Int = 4, format: LogFormat? = nil, setup: FormatSetup = FormatSetup(),
                detect: Bool = false, shareParsing: Bool = false) {
        self.input = input
        self.format = format
        self.setup = setup
        self.detect = detect
        self.shareParsing = shareParsing
        for _ in 0..<queueDepth { free.append(ChunkPool.take()) }
    }

    deinit { ChunkPool.give(free + ready) }

    /// Starts reading on a thread of its own (`ReaderThreads`: one kept from an input before).
    public func start() {
        // The job holds the reader until `run` returns, and the thread drops the job then: a
        // stored closure would hold the reader (and its chunks) as long as the thread lives.
        ReaderThreads.run { [self] in self.run() }
    }

    /// The next chunk in file order, or nil after the last one. Blocks while the reader works.
    public func next() -> LineChunk? {
        condition.lock()
        defer { condition.unlock() }
        consuming = true
        while ready.isEmpty && !done { condition.wait() }
        if ready.isEmpty { return nil }
        return ready.removeFirst()
    }

    /// Parses the next batch (at most `maxLinesPerChunk` lines) of a chunk handed over
    /// unparsed into `chunk.parsed`, replacing the batch before it; false once every line of
    /// the chunk has been parsed. Consumer thread only.
    public func parseMore(_ chunk: LineChunk) -> Bool {
        guard chunk.parsedEnd < chunk.count, let format else { return false }
        if consumerParser == nil { consumerParser = setup.parser(for: format) }
        chunk.parsed.removeAll(keepingCapacity: true)
        chunk.arena.reset()
        chunk.parsedEnd = Self.parse(chunk, from: chunk.parsedEnd, with: &consumerParser)
        return true
    }

    /// Gives a chunk back for reuse once its lines are processed.
    public func recycle(_ chunk: LineChunk) {
        chunk.reset()
        condition.lock()
        free.append(chunk)
        condition.signal()
        condition.unlock()
    }

    /// Asks the reader thread to stop early (the run is failing).
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func takeFree() -> LineChunk? {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !cancelled { condition.wait() }
        return cancelled ? nil : free.removeLast()
    }

    private func publish(_ chunk: LineChunk?, finished: Bool) {
        condition.lock()
        if let chunk { ready.append(chunk) }
        if finished { done = true }
        condition.broadcast()
        condition.unlock()
    }

    /// This file's parser (it may learn columns from a header line), made on first use.
    private var parser: LineParser?

    /// At most this many lines go into one chunk, so its parsed records stay small even when a
    /// hostile file is nothing but newlines (a 1 MiB chunk could otherwise hold a million lines).
    public static let maxLinesPerChunk = 16_384

    private func run() {
        var carry = [UInt8]()
        carry.reserveCapacity(LineReader.maxLineLength + 1)
        var pendingOversized: [[UInt8]] = []
        var inputDone = false
        while !inputDone || !carry.isEmpty || !pendingOversized.isEmpty {
            guard let chunk = takeFree() else { break }
            chunk.oversizedLinesBefore = pendingOversized
            pendingOversized.removeAll()
            carry.withUnsafeBufferPointer { c in
                if c.count > 0 { memcpy(chunk.storage, c.baseAddress!, c.count) }
            }
            chunk.count = carry.count
            carry.removeAll(keepingCapacity: true)
            while !inputDone && chunk.count < chunk.capacity {
                let n = input.read(into: chunk.storage + chunk.count, capacity: chunk.capacity - chunk.count)
                if n == 0 { inputDone = true } else { chunk.count += n }
            }
            if !inputDone {
                // The chunk is full: cut it after its last newline.
                if let nl = lastNewline(chunk.storage, chunk.count) {
                    let cut = nl + 1
                    let tail = chunk.count - cut
                    if tail <= LineReader.maxLineLength {
                        carry.append(contentsOf: UnsafeBufferPointer(start: chunk.storage + cut, count: tail))
                        chunk.count = cut
                    } else {
                        // The unfinished line is already too long: sample it, skip its rest.
                        pendingOversized.append(Array(UnsafeBufferPointer(start: chunk.storage + cut, count: LineReader.sampleLength)))
                        chunk.count = cut
                        inputDone = skipToNextLine(into: &carry)
                    }
                } else {
                    // No newline in a whole chunk: one oversized line.
                    pendingOversized.append(Array(UnsafeBufferPointer(start: chunk.storage, count: LineReader.sampleLength)))
                    chunk.count = 0
                    inputDone = skipToNextLine(into: &carry)
                }
            }
            if handOverUnparsed(chunk) {
                publish(chunk, finished: false)
                continue
            }
            // Lines beyond the per-chunk cap go back in front of the carry for the next chunk.
            let used = parse(chunk)
            if used < chunk.count {
                carry.insert(contentsOf: UnsafeBufferPointer(start: chunk.storage + used, count: chunk.count - used), at: 0)
                chunk.count = used
            }
            if chunk.count > 0 || !chunk.oversizedLinesBefore.isEmpty {
                publish(chunk, finished: false)
            } else {
                recycle(chunk)
            }
        }
        publish(nil, finished: true)
    }

    /// Tests: hand every chunk that may be handed over to the consumer, waiting or not.
    nonisolated(unsafe) static var alwaysHandOver = false

    /// True when the consumer waits, or will wait, for this chunk and can parse it itself: a
    /// format known and without a header that changes how later lines parse (W3C's `#Fields:`).
    private func handOverUnparsed(_ chunk: LineChunk) -> Bool {
        guard shareParsing, !detect, let format, format != .w3c, chunk.count > 0 else { return false }
        if Self.alwaysHandOver { return true }
        condition.lock()
        defer { condition.unlock() }
        // Nothing queued for the consumer: it is waiting, or will want this chunk as soon as it
        // is done with the one in hand, before this thread could have parsed it.
        return consuming && ready.isEmpty
    }

    /// Fills `chunk.parsed`, one record per line in order, up to `maxLinesPerChunk` lines;
    /// returns how many of the chunk's bytes those lines cover (reader thread).
    private func parse(_ chunk: LineChunk) -> Int {
        if detect && chunk.count > 0 {
            detect = false
            var sample: [ByteSpan] = []
            chunk.forEachLine({ if sample.count < LogFormat.detectionLines && !$0.isEmpty { sample.append($0) } }, oversized: { _ in })
            format = setup.detect(sample)
            chunk.detection = format.map { .found($0) } ?? .failed
        }
        if parser == nil, let format { parser = setup.parser(for: format) }
        chunk.parsed.removeAll(keepingCapacity: true)
        chunk.parsedEnd = Self.parse(chunk, from: 0, with: &parser)
        return chunk.parsedEnd
    }

    /// One record per line from byte `start`, up to `maxLinesPerChunk` lines, appended to
    /// `chunk.parsed`; returns where the first line not parsed starts.
    private static func parse(_ chunk: LineChunk, from start: Int, with parser: inout LineParser?) -> Int {
        var hit = Hit()
        return chunk.forEachLine(from: start, limit: LineReader.maxLinesPerChunk, { line in
            switch parser?.parse(line, into: &hit, arena: &chunk.arena) ?? .malformed {
            case .hit: chunk.parsed.append(ParsedLine(hit: hit, line: line))
            case .malformed: chunk.parsed.append(ParsedLine(kind: .malformed, line: line))
            case .comment: chunk.parsed.append(ParsedLine(kind: .comment, line: line))
            }
        }, oversized: { sample in
            chunk.parsed.append(ParsedLine(kind: .oversized, line: sample))
        })
    }

    /// Index of the last `\n` (lines are short, so this looks at a few hundred bytes).
    private func lastNewline(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int? {
        var i = n - 1
        while i >= 0 {
            if p[i] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    /// Discards bytes up to and including the next newline; what follows starts `carry`.
    /// Returns true when the input ended first.
    private func skipToNextLine(into carry: inout [UInt8]) -> Bool {
        let scratchSize = 1 << 16
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
        defer { scratch.deallocate() }
        while true {
            let n = input.read(into: scratch, capacity: scratchSize)
            if n == 0 { return true }
            if let nl = memchr(scratch, 0x0A, n) {
                let cut = nl.assumingMemoryBound(to: UInt8.self) - scratch + 1
                carry.append(contentsOf: UnsafeBufferPointer(start: scratch + cut, count: n - cut))
                return false
            }
        }
    }
}
