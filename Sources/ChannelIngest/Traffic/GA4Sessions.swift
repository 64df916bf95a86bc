/// Sessions as a GA4 export defines them: one per (`user_pseudo_id`, `ga_session_id`), whatever
/// the order of the export's rows (`bq extract` writes them in no particular order).
///
/// A session's landing is its earliest page view, which gives its channel; it lasts from its
/// first to its last page view or goal event; a goal counts once, at its earliest event, with
/// that event's `value` when it has one. A session with goal events but no page view is no
/// session: its goals count under `(no session)`, as goal hits without a session do in logs.
/// Sessions are handed on, in time order, once the input has ended, so memory follows the
/// sessions in the export (a day per table), not its rows.
public final class GA4Sessions {
    private var index = VisitorTable<Int32>(capacity: 1 << 14)
    private var sessions: [Session] = []
    /// Time and arrival of each session's landing page view (.max: none yet).
    private var landing: [(time: Int64, seq: Int64)] = []
    /// Goal events of sessions that have no page view (yet), to count if none comes.
    private var goalEvents: [[VisitEvent]] = []
    public private(set) var goalHitsWithoutSession = 0
    private var keys: [UInt64] = []
    /// The latest event time added.
    public private(set) var latest: Int64 = .min

    public init() {}

    /// A session a nightly run hands to the next, whole: tomorrow's export may continue it
    /// (a GA4 session that crosses midnight is in two daily tables, with one `ga_session_id`).
    public struct Carried {
        public var key: UInt64
        public var session: Session
        public var landing: (time: Int64, seq: Int64)
        public var goalEvents: [VisitEvent]
    }

    public func add(_ e: VisitEvent, sessionID: UInt64, value: Double?) {
        guard e.isPageview || e.isGoalHit else { return }
        add(e, key: mix64(e.visitor &+ sessionID &* 0x9E37_79B9_7F4A_7C15), value: value)
    }

    private func add(_ e: VisitEvent, key: UInt64, value: Double?) {
        latest = max(latest, e.time)
        let i: Int
        if let k = index[key] {
            i = Int(k)
        } else {
            i = sessions.count
            index[key] = Int32(i)
            keys.append(key)
            sessions.append(Session(visitor: e.visitor, start: e.time, end: e.time, source: TrafficSources.direct,
                                    landingPage: -1, pageviews: 0, goalHits: 0))
            landing.append((.max, .max))
            goalEvents.append([])
        }
        var s = sessions[i]
        s.start = min(s.start, e.time)
        s.end = max(s.end, e.time)
        if e.isPageview {
            s.pageviews += 1
            if (e.time, e.seq) < landing[i] {
                landing[i] = (e.time, e.seq)
                s.landingPage = e.page
                s.source = e.origin >= 0 ? e.origin : TrafficSources.direct
            }
        }
        if e.isGoalHit {
            s.goalHits += 1
            goalEvents[i].append(e)
            var g = e.goals
            while g != 0 {
                let goal = g.trailingZeroBitCount
                if let k = s.conversions.firstIndex(where: { $0.goal == goal }) {
                    if e.time < s.conversions[k].time { s.conversions[k] = GoalReach(goal: goal, time: e.time, value: value) }
                } else {
                    s.conversions.append(GoalReach(goal: goal, time: e.time, value: value))
                    s.reached |= 1 << UInt64(goal)
                }
                g &= g - 1
            }
        }
        sessions[i] = s
    }

    /// Hands every session to `sink` in time order, and the goal events of sessions without a
    /// page view to `orphanGoal`.
    public func finish(sink: (Session) -> Void, orphanGoal: (VisitEvent) -> Void) {
        var order = Array(sessions.indices)
        order.sort { (sessions[$0].start, sessions[$0].visitor) < (sessions[$1].start, sessions[$1].visitor) }
        for i in order {
            if sessions[i].pageviews > 0 {
                sessions[i].conversions.sort { $0.time < $1.time }
                sink(sessions[i])
            } else {
                // Each goal once, as in a session: the earliest event of it.
                var seen: UInt64 = 0
                for e in goalEvents[i].sorted(by: VisitEvent.before) {
                    goalHitsWithoutSession += 1
                    var o = e
                    o.goals = e.goals & ~seen
                    seen |= e.goals
                    orphanGoal(o)
                }
            }
        }
        sessions.removeAll()
        landing.removeAll()
        goalEvents.removeAll()
        keys.removeAll()
        index = VisitorTable<Int32>()
    }

    /// A nightly run's end: sessions whose last event is at or after `cutoff` may go on in the
    /// next export and are handed back; the rest are finished.
    public func suspend(before cutoff: Int64, sink: (Session) -> Void, orphanGoal: (VisitEvent) -> Void) -> [Carried] {
        var carried: [Carried] = []
        var keep = [Bool](repeating: false, count: sessions.count)
        for i in sessions.indices where sessions[i].end >= cutoff {
            keep[i] = true
            carried.append(Carried(key: keys[i], session: sessions[i], landing: landing[i], goalEvents: goalEvents[i]))
        }
        let all = (sessions, landing, goalEvents)
        sessions = []; landing = []; goalEvents = []; keys = []
        index = VisitorTable<Int32>()
        for i in all.0.indices where !keep[i] {
            sessions.append(all.0[i]); landing.append(all.1[i]); goalEvents.append(all.2[i]); keys.append(0)
        }
        finish(sink: sink, orphanGoal: orphanGoal)
        return carried
    }

    /// Takes up sessions a previous run handed on.
    public func restore(_ carried: [Carried]) {
        for c in carried {
            index[c.key] = Int32(sessions.count)
            keys.append(c.key)
            sessions.append(c.session)
            landing.append(c.landing)
            goalEvents.append(c.goalEvents)
            latest = max(latest, c.session.end)
        }
    }
}
