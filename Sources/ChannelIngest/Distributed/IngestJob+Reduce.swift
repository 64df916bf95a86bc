import Foundation

/// `ingest reduce`: the second stage of a distributed run (docs/spark.md).
///
/// It gets every event of one partition's visitors — one or more streams of event lines
/// (`EventLine`), each in the order its map wrote it or sorted — and does what a run does with
/// events: the sessionizer applies them in (time, order) order, closed sessions go to the
/// aggregates and the attributor, exactly the stages and code of a one-process run. Its output
/// is a partial of the visit side (and of any map partial records that came in the streams, as
/// in `ingest map | sort | ingest reduce`).
///
/// Streams are merged like a run's inputs: the one furthest behind in time is read next, and
/// events are applied once every stream has passed them by the reorder window, so a map's
/// slightly out-of-order lines (servers log at request end) come out as a sorted run's would.
extension IngestJob {
    /// Which partition this reduce is, of how many (the merge checks that none is missing).
    public struct PartitionLabel {
        public var index: Int
        public var count: Int
        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
    }

    /// `mapPartials`: partials of every map task of the run, consulted, not passed on: where
    /// each CRM lead id was seen (so this reduce knows which rows are its own) and whether the
    /// logs had assets at all. Map records in the streams themselves count too, and are passed on.
    public func runReduce(streams: [String], partition: PartitionLabel?, mapPartials: [String] = []) throws -> String {
        try Self.checkDistributable(options, stage: "ingest reduce")
        if let f = options.secretFile { keyer = try VisitorKeyer.installation(secretFile: f) }
        let (sessionizer, _) = try buildStages()
        let config = ConfigFingerprint.of(options, keyer: keyer)
        var records = PartialFile.Reader(config: config)
        let stage = self.stage!
        let window = options.reorderWindow
        var sourceIDs = VisitorTable<Int32>(capacity: 1024)
        // Each stream starts at its first event's time (a later block of a rotated log is not
        // read before the earlier ones have come near it, so its events don't all wait in the
        // reorder heap); one without events at the end of time.
        var runs: [(source: LineSource, progress: TimeProgress)] = try (streams.isEmpty ? ["-"] : streams).map {
            let source = try LineSource(path: $0)
            var first: Int64 = .max
            if let line = source.peek(), let e = EventLine.parse(line) { first = e.event.time }
            return (source, TimeProgress(start: first, window: window))
        }
        while !runs.isEmpty {
            // The stream furthest behind; a batch of its lines.
            var k = 0
            for i in runs.indices where runs[i].progress.value < runs[k].progress.value { k = i }
            var ended = false
            for _ in 0..<4096 {
                guard let line = runs[k].source.next() else {
                    ended = true
                    break
                }
                if line.isEmpty { continue }
                if line[0] == 0x7B {   // `{`: a record of a partial (a map's, sorted in with its events)
                    try records.add(line: line.string, origin: "\(runs[k].source.name) line \(runs[k].source.lineNumber)")
                    continue
                }
                guard let parsed = EventLine.parse(line) else {
                    throw IngestError.unusableInput("\(runs[k].source.name) line \(runs[k].source.lineNumber): not an event line of ingest map (\(AddressRedaction.redact(line.prefix(80).string)))")
                }
                var e = parsed.event
                if parsed.source.count > 0 {
                    let h = parsed.source.quickHash64
                    if let id = sourceIDs[h] {
                        e.origin = id
                    } else {
                        guard let s = EventLine.sourceParts(parsed.source) else {
                            throw IngestError.unusableInput("\(runs[k].source.name) line \(runs[k].source.lineNumber): a traffic source without its three fields")
                        }
                        let id = stage.sources.intern(source: s.source, medium: s.medium, campaign: s.campaign)
                        sourceIDs[h] = id
                        e.origin = id
                    }
                }
                if parsed.page.count > 0 {
                    let path = parsed.page.dropFirst(1)
                    e.page = path.firstIndex(of: 0x25) == nil ? stage.internPage(path) : stage.internPage(EventLine.unescaped(path))
                }
                runs[k].progress.observe(e.time)
                sessionizer.push(e)
            }
            if ended {
                if let d = runs[k].source.damage {
                    throw IngestError.unusableInput("\(runs[k].source.name): \(d.message): a partition's events must be read whole")
                }
                runs.remove(at: k)
            }
            let watermark = runs.map { Self.earliestPossible(after: $0.progress.value, window: window) }.min() ?? .max
            sessionizer.advance(to: watermark)
        }
        sessionizer.finish()
        // CRM rows are joined in the merge, where every partition's evidence meets: the
        // touchpoints of every visitor a row may reach go into this partial.
        var consulted = PartialFile.Reader(config: config)
        for path in mapPartials {
            let source = try LineSource(path: path)
            while let line = source.next() {
                if line.isEmpty { continue }
                try consulted.add(line: line.string, origin: "\(source.name) line \(source.lineNumber)")
            }
        }
        var maps = consulted.partial.reading
        maps.add(records.partial.reading)
        var exported = CRMEvidenceRecords()
        var reachable = Set<UInt64>()
        if crm != nil, let evidence, let attributor {
            reachable = Self.reachableVisitors(evidence: evidence, leadHits: maps.leadHits)
            exported = Self.export(evidence: evidence, visitors: reachable, attributor: attributor, sources: stage.sources, paths: stage.paths)
        }
        // The map side's records that came in the streams, and this partition's visits.
        var p = records.partial
        let names = p.visits.goalNames
        p.visits = Partial.Visits(aggregates: aggregates, paths: stage.paths, goalHitsWithoutSession: sessionizer.goalHitsWithoutSession,
                                  lateEvents: sessionizer.lateEvents)
        if p.visits.goalNames.isEmpty { p.visits.goalNames = names }
        p.visits.crmEvidence = exported
        // Non-converting journeys end with the whole run's last hit (every map's); visitors a
        // CRM row may reach wait for the merge, which joins the rows.
        p.visits.journeys = journeys(periodEnd: maps.lastTime, holdBack: reachable)
        return PartialFile.render(p, stage: "reduce", partition: partition)
    }

    /// Every visitor a CRM row may reach: by a lead id's goal hit (`leadHits`, from every map),
    /// by visitor id, or by address.
    static func reachableVisitors(evidence: CRMEvidence, leadHits: [String: CRMEvidence.GoalHit]) -> Set<UInt64> {
        var visitors = Set(leadHits.values.map(\.visitor)).union(evidence.wantedVisitorKeys).union(evidence.sessionlessHits.keys)
        for (_, v) in evidence.visitorsOfClient { visitors.formUnion(v) }
        return visitors
    }

    /// The evidence of this partition that CRM rows may join: visitors seen from the rows'
    /// addresses, sessionless goal hits, and the touchpoints of every visitor a row may reach —
    /// by a lead id's goal hit (`leadHits`, from every map), by visitor id, or by address.
    static func export(evidence: CRMEvidence, visitors: Set<UInt64>, attributor: Attributor,
                       sources: TrafficSources, paths: [String]) -> CRMEvidenceRecords {
        var e = CRMEvidenceRecords()
        e.visitorsOfClient = evidence.visitorsOfClient
        e.sessionlessHits = evidence.sessionlessHits
        for v in visitors {
            var list: [CRMEvidenceRecords.ExportedTouchpoint] = []
            attributor.forEachTouchpoint(of: v) { t in
                list.append(.init(start: t.start, end: t.end, source: sources.all[Int(t.source)],
                                  page: t.landingPage >= 0 && Int(t.landingPage) < paths.count ? paths[Int(t.landingPage)] : "",
                                  pageviews: t.pageviews, requests: t.requests, assets: t.assets))
                return true
            }
            if !list.isEmpty { e.touchpoints[v] = list.reversed() }
        }
        return e
    }
}
