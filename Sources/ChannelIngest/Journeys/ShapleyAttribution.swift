/// Shapley values of conversion probability, per converting journey: the counterfactual idea
/// of Google's fractribution, computed exactly.
///
/// For a set S of channels, v(S) = conversions / journeys of the journeys whose channel set is
/// exactly S (0 where there is none). A converting journey with channel set N gives each of
/// its channels i its Shapley value of v over the subsets of N,
/// φᵢ = Σ_{S ⊆ N∖{i}} |S|! (|N| − |S| − 1)! / |N|! · (v(S ∪ {i}) − v(S)),
/// negative values count as 0, and the values are scaled to sum to 1 (all 0: equal shares);
/// the journey's conversions and value are split by them. Paths have at most
/// `max_path_channels` channels, so a set has at most 2¹⁰ subsets.
///
/// Zhao et al. (2018) use a simplified value instead — the conversions of the journeys whose
/// set is *contained in* S — under which each journey's credit reduces to equal shares of its
/// channels; the exact-set value keeps what fractribution measures: how the conversion rate of
/// journeys changes with a channel added.
public struct ShapleyAttribution {
    /// (conversions, journeys) per exact channel set.
    private var rates: [UInt32: (conversions: Int, journeys: Int)] = [:]
    private var cache: [UInt32: [Channel: Double]] = [:]

    public init(_ rows: [PathRow]) {
        for r in rows where r.journeys > 0 {
            let s = r.path.channelSet
            let old = rates[s] ?? (0, 0)
            rates[s] = (old.conversions + r.conversions, old.journeys + r.journeys)
        }
    }

    /// v(S).
    public func value(of set: UInt32) -> Double {
        guard let r = rates[set], r.journeys > 0 else { return 0 }
        return Double(r.conversions) / Double(r.journeys)
    }

    /// The shares (summing to 1) of the channels of `set`.
    public mutating func shares(of set: UInt32) -> [Channel: Double] {
        if let s = cache[set] { return s }
        let members = Channel.allCases.filter { set & (1 << UInt32($0.rawValue)) != 0 }
        let n = members.count
        guard n > 0 else { return [:] }
        // v of every subset of the members, by local bit mask.
        var v = [Double](repeating: 0, count: 1 << n)
        for local in 1..<(1 << n) {
            var global: UInt32 = 0
            for k in 0..<n where local & (1 << k) != 0 { global |= 1 << UInt32(members[k].rawValue) }
            v[local] = value(of: global)
        }
        // weight[s] = s! (n − s − 1)! / n!
        var factorial = [Double](repeating: 1, count: n + 1)
        for k in 1...n { factorial[k] = factorial[k - 1] * Double(k) }
        let weight = (0..<n).map { factorial[$0] * factorial[n - $0 - 1] / factorial[n] }
        var phi = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let bit = 1 << i
            var sum = 0.0
            for s in 0..<(1 << n) where s & bit == 0 {
                sum += weight[s.nonzeroBitCount] * (v[s | bit] - v[s])
            }
            phi[i] = max(0, sum)
        }
        let total = phi.reduce(0, +)
        var out: [Channel: Double] = [:]
        for (k, c) in members.enumerated() { out[c] = total > 0 ? phi[k] / total : 1 / Double(n) }
        cache[set] = out
        return out
    }

    /// Conversions and value credited to each channel by every converting path of `rows`.
    public static func credits(_ rows: [PathRow]) -> (conversions: [Channel: Double], value: [Channel: Double]) {
        var model = ShapleyAttribution(rows)
        var conversions: [Channel: ExactSum] = [:], value: [Channel: ExactSum] = [:]
        for r in rows where r.conversions > 0 {
            for (c, share) in model.shares(of: r.path.channelSet) {
                conversions[c, default: ExactSum()].add(share * Double(r.conversions))
                value[c, default: ExactSum()].add(share * r.value.value)
            }
        }
        return (conversions.mapValues(\.value), value.mapValues(\.value))
    }
}
