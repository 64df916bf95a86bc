import Foundation
import GRDB

/// Writes what a nightly run closes into the state, as it closes: sessions (the facts reports
/// count), touchpoints (what later conversions are attributed to), credits, goal hits without a
/// session. The pipeline's sinks can't throw, so the first error is kept and thrown by `check`.
final class StateRecorder {
    let db: Database
    let dims: StateDimensions
    /// This run's number: touchpoints of earlier runs are `history`, never this run's.
    let run: Int64
    var zone: ReportTimeZone
    /// Goal names by the run's goal index.
    var goalNames: [String]
    private(set) var failure: Error?

    init(db: Database, dims: StateDimensions, run: Int64, zone: ReportTimeZone, goalNames: [String]) {
        self.db = db
        self.dims = dims
        self.run = run
        self.zone = zone
        self.goalNames = goalNames
    }

    /// Throws the first error a sink met.
    func check() throws {
        if let failure { throw failure }
    }

    func guarded(_ body: () throws -> Void) {
        guard failure == nil else { return }
        do { try body() } catch { failure = error }
    }

    func session(_ s: Session) {
        guarded {
            let source = try dims.stateSource(s.source, db)
            let groups = try dims.stateGroups(s.source, db)
            let page = try dims.statePage(s.landingPage, db)
            let visitor = Int64(bitPattern: s.visitor)
            try db.cachedStatement(sql: """
                INSERT INTO sessions(day, visitor, channel, source_medium, duration, source, page, pageviews, bounce, engaged, start)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [zone.day(of: s.start), visitor, groups.channel, groups.sourceMedium, s.duration, source, page,
                                         s.pageviews, s.isBounce, s.isEngaged, s.start])
            try db.cachedStatement(sql: """
                INSERT INTO touchpoints(visitor, start, "end", source, page, pageviews, requests, assets, client, run)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [visitor, s.start, s.end, source, page, s.pageviews, s.pageviews + s.goalHits, s.assets,
                                         Int64(bitPattern: s.client), run])
        }
    }

    /// One model's share of one log goal's conversion.
    func credit(_ c: Attributor.Credit) {
        guarded {
            try db.cachedStatement(sql: """
                INSERT INTO credits(day, model, goal, row, source, page, share, value, lead, standby) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [zone.day(of: c.conversionTime), c.model.rawValue, goalNames[c.goal],
                                         try dims.stateSource(c.touchpoint.source, db), try dims.statePage(c.touchpoint.landingPage, db),
                                         c.share, c.value, Int64(bitPattern: c.lead), Int64(bitPattern: c.standby)])
        }
    }

    /// A log conversion's journey: its window's sessions, oldest first (`Attributor.onJourney`).
    func journey(visitor: UInt64, window: [Attributor.Touchpoint], time: Int64, goal: Int, value: Double, lead: UInt64, standby: UInt64) {
        guard !window.isEmpty else { return }
        guarded {
            var touches = ""
            for (i, t) in window.enumerated() {
                if i > 0 { touches += "," }
                touches += "\(try dims.stateSource(t.source, db)):\(try dims.statePage(t.landingPage, db))"
            }
            try db.cachedStatement(sql: "INSERT INTO journeys(day, visitor, goal, value, lead, standby, touches) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .execute(arguments: [zone.day(of: time), Int64(bitPattern: visitor), goalNames[goal], value, Int64(bitPattern: lead),
                                     Int64(bitPattern: standby), touches])
        }
    }

    /// A goal hit no session took: its conversions go to `(no session)` (under every model,
    /// stored once as model `*`), and the hit is CRM evidence.
    func sessionless(_ e: VisitEvent, goalValues: [Double], keepEvidence: Bool) {
        guarded {
            var g = e.goals
            while g != 0 {
                let i = g.trailingZeroBitCount
                try db.cachedStatement(sql: """
                    INSERT INTO credits(day, model, goal, row, source, page, share, value, lead) VALUES (?, '*', ?, 1, -1, -1, 1, ?, ?)
                    """).execute(arguments: [zone.day(of: e.time), goalNames[i], i < goalValues.count ? goalValues[i] : 0,
                                             Int64(bitPattern: e.lead)])
                g &= g - 1
            }
            try db.cachedStatement(sql: """
                INSERT INTO day_counts(day, hits, bot_hits, spam_hits, pageviews, goal_hits, sessionless) VALUES (?, 0, 0, 0, 0, 0, 1)
                ON CONFLICT(day) DO UPDATE SET sessionless = sessionless + 1
                """).execute(arguments: [zone.day(of: e.time)])
            if keepEvidence {
                try db.cachedStatement(sql: "INSERT INTO sessionless_hits(visitor, client, time) VALUES (?, ?, ?)")
                    .execute(arguments: [Int64(bitPattern: e.visitor), Int64(bitPattern: e.client), e.time])
            }
        }
    }

    /// Goal hits carrying a lead id: the earliest per id is kept, across runs.
    func leadHits(_ hits: [String: CRMEvidence.GoalHit]) throws {
        for (id, h) in hits {
            try db.execute(sql: """
                INSERT INTO lead_hits(lead_id, visitor, time) VALUES (?, ?, ?)
                ON CONFLICT(lead_id) DO UPDATE SET visitor = excluded.visitor, time = excluded.time WHERE excluded.time < lead_hits.time
                """, arguments: [id, Int64(bitPattern: h.visitor), h.time])
        }
    }
}
