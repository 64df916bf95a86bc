import Foundation

/// `ingest map`: the first stage of a distributed run (docs/spark.md).
///
/// It reads its inputs exactly as a run does — inflate, parse, drop bots and spam, classify,
/// key visitors, number events (`EventOrder`) — and then, instead of sessionizing, writes every
/// event as a line (`EventLine`) to the partition of its visitor's partition key, and what
/// reading counted (lines, bots, malformed lines, the inputs) as a partial. Everything per
/// visitor is left to `ingest reduce`, which gets all events of a partition.
///
/// The partition key keeps together everything one CRM row may join: visitors keyed by address
/// and User-Agent are partitioned by the address alone (keyed, never the address itself), so
/// all visitors of an address meet in one reduce; with a visitor-id field, by that visitor.
extension IngestJob {
    /// Where a map writes: one event file per partition and the partial, or one stream.
    public enum MapOutput {
        /// `events-00000.tsv` … and `map.partial` in a folder, each written under a temporary
        /// name and renamed when complete.
        case folder(String)
        /// Standard output: the event lines, then the partial's lines (one partition only).
        case standardOutput
    }

    /// The refusals of the stages that split a run: what only a one-process run can do.
    static func checkDistributable(_ o: IngestOptions, stage: String) throws {
        if o.statePath != nil {
            throw IngestError.badArgument("\(stage) does not keep nightly state (--state): a distributed run is a one-off; run the nightly job with ingest --state on one machine")
        }
        if o.secretFile == nil {
            throw IngestError.badArgument("\(stage) needs the visitor key's secret (--secret-file, or secret_file in the config): every task must key visitors alike")
        }
        if o.format == .ga4 {
            throw IngestError.badArgument("\(stage) can't split GA4 exports (their sessions are their own, by session id): run ingest on one machine")
        }
    }

    public func runMap(partitions: Int, output: MapOutput) throws {
        try Self.checkDistributable(options, stage: "ingest map")
        guard partitions >= 1 else { throw IngestError.badArgument("--partitions must be 1 or more") }
        if case .standardOutput = output, partitions > 1 {
            throw IngestError.badArgument("--partitions \(partitions) needs --out-dir: standard output holds one partition")
        }
        guard !options.files.isEmpty else {
            throw IngestError.badArgument("no input files: pass log files (e.g. ingest map logs/a.gz)")
        }
        if options.inputRank != nil && options.files.count != 1 {
            throw IngestError.badArgument("--rank and --input-name name one input: pass exactly one file")
        }
        let started = Date()
        if let f = options.secretFile { keyer = try VisitorKeyer.installation(secretFile: f) }
        let (sessionizer, referrers) = try buildStages()
        let (inputs, _) = try planInputs()
        if inputs.contains(where: { $0.format == .ga4 }) {
            throw IngestError.badArgument("ingest map can't split GA4 exports (their sessions are their own, by session id): run ingest on one machine")
        }
        let writers: [LineFileWriter]
        var partialWriter: LineFileWriter
        switch output {
        case .folder(let dir):
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw IngestError.output("cannot create the output folder \(dir): \(error.localizedDescription)")
            }
            writers = try (0..<partitions).map { try LineFileWriter(path: (dir as NSString).appendingPathComponent(Self.eventFileName($0))) }
            partialWriter = try LineFileWriter(path: (dir as NSString).appendingPathComponent(Self.mapPartialName))
        case .standardOutput:
            writers = [LineFileWriter(fd: 1)]
            partialWriter = writers[0]
        }
        // A source's and a page's fields are escaped once, not per event (by id: no hashing).
        var sourceFields: [[UInt8]?] = []
        var pageFields: [[UInt8]?] = []
        let stage = self.stage!
        var failure: Error?
        eventSink = { e, hit in
            let w = writers[PartitionKey.partition(of: stage.partitionKey(hit, visitor: e.visitor), count: partitions)]
            if e.origin >= 0 {
                let i = Int(e.origin)
                if i >= sourceFields.count { sourceFields += Array(repeating: nil, count: i + 1 - sourceFields.count) }
                if sourceFields[i] == nil { sourceFields[i] = EventLine.sourceFields(stage.sources.all[i]) }
            }
            if e.page >= 0 {
                let i = Int(e.page)
                if i >= pageFields.count { pageFields += Array(repeating: nil, count: max(i + 1 - pageFields.count, pageFields.count)) }
                if pageFields[i] == nil { pageFields[i] = EventLine.pageField(stage.paths[i]) }
            }
            EventLine.append(e, source: e.origin >= 0 ? sourceFields[Int(e.origin)]! : EventLine.noSource,
                             page: e.page >= 0 ? pageFields[Int(e.page)]! : [], to: &w.buffer)
            if w.buffer.count >= LineFileWriter.flushAt, failure == nil {
                do { try w.flush() } catch { failure = error }
            }
        }
        try readMerged(inputs, into: sessionizer)
        if let failure { throw failure }
        if ga4 != nil {
            throw IngestError.badArgument("ingest map can't split GA4 exports (their sessions are their own, by session id): run ingest on one machine")
        }
        if stats.lines > 0, self.inputs.allSatisfy({ $0.format == "unknown" }) {
            throw Self.noFormatFits(self.inputs[0].file, firstLine: nil)
        }
        collectStats(sessionizer: sessionizer, referrers: referrers, endOfRunWarnings: false)
        stats.seconds = Date().timeIntervalSince(started)
        var p = partial(referrers: referrers, sessionizer: sessionizer)
        p.visits = Partial.Visits()
        // A map's warnings are its input's: ordered by its rank among the run's inputs.
        if let r = options.inputRank { p.reading.warnings = p.reading.warnings.map { .init(rank: r, value: $0.value) } }
        for w in writers { try w.flush() }
        partialWriter.buffer += Array(PartialFile.render(p, stage: "map").utf8)
        try partialWriter.flush()
        for w in writers { try w.close() }
        if case .folder = output { try partialWriter.close() }
    }

    /// The event file of partition `p` in a map's folder.
    public static func eventFileName(_ p: Int) -> String { String(format: "events-%05d.tsv", p) }
    public static let mapPartialName = "map.partial"
}

/// A file written line by line through a buffer; complete files appear under their name only
/// when closed (written as `.NAME.tmp` first), so a task killed half-way leaves no file that
/// looks whole.
final class LineFileWriter {
    static let flushAt = 1 << 20
    var buffer: [UInt8] = []
    private let fd: Int32
    private let path: String?
    private let temporary: String?

    init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let tmp = (dir.isEmpty ? "" : dir + "/") + "." + name + ".tmp"
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IngestError.output("cannot write \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        temporary = tmp
        buffer.reserveCapacity(Self.flushAt + 4096)
    }

    /// An open descriptor (standard output), written as it goes.
    init(fd: Int32) {
        self.fd = fd
        path = nil
        temporary = nil
        buffer.reserveCapacity(Self.flushAt + 4096)
    }

    func flush() throws {
        var done = 0
        try buffer.withUnsafeBytes { b in
            while done < b.count {
                let n = write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IngestError.output("cannot write \(path ?? "standard output"): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, and for a file: closes it and gives it its name.
    func close() throws {
        try flush()
        guard let path, let temporary else { return }
        Foundation.close(fd)
        guard rename(temporary, path) == 0 else { throw IngestError.output("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
