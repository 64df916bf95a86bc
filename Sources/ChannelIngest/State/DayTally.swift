import Foundation
import GRDB

/// Hits, bot hits and the like per day, for `bots.csv` and `summary.json` of any range.
///
/// The traffic stage counts per run; a day's share is what its counters moved while the hits
/// were of that day. The day is looked up only when a hit's time leaves the current day's
/// bounds, so this costs a comparison per hit.
struct DayTally {
    struct Counts {
        var hits = 0, botHits = 0, spamHits = 0, pageviews = 0, goalHits = 0
        var bots: [Int] = []
    }

    private(set) var days: [Int64: Counts] = [:]
    private var day: Int64 = .min
    private var dayStart: Int64 = .max
    private var dayEnd: Int64 = .min
    private var hits = 0
    private var snapshot = Counts()
    var zone: ReportTimeZone

    init(zone: ReportTimeZone) { self.zone = zone }

    /// Called with every hit before the traffic stage sees it.
    @inline(__always)
    mutating func hit(at time: Int64, stage: TrafficStage) {
        if time < dayStart || time >= dayEnd { switchDay(time, stage: stage) }
        hits += 1
    }

    private mutating func switchDay(_ time: Int64, stage: TrafficStage) {
        flush(stage: stage)
        day = zone.day(of: time)
        // The day's bounds in UTC seconds: found by stepping, since DST days are 23 or 25 h.
        var s = time - ((time % 3600) + 3600) % 3600
        while zone.day(of: s - 1) == day { s -= 3600 }
        while zone.day(of: s) != day { s += 60 }
        var e = s + 23 * 3600
        while zone.day(of: e) == day { e += 3600 }
        while zone.day(of: e - 60) != day { e -= 60 }
        dayStart = s
        dayEnd = e
    }

    /// Credits what the stage counted since the last flush to the current day.
    mutating func flush(stage: TrafficStage) {
        let now = Counts(hits: hits, botHits: 0, spamHits: stage.spamHits, pageviews: stage.pageviews,
                         goalHits: stage.goalHits, bots: stage.botHits)
        defer { snapshot = now }
        guard day != .min else { return }
        var c = days[day] ?? Counts(bots: [Int](repeating: 0, count: now.bots.count))
        c.hits += now.hits - snapshot.hits
        c.spamHits += now.spamHits - snapshot.spamHits
        c.pageviews += now.pageviews - snapshot.pageviews
        c.goalHits += now.goalHits - snapshot.goalHits
        for i in now.bots.indices {
            let d = now.bots[i] - (i < snapshot.bots.count ? snapshot.bots[i] : 0)
            c.bots[i] += d
            c.botHits += d
        }
        days[day] = c
    }

    /// Adds the days to the state.
    func save(families: [String], _ db: Database) throws {
        for (day, c) in days {
            try db.execute(sql: """
                INSERT INTO day_counts(day, hits, bot_hits, spam_hits, pageviews, goal_hits) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(day) DO UPDATE SET hits = hits + excluded.hits, bot_hits = bot_hits + excluded.bot_hits,
                    spam_hits = spam_hits + excluded.spam_hits, pageviews = pageviews + excluded.pageviews,
                    goal_hits = goal_hits + excluded.goal_hits
                """, arguments: [day, c.hits, c.botHits, c.spamHits, c.pageviews, c.goalHits])
            for (i, n) in c.bots.enumerated() where n > 0 {
                try db.execute(sql: """
                    INSERT INTO day_bots(day, family, hits) VALUES (?, ?, ?)
                    ON CONFLICT(day, family) DO UPDATE SET hits = hits + excluded.hits
                    """, arguments: [day, families[i], n])
            }
        }
    }
}
