/// The first-order Markov model of attribution, by removal effect (Anderl et al., 2016; the
/// `markov_model` of the ChannelAttribution package with `order = 1`).
///
/// The journeys are a chain over `start`, the channels, `conversion` and `null`: every path
/// `A > B` with c conversions and n non-conversions adds c + n to the transitions start→A and
/// A→B, c to B→conversion and n to B→null. P is the probability of reaching `conversion` from
/// `start`; removing a channel sends every transition into it to `null`, and its removal effect
/// is 1 − P(without it) / P. Credits are the removal effects scaled to sum to the conversions
/// (and to the value).
///
/// ChannelAttribution estimates P by simulating journeys through the chain; here each P is
/// the exact solution of the absorbing chain's linear system (one unknown per channel, at most
/// 21), so the credits are the same on every run and every split of the data.
public enum MarkovAttribution {
    public struct Result: Equatable {
        /// P(conversion) of the whole chain.
        public var conversionProbability: Double
        /// Removal effect of each channel on a path.
        public var removalEffects: [Channel: Double]
        /// The conversions and value credited to each channel.
        public var conversions: [Channel: Double]
        public var value: [Channel: Double]
    }

    public static func compute(_ rows: [PathRow]) -> Result {
        // Transient states: 0 is start, then each channel seen, in channel order.
        var channels: [Channel] = []
        var seen = Set<Channel>()
        for r in rows where r.journeys > 0 { for c in r.path.channels where seen.insert(c).inserted { channels.append(c) } }
        channels.sort()
        let n = channels.count + 1
        var index = [Int](repeating: -1, count: Channel.allCases.count)
        for (i, c) in channels.enumerated() { index[c.rawValue] = i + 1 }
        // counts[i][j] for j < n a transient state, n conversion, n + 1 null.
        var counts = [[Double]](repeating: [Double](repeating: 0, count: n + 2), count: n)
        var totalConversions = 0
        var totalValue = ExactSum()
        for r in rows where r.journeys > 0 {
            let w = Double(r.journeys)
            var from = 0
            for c in r.path.channels {
                let to = index[c.rawValue]
                counts[from][to] += w
                from = to
            }
            counts[from][n] += Double(r.conversions)
            counts[from][n + 1] += Double(r.nonConversions)
            totalConversions += r.conversions
            totalValue.add(r.value)
        }
        let p = conversionProbability(counts, removed: nil)
        var effects: [Channel: Double] = [:]
        for (i, c) in channels.enumerated() {
            effects[c] = p > 0 ? max(0, 1 - conversionProbability(counts, removed: i + 1) / p) : 0
        }
        let sum = channels.reduce(0.0) { $0 + effects[$1]! }
        var conversions: [Channel: Double] = [:], value: [Channel: Double] = [:]
        for c in channels {
            let share = sum > 0 ? effects[c]! / sum : 0
            conversions[c] = share * Double(totalConversions)
            value[c] = share * totalValue.value
        }
        return Result(conversionProbability: p, removalEffects: effects, conversions: conversions, value: value)
    }

    /// P(conversion) from start, with transient state `removed` (if any) absorbing into null:
    /// x = Q x + r with x_removed = 0, solved by Gaussian elimination with partial pivoting.
    static func conversionProbability(_ counts: [[Double]], removed: Int?) -> Double {
        let n = counts.count
        // Rows of (I − Q | r).
        var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for i in 0..<n {
            a[i][i] = 1
            let total = counts[i].reduce(0, +)
            guard i != removed, total > 0 else { continue }
            for j in 0..<n where j != removed { a[i][j] -= counts[i][j] / total }
            a[i][n] = counts[i][n] / total
        }
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(col + 1, n) where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
            guard abs(a[pivot][col]) > 1e-300 else { continue }
            if pivot != col { a.swapAt(pivot, col) }
            let d = a[col][col]
            for k in col...n { a[col][k] /= d }
            for r in 0..<n where r != col && a[r][col] != 0 {
                let f = a[r][col]
                for k in col...n { a[r][k] -= f * a[col][k] }
            }
        }
        return min(1, max(0, a[0][n]))
    }
}
