import Foundation

/// The one-off run: files → lines → hits → sessions → channel tables.
///
/// Files are merged by time, not read one after another: each file is peeked for its first
/// timestamp, files whose time ranges overlap (several servers) are read side by side, and the
/// sessionizer only applies events older than every open file's progress minus the reorder
/// window. Rotated files of one server don't overlap, so they are read one at a time.
public final class IngestJob {
    public let options: IngestOptions
    public internal(set) var stats = RunStats()
    public internal(set) var aggregates: TrafficAggregates!
    public internal(set) var stage: TrafficStage!
    public internal(set) var inputs: [InputSummary] = []
    /// The CRM export as read, and how its rows joined (nil without `--conversions`).
    public internal(set) var crm: CRMImport?
    public internal(set) var crmOutcome: CRMJoin.Outcome?
    /// Channel costs for `roi.csv` (`--costs` or the config's `[costs]`).
    public internal(set) var costs: ChannelCosts?
    /// A nightly run's tables, counted from the state (nil for a one-off run).
    public internal(set) var report: StateReport.Result?
    var progressLine: ProgressLine?
    var attributor: Attributor?
    /// The journeys of the conversions the attributor credits (none in nightly runs).
    var journeyBook: JourneyBook?
    var evidence: CRMEvidence?
    /// Sessions of GA4 exports, which carry their own session ids.
    var ga4: GA4Sessions?
    /// Where closed sessions and goal hits without a session go (the sessionizer's and GA4's).
    var sessionSink: ((Session) -> Void)!
    var orphanSink: ((VisitEvent) -> Void)!
    /// Keys visitors: the installation's secret (command line), or random for this run.
    var keyer = VisitorKeyer.random()

    public struct InputSummary: Equatable {
        public var file: String
        public var format: String
        public var bytes: Int
        public var lines: Int
        public var malformed: Int
        public var damage: String?
        /// Nightly runs: read from this decompressed byte on (an earlier run read the rest).
        public var resumedAt: Int? = nil
        /// Nightly runs: read to its end by an earlier run and unchanged since; not opened.
        public var alreadyRead = false
        /// Its place in name order (`EventOrder`), which orders `summary.json`'s inputs.
        var rank = 0
    }

    public init(options: IngestOptions) {
        self.options = options
    }

    /// Reads every input and fills `aggregates` and `stats`.
    public func run() throws {
        let started = Date()
        guard !options.files.isEmpty else {
            throw IngestError.badArgument("no input files: pass log files (e.g. ingest logs/*.gz) or - for standard input")
        }
        // Read before the logs, so a bad costs file fails in a second, not after an hour.
        costs = try options.costsFile.map { try ChannelCosts.read(path: $0) } ?? options.costs
        if let f = options.secretFile { keyer = try VisitorKeyer.installation(secretFile: f) }
        let (sessionizer, referrers) = try buildStages()
        let (inputs, totalBytes) = try planInputs()
        if !options.quiet && isatty(2) != 0 { progressLine = ProgressLine(totalBytes: totalBytes) }
        try readMerged(inputs, into: sessionizer)
        // stdin and pipes are detected only as they are read: if no input had a known format
        // after all, that is the same unusable input as a file no format fits.
        if stats.lines > 0, self.inputs.allSatisfy({ $0.format == "unknown" }) {
            throw Self.noFormatFits(self.inputs[0].file, firstLine: nil)
        }
        sessionizer.finish()
        ga4?.finish(sink: sessionSink, orphanGoal: orphanSink)
        progressLine?.clear()
        joinCRM()
        collectStats(sessionizer: sessionizer, referrers: referrers, endOfRunWarnings: false)
        // The tables are written from the run's partial, through the merge a distributed run's
        // partials go through (`Partial`): one way from counts to tables.
        let p = partial(referrers: referrers, sessionizer: sessionizer)
        adopt(p)
        creditJourneys(p.visits.journeys)
        stats.seconds = Date().timeIntervalSince(started)
    }

    /// Lists, classifiers, the traffic stage, the sessionizer and what its sessions feed. With
    /// a nightly run's `recorder`, closed sessions and credits go to the state instead of the
    /// run's own aggregates (the tables are then written from the state).
    func buildStages(recorder: StateRecorder? = nil) throws -> (Sessionizer, ReferrerClassifier) {
        let classifiers = try Classifiers(options: options)
        let sources = classifiers.sources, referrers = classifiers.referrers
        let zone = try ReportTimeZone(options.timezone)
        let goals = try GoalRules(options.goals)
        stage = TrafficStage(bots: classifiers.bots, pageRules: classifiers.pageRules,
                             goals: goals, referrers: referrers, sources: sources, keyer: keyer)
        stage.visitorIDField = options.visitorIDField
        let aggregates = TrafficAggregates(sources: sources, zone: zone)
        aggregates.model = options.model
        aggregates.pathTransform = options.pathTransform
        aggregates.goalNames = options.goals.map(\.name)
        self.aggregates = aggregates
        if !options.crm.files.isEmpty { try readCRM(zone: zone) }
        // Touchpoint history is kept only when there is something to attribute (nightly runs
        // attribute CRM rows from the state's touchpoints).
        let goalValues = options.goals.map(\.value)
        let attributor = goals.isEmpty && (crm == nil || recorder != nil) ? nil : Attributor(
            lookbackDays: options.lookbackDays, goalValues: goalValues,
            isDirect: { sources.channel($0) == .direct },
            credit: recorder.map { r in { r.credit($0) } } ?? { aggregates.credit($0) })
        if let crm, let attributor, recorder == nil {
            // CRM rows are attributed after the run: keep what the earliest of them may reach.
            let times = crm.rows.map(\.time)
            attributor.keepFrom = times.contains(nil) ? .min
                : (times.compactMap { $0 }.min() ?? .max) - attributor.lookback - options.crm.joinWindow
        }
        self.attributor = attributor
        journeyBook = nil
        if let attributor, recorder == nil {
            var days = zone
            let book = JourneyBook(transform: options.pathTransform, maxChannels: options.maxPathChannels,
                                   channel: { sources.channel($0) }, day: { days.day(of: $0) })
            attributor.onJourney = { v, w, t, g, x, _, _ in book.record(visitor: v, window: w, time: t, goal: g, value: x) }
            journeyBook = book
        } else if let attributor, let recorder {
            attributor.onJourney = { recorder.journey(visitor: $0, window: $1, time: $2, goal: $3, value: $4, lead: $5, standby: $6) }
        }
        let evidence = self.evidence
        if let recorder {
            let keepEvidence = evidence != nil
            sessionSink = { s in
                recorder.session(s)
                attributor?.add(s)
            }
            orphanSink = { e in recorder.sessionless(e, goalValues: goalValues, keepEvidence: keepEvidence) }
        } else {
            sessionSink = { s in
                aggregates.add(s)
                attributor?.add(s)
                evidence?.noteSession(s)
            }
            orphanSink = { e in
                aggregates.orphanGoal(e, goalValues: goalValues)
                evidence?.noteSessionless(e)
            }
        }
        let sessionizer = Sessionizer(timeout: options.sessionTimeout, sink: sessionSink, orphanGoal: orphanSink)
        return (sessionizer, referrers)
    }

    /// Peeks every file for its format and first timestamp; returns them in time order with
    /// their total size on disk (for progress).
    func planInputs() throws -> ([InputFile], Int) {
        var pending: [InputFile] = []
        var undetected: [(String, String, String)] = []
        var totalBytes = 0
        let paths = try InputPaths.expand(options.files)
        let ranks = options.inputRank.map { r in paths.map { _ in r } } ?? EventOrder.ranks(of: paths)
        let inputName = options.inputName
        let shown = { (path: String) in inputName ?? path }
        let isFile = paths.map { $0 != "-" && Self.isRegularFile($0) }
        // The peeks run on every core (a CDN's day is thousands of files); what follows them —
        // the nightly ledger, warnings, errors — goes in argument order as before.
        var peeks = FilePeek.peekAll(paths.indices.filter { isFile[$0] }.map { paths[$0] }, forced: options.format,
                                     setup: options.formatSetup, inflate: options.inflate)[...]
        for (i, path) in paths.enumerated() {
            if !isFile[i] {
                // stdin and pipes (`<(zcat …)`) can't be peeked and reopened: read them as they
                // come, first, and detect their format from their first chunk.
                if nightly != nil {
                    stats.warnings.append("\(path == "-" ? "standard input" : path) is not a file: --state can't remember how far it was read, so all of it is read every run")
                }
                let file = InputFile(path: path, format: options.format, setup: options.formatSetup, firstTime: nil, window: options.reorderWindow, detected: options.format != nil)
                file.inflate = options.inflate
                file.lastSeq = EventOrder.firstSeq(rank: ranks[i])
                file.rank = ranks[i]
                file.name = shown(path)
                pending.append(file)
                continue
            }
            let peek = try peeks.removeFirst().get()
            var ledger: InputFile.Ledger?
            if let state = nightly, !peek.isEmpty {
                let (skip, l) = try state.ledgerEntry(path: path, peek: peek, format: peek.format)
                if skip { continue }
                ledger = l
            }
            totalBytes += peek.size
            if peek.isEmpty {
                stats.warnings.append("\(shown(path)): empty file")
            } else if peek.format == nil {
                undetected.append((shown(path), peek.firstLine, peek.whyNoneFits))
            }
            let file = InputFile(path: path, format: peek.format, setup: options.formatSetup, firstTime: peek.firstTime, window: options.reorderWindow)
            file.inflate = options.inflate
            file.lastSeq = EventOrder.firstSeq(rank: ranks[i])
            file.rank = ranks[i]
            file.name = shown(path)
            if let ledger {
                file.ledger = ledger
                if case .resume(_, let at) = ledger.decision { file.resumeAt = at }
                file.stopAt = ledger.look.lastCompleteLine()
            }
            pending.append(file)
        }
        if !undetected.isEmpty && undetected.count == pending.count {
            let (path, line, why) = undetected[0]
            throw Self.noFormatFits(path, firstLine: line, why: why)
        }
        for f in Set(pending.compactMap(\.format)) { noteFormat(f) }
        for (path, _, _) in undetected {
            stats.warnings.append("\(path): no known log format fits its first lines; every line counted as malformed (name one with --format)")
        }
        // Argument order never matters: files are taken by their first timestamp, then name.
        pending.sort { ($0.firstTime ?? .min, $0.path) < ($1.firstTime ?? .min, $1.path) }
        return (pending, totalBytes)
    }

    /// The merge: always read the open file that is furthest behind in time, start a file when
    /// the slowest open one comes within the reorder window of its first line, and let the
    /// sessionizer apply everything older than what any file can still produce.
    func readMerged(_ pending: [InputFile], into sessionizer: Sessionizer) throws {
        let window = options.reorderWindow
        var active: [InputFile] = []
        var next = 0
        var hit = Hit()
        // Daily users are closed as days end, unless a session may still come for a past day
        // from an input read later: GA4 exports (sessions of their own, handed over at the
        // end) and inputs whose format is only known once read. Nightly runs count in SQLite.
        let closesDays = nightly == nil && pending.allSatisfy { $0.detected && $0.format != nil && $0.format != .ga4 }
        var nextDayCheck = Int64.min
        // A run that stops early (an error) leaves no reader thread waiting for its consumer.
        defer { for f in pending { f.reader?.cancel() } }
        while true {
            while next < pending.count,
                  active.isEmpty || (pending[next].firstTime ?? .min) <= active.map(\.progress.value).min()! &+ window {
                do {
                    if pending[next].reader == nil {
                        willOpen?(pending[next].path)
                        try pending[next].start()
                    }
                    active.append(pending[next])
                } catch let e as IngestError {
                    // It was there when the run began (peeked): gone or unreadable since, it is
                    // damage to report, not a reason to lose every other file.
                    stats.damagedFiles += 1
                    stats.warnings.append("\(e.description); skipped, the other inputs were read")
                    inputs.append(InputSummary(file: pending[next].name, format: pending[next].format?.rawValue ?? "unknown",
                                               bytes: 0, lines: 0, malformed: 0, damage: e.description, rank: pending[next].rank))
                }
                next += 1
            }
            // The next files are started ahead (their reader threads inflate and parse while
            // this one is merged): with thousands of small files, one after another, nothing
            // else would keep the second core busy. Started is not merged: a file's lines are
            // taken only once it is the one furthest behind, as before.
            for ahead in pending[next..<min(next + Self.filesAhead, pending.count)] where ahead.reader == nil && ahead.format != nil {
                willOpen?(ahead.path)
                try? ahead.start()   // if it fails, opening it in its turn fails again and says why
            }
            guard let file = active.min(by: { ($0.progress.value, $0.path) < ($1.progress.value, $1.path) }) else { break }
            let reader = file.reader!
            if let chunk = reader.next() {
                read(chunk, of: file, reader: reader, hit: &hit, sessionizer: sessionizer)
                reader.recycle(chunk)
                progressLine?.update(bytesDone: reader.input.compressedOffset, lines: stats.lines)
            } else {
                finish(file)
                active.removeAll { $0 === file }
                stats.files += 1
            }
            var watermark = active.map { Self.earliestPossible(after: $0.progress.value, window: window) }.min() ?? .max
            if next < pending.count {
                watermark = min(watermark, Self.earliestPossible(after: pending[next].firstTime ?? .min, window: window))
            }
            latestProgress = max(latestProgress, file.progress.value)
            // A nightly run's inputs go on tomorrow: what came in the last reorder window may
            // still be preceded by lines not yet written, so it waits in the state.
            if nightly != nil { watermark = min(watermark, Self.earliestPossible(after: latestProgress, window: window)) }
            sessionizer.advance(to: watermark)
            // Hourly in log time: a day is closed at most an hour after its last session.
            if closesDays, sessionizer.lateEvents == 0, sessionizer.appliedTime != .min, sessionizer.appliedTime >= nextDayCheck {
                nextDayCheck = sessionizer.appliedTime + 3600
                aggregates.closeDays(before: sessionizer.appliedTime, openStarts: sessionizer.forEachOpenStart)
            }
        }
    }

    /// How many files ahead of the merge are started early.
    static let filesAhead = 2

    /// Copies the stages' counters into `stats` and adds the end-of-run warnings.
    func collectStats(sessionizer: Sessionizer, referrers: ReferrerClassifier, endOfRunWarnings: Bool = true) {
        stats.botHitsByFamily = Dictionary(uniqueKeysWithValues: stage.bots.families.enumerated().compactMap { i, f in
            stage.botHits[i] > 0 ? (f, stage.botHits[i]) : nil
        })
        stats.botHits = stage.botHits.reduce(0, +)
        stats.spamHits = stage.spamHits
        stats.pageviews = stage.pageviews
        stats.goalHits = stage.goalHits
        stats.goalHitsWithoutSession = sessionizer.goalHitsWithoutSession + (ga4?.goalHitsWithoutSession ?? 0)
        stats.conversions = aggregates.conversions
        stats.sessions = aggregates.sessions
        stats.visitors = aggregates.distinctVisitors
        guard endOfRunWarnings else { return }
        if sessionizer.lateEvents > 0 {
            stats.warnings.append("\(sessionizer.lateEvents) pageviews were more than \(options.reorderWindow) s out of time order in their file; sessions near them may differ from a sorted run")
        }
        if options.siteHosts.isEmpty, let top = referrers.mostFrequentExternalHost() {
            stats.warnings.append("no --site given: links between your own pages count as referrals. The most frequent referrer host is \(top.host) (\(top.hits) hits); if that is your site, run again with --site \(top.host)")
        }
    }

    /// The error for input that no format fits, quoting its first line when there is one and
    /// saying, per format, where it stopped matching.
    static func noFormatFits(_ path: String, firstLine: String?, why: String = "") -> IngestError {
        let quoted = firstLine.map { $0.isEmpty ? " (binary or empty)" : " (\"\(AddressRedaction.redact($0))\")" } ?? ""
        let detail = why.isEmpty ? "" : " [\(AddressRedaction.redact(why))]"
        return .unknownFormat("\(path): no known log format fits its first lines\(quoted)\(detail); name one with --format or --log-format (see `ingest formats`)")
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        // A path that can't be stat'ed is "regular" here so that opening it reports the error.
        guard stat(path, &st) == 0 else { return true }
        return (st.st_mode & S_IFMT) == S_IFREG
    }

    /// The earliest time a file that has reached `progress` may still produce.
    static func earliestPossible(after progress: Int64, window: Int64) -> Int64 {
        progress == .min ? .min : progress - window
    }

    private func read(_ chunk: LineChunk, of file: InputFile, reader: LineReader, hit: inout Hit, sessionizer: Sessionizer) {
        for sample in chunk.oversizedLinesBefore {
            file.lineNumber += 1
            file.lines += 1
            file.malformed += 1
            stats.lines += 1
            sample.withSpan { stats.noteMalformed(file: file.name, line: file.lineNumber, bytes: $0, rank: file.rank, samplesSoFar: &file.samples) }
        }
        switch chunk.detection {
        case .notRun: break
        case .found(let f):
            file.format = f
            file.detected = true
            noteFormat(f)
        case .failed:
            file.detected = true
            stats.warnings.append("\(file.name): no known log format fits its first lines; every line counted as malformed (name one with --format)")
        }
        // Lines mostly come parsed from the reader thread; a chunk it handed over unparsed
        // (nothing was queued for this thread) is parsed here, a batch at a time.
        if chunk.parsedEnd < chunk.count { _ = reader.parseMore(chunk) }
        repeat {
            readParsed(chunk, of: file, hit: &hit, sessionizer: sessionizer)
        } while reader.parseMore(chunk)
    }

    /// The chunk's parsed lines meet the traffic stage.
    private func readParsed(_ chunk: LineChunk, of file: InputFile, hit: inout Hit, sessionizer: Sessionizer) {
        var hits = 0
        var minTime = Int64.max, maxTime = Int64.min
        var progress = file.progress
        let stage = self.stage!
        let firstLine = file.lineNumber
        // A GA4 export's sessions are its own, in rows of any order: they bypass the sessionizer.
        let sessions: GA4Sessions? = file.format == .ga4 ? (ga4 ?? { ga4 = GA4Sessions(); return ga4! }()) : nil
        // Held locally so the per-hit update doesn't copy its table (nightly runs only).
        var tally = self.tally
        self.tally = nil
        stage.seq = file.lastSeq
        defer {
            self.tally = tally
            file.lastSeq = stage.seq
        }
        for (i, record) in chunk.parsed.enumerated() {
            if record.kind == .hit {
                hits += 1
                hit = record.hit
                if tally != nil { tally!.hit(at: hit.time, stage: stage) }
                if hit.time < minTime { minTime = hit.time }
                if hit.time > maxTime { maxTime = hit.time }
                progress.observe(hit.time)
                if let e = stage.event(for: hit) {
                    if let eventSink {
                        eventSink(e, hit)
                    } else if let sessions {
                        sessions.add(e, sessionID: UInt64(hit.sessionID.string) ?? hit.sessionID.hashValue64,
                                     value: hit.eventValue.count > 0 ? Double(hit.eventValue.string) : nil)
                    } else {
                        sessionizer.push(e)
                    }
                }
            } else if record.kind == .comment {
                stats.commentLines += 1
            } else {
                file.malformed += 1
                stats.noteMalformed(file: file.name, line: firstLine + i + 1, bytes: record.line, rank: file.rank, samplesSoFar: &file.samples)
            }
        }
        let lines = chunk.parsed.count
        file.lineNumber += lines
        file.lines += lines
        stats.lines += lines
        stats.hits += hits
        if hits > 0 {
            stats.noteTime(minTime)
            stats.noteTime(maxTime)
        }
        file.progress = progress
    }

    /// Says once per run what a format can't tell (ALB logs have no referrer).
    private func noteFormat(_ f: LogFormat) {
        if f == .alb && !warnedNoReferrer {
            warnedNoReferrer = true
            stats.warnings.append("ALB logs carry no Referer: channels come only from campaign parameters and click ids in the URL, so search, social and referral visits count as Direct")
        }
    }

    private var warnedNoReferrer = false
    /// The latest time any input has reached.
    var latestProgress: Int64 = .min
    /// The state of a nightly run, while one is running.
    var nightly: NightlyRun?
    /// Hits per day (nightly runs).
    var tally: DayTally?

    /// `ingest map`: where events go instead of the sessionizer (with the hit they came from).
    var eventSink: ((VisitEvent, Hit) -> Void)?

    /// Landing pages by id, for the tables (the merge numbers them anew).
    var pagePaths: [String] = []
    /// The aggregates as the sessions left them, before the merge made the tables' of them
    /// (tests look at which days let go of their visitor sets).
    var countedAggregates: TrafficAggregates?

    /// Called just before an input is opened for reading (tests make files vanish here).
    var willOpen: ((String) -> Void)?

    private func finish(_ file: InputFile) {
        let input = file.reader!.input
        stats.bytes += input.decompressedBytes - input.skippedBytes
        nightly?.finished(file, input: input)
        var damage: String?
        if let d = input.damage {
            damage = d.message
            stats.damagedFiles += 1
            stats.warnings.append("\(file.name): \(d.message); read up to there")
        }
        inputs.append(InputSummary(file: file.name, format: file.format?.rawValue ?? "unknown",
                                   bytes: input.decompressedBytes - input.skippedBytes, lines: file.lines,
                                   malformed: file.malformed, damage: damage, resumedAt: file.resumeAt > 0 ? file.resumeAt : nil, rank: file.rank))
        progressLine?.finishFile(bytes: input.fileSize ?? input.compressedOffset)
        file.reader = nil
    }
}
