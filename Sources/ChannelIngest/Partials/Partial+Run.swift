import Foundation

/// A run's own counts as a partial, and a merged partial back as the aggregates and the
/// `RunStats` the writers take.
extension Partial.Visits {
    /// The rows, credits and leads of `a`, whose landing pages are ids into `paths`.
    init(aggregates a: TrafficAggregates, paths: [String], goalHitsWithoutSession: Int, lateEvents: Int) {
        sessions = a.sessions
        visitors = a.distinctVisitors
        conversions = a.conversions
        self.goalHitsWithoutSession = goalHitsWithoutSession
        self.lateEvents = lateEvents
        goalNames = a.goalNames
        for (k, c) in zip(a.channelRows.keys, a.channelRows.counts) { channels[k, default: .init()].absorb(c.counted) }
        for (k, c) in zip(a.sourceRows.keys, a.sourceRows.counts) { sources[k, default: .init()].absorb(c.counted) }
        for (k, c) in zip(a.landingRows.keys, a.landingRows.counts) {
            let path = k.page >= 0 && Int(k.page) < paths.count ? paths[Int(k.page)] : ""
            landings[Landing(channel: k.channel, path: path), default: .init()].absorb(c.counted)
        }
        for (k, c) in zip(a.dayRows.keys, a.dayRows.counts) { days[k, default: .init()].absorb(c.counted) }
        let models = AttributionModel.allCases
        for slot in 0..<TrafficAggregates.slotCount {
            guard let row = Partial.Row(slot: slot) else { continue }
            for m in models {
                let c = a.modelCredits[slot * models.count + m.index]
                if c.exactConversions.units != 0 || c.exactValue.units != 0 { modelCredits[RowModel(row: row, model: m)] = c }
            }
            for (g, name) in a.goalNames.enumerated() where slot * a.goalNames.count + g < a.goalCredits.count {
                let c = a.goalCredits[slot * a.goalNames.count + g]
                if c.exactConversions.units != 0 || c.exactValue.units != 0 { goalCredits[RowGoal(row: row, goal: name), default: .init()].add(c) }
            }
            if !a.leadTotals[slot].isEmpty { leads[row] = a.leadTotals[slot] }
        }
        for (k, c) in a.pseudoByDay { pseudoDays[PseudoDay(day: k.day, row: k.row)] = c }
    }

    /// Fills `a` (new, empty) with these rows; returns the landing pages' paths by id.
    func fill(_ a: TrafficAggregates) -> [String] {
        a.goalNames = goalNames
        a.sessions = sessions
        a.visitorCount = visitors
        a.conversions = conversions
        // Rows go in by name, so the same partial always gives the same aggregates.
        for (k, c) in channels.sorted(by: { $0.key < $1.key }) { a.setCounts(c, channel: k) }
        for (k, c) in sources.sorted(by: { $0.key < $1.key }) { a.setCounts(c, source: k) }
        var paths: [String] = []
        var ids: [String: Int32] = [:]
        for (k, c) in landings.sorted(by: { ($0.key.channel, $0.key.path) < ($1.key.channel, $1.key.path) }) {
            let id = ids[k.path] ?? {
                paths.append(k.path)
                ids[k.path] = Int32(paths.count - 1)
                return Int32(paths.count - 1)
            }()
            a.setCounts(c, landing: TrafficAggregates.LandingKey(channel: k.channel, page: id))
        }
        for (k, c) in days.sorted(by: { ($0.key.day, $0.key.channel) < ($1.key.day, $1.key.channel) }) { a.setCounts(c, day: k) }
        let models = AttributionModel.allCases
        for (k, c) in modelCredits { a.modelCredits[k.row.slot * models.count + k.model.index] = c }
        if !goalCredits.isEmpty {
            a.goalCredits = Array(repeating: .init(), count: TrafficAggregates.slotCount * goalNames.count)
            for (k, c) in goalCredits {
                guard let g = goalNames.firstIndex(of: k.goal) else { continue }
                a.goalCredits[k.row.slot * goalNames.count + g] = c
            }
        }
        for (row, l) in leads { a.leadTotals[row.slot] = l }
        for (k, c) in pseudoDays { a.pseudoByDay[TrafficAggregates.PseudoDayKey(day: k.day, row: k.row)] = c }
        return paths
    }
}

extension Partial {
    /// The run's figures for `summary.json` and the terminal: the end-of-run warnings are
    /// worked out here, from the totals (late hits, the most frequent referrer without --site).
    func runStats(reorderWindow: Int64, siteHosts: [String]) -> RunStats {
        var s = RunStats()
        let r = reading
        s.files = r.files
        s.bytes = r.bytes
        s.lines = r.lines
        s.hits = r.hits
        s.malformed = r.malformed
        s.commentLines = r.headerLines
        s.malformedSamples = Array(r.samples.sorted { ($0.rank, $0.value.line) < ($1.rank, $1.value.line) }
            .prefix(RunStats.maxSamples).map(\.value))
        s.botHitsByFamily = r.botHits.filter { $0.value > 0 }
        s.botHits = r.botHits.values.reduce(0, +)
        s.spamHits = r.spamHits
        s.pageviews = r.pageviews
        s.goalHits = r.goalHits
        s.damagedFiles = r.damagedFiles
        s.firstTime = r.firstTime
        s.lastTime = r.lastTime
        s.goalHitsWithoutSession = visits.goalHitsWithoutSession
        s.conversions = visits.conversions
        s.sessions = visits.sessions
        s.visitors = visits.visitors
        // In input order (a stable sort keeps each input's own order); each once.
        var seen = Set<String>()
        for w in r.warnings.enumerated().sorted(by: { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }) where seen.insert(w.element.value).inserted {
            s.warnings.append(w.element.value)
        }
        if visits.lateEvents > 0 {
            s.warnings.append("\(visits.lateEvents) pageviews were more than \(reorderWindow) s out of time order in their file; sessions near them may differ from a sorted run")
        }
        if siteHosts.isEmpty, let top = ReferrerClassifier.mostFrequent(r.referrerHosts) {
            s.warnings.append("no --site given: links between your own pages count as referrals. The most frequent referrer host is \(top.host) (\(top.hits) hits); if that is your site, run again with --site \(top.host)")
        }
        return s
    }

    /// The inputs for `summary.json`, in rank order (by name; an input's entries in their order).
    var inputSummaries: [IngestJob.InputSummary] {
        reading.inputs.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element.value)
    }
}

extension IngestJob {
    /// What this run counted, as the one partial of a one-process run.
    func partial(referrers: ReferrerClassifier, sessionizer: Sessionizer) -> Partial {
        var p = Partial(config: ConfigFingerprint.of(options, keyer: keyer))
        var r = Partial.Reading()
        r.files = stats.files
        r.bytes = stats.bytes
        r.lines = stats.lines
        r.hits = stats.hits
        r.malformed = stats.malformed
        r.headerLines = stats.commentLines
        r.spamHits = stage.spamHits
        r.pageviews = stage.pageviews
        r.goalHits = stage.goalHits
        r.damagedFiles = stats.damagedFiles
        for (i, f) in stage.bots.families.enumerated() where stage.botHits[i] > 0 { r.botHits[f, default: 0] += stage.botHits[i] }
        r.firstTime = stats.firstTime
        r.lastTime = stats.lastTime
        r.samples = stats.malformedSamples.map { .init(rank: $0.rank, value: $0) }
        r.inputs = inputs.map { .init(rank: $0.rank, value: $0) }
        r.warnings = stats.warnings.map { .init(rank: -1, value: $0) }
        r.referrerHosts = referrers.externalHostHits
        r.assetHits = stage.assetHits
        r.leadHits = evidence?.leadHits ?? [:]
        p.reading = r
        p.visits = Partial.Visits(aggregates: aggregates, paths: stage.paths,
                                  goalHitsWithoutSession: sessionizer.goalHitsWithoutSession + (ga4?.goalHitsWithoutSession ?? 0),
                                  lateEvents: sessionizer.lateEvents)
        p.visits.crmOutcome = crmOutcome
        p.visits.journeys = journeys(periodEnd: stats.lastTime)
        return p
    }

    /// The journeys of this run's book so far (none without one); visitors in `holdBack` pending.
    func journeys(periodEnd: Int64?, holdBack: Set<UInt64> = []) -> Journeys {
        guard let journeyBook else { return Journeys() }
        let stage = self.stage!
        return journeyBook.journeys(attributor: attributor, periodEnd: periodEnd, holdBack: holdBack, goalNames: aggregates.goalNames,
                                    sources: stage.sources.all, pages: stage.paths)
    }

    /// The data-driven models' credits of `journeys` into the tables (`DataDrivenAttribution`),
    /// once every journey is known; `paths.csv` is written from them too.
    func creditJourneys(_ journeys: Journeys) {
        guard options.statePath == nil, !options.goals.isEmpty || !options.crm.files.isEmpty else { return }
        let a = aggregates!
        var pageIDs = Dictionary(pagePaths.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        let sources = a.sources
        DataDrivenAttribution.credit(journeys, into: a, sourceID: { sources.intern(source: $0.source, medium: $0.medium, campaign: $0.campaign) },
                                     pageID: { path in
                                         if let id = pageIDs[path] { return id }
                                         pagePaths.append(path)
                                         pageIDs[path] = Int32(pagePaths.count - 1)
                                         return Int32(pagePaths.count - 1)
                                     })
    }

    /// Takes a merged partial's figures as this run's: the tables, `summary.json` and the
    /// terminal are written from them.
    func adopt(_ p: Partial, sources: TrafficSources? = nil, zone: ReportTimeZone? = nil) {
        let merged = TrafficAggregates(sources: sources ?? stage.sources, zone: zone ?? aggregates.zone)
        merged.model = options.model
        merged.pathTransform = options.pathTransform
        pagePaths = p.visits.fill(merged)
        countedAggregates = aggregates
        aggregates = merged
        let seconds = stats.seconds
        stats = p.runStats(reorderWindow: options.reorderWindow, siteHosts: options.siteHosts)
        stats.seconds = seconds
        inputs = p.inputSummaries
        crmOutcome = p.visits.crmOutcome
    }
}
