/// A pageview, goal hit or asset hit reduced to what sessionizing needs: a few integers.
public struct VisitEvent {
    public var time: Int64
    /// Arrival order: breaks ties between equal timestamps the way a stable sort would.
    public var seq: Int64
    public var visitor: UInt64
    /// The traffic source its campaign tags or referrer name (≥ 0), or
    /// `ReferrerClassifier.none` / `.internalHost` when it names none.
    public var origin: Int32
    /// Interned path, for landing pages.
    public var page: Int32
    public var isPageview: Bool
    /// An asset (css, image, …) loaded by a browser: it only counts toward its open session's
    /// assets (a lead-quality signal), never starts, extends or splits one. Sent only when a
    /// CRM export is read.
    public var isAsset: Bool
    /// A goal hit: it joins the open session (and counts toward engagement) even when its
    /// goals are all `superseded`.
    public var isGoalHit: Bool
    /// Goals this hit converts (bit i = goal i of `GoalRules`); 0 for none. A goal whose
    /// conversion a CRM row of the same goal stands for (its lead id is in this hit's URL) is
    /// left out, so the sale counts once.
    public var goals: UInt64
    /// Keyed hash of the client address alone (for joining CRM rows by IP); 0 when not needed.
    public var client: UInt64
    /// Nightly runs: hash of the lead id a goal hit's URL carries (0: none), so a CRM row of
    /// that lead and goal arriving on a later night can stand for the hit's conversion.
    public var lead: UInt64 = 0

    public init(time: Int64, seq: Int64, visitor: UInt64, origin: Int32, page: Int32, isPageview: Bool = true, goals: UInt64 = 0,
                isAsset: Bool = false, client: UInt64 = 0, isGoalHit: Bool? = nil) {
        self.time = time
        self.seq = seq
        self.visitor = visitor
        self.origin = origin
        self.page = page
        self.isPageview = isPageview
        self.isAsset = isAsset
        self.goals = goals
        self.client = client
        self.isGoalHit = isGoalHit ?? (goals != 0)
    }

    @inline(__always)
    static func before(_ a: VisitEvent, _ b: VisitEvent) -> Bool {
        a.time < b.time || (a.time == b.time && a.seq < b.seq)
    }
}

/// A goal reached in a session: counted once per session and goal, at its first time.
public struct GoalReach: Equatable {
    public var goal: Int
    public var time: Int64
    /// The worth an analytics event gave it (GA4's `value`); nil: the goal's configured value.
    public var value: Double? = nil
    /// Hash of the lead id in the URL of the hit that reached it (nightly runs; 0: none).
    public var lead: UInt64 = 0
    /// Nightly runs: this goal was reached first by a hit of lead `standby`, whose CRM row may
    /// still come and stand for that hit; this later hit of the session counts only then (as it
    /// would in a run that knew the row from the start).
    public var standby: UInt64 = 0
}

/// A finished session, handed to the reports.
public struct Session: Equatable {
    public var visitor: UInt64
    public var start: Int64
    public var end: Int64
    /// Traffic source id of the landing (`TrafficSources`).
    public var source: Int32
    public var landingPage: Int32
    public var pageviews: Int
    public var goalHits: Int
    /// Asset hits while the session was open (counted only when a CRM export is read).
    public var assets = 0
    /// Keyed hash of the landing's client address (0 unless CRM rows join by IP).
    public var client: UInt64 = 0
    /// Goals reached, each once, in the order reached.
    public var conversions: [GoalReach] = []
    /// The same as a mask, to test "already reached" without a search.
    public var reached: UInt64 = 0
    /// Goals that have a conversion on standby (nightly runs).
    public var standbyTaken: UInt64 = 0

    /// Records the goals of a hit at `time`, each goal once per session.
    mutating func reach(_ goals: UInt64, at time: Int64, lead: UInt64 = 0) {
        // Goals first reached by a hit carrying a lead id (nightly runs only tag them): the
        // first later hit without that lead is kept on standby, in case the lead's row comes.
        var again = goals & reached & ~standbyTaken
        while again != 0 {
            let i = again.trailingZeroBitCount
            again &= again - 1
            if let first = conversions.first(where: { $0.goal == i && $0.standby == 0 }), first.lead != 0, first.lead != lead {
                conversions.append(GoalReach(goal: i, time: time, lead: lead, standby: first.lead))
                standbyTaken |= 1 << UInt64(i)
            }
        }
        var new = goals & ~reached
        reached |= goals
        while new != 0 {
            let i = new.trailingZeroBitCount
            conversions.append(GoalReach(goal: i, time: time, lead: lead))
            new &= new - 1
        }
    }

    public var duration: Int64 { end - start }
    /// One pageview and no goal hit.
    public var isBounce: Bool { pageviews == 1 && goalHits == 0 }
    /// Lasted 10 s or more, or 2+ pageviews, or a goal hit.
    public var isEngaged: Bool { duration >= 10 || pageviews >= 2 || goalHits >= 1 }
}
