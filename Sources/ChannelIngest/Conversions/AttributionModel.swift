import Foundation

/// How a conversion's credit is shared among the visitor's sessions in the lookback window
/// (SPEC.md "Attribution"). Credits are fractions that sum to 1 for each conversion.
public enum AttributionModel: String, CaseIterable, Sendable {
    case lastNonDirect = "last-non-direct"
    case last
    case first
    case linear
    case position
    case timeDecay = "time-decay"
    /// Data-driven (`DataDrivenAttribution`): worked out from every journey of the run at once,
    /// not conversion by conversion, so the attributor never calls `credits` for them.
    case markov
    case shapley

    /// The models that share each conversion among its sessions as it happens.
    public static let ruleBased: [AttributionModel] = [.lastNonDirect, .last, .first, .linear, .position, .timeDecay]
    /// The models computed from the journeys of `paths.csv`.
    public static let dataDriven: [AttributionModel] = [.markov, .shapley]

    public var isDataDriven: Bool { self == .markov || self == .shapley }

    /// The model leads are credited by in `lead_quality.csv`: the main one, or `last-non-direct`
    /// when that is data-driven (its credits are worked out per channel, not per CRM row).
    public var leadModel: AttributionModel { isDataDriven ? .lastNonDirect : self }

    /// Position in `allCases`, for flat per-model tables.
    public var index: Int {
        switch self {
        case .lastNonDirect: return 0
        case .last: return 1
        case .first: return 2
        case .linear: return 3
        case .position: return 4
        case .timeDecay: return 5
        case .markov: return 6
        case .shapley: return 7
        }
    }

    /// Half-life of `time-decay`: a session 7 days before the conversion weighs half as much.
    public static let halfLifeSeconds: Double = 7 * 86400

    /// One session the conversion may be credited to.
    public struct Candidate: Equatable {
        public var start: Int64
        public var isDirect: Bool
        public init(start: Int64, isDirect: Bool) {
            self.start = start
            self.isDirect = isDirect
        }
    }

    /// Credits for `candidates` (in time order, all within the window) for a conversion at
    /// `conversionTime`; same order as the candidates.
    public func credits(_ candidates: [Candidate], conversionTime: Int64) -> [Double] {
        var c: [Double] = []
        credits(candidates, conversionTime: conversionTime, into: &c)
        return c
    }

    /// The same into `c` (replaced; its room kept): the attributor calls this six times a
    /// conversion, and an array made each time was a fifth of what a conversion cost.
    public func credits(_ candidates: [Candidate], conversionTime: Int64, into c: inout [Double]) {
        let n = candidates.count
        c.removeAll(keepingCapacity: true)
        guard n > 0 else { return }
        c.append(contentsOf: repeatElement(0, count: n))
        switch self {
        case .last:
            c[n - 1] = 1
        case .first:
            c[0] = 1
        case .lastNonDirect:
            c[candidates.lastIndex(where: { !$0.isDirect }) ?? n - 1] = 1
        case .linear:
            for i in 0..<n { c[i] = 1 / Double(n) }
        case .position:
            if n == 1 {
                c[0] = 1
            } else if n == 2 {
                c[0] = 0.5
                c[1] = 0.5
            } else {
                c[0] = 0.4
                c[n - 1] = 0.4
                for i in 1..<(n - 1) { c[i] = 0.2 / Double(n - 2) }
            }
        case .timeDecay:
            // The weights first, summed in order, then each divided by the sum.
            var total = 0.0
            for i in 0..<n {
                let age = Double(max(0, conversionTime - candidates[i].start))
                c[i] = Foundation.pow(2, -age / Self.halfLifeSeconds)
                total += c[i]
            }
            for i in 0..<n { c[i] /= total }
        case .markov, .shapley:
            // Not per conversion: every share stays 0 (see `dataDriven`).
            break
        }
    }
}
