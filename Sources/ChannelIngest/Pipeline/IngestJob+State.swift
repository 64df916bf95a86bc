import Foundation
import GRDB

/// The nightly run (`--state`): the one-off pipeline, taking up what the last run left open,
/// reading each input from where it stopped, and recording into the state in one transaction;
/// then the tables, for every day the state holds, written from the state.
extension IngestJob {
    public func run(state store: StateStore) throws {
        let started = Date()
        guard !options.files.isEmpty else {
            throw IngestError.badArgument("no input files: pass log files (e.g. ingest logs/*.gz) or - for standard input")
        }
        guard let secret = options.secretFile else {
            throw IngestError.badArgument("--state needs visitors keyed the same way every night: give --secret-file (or secret_file in the config)")
        }
        costs = try options.costsFile.map { try ChannelCosts.read(path: $0) } ?? options.costs
        keyer = try VisitorKeyer.installation(secretFile: secret)
        try store.write { db in
            let night = try NightlyRun(store: store, db: db, options: options)
            nightly = night
            defer { nightly = nil }
            let zone = try ReportTimeZone(options.timezone)
            let recorder = StateRecorder(db: db, dims: night.dims, run: night.run, zone: zone, goalNames: [])
            let (sessionizer, referrers) = try buildStages(recorder: recorder)
            let stage = self.stage!
            recorder.goalNames = aggregates.goalNames
            night.dims.bind(sources: stage.sources, internPage: { stage.internPage($0) }, pagePath: { stage.paths[Int($0)] })
            attributor?.history = { recorder.touchpoints(of: $0, from: $1) }
            tally = DayTally(zone: zone)

            let carried = try CarryOver.load(dims: night.dims, goalNames: aggregates.goalNames, db)
            sessionizer.restore(open: carried.open, pending: carried.pending, appliedTime: carried.appliedTime)
            if !carried.ga4.isEmpty {
                ga4 = GA4Sessions()
                ga4?.restore(carried.ga4)
            }
            let (files, totalBytes) = try planInputs()
            stats.warnings += night.warnings
            inputs += night.alreadyRead
            if !options.quiet && isatty(2) != 0 { progressLine = ProgressLine(totalBytes: totalBytes) }
            try readMerged(files, into: sessionizer)
            progressLine?.clear()
            if stats.lines > 0, inputs.allSatisfy({ $0.format == "unknown" }) {
                throw Self.noFormatFits(inputs[0].file, firstLine: nil)
            }
            try night.check()
            tally?.flush(stage: stage)
            try tally?.save(families: stage.bots.families, db)
            tally = nil

            var left = CarryOver()
            // A GA4 export is one day's table: sessions active in its last half hour may go on
            // in tomorrow's (same ga_session_id); the others are complete.
            if let ga4 {
                left.ga4 = ga4.suspend(before: ga4.latest - options.sessionTimeout, sink: sessionSink, orphanGoal: orphanSink)
            }
            (left.open, left.pending) = sessionizer.suspend(before: Self.earliestPossible(after: latestProgress, window: options.reorderWindow))
            left.appliedTime = sessionizer.appliedTime
            try recorder.check()
            try left.save(dims: night.dims, goalNames: aggregates.goalNames, db)
            try store.setSetting("applied_time", String(left.appliedTime), db)
            collectStats(sessionizer: sessionizer, referrers: referrers)
            stats.openSessions = left.open.count + left.ga4.count
            stats.pendingHits = left.pending.count

            night.settings.sawAssets = night.settings.sawAssets || stage.assetHits > 0
            if let evidence { try recorder.leadHits(evidence.leadHits) }
            if crm != nil {
                let leads = StateLeads(settings: options.crm, keyer: keyer, bots: stage.bots)
                try StateLeads.noteAssets(run: night.run, db)
                // A lead is worked out for good once the logs are past it by the join window
                // and every session that could hold it has closed.
                let stillOpen = min(left.open.map(\.start).min() ?? .max, left.pending.map(\.time).min() ?? .max)
                let horizon = min(stillOpen, left.appliedTime)
                try leads.work(settledBy: horizon, state: night.settings, dims: night.dims,
                               isDirect: { stage.sources.channel($0) == .direct }, db)
            }
            try night.settings.save(db)
            try prune(appliedTime: left.appliedTime, db)
            stats.seconds = Date().timeIntervalSince(started)
            try db.execute(sql: """
                INSERT INTO runs(id, started, seconds, files, bytes, lines, hits, malformed, first_time, last_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [night.run, started.timeIntervalSince1970, stats.seconds, stats.files, stats.bytes, stats.lines,
                                 stats.hits, stats.malformed, stats.firstTime, stats.lastTime])
            // Too many malformed lines fail the run before anything of it is kept.
            try checkMalformed()
        }
        // The tables: everything the state holds, as a one-off run over every input so far.
        let result = try StateReport.make(store: store, keyer: keyer, bots: stage.bots, sources: stage.sources)
        report = result
        aggregates = result.aggregates
        crmOutcome = result.outcome
        // Sessions, visitors and conversions are the tables' (this run's lines are its own).
        stats.sessions = result.stats.sessions
        stats.visitors = result.stats.visitors
        stats.conversions = result.stats.conversions
        stats.seconds = Date().timeIntervalSince(started)
    }

    /// Drops touchpoints and evidence no later conversion can reach: older than the lookback
    /// window (and the join window, and a day's grace for late exports) before the logs' time.
    func prune(appliedTime: Int64, _ db: Database) throws {
        guard appliedTime > Int64.min / 2 else { return }
        let cutoff = appliedTime - Int64(options.lookbackDays) * 86400 - options.crm.joinWindow - 86400
        try db.execute(sql: "DELETE FROM touchpoints WHERE start < ?", arguments: [cutoff])
        try db.execute(sql: "DELETE FROM sessionless_hits WHERE time < ?", arguments: [cutoff])
    }

    /// `--max-malformed`: too large a share of malformed lines is an error.
    func checkMalformed() throws {
        guard let limit = options.maxMalformed, stats.lines > 0 else { return }
        let ratio = Double(stats.malformed) / Double(stats.lines)
        if ratio > limit {
            throw IngestError.tooManyMalformed(String(format: "%.4f of lines were malformed, more than --max-malformed %.4f allows (samples in %@/summary.json)",
                                                      ratio, limit, options.outDir))
        }
    }
}

extension StateReport {
    /// Closes what the state holds open and counts the days `from`…`to` (nil: all), in a
    /// transaction that is rolled back.
    static func make(store: StateStore, keyer: VisitorKeyer, bots: BotFilter, sources: TrafficSources,
                     from: Int64? = nil, to: Int64? = nil, model: AttributionModel? = nil) throws -> Result {
        try store.scratch { db in
            guard let settings = try StateSettings.load(db) else {
                throw IngestError.badArgument("\(store.path) holds no run yet: run `ingest --state \(store.path) LOGS…` first")
            }
            let zone = try ReportTimeZone(settings.timezone)
            var paths: [String] = []
            var pathIDs: [String: Int32] = [:]
            let dims = StateDimensions()
            dims.bind(sources: sources, internPage: { p in
                if let id = pathIDs[p] { return id }
                let id = Int32(paths.count)
                paths.append(p)
                pathIDs[p] = id
                return id
            }, pagePath: { paths[Int($0)] })
            try closeOpen(db, settings: settings, dims: dims, zone: zone, keyer: keyer, bots: bots)
            let report = StateReport(from: from, to: to, model: model ?? AttributionModel(rawValue: settings.model) ?? .lastNonDirect,
                                     settings: settings, sources: sources, dims: dims, paths: { paths }, zone: zone)
            return try report.build(db)
        }
    }

    /// Sessions still open and hits still pending are closed as if the input ended now, their
    /// conversions attributed, and the leads not yet worked out joined.
    static func closeOpen(_ db: Database, settings: StateSettings, dims: StateDimensions, zone: ReportTimeZone,
                          keyer: VisitorKeyer, bots: BotFilter) throws {
        let run = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM runs") ?? 0) + 1
        let goalNames = settings.goals.map(\.name)
        let goalValues = settings.goals.map(\.value)
        let sources = dims.sources!
        let recorder = StateRecorder(db: db, dims: dims, run: run, zone: zone, goalNames: goalNames)
        let attributor = goalNames.isEmpty ? nil : Attributor(lookbackDays: settings.lookbackDays, goalValues: goalValues,
                                                               isDirect: { sources.channel($0) == .direct }, credit: { recorder.credit($0) })
        attributor?.history = { recorder.touchpoints(of: $0, from: $1) }
        attributor?.onJourney = { recorder.journey(visitor: $0, window: $1, time: $2, goal: $3, value: $4, lead: $5, standby: $6) }
        let keepEvidence = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leads")! > 0
        let sessionizer = Sessionizer(timeout: settings.sessionTimeout, sink: { s in
            recorder.session(s)
            attributor?.add(s)
        }, orphanGoal: { recorder.sessionless($0, goalValues: goalValues, keepEvidence: keepEvidence) })
        let carried = try CarryOver.load(dims: dims, goalNames: goalNames, db)
        sessionizer.restore(open: carried.open, pending: carried.pending, appliedTime: carried.appliedTime)
        sessionizer.finish()
        if !carried.ga4.isEmpty {
            let ga4 = GA4Sessions()
            ga4.restore(carried.ga4)
            ga4.finish(sink: { s in
                recorder.session(s)
                attributor?.add(s)
            }, orphanGoal: { recorder.sessionless($0, goalValues: goalValues, keepEvidence: keepEvidence) })
        }
        try recorder.check()
        if keepEvidence {
            try StateLeads.supersede(db)
            try StateLeads.noteAssets(run: run, db)
            var crm = CRMSettings()
            crm.joinWindow = settings.joinWindow
            try StateLeads(settings: crm, keyer: keyer, bots: bots)
                .work(settledBy: nil, state: settings, dims: dims, isDirect: { sources.channel($0) == .direct }, db)
        }
    }
}

extension StateReport {
    /// `ingest report`: the tables of a range from the state alone, with the built-in lists
    /// (every source in the state keeps the channel it was stored with).
    public static func make(store: StateStore, model: AttributionModel?, from: Int64?, to: Int64?) throws -> Result {
        let sources = TrafficSources(rules: ChannelRules(lists: try SourceLists.builtIn()))
        return try make(store: store, keyer: VisitorKeyer.random(), bots: try BotFilter.builtIn(extra: [:]),
                        sources: sources, from: from, to: to, model: model)
    }
}
