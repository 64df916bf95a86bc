/// Credits each conversion to the converting visitor's sessions, under every attribution model.
///
/// It keeps the sessions (touchpoints) of the lookback window: sessions arrive here as the
/// sessionizer closes them, a visitor's in time order, so when a session with a conversion
/// closes, every earlier session that can share the credit is already known. Touchpoints live in
/// one flat array, each linking to the same visitor's previous one (no array per visitor); the
/// array is compacted as the window moves on, so memory follows the window, not the history.
///
/// CRM rows are attributed after the last session closed (`attribute(visitor:at:…)`), so the
/// touchpoints they may reach are kept from `keepFrom` on.
public final class Attributor {
    /// A session as attribution and the lead-quality checks see it: 32 bytes, since the
    /// lookback window holds one per session of the last 90 days.
    public struct Touchpoint: Equatable {
        public var start: Int64
        /// Seconds from start to end (clamped: UInt32 spans 136 years).
        private var length: UInt32
        public var source: Int32
        public var landingPage: Int32
        public var pageviews: Int32
        /// Pageviews and goal hits.
        public var requests: Int32
        /// Asset hits (css, images, …) seen while the session was open.
        public var assets: Int32

        public init(start: Int64, end: Int64, source: Int32, landingPage: Int32, pageviews: Int32, requests: Int32, assets: Int32) {
            self.start = start
            length = UInt32(clamping: max(0, end &- start))
            self.source = source
            self.landingPage = landingPage
            self.pageviews = pageviews
            self.requests = requests
            self.assets = assets
        }

        public var end: Int64 { start &+ Int64(length) }
        public var duration: Int64 { Int64(length) }
    }

    /// One model's share of one conversion, for one session.
    public struct Credit {
        public var model: AttributionModel
        public var goal: Int
        public var conversionTime: Int64
        public var touchpoint: Touchpoint
        public var share: Double
        /// This share of the conversion's value.
        public var value: Double
        /// Start of the earliest session in the window (the visitor's first touch).
        public var firstTouch: Int64
        /// Hash of the lead id in the converting hit's URL (nightly runs; 0: none).
        public var lead: UInt64 = 0
        /// Counts only once a CRM row of this lead stands for an earlier hit (`GoalReach.standby`).
        public var standby: UInt64 = 0
    }

    public let lookback: Int64
    /// Touchpoints that start at or after this time are kept until the end of the run.
    public var keepFrom: Int64 = .max
    /// A visitor's touchpoints from earlier runs (the state of nightly runs) that start at or
    /// after the given time, newest first. They all precede this run's: a visitor's sessions
    /// close in the order they start, and the last run's open session is continued here.
    public var history: ((_ visitor: UInt64, _ from: Int64) -> [Touchpoint])?
    /// Told of every conversion with its window, oldest first (empty: no session of the
    /// visitor in it): the journeys of `paths.csv` and the data-driven models (`JourneyBook`).
    public var onJourney: ((_ visitor: UInt64, _ window: [Touchpoint], _ time: Int64, _ goal: Int, _ value: Double, _ lead: UInt64, _ standby: UInt64) -> Void)?
    private let goalValues: [Double]
    private let isDirect: (Int32) -> Bool
    private let credit: (Credit) -> Void
    /// Every touchpoint kept, and the index of the same visitor's previous one (-1: none).
    private var touchpoints: [Touchpoint] = []
    private var previous: [Int32] = []
    /// Each visitor's latest touchpoint.
    private var latestOf = VisitorTable<Int32>(capacity: 1 << 14)
    private var latest: Int64 = .min
    private var compactAt: Int
    /// Scratch space reused for every conversion.
    private var window: [Touchpoint] = []
    private var candidates: [AttributionModel.Candidate] = []
    private var shares: [Double] = []
    private let minimumCompaction: Int

    /// `goalValues`: worth of one conversion of each log goal. `compactAfter`: how many
    /// touchpoints to hold before the first compaction.
    public init(lookbackDays: Int = 90, compactAfter: Int = 1 << 20, goalValues: [Double] = [],
                isDirect: @escaping (Int32) -> Bool, credit: @escaping (Credit) -> Void) {
        lookback = Int64(lookbackDays) * 86400
        compactAt = compactAfter
        minimumCompaction = compactAfter
        self.goalValues = goalValues
        self.isDirect = isDirect
        self.credit = credit
    }

    /// Visitors with touchpoints held (for tests and memory checks).
    public var visitorsHeld: Int { latestOf.count }

    public func add(_ s: Session) {
        let index = Int32(touchpoints.count)
        touchpoints.append(Touchpoint(start: s.start, end: s.end, source: s.source, landingPage: s.landingPage,
                                      pageviews: Int32(clamping: s.pageviews), requests: Int32(clamping: s.pageviews + s.goalHits),
                                      assets: Int32(clamping: s.assets)))
        previous.append(latestOf.updateValue(index, forKey: s.visitor) ?? -1)
        for c in s.conversions {
            attribute(visitor: s.visitor, at: c.time, goal: c.goal, value: c.value ?? (c.goal < goalValues.count ? goalValues[c.goal] : 0), lead: c.lead, standby: c.standby) {
                var credit = $0
                credit.lead = c.lead
                credit.standby = c.standby
                self.credit(credit)
            }
        }
        if s.start > latest { latest = s.start }
        if touchpoints.count >= compactAt { compact() }
    }

    /// A session's touchpoint without its conversions: a distributed run's merge rebuilds the
    /// touchpoints CRM rows may join from its partials (a visitor's in the order they start).
    public func add(_ t: Touchpoint, visitor: UInt64) {
        let index = Int32(touchpoints.count)
        touchpoints.append(t)
        previous.append(latestOf.updateValue(index, forKey: visitor) ?? -1)
        if t.start > latest { latest = t.start }
    }

    /// Shares a conversion of `goal` worth `value` at `time` among the visitor's sessions that
    /// started in the lookback window before it, under every model. False when there is none.
    @discardableResult
    public func attribute(visitor: UInt64, at time: Int64, goal: Int, value: Double, lead: UInt64 = 0, standby: UInt64 = 0, credit: (Credit) -> Void) -> Bool {
        window.removeAll(keepingCapacity: true)
        var reachedCutoff = false
        forEachTouchpoint(of: visitor) { t in
            guard t.start >= time - lookback else { reachedCutoff = true; return false }
            if t.start <= time { window.append(t) }
            return true
        }
        if !reachedCutoff, let history {
            for t in history(visitor, time - lookback) where t.start <= time { window.append(t) }
        }
        guard !window.isEmpty else {
            onJourney?(visitor, window, time, goal, value, lead, standby)
            return false
        }
        window.reverse()
        onJourney?(visitor, window, time, goal, value, lead, standby)
        candidates.removeAll(keepingCapacity: true)
        for t in window { candidates.append(AttributionModel.Candidate(start: t.start, isDirect: isDirect(t.source))) }
        for model in AttributionModel.ruleBased {
            model.credits(candidates, conversionTime: time, into: &shares)
            for (k, share) in shares.enumerated() where share > 0 {
                credit(Credit(model: model, goal: goal, conversionTime: time, touchpoint: window[k], share: share,
                              value: share * value, firstTouch: window[0].start))
            }
        }
        return true
    }

    /// Every visitor with touchpoints held, in no particular order.
    public func forEachVisitor(_ body: (UInt64) -> Void) {
        for e in latestOf.entries { body(e.key) }
    }

    /// The visitor's touchpoints still held, newest first, until `body` returns false.
    public func forEachTouchpoint(of visitor: UInt64, _ body: (Touchpoint) -> Bool) {
        var i = latestOf[visitor] ?? -1
        while i >= 0 {
            guard body(touchpoints[Int(i)]) else { return }
            i = previous[Int(i)]
        }
    }

    /// Drops touchpoints no later conversion can reach (older than the newest session start
    /// minus the window, and than `keepFrom`), and visitors left with none. In place: the
    /// window's arrays are the run's largest, and a second copy would double the peak.
    private func compact() {
        let cutoff = min(latest - lookback, keepFrom)
        var newIndex = [Int32](repeating: -1, count: touchpoints.count)
        var kept = 0
        for i in touchpoints.indices where touchpoints[i].start >= cutoff {
            // A touchpoint's previous one is always earlier in the array, so it has its new
            // index already; writing at `kept` <= i only overwrites entries already moved.
            let p = previous[i]
            newIndex[i] = Int32(kept)
            touchpoints[kept] = touchpoints[i]
            previous[kept] = p >= 0 ? newIndex[Int(p)] : -1
            kept += 1
        }
        touchpoints.removeLast(touchpoints.count - kept)
        previous.removeLast(previous.count - kept)
        latestOf.updateAll { newIndex[Int($0)] >= 0 ? newIndex[Int($0)] : nil }
        // A quarter as many again as are kept before the next pass, and no more room than
        // that (an array left to grow by doubling would reserve up to twice as much). A pass
        // costs one sweep of the window, so passes a quarter of a window apart stay cheap.
        compactAt = max(minimumCompaction, kept + kept / 4)
        touchpoints.reserveCapacity(compactAt)
        previous.reserveCapacity(compactAt)
    }
}
