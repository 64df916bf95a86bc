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

    public init() {}

    public func add(_ e: VisitEvent, sessionID: UInt64, value: Double?) {
        guard e.isPageview || e.isGoalHit else { return }
        let key = mix64(e.visitor &+ sessionID &* 0x9E37_79B9_7F4A_7C15)
        let i: Int
        if let k = index[key] {
            i = Int(k)
        } else {
            i = sessions.count
            index[key] = Int32(i)
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
        index = VisitorTable<Int32>()
    }
}
