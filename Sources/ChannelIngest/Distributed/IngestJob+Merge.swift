import Foundation

/// `ingest merge`: the last stage of a distributed run (docs/spark.md). Adds the partials of
/// every map and reduce task (`Partial`) and takes the sum as the run's figures: the tables,
/// `summary.json` and `report.html` are then written as a one-process run writes its own (which
/// goes through the same merge of its one partial).
///
/// It refuses, with one line, a partial of another format version or other settings, a stream
/// with no partial in it, and a set of reduce partials with a partition missing or twice: a
/// table of some partitions would look whole and be wrong.
extension IngestJob {
    public func runMerge(partials: [String]) throws {
        try Self.checkDistributable(options, stage: "ingest merge")
        let started = Date()
        costs = try options.costsFile.map { try ChannelCosts.read(path: $0) } ?? options.costs
        if let f = options.secretFile { keyer = try VisitorKeyer.installation(secretFile: f) }
        var reader = PartialFile.Reader(config: ConfigFingerprint.of(options, keyer: keyer))
        for path in partials.isEmpty ? ["-"] : partials {
            let source = try LineSource(path: path)
            let headers = reader.headers
            while let line = source.next() {
                if line.isEmpty { continue }
                try reader.add(line: line.string, origin: "\(source.name) line \(source.lineNumber)")
            }
            if let d = source.damage { throw IngestError.unusableInput("\(source.name): \(d.message): a partial must be read whole") }
            if reader.headers == headers { throw IngestError.unusableInput("\(source.name): no ingest partial in it (no header record)") }
        }
        try Self.checkPartitions(reader.partitions)
        let classifiers = try Classifiers(options: options)
        let zone = try ReportTimeZone(options.timezone)
        var merged = reader.partial
        if !options.crm.files.isEmpty {
            // What reading the export counted (rows, duplicates, bad times) is the merge's own;
            // how its rows joined, the reduces'.
            let imported = try CRMExport.read(options.crm, zone: zone)
            merged.reading.warnings.insert(contentsOf: imported.warnings.map { .init(rank: -1, value: $0) }, at: 0)
            crm = imported
        }
        aggregates = TrafficAggregates(sources: classifiers.sources, zone: zone)
        stats.seconds = 0
        adopt(merged, sources: classifiers.sources, zone: zone)
        var journeys = merged.visits.journeys
        if let imported = crm {
            joinCRM(imported, evidence: merged, classifiers: classifiers, zone: zone)
            // The rows' journeys, and the visitors they left non-converting.
            if let book = journeyBook {
                journeys.add(book.journeys(attributor: nil, periodEnd: nil, goalNames: aggregates.goalNames,
                                           sources: classifiers.sources.all, pages: pagePaths))
            }
            journeys.settlePending(converted: journeyBook?.converted ?? [])
        }
        creditJourneys(journeys)
        stats.seconds = Date().timeIntervalSince(started)
    }

    /// Joins the CRM rows as a one-process run does (`CRMJoin`, the same code), with the
    /// evidence every partition exported: the touchpoints rows may reach are rebuilt in an
    /// attributor of the merged aggregates' sources and pages.
    private func joinCRM(_ imported: CRMImport, evidence merged: Partial, classifiers: Classifiers, zone: ReportTimeZone) {
        let evidence = Self.evidence(for: imported, options: options, keyer: keyer)
        let records = merged.visits.crmEvidence
        evidence.load(leadHits: merged.reading.leadHits, visitorsOfClient: records.visitorsOfClient, sessionlessHits: records.sessionlessHits)
        let aggregates = self.aggregates!
        let sources = classifiers.sources
        let attributor = Attributor(lookbackDays: options.lookbackDays, goalValues: options.goals.map(\.value),
                                    isDirect: { sources.channel($0) == .direct }, credit: { aggregates.credit($0) })
        var pageIDs = Dictionary(pagePaths.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        for (visitor, list) in records.touchpoints.sorted(by: { $0.key < $1.key }) {
            for t in list {
                let page = pageIDs[t.page] ?? {
                    pagePaths.append(t.page)
                    pageIDs[t.page] = Int32(pagePaths.count - 1)
                    return Int32(pagePaths.count - 1)
                }()
                let source = sources.intern(source: t.source.source, medium: t.source.medium, campaign: t.source.campaign)
                attributor.add(Attributor.Touchpoint(start: t.start, end: t.end, source: source, landingPage: page,
                                                     pageviews: t.pageviews, requests: t.requests, assets: t.assets), visitor: visitor)
            }
        }
        var days = zone
        let book = JourneyBook(transform: options.pathTransform, maxChannels: options.maxPathChannels,
                               channel: { sources.channel($0) }, day: { days.day(of: $0) })
        attributor.onJourney = { v, w, t, g, x, _, _ in book.record(visitor: v, window: w, time: t, goal: g, value: x) }
        self.evidence = evidence
        self.attributor = attributor
        journeyBook = book
        joinCRM(sawAssets: merged.reading.assetHits > 0, bots: classifiers.bots)
        stats.conversions = aggregates.conversions
    }

    /// Every partition of 0..<n exactly once, all of one n.
    static func checkPartitions(_ labels: [(index: Int, count: Int)]) throws {
        guard let n = labels.first?.count else { return }
        if let other = labels.first(where: { $0.count != n }) {
            throw IngestError.unusableInput("partials of runs with \(n) and \(other.count) partitions: merge the partials of one run")
        }
        var seen = Set<Int>()
        for l in labels {
            guard (0..<n).contains(l.index) else { throw IngestError.unusableInput("a partial of partition \(l.index), outside 0–\(n - 1)") }
            guard seen.insert(l.index).inserted else {
                throw IngestError.unusableInput("partition \(l.index) of \(n) is there twice: its visitors would count twice")
            }
        }
        if let missing = (0..<n).first(where: { !seen.contains($0) }) {
            throw IngestError.unusableInput("partition \(missing) of \(n) is missing: the tables would leave its visitors out (\(seen.count) of \(n) partials given)")
        }
    }
}
