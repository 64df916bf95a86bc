import Foundation

/// One input being read: its reader thread, its format, and how far in time it has got.
final class InputFile {
    let path: String
    /// What the input is called in warnings, samples and `summary.json` (its path, or the
    /// name a distributed run's task was given for its local copy).
    var name: String
    /// nil until known; stdin is detected from its first chunk, as it can't be peeked.
    var format: LogFormat?
    /// Whether detection already ran (a file it failed on stays without a format).
    var detected: Bool
    /// Time of the first line that parsed (from a peek at the file's start).
    let firstTime: Int64?
    var reader: LineReader?
    var lineNumber = 0
    var lines = 0
    var malformed = 0
    /// How far in time the file has got.
    var progress: TimeProgress
    /// The order number of this input's last event (`EventOrder`).
    var lastSeq: Int64 = 0
    /// Its place in name order (`EventOrder`).
    var rank = 0
    /// Malformed lines of it kept as samples.
    var samples = 0

    let setup: FormatSetup
    /// Which library inflates it (`--inflate`).
    var inflate = InflateLibrary.standard

    init(path: String, format: LogFormat?, setup: FormatSetup, firstTime: Int64?, window: Int64, detected: Bool = true) {
        self.path = path
        name = path
        self.setup = setup
        self.format = format
        self.detected = detected
        self.firstTime = firstTime
        progress = TimeProgress(start: firstTime ?? .min, window: window)
    }

    /// Where an earlier run stopped (decompressed bytes), and where this run stops (a growing
    /// plain log: its last complete line when the run began); nil: the whole file.
    var resumeAt = 0
    var stopAt: Int?
    /// A nightly run's record of this input.
    struct Ledger {
        var look: InputLedger.Look
        var decision: InputLedger.Decision
    }
    var ledger: Ledger?

    /// Opens the file for streaming.
    func start() throws {
        let input = try DecompressedInput(path: path, inflate: inflate)
        input.skip(resumeAt)
        input.limit = stopAt
        // The reader thread parses with the file's format, or detects it (stdin, pipes).
        let r = LineReader(input: input, format: format, setup: setup, detect: !detected, shareParsing: true)
        r.start()
        reader = r
    }
}

/// A look at the first lines of a file before it is read for real: which format it is and
/// what time it starts at, so files can be merged in time order without being opened at once.
struct FilePeek {
    var format: LogFormat?
    var firstTime: Int64?
    var isEmpty: Bool
    var firstLine: String
    /// The first decompressed bytes (up to `InputLedger.headLength`): the file's identity for
    /// nightly runs, whatever its name or compression.
    var head: [UInt8] = []
    /// Per candidate format, where the first line stops matching (when none fits).
    var whyNoneFits = ""
    /// The file's size on disk (from the peek's own `fstat`), for progress.
    var size = 0

    /// Peeks every file of `paths`, in order, on every core: each worker takes a run of
    /// consecutive files and tells each peek the format of the one before it (`likely`, which
    /// never changes an answer), so the results are those of peeking one file after another.
    static func peekAll(_ paths: [String], forced: LogFormat?, setup: FormatSetup, inflate: InflateLibrary) -> [Result<FilePeek, Error>] {
        let workers = paths.count < 16 ? 1 : min(ProcessInfo.processInfo.activeProcessorCount, 8)
        let results = UnsafeMutableBufferPointer<Result<FilePeek, Error>?>.allocate(capacity: paths.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        let per = (paths.count + workers - 1) / max(workers, 1)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var likely: LogFormat?
            for i in (w * per)..<min(paths.count, (w + 1) * per) {
                let r = Result { try peek(path: paths[i], forced: forced, setup: setup, inflate: inflate, likely: likely) }
                if case .success(let p) = r { likely = p.format ?? likely }
                results[i] = r   // each index written by one worker only
            }
        }
        return results.map { $0! }
    }

    /// Reads the file's first lines (`LogFormat.detectionLines` of them, and at least
    /// `InputLedger.headLength` bytes; at most 256 KiB of decompressed text) from `path`. It
    /// reads no more than that: a run over thousands of small files peeks each before reading
    /// it, and inflating a whole 500-line file twice was a third of such a run's time.
    /// `likely`: the format of the file peeked before (files come in batches of one format);
    /// it shortens detection, never changes its answer.
    static func peek(path: String, forced: LogFormat?, setup: FormatSetup, inflate: InflateLibrary = .standard,
                     likely: LogFormat? = nil) throws -> FilePeek {
        let input = try DecompressedInput(path: path, inflate: inflate)
        let cap = 256 * 1024
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
        defer { buf.deallocate() }
        var n = 0
        var lineCount = 0, lineStart = 0, scanned = 0
        while n < cap {
            let r = input.read(into: buf + n, capacity: min(cap - n, 16 * 1024))
            if r == 0 { break }
            n += r
            // Complete non-empty lines so far (as the loop below counts them).
            while scanned < n, let nl = memchr(buf + scanned, 0x0A, n - scanned) {
                let at = nl.assumingMemoryBound(to: UInt8.self) - buf
                let len = at - lineStart - (at > lineStart && buf[at - 1] == 0x0D ? 1 : 0)
                if len > 0 { lineCount += 1 }
                lineStart = at + 1
                scanned = at + 1
            }
            if lineCount >= LogFormat.detectionLines && n >= InputLedger.headLength { break }
        }
        var lines: [ByteSpan] = []
        var p = 0
        while p < n && lines.count < LogFormat.detectionLines {
            let e = memchr(buf + p, 0x0A, n - p).map { $0.assumingMemoryBound(to: UInt8.self) - buf } ?? n
            if e == n && n == cap { break }  // a cut last line says nothing
            var len = e - p
            if len > 0 && buf[p + len - 1] == 0x0D { len -= 1 }
            if len > 0 { lines.append(ByteSpan(base: buf + p, count: len)) }
            p = e + 1
        }
        // Detection that confirms the likely format has parsed every line with it: its
        // earliest time is the file's (a second parse of the same lines was a fifth of a
        // small file's peek).
        var first: Int64?
        var timed = false
        let format = forced ?? setup.detect(lines, likely: likely, earliest: { first = $0; timed = true })
        if !timed, let format, var parser = setup.parser(for: format) {
            var hit = Hit()
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * cap)
            defer { scratch.deallocate() }
            var arena = ParseArena(base: scratch, capacity: 2 * cap)
            for l in lines where parser.parse(l, into: &hit, arena: &arena) == .hit {
                first = first.map { min($0, hit.time) } ?? hit.time
            }
        }
        let dataLine = lines.first { $0.count > 0 && $0[0] != 0x23 } ?? lines.first
        return FilePeek(format: format, firstTime: first, isEmpty: n == 0,
                        firstLine: dataLine.map { $0.prefix(120).string } ?? "",
                        head: Array(UnsafeBufferPointer(start: buf, count: min(n, InputLedger.headLength))),
                        whyNoneFits: format == nil ? setup.whyNoneFits(lines) : "", size: input.fileSize ?? 0)
    }
}
