/// Credits each conversion to the converting visitor's sessions, under every attribution model.
///
/// It keeps, per visitor, the sessions (touchpoints) of the lookback window: sessions arrive
/// here as the sessionizer closes them, a visitor's in time order, so when a session with a
/// conversion closes, every earlier session that can share the credit is already known.
/// Touchpoints older than the window are dropped as newer sessions arrive, and visitors idle
/// for longer than the window are swept, so memory follows the window, not the whole history.
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
    private var history: [UInt64: [Touchpoint]] = [:]
    private var latest: Int64 = .min
    private var sinceSweep = 0

    public init(lookbackDays: Int = 90, isDirect: @escaping (Int32) -> Bool, credit: @escaping (Credit) -> Void) {
        lookback = Int64(lookbackDays) * 86400
        self.isDirect = isDirect
        self.credit = credit
    }

    /// Visitors with touchpoints held (for tests and memory checks).
    public var visitorsHeld: Int { history.count }

    public func add(_ s: Session) {
        // No later conversion can reach further back than this session's start minus the window.
        let touchpoint = Touchpoint(start: s.start, source: s.source, landingPage: s.landingPage)
        // Mutated in place inside the dictionary: no copy of the visitor's list per session.
        history[s.visitor, default: []].record(touchpoint, keepingFrom: s.start - lookback)
        if !s.conversions.isEmpty, let h = history[s.visitor] {
            for c in s.conversions {
                let window = h.filter { $0.start >= c.time - lookback && $0.start <= c.time }
                let candidates = window.map { AttributionModel.Candidate(start: $0.start, isDirect: isDirect($0.source)) }
                for model in AttributionModel.allCases {
                    for (i, share) in model.credits(candidates, conversionTime: c.time).enumerated() where share > 0 {
                        credit(Credit(model: model, goal: c.goal, conversionTime: c.time, touchpoint: window[i], share: share))
                    }
                }
            }
        }
        if s.start > latest { latest = s.start }
        sinceSweep += 1
        if sinceSweep >= 100_000 { sweep() }
    }

    /// Forgets visitors whose last session is older than the window.
    private func sweep() {
        sinceSweep = 0
        let cutoff = latest - lookback
        history = history.filter { ($0.value.last?.start ?? .min) >= cutoff }
    }
}

extension Array where Element == Attributor.Touchpoint {
    /// Appends a touchpoint and drops those that started before `oldest`.
    mutating func record(_ t: Attributor.Touchpoint, keepingFrom oldest: Int64) {
        if let first = self.first, first.start < oldest {
            removeAll { $0.start < oldest }
        }
        append(t)
    }
}
