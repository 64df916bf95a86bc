import Foundation
import GRDB

/// What a nightly run leaves open for the next: sessions that may continue (a visit that
/// crosses the cron's minute is one session) and hits still waiting in the reorder window.
/// Run-local ids (sources, pages, goal bits) are stored as the state's ids and names.
struct CarryOver {
    var open: [Session] = []
    var pending: [VisitEvent] = []
    var appliedTime: Int64 = .min
    /// GA4 sessions the last export may not have ended (they carry their own ids).
    var ga4: [GA4Sessions.Carried] = []

    /// Replaces what the state carries with this.
    func save(dims: StateDimensions, goalNames: [String], _ db: Database) throws {
        try db.execute(sql: "DELETE FROM open_sessions; DELETE FROM pending_events")
        let session = try db.makeStatement(sql: """
            INSERT INTO open_sessions(visitor, start, "end", source, page, pageviews, goal_hits, assets, client, conversions,
                ga4_key, landing_time, landing_seq, goal_events)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // The sessionizer's sessions, then GA4's (with their session key, landing and goal events).
        let all: [(Session, GA4Sessions.Carried?)] = open.map { ($0, nil) } + ga4.map { ($0.session, $0) }
        for (s, carried) in all {
            let conversions = s.conversions.map { c -> [String: Any] in
                var d: [String: Any] = ["goal": goalNames[c.goal], "time": c.time]
                if let v = c.value { d["value"] = v }
                if c.lead != 0 { d["lead"] = Int64(bitPattern: c.lead) }
                if c.standby != 0 { d["standby"] = Int64(bitPattern: c.standby) }
                return d
            }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: conversions), as: UTF8.self)
            var goalEvents: String?
            if let carried {
                let list = carried.goalEvents.map { ["time": $0.time, "seq": $0.seq, "goals": Self.names(of: $0.goals, goalNames)] as [String: Any] }
                goalEvents = String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self)
            }
            try session.execute(arguments: [Int64(bitPattern: s.visitor), s.start, s.end, try dims.stateSource(s.source, db),
                                            try dims.statePage(s.landingPage, db), s.pageviews, s.goalHits, s.assets,
                                            Int64(bitPattern: s.client), json, carried.map { Int64(bitPattern: $0.key) },
                                            carried?.landing.time, carried?.landing.seq, goalEvents])
        }
        let event = try db.makeStatement(sql: """
            INSERT INTO pending_events(time, seq, visitor, origin, page, kind, goals, client, lead) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (i, e) in pending.enumerated() {
            // Sources are ids ≥ 0; the classifier's markers (no referrer, internal) are < 0.
            let origin = e.origin >= 0 ? try dims.stateSource(e.origin, db) : Int64(e.origin)
            let kind = (e.isPageview ? 1 : 0) | (e.isAsset ? 2 : 0) | (e.isGoalHit ? 4 : 0)
            try event.execute(arguments: [e.time, i, Int64(bitPattern: e.visitor), origin, try dims.statePage(e.page, db), kind,
                                          Self.names(of: e.goals, goalNames).joined(separator: "\n"), Int64(bitPattern: e.client),
                                          Int64(bitPattern: e.lead)])
        }
    }

    /// What the state carries, in this run's ids. Goals the config no longer has are dropped.
    static func load(dims: StateDimensions, goalNames: [String], _ db: Database) throws -> CarryOver {
        var c = CarryOver()
        let goalIndex = Dictionary(goalNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for r in try Row.fetchAll(db, sql: "SELECT * FROM open_sessions ORDER BY start, visitor") {
            var s = Session(visitor: UInt64(bitPattern: r["visitor"]), start: r["start"], end: r["end"],
                            source: try dims.runSource(r["source"], db), landingPage: try dims.runPage(r["page"], db),
                            pageviews: r["pageviews"], goalHits: r["goal_hits"])
            s.assets = r["assets"]
            s.client = UInt64(bitPattern: r["client"])
            let json: String = r["conversions"]
            let list = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]] ?? []
            for d in list {
                guard let name = d["goal"] as? String, let g = goalIndex[name], let t = (d["time"] as? NSNumber)?.int64Value else { continue }
                let standby = UInt64(bitPattern: (d["standby"] as? NSNumber)?.int64Value ?? 0)
                s.conversions.append(GoalReach(goal: g, time: t, value: (d["value"] as? NSNumber)?.doubleValue,
                                               lead: UInt64(bitPattern: (d["lead"] as? NSNumber)?.int64Value ?? 0), standby: standby))
                if standby != 0 { s.standbyTaken |= 1 << UInt64(g) } else { s.reached |= 1 << UInt64(g) }
            }
            if let key = r["ga4_key"] as Int64? {
                let json: String = r["goal_events"] ?? "[]"
                let list = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]] ?? []
                let events = list.compactMap { d -> VisitEvent? in
                    guard let t = (d["time"] as? NSNumber)?.int64Value, let q = (d["seq"] as? NSNumber)?.int64Value else { return nil }
                    var goals: UInt64 = 0
                    for n in d["goals"] as? [String] ?? [] { if let g = goalIndex[n] { goals |= 1 << UInt64(g) } }
                    return VisitEvent(time: t, seq: q, visitor: s.visitor, origin: ReferrerClassifier.none, page: -1,
                                      isPageview: false, goals: goals, isGoalHit: true)
                }
                c.ga4.append(GA4Sessions.Carried(key: UInt64(bitPattern: key), session: s,
                                                 landing: (r["landing_time"], r["landing_seq"]), goalEvents: events))
            } else {
                c.open.append(s)
            }
        }
        // Negative sequence numbers: these arrived before anything this run reads.
        let base = Int64.min / 2
        for r in try Row.fetchAll(db, sql: "SELECT * FROM pending_events ORDER BY seq") {
            let origin: Int64 = r["origin"]
            let kind: Int = r["kind"]
            let names: String = r["goals"]
            var goals: UInt64 = 0
            for n in names.split(separator: "\n") { if let g = goalIndex[String(n)] { goals |= 1 << UInt64(g) } }
            var e = VisitEvent(time: r["time"], seq: base + (r["seq"] as Int64), visitor: UInt64(bitPattern: r["visitor"]),
                               origin: origin >= 0 ? try dims.runSource(origin, db) : Int32(origin),
                               page: try dims.runPage(r["page"], db), isPageview: kind & 1 != 0, goals: goals,
                               isAsset: kind & 2 != 0, client: UInt64(bitPattern: r["client"]), isGoalHit: kind & 4 != 0)
            e.lead = UInt64(bitPattern: r["lead"])
            c.pending.append(e)
        }
        if let t = try Int64.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'applied_time'") { c.appliedTime = t }
        return c
    }

    static func names(of goals: UInt64, _ goalNames: [String]) -> [String] {
        var g = goals, out: [String] = []
        while g != 0 {
            let i = g.trailingZeroBitCount
            if i < goalNames.count { out.append(goalNames[i]) }
            g &= g - 1
        }
        return out
    }
}
