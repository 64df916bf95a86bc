/// Credits each conversion to the converting visitor's sessions, under every attribution model.
///
/// It keeps the sessions (touchpoints) of the lookback window: sessions arrive here as the
/// sessionizer closes them, a visitor's in time order, so when a session with a conversion
/// closes, every earlier session that can share the credit is already known. Touchpoints live in
/// one flat array, each linking to the same visitor's previous one (no array per visitor); the
/// array is compacted as the window moves on, so memory follows the window, not the history.
public final class Attributor {
    public struct Touchpoint: Equatable {
        public var start: Int64
        public var source: Int32
        public var landingPage: Int32
    }

    /// One model's share of one conversion, for one session.
    public struct Credit {
        public var model: AttributionModel
        public var goal: Int
        public var conversionTime: Int64
        public var touchpoint: Touchpoint
        public var share: Double
    }

    public let lookback: Int64
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
    private let minimumCompaction: Int

    /// `compactAfter`: how many touchpoints to hold before the first compaction.
    public init(lookbackDays: Int = 90, compactAfter: Int = 1 << 20, isDirect: @escaping (Int32) -> Bool, credit: @escaping (Credit) -> Void) {
        lookback = Int64(lookbackDays) * 86400
        compactAt = compactAfter
        minimumCompaction = compactAfter
        self.isDirect = isDirect
        self.credit = credit
    }

    /// Visitors with touchpoints held (for tests and memory checks).
    public var visitorsHeld: Int { latestOf.count }

    public func add(_ s: Session) {
        let index = Int32(touchpoints.count)
        touchpoints.append(Touchpoint(start: s.start, source: s.source, landingPage: s.landingPage))
        previous.append(latestOf.updateValue(index, forKey: s.visitor) ?? -1)
        for c in s.conversions {
            // Walk back through the visitor's touchpoints inside the window.
            window.removeAll(keepingCapacity: true)
            var i = index
            while i >= 0, touchpoints[Int(i)].start >= c.time - lookback {
                if touchpoints[Int(i)].start <= c.time { window.append(touchpoints[Int(i)]) }
                i = previous[Int(i)]
            }
            window.reverse()
            candidates.removeAll(keepingCapacity: true)
            for t in window { candidates.append(AttributionModel.Candidate(start: t.start, isDirect: isDirect(t.source))) }
            for model in AttributionModel.allCases {
                for (k, share) in model.credits(candidates, conversionTime: c.time).enumerated() where share > 0 {
                    credit(Credit(model: model, goal: c.goal, conversionTime: c.time, touchpoint: window[k], share: share))
                }
            }
        }
        if s.start > latest { latest = s.start }
        if touchpoints.count >= compactAt { compact() }
    }

    /// Drops touchpoints no later conversion can reach (older than the newest session start
    /// minus the window), and visitors left with none.
    private func compact() {
        let cutoff = latest - lookback
        var newIndex = [Int32](repeating: -1, count: touchpoints.count)
        var kept: [Touchpoint] = []
        var keptPrevious: [Int32] = []
        kept.reserveCapacity(touchpoints.count / 2)
        for (i, t) in touchpoints.enumerated() where t.start >= cutoff {
            newIndex[i] = Int32(kept.count)
            kept.append(t)
            let p = previous[i]
            keptPrevious.append(p >= 0 ? newIndex[Int(p)] : -1)
        }
        var moved = VisitorTable<Int32>(capacity: latestOf.count)
        for (visitor, old) in latestOf.entries where newIndex[Int(old)] >= 0 { moved[visitor] = newIndex[Int(old)] }
        latestOf = moved
        touchpoints = kept
        previous = keptPrevious
        compactAt = max(minimumCompaction, 2 * kept.count)
    }
}
