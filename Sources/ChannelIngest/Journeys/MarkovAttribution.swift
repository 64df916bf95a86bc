/// The first-order Markov model of attribution, by removal effect (Anderl et al., 2016; the
/// `markov_model` of the ChannelAttribution package with `order = 1`).
///
/// The journeys are a chain over `start`, the channels, `conversion` and `null`: every path
/// `A > B` with c conversions and n non-conversions adds c + n to the transitions start→A and
/// A→B, c to B→conversion and n to B→null. P is the probability of reaching `conversion` from
/// `start`; removing a channel sends every transition into it to `null`, and its removal effect
/// is 1 − P(without it) / P. Credits are the removal effects scaled to sum to the conversions.
/// Value is credited likewise by the removal effects of the expected value: a conversion's
/// value is earned on the transition into `conversion` from its path's last channel, so a
/// channel that closes the valuable journeys loses more value than conversions when removed
/// (ChannelAttribution's `total_conversion_value` is this quantity, simulated).
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
        /// Removal effect of each channel on the expected value.
        public var valueRemovalEffects: [Channel: Double]
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
        // Value earned on entering `conversion` from each state.
        var valueFrom = [ExactSum](repeating: ExactSum(), count: n)
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
            valueFrom[from].add(r.value)
            totalConversions += r.conversions
            totalValue.add(r.value)
        }
        let earned = (0..<n).map { counts[$0][n] }
        let worth = valueFrom.map(\.value)
        let p = absorbed(counts, reward: earned, removed: nil)
        let v = absorbed(counts, reward: worth, removed: nil)
        var effects: [Channel: Double] = [:], valueEffects: [Channel: Double] = [:]
        for (i, c) in channels.enumerated() {
            effects[c] = p > 0 ? max(0, 1 - absorbed(counts, reward: earned, removed: i + 1) / p) : 0
            valueEffects[c] = v > 0 ? max(0, 1 - absorbed(counts, reward: worth, removed: i + 1) / v) : 0
        }
        let sum = channels.reduce(0.0) { $0 + effects[$1]! }
        let valueSum = channels.reduce(0.0) { $0 + valueEffects[$1]! }
        var conversions: [Channel: Double] = [:], value: [Channel: Double] = [:]
        for c in channels {
            conversions[c] = sum > 0 ? effects[c]! / sum * Double(totalConversions) : 0
            value[c] = valueSum > 0 ? valueEffects[c]! / valueSum * totalValue.value : 0
        }
        return Result(conversionProbability: min(1, p), removalEffects: effects, valueRemovalEffects: valueEffects,
                      conversions: conversions, value: value)
    }

    /// What a walk from start earns before it is absorbed, when entering `conversion` from
    /// state i earns `reward[i]` per visit (its count of conversions: P(conversion); its value:
    /// the expected value), with transient state `removed` (if any) sending every walk to null:
    /// x = Q x + r with x_removed = 0, solved by Gaussian elimination with partial pivoting.
    static func absorbed(_ counts: [[Double]], reward: [Double], removed: Int?) -> Double {
        let n = counts.count
        // Rows of (I − Q | r).
        var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for i in 0..<n {
            a[i][i] = 1
            let total = counts[i].reduce(0, +)
            guard i != removed, total > 0 else { continue }
            for j in 0..<n where j != removed { a[i][j] -= counts[i][j] / total }
            a[i][n] = reward[i] / total
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
        return max(0, a[0][n])
    }
}
