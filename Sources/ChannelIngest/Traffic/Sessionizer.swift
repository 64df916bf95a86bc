/// Groups each visitor's pageviews into sessions, exactly as SPEC.md defines them, while
/// holding only what is still open.
///
/// Events arrive roughly in time order (servers log at request end; several files interleave).
/// They wait in a reorder heap until the caller's watermark says no earlier event can still
/// come, then are applied in (time, arrival) order, so the result equals that of the same
/// hits sorted. A session is closed, handed to `sink` and forgotten as soon as the applied time
/// passes its last hit by more than the timeout: memory follows active visitors, not lines.
public final class Sessionizer {
    public let timeout: Int64
    private let sink: (Session) -> Void
    private let orphanGoal: (VisitEvent) -> Void
    private var heap = EventHeap()
    private var open = VisitorTable<Session>(capacity: 1 << 14)
    /// (visitor, time of last hit) in applied order; stale entries are skipped lazily.
    private var expiry: [(visitor: UInt64, last: Int64)] = []
    private var expiryHead = 0
    /// The latest time applied so far.
    public private(set) var appliedTime: Int64 = .min
    /// Events that arrived after later ones were already applied (more out of order than the
    /// reorder window allows); they are applied as they come.
    public private(set) var lateEvents = 0
    /// Goal hits with no open session (reported as `(no session)`).
    public private(set) var goalHitsWithoutSession = 0

    /// `sink` gets every closed session; `orphanGoal` every goal hit that found no open session.
    public init(timeout: Int64 = 1800, maxBuffered: Int = 1 << 21, sink: @escaping (Session) -> Void,
                orphanGoal: @escaping (VisitEvent) -> Void = { _ in }) {
        self.timeout = timeout
        self.maxBuffered = maxBuffered
        self.sink = sink
        self.orphanGoal = orphanGoal
    }

    public var buffered: Int { heap.count }

    /// At most this many events wait for the watermark. Lines whose time stands still (a
    /// broken clock, a replayed burst, a bomb of one repeated line) would otherwise wait all
    /// together: past the cap the earliest waiting event is applied, so memory stays bounded
    /// and the order stays exact unless lines are out of order by more than the cap.
    public let maxBuffered: Int

    @inline(__always)
    public func push(_ e: VisitEvent) {
        heap.push(e)
        if heap.count > maxBuffered { apply(heap.pop()!) }
    }

    /// Applies every buffered event earlier than `watermark`.
    public func advance(to watermark: Int64) {
        while let m = heap.min, m.time < watermark {
            apply(heap.pop()!)
        }
    }

    /// Applies everything and closes every session (end of input).
    public func finish() {
        while let e = heap.pop() { apply(e) }
        for (_, s) in open.entries.sorted(by: { ($0.value.start, $0.key) < ($1.value.start, $1.key) }) { sink(s) }
        open = VisitorTable<Session>()
        expiry.removeAll()
        expiryHead = 0
    }

    /// The end of a nightly run's input: applies every event earlier than `watermark` (the
    /// files' next lines can't come before it), then hands back what is still open — the
    /// sessions that may continue and the events that may still be reordered — without closing
    /// anything. The next run `restore`s them and goes on as if the input had never paused.
    public func suspend(before watermark: Int64) -> (open: [Session], pending: [VisitEvent]) {
        advance(to: watermark)
        let sessions = open.entries.map(\.value).sorted { ($0.start, $0.visitor) < ($1.start, $1.visitor) }
        var pending: [VisitEvent] = []
        while let e = heap.pop() { pending.append(e) }
        open = VisitorTable<Session>()
        expiry.removeAll()
        expiryHead = 0
        return (sessions, pending)
    }

    /// Takes up what a previous run `suspend`ed. Its pending events keep their order before
    /// this run's events of the same second (they arrived first): their `seq` must be below
    /// every seq this run hands out (the caller makes them negative).
    public func restore(open sessions: [Session], pending: [VisitEvent], appliedTime: Int64) {
        for s in sessions.sorted(by: { ($0.end, $0.visitor) < ($1.end, $1.visitor) }) {
            open[s.visitor] = s
            expiry.append((s.visitor, s.end))
        }
        for e in pending { heap.push(e) }
        self.appliedTime = max(self.appliedTime, appliedTime)
    }

    /// The start of every open session (no order): sessions closed from now on start at one
    /// of these, or at or after `appliedTime` unless an event comes late.
    public func forEachOpenStart(_ body: (Int64) -> Void) {
        open.forEachValue { body($0.start) }
    }

    /// What a hit did to its visitor's open session.
    private enum Continuation {
        case continued(moved: Bool, end: Int64)
        /// Past the timeout, or a new campaign: the session ends before this hit.
        case ended
        /// An asset hit, counted or not.
        case asset
    }

    private func apply(_ e: VisitEvent) {
        if e.time < appliedTime { lateEvents += 1 } else { appliedTime = e.time }
        closeExpired(before: appliedTime)
        let timeout = self.timeout
        // The open session is changed where it is (`modify`), not copied out and back.
        let outcome = open.modify(e.visitor) { s -> Continuation in
            if e.isAsset {
                if e.time - s.end <= timeout { s.assets += 1 }
                return .asset
            }
            let gap = e.time - s.end
            let newCampaign = e.isPageview && e.origin >= 0 && e.origin != s.source
            if gap > timeout || newCampaign { return .ended }
            // The expiry queue needs an entry only when the session's end moves: a visitor
            // sending thousands of hits in one second must not grow it per hit.
            let moved = e.time > s.end
            if moved { s.end = e.time }
            if e.isPageview { s.pageviews += 1 }
            if e.isGoalHit {
                s.goalHits += 1
                s.reach(e.goals, at: e.time, lead: e.lead)
            }
            return .continued(moved: moved, end: s.end)
        }
        switch outcome {
        case .asset:
            return
        case .continued(let moved, let end):
            if moved { expiry.append((e.visitor, end)) }
        case .ended:
            if let s = open[e.visitor] { sink(s) }
            open[e.visitor] = nil
            start(e)
        case nil:
            // No open session: an asset hit alone is not counted.
            if !e.isAsset { start(e) }
        }
    }

    private func start(_ e: VisitEvent) {
        guard e.isPageview else {
            goalHitsWithoutSession += 1
            orphanGoal(e)
            return
        }
        let source = e.origin >= 0 ? e.origin : TrafficSources.direct
        var s = Session(visitor: e.visitor, start: e.time, end: e.time, source: source,
                        landingPage: e.page, pageviews: 1, goalHits: 0)
        s.client = e.client
        if e.isGoalHit {
            s.goalHits = 1
            s.reach(e.goals, at: e.time, lead: e.lead)
        }
        open[e.visitor] = s
        expiry.append((e.visitor, e.time))
    }

    /// Closes sessions whose last hit is more than `timeout` before `now`: no later event can
    /// continue them.
    private func closeExpired(before now: Int64) {
        while expiryHead < expiry.count {
            let (v, last) = expiry[expiryHead]
            guard now - last > timeout else { break }
            expiryHead += 1
            if let s = open[v], s.end == last {
                sink(s)
                open[v] = nil
            }
        }
        if expiryHead > 65_536 && expiryHead * 2 > expiry.count {
            expiry.removeFirst(expiryHead)
            expiryHead = 0
        }
    }
}
