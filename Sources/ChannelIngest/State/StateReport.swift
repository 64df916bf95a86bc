import Foundation
import GRDB

/// Every table for a range of days, from the state alone.
///
/// SQLite does the counting (distinct users included), so memory follows the tables' rows,
/// not the sessions in the range. What the state still holds open — sessions that may continue,
/// hits in the reorder window, leads whose evidence is incomplete — is closed first, inside a
/// transaction that is rolled back: the report is what a one-off run over every input so far
/// would write, and the next night continues from the state untouched.
public struct StateReport {
    /// Inclusive day numbers (days since 1970-01-01 in the state's zone); nil: unbounded.
    var from: Int64?
    var to: Int64?
    var model: AttributionModel
    let settings: StateSettings
    let sources: TrafficSources
    let dims: StateDimensions
    let paths: () -> [String]
    var zone: ReportTimeZone

    public struct Result {
        public var aggregates: TrafficAggregates
        public var paths: [String]
        public var stats: RunStats
        public var outcome: CRMJoin.Outcome?
        public var hasLeads: Bool
    }

    private var range: StatementArguments { [from ?? Int64.min, to ?? Int64.max] }

    func build(_ db: Database) throws -> Result {
        let aggregates = TrafficAggregates(sources: sources, zone: zone)
        aggregates.model = model
        var goalNames = settings.goals.map(\.name)
        let leadGoals = try String.fetchAll(db, sql: "SELECT DISTINCT goal FROM leads ORDER BY goal")
        for g in leadGoals where !goalNames.contains(g) { goalNames.append(g) }
        for g in try String.fetchAll(db, sql: "SELECT DISTINCT goal FROM credits ORDER BY goal") where !goalNames.contains(g) {
            goalNames.append(g)
        }
        aggregates.goalNames = goalNames
        let goalIndex = Dictionary(goalNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        try countSessions(into: aggregates, db)
        try countCredits(into: aggregates, goalIndex: goalIndex, db)
        let hasLeads = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leads")! > 0
        var journeys = StateJourneys(report: self)
        try journeys.addLogConversions(aggregates: aggregates, db)
        let outcome = hasLeads ? try countLeads(into: aggregates, goalIndex: goalIndex, journeys: &journeys, db) : nil
        var pagePaths = paths()
        if !goalNames.isEmpty {
            try journeys.addNonConverting(db)
            aggregates.pathTransform = settings.journeyTransform
            var pageIDs = Dictionary(pagePaths.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
            let sources = self.sources
            DataDrivenAttribution.credit(journeys.journeys, into: aggregates,
                                         sourceID: { sources.intern(source: $0.source, medium: $0.medium, campaign: $0.campaign) },
                                         pageID: { path in
                                             if let id = pageIDs[path] { return id }
                                             pagePaths.append(path)
                                             pageIDs[path] = Int32(pagePaths.count - 1)
                                             return Int32(pagePaths.count - 1)
                                         })
        }
        return Result(aggregates: aggregates, paths: pagePaths, stats: try stats(aggregates, db), outcome: outcome, hasLeads: hasLeads)
    }

    private func channel(_ name: String) -> Channel { Channel(name: name) ?? .unassigned }

    private func counts(_ r: Row, from i: Int) -> TrafficAggregates.Counts {
        var c = TrafficAggregates.Counts()
        c.sessions = r[i]
        c.userCount = r[i + 1]
        c.pageviews = r[i + 2]
        c.durationSeconds = r[i + 3]
        c.bounces = r[i + 4]
        c.engaged = r[i + 5]
        return c
    }

    private static let measures = "COUNT(*), COUNT(DISTINCT visitor), SUM(pageviews), SUM(duration), SUM(bounce), SUM(engaged)"

    /// The sessions of the range; unbounded, a plain scan (faster than the day index).
    private var sessionsInRange: (sql: String, args: StatementArguments) {
        from == nil && to == nil ? ("FROM sessions", []) : ("FROM sessions WHERE day BETWEEN ? AND ?", range)
    }

    /// Each query groups the sessions table alone; names are looked up after, per group.
    private func countSessions(into a: TrafficAggregates, _ db: Database) throws {
        var channels: [Int64: Channel] = [:]
        try db.forEachRow("SELECT id, name FROM channels") { channels[$0[0]] = channel($0[1]) }
        var sourceMedia: [Int64: TrafficAggregates.SourceKey] = [:]
        try db.forEachRow("SELECT id, channel, source, medium FROM source_media") {
            sourceMedia[$0[0]] = TrafficAggregates.SourceKey(channel: channel($0[1]), source: $0[2], medium: $0[3])
        }
        let (from, args) = sessionsInRange
        try db.forEachRow("SELECT channel, \(Self.measures) \(from) GROUP BY channel", args) { r in
            a.setCounts(counts(r, from: 1), channel: channels[r[0]] ?? .unassigned)
        }
        try db.forEachRow("SELECT source_medium, \(Self.measures) \(from) GROUP BY source_medium", args) { r in
            if let k = sourceMedia[r[0]] { a.setCounts(counts(r, from: 1), source: k) }
        }
        // Landing pages show no users: not counting them saves the costliest part.
        try db.forEachRow("SELECT channel, page, COUNT(*), 0, SUM(pageviews), SUM(duration), SUM(bounce), SUM(engaged) \(from) GROUP BY channel, page",
                          args) { r in
            var c = counts(r, from: 2)
            c.userCount = nil
            a.setCounts(c, landing: TrafficAggregates.LandingKey(channel: channels[r[0]] ?? .unassigned, page: try dims.runPage(r[1], db)))
        }
        try db.forEachRow("SELECT day, channel, \(Self.measures) \(from) GROUP BY day, channel", args) { r in
            a.setCounts(counts(r, from: 2), day: TrafficAggregates.DayKey(day: r[0], channel: channels[r[1]] ?? .unassigned))
        }
        let total = try Row.fetchOne(db, sql: "SELECT COUNT(*), COUNT(DISTINCT visitor) \(from)", arguments: args)!
        a.sessions = total[0]
        a.visitorCount = total[1]
    }

    /// Credits of log goals: per model to channels' sessions, and to `(no session)`.
    private func countCredits(into a: TrafficAggregates, goalIndex: [String: Int], _ db: Database) throws {
        var conversions = 0.0
        try db.forEachRow("""
            SELECT model, goal, row, source, page, day, SUM(share), SUM(value) FROM credits WHERE day BETWEEN ? AND ? AND standby = 0
            GROUP BY model, goal, row, source, page, day
            """, range) { r in
            let goal = goalIndex[r[1]]!
            let share: Double = r[6]
            if (r[2] as Int) == TrafficAggregates.Pseudo.noSession.stateRow {
                a.credit(.noSession, goal: goal, count: share, value: r[7], day: r[5])
                conversions += share
            } else if let m = AttributionModel(rawValue: r[0]) {
                a.credit(model: m, goal: goal, source: try dims.runSource(r[3], db), page: try dims.runPage(r[4], db), day: r[5], share, r[7])
                if m == .last { conversions += share }
            }
        }
        a.conversions += Int(conversions.rounded())
    }

    /// Leads converting in the range, with the credits worked out when they settled (or now).
    private func countLeads(into a: TrafficAggregates, goalIndex: [String: Int], journeys: inout StateJourneys, _ db: Database) throws -> CRMJoin.Outcome {
        var outcome = CRMJoin.Outcome()
        let crm = settings.crm
        // Another lead of the same visitor within 24 h makes both suspicious, whatever the range.
        var repeated = Set<String>()
        var last: (visitor: Int64, time: Int64, key: String)?
        try db.forEachRow("""
            SELECT j.key, j.visitor, j.time, l.goal, l.typed FROM lead_joins j JOIN leads l ON l.key = j.key
            WHERE j.visitor IS NOT NULL ORDER BY j.visitor, j.time, j.key
            """) { r in
            let (key, visitor, time): (String, Int64, Int64) = (r[0], r[1], r[2])
            guard crm.isLead(goal: r[3], typed: r[4]) else { return }
            if let l = last, l.visitor == visitor, time - l.time <= CRMJoin.repeatLeadWindow {
                repeated.insert(key)
                repeated.insert(l.key)
            }
            last = (visitor, time, key)
        }
        var zone = self.zone
        let notJoinedRow = TrafficAggregates.Pseudo.notJoined.stateRow
        /// The day a row converts on, and whether that is in the range (a row with no time
        /// belongs to no range, only to the whole).
        func place(row: Int, rowTime: Int64?, joinTime: Int64?) -> (day: Int64?, inRange: Bool) {
            let time = row == notJoinedRow ? rowTime : joinTime
            let day = time.map { zone.day(of: $0) }
            guard let day else { return (nil, from == nil && to == nil) }
            return (day, (from.map { day >= $0 } ?? true) && (to.map { day <= $0 } ?? true))
        }
        // Customers are people: each joined visitor's first customer row in the range (by
        // attribution time, file, line) makes them one, as CRMJoin.firstCustomerRows does.
        var firstCustomer: [Int64: (time: Int64, file: String, line: Int, key: String)] = [:]
        try db.forEachRow("""
            SELECT l.key, l.time AS row_time, l.file, l.line, j.visitor, j.time AS join_time, j.row
            FROM leads l JOIN lead_joins j ON j.key = l.key
            WHERE l.status = 'customer' AND j.visitor IS NOT NULL AND j.row != ?
            """, [notJoinedRow]) { r in
            let joinTime: Int64? = r["join_time"]
            guard let t = joinTime, place(row: r["row"], rowTime: r["row_time"], joinTime: t).inRange else { return }
            let visitor: Int64 = r["visitor"]
            let c = (time: t, file: r["file"] as String, line: r["line"] as Int, key: r["key"] as String)
            if let f = firstCustomer[visitor], (f.time, f.file, f.line) <= (c.time, c.file, c.line) { return }
            firstCustomer[visitor] = c
        }
        let customerKeys = Set(firstCustomer.values.map(\.key))
        try db.forEachRow("""
            SELECT l.key, l.time AS row_time, l.goal, l.typed, l.value, l.status, l.customer_time, j.strategy, j.time AS join_time,
                j.row, j.suspicious, j.first_touch, j.assets_seen, j.visitor
            FROM leads l JOIN lead_joins j ON j.key = l.key ORDER BY l.file, l.line, l.key
            """) { r in
            let key: String = r["key"]
            var visitor: Int64?
            let row: Int = r["row"]
            let rowTime: Int64? = r["row_time"]
            let joinTime: Int64? = r["join_time"]
            let (day, inRange) = place(row: row, rowTime: rowTime, joinTime: joinTime)
            guard inRange else { return }
            let goalName: String = r["goal"]
            let goal = goalIndex[goalName]!
            let value = (r["value"] as Double?) ?? settings.goalValue(goalName) ?? 0
            let status = LeadStatus(rawValue: r["status"]) ?? .new
            let customerTime: Int64? = r["customer_time"]
            let joined = row != notJoinedRow
            let isLead = crm.isLead(goal: goalName, typed: r["typed"])
            let suspicious = isLead && ((r["suspicious"] as Bool) || repeated.contains(key)
                || (joined && settings.sawAssets && !(r["assets_seen"] as Bool)))
            outcome.rows += 1
            if suspicious { outcome.suspicious += 1 }
            a.countConversion()
            if row == TrafficAggregates.Pseudo.notJoined.stateRow {
                outcome.notJoined += 1
                let facts = TrafficAggregates.LeadFacts(status: status, suspicious: suspicious, value: value, customerTime: customerTime ?? rowTime,
                                                        isLead: isLead)
                a.credit(.notJoined, goal: goal, count: 1, value: value, day: day)
                a.creditLead(facts, share: 1, channel: nil, row: .notJoined, firstTouch: nil)
                return
            }
            if let s = CRMJoin.Strategy(rawValue: r["strategy"]) { outcome.joined[s, default: 0] += 1 }
            let j = joinTime!
            let facts = TrafficAggregates.LeadFacts(status: status, suspicious: suspicious, value: value,
                                                    customerTime: max(customerTime ?? rowTime ?? j, j),
                                                    isLead: isLead, countsCustomer: customerKeys.contains(key))
            if let v: Int64 = r["visitor"] { visitor = v }
            if row == TrafficAggregates.Pseudo.noSession.stateRow {
                if let visitor { journeys.addLead(visitor: visitor, day: day!, goal: goalName, value: value, window: [], aggregates: a) }
                outcome.withoutSession += 1
                a.credit(.noSession, goal: goal, count: 1, value: value, day: day)
                a.creditLead(facts, share: 1, channel: nil, row: .noSession, firstTouch: r["first_touch"])
                return
            }
            var window: [(source: Int32, page: Int32)] = []
            for c in try Row.fetchAll(db.cachedStatement(sql: "SELECT model, source, page, share, first_touch FROM lead_credits WHERE key = ? ORDER BY rowid"),
                                      arguments: [key]) {
                guard let m = AttributionModel(rawValue: c[0]) else { continue }
                let share: Double = c[3]
                let source = try dims.runSource(c[1], db)
                a.credit(model: m, goal: goal, source: source, page: try dims.runPage(c[2], db), day: day!, share, share * value)
                if m == model.leadModel { a.creditLead(facts, share: share, channel: a.channel(of: source), firstTouch: c[4]) }
                if m == .linear { window.append((source, try dims.runPage(c[2], db))) }
            }
            if let visitor { journeys.addLead(visitor: visitor, day: day!, goal: goalName, value: value, window: window, aggregates: a) }
        }
        return outcome
    }

    /// Hits, bots and the like of the range; what the runs read, in all.
    private func stats(_ a: TrafficAggregates, _ db: Database) throws -> RunStats {
        var s = RunStats()
        if let r = try Row.fetchOne(db, sql: """
            SELECT SUM(hits), SUM(bot_hits), SUM(spam_hits), SUM(pageviews), SUM(goal_hits), SUM(sessionless)
            FROM day_counts WHERE day BETWEEN ? AND ?
            """, arguments: range) {
            s.hits = r[0] ?? 0
            s.botHits = r[1] ?? 0
            s.spamHits = r[2] ?? 0
            s.pageviews = r[3] ?? 0
            s.goalHits = r[4] ?? 0
            s.goalHitsWithoutSession = r[5] ?? 0
        }
        try db.forEachRow("SELECT family, SUM(hits) FROM day_bots WHERE day BETWEEN ? AND ? GROUP BY family", range) { r in
            s.botHitsByFamily[r[0]] = r[1]
        }
        if let r = try Row.fetchOne(db, sql: "SELECT COUNT(*), SUM(files), SUM(bytes), SUM(lines), SUM(malformed), MIN(first_time), MAX(last_time) FROM runs") {
            s.files = r[1] ?? 0
            s.bytes = r[2] ?? 0
            s.lines = r[3] ?? 0
            s.malformed = r[4] ?? 0
            s.firstTime = r[5]
            s.lastTime = r[6]
        }
        s.sessions = a.sessions
        s.visitors = a.distinctVisitors
        s.conversions = a.conversions
        return s
    }
}
