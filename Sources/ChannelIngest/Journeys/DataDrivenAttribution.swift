/// Puts the data-driven models' credits (`markov`, `shapley`) into the tables, from the run's
/// journeys, after every journey is known: both models read all journeys at once.
///
/// Per channel the credits are the models' own (`attribution.csv`). For the tables that split
/// a channel further (sources, landing pages, goals, days: `--model markov|shapley`) each
/// converting journey's share of a channel goes to that journey's sessions of the channel,
/// equally, on the day and goal of its conversion:
/// - `shapley` gives each journey its own shares (they sum to the journey's conversions);
/// - `markov` credits channels, not journeys: a channel's conversions are spread over the
///   journeys it is on in proportion to their conversions, its value in proportion to their
///   value. A journey's Markov shares therefore need not sum to 1 (the channel totals do sum
///   to the conversions), which is what the removal effect means.
public enum DataDrivenAttribution {
    public struct Credit: Equatable {
        public var conversions: Double
        public var value: Double
    }

    /// The credits of every channel under each data-driven model, from `paths.csv`'s rows.
    public static func channelCredits(_ rows: [PathRow]) -> [AttributionModel: [Channel: Credit]] {
        let markov = MarkovAttribution.compute(rows)
        let shapley = ShapleyAttribution.credits(rows)
        var out: [AttributionModel: [Channel: Credit]] = [.markov: [:], .shapley: [:]]
        for (c, n) in markov.conversions { out[.markov]![c] = Credit(conversions: n, value: markov.value[c] ?? 0) }
        for (c, n) in shapley.conversions { out[.shapley]![c] = Credit(conversions: n, value: shapley.value[c] ?? 0) }
        return out
    }

    /// Credits `journeys` to `a`'s rows under both models. `sourceID` and `pageID` give `a`'s
    /// ids of a journey's sources and landing pages.
    static func credit(_ journeys: Journeys, into a: TrafficAggregates, sourceID: (TrafficSources.Source) -> Int32,
                       pageID: (String) -> Int32) {
        let rows = journeys.rows
        let markov = MarkovAttribution.compute(rows)
        var shapley = ShapleyAttribution(rows)
        // The conversions and value of the journeys each channel is on (Markov's spread).
        var onConversions = [Int](repeating: 0, count: Channel.allCases.count)
        var onValue = [ExactSum](repeating: ExactSum(), count: Channel.allCases.count)
        for (k, t) in journeys.converting {
            var left = k.path.channelSet
            while left != 0 {
                let c = left.trailingZeroBitCount
                left &= left - 1
                onConversions[c] += t.conversions
                onValue[c].add(t.value)
            }
        }
        // Each journey source and page once as `a`'s ids (credits are exact sums: their order
        // does not matter, nor does the order ids are given in).
        let sourceIDs = journeys.sources.map(sourceID)
        let channels = sourceIDs.map { a.channel(of: $0) }
        var pageIDs = [Int32?](repeating: nil, count: journeys.pages.count)
        var sessions: [Int] = []
        for (k, t) in journeys.converting {
            let goal = a.goalNames.firstIndex(of: k.goal) ?? 0
            let conversions = Double(t.conversions), value = t.value.value
            let set = k.path.channelSet
            let shares = shapley.shares(of: set)
            var left = set
            while left != 0 {
                let bit = left.trailingZeroBitCount
                left &= left - 1
                let c = Channel(rawValue: bit)!
                sessions.removeAll(keepingCapacity: true)
                for (i, x) in k.touches.enumerated() where channels[Int(x.source)] == c { sessions.append(i) }
                guard !sessions.isEmpty else { continue }
                let m = Double(sessions.count)
                func spread(_ model: AttributionModel, _ n: Double, _ v: Double) {
                    guard n != 0 || v != 0 else { return }
                    for i in sessions {
                        let x = k.touches[i]
                        var page: Int32 = -1
                        if x.page >= 0 {
                            page = pageIDs[Int(x.page)] ?? pageID(journeys.pages[Int(x.page)])
                            pageIDs[Int(x.page)] = page
                        }
                        a.credit(model: model, goal: goal, source: sourceIDs[Int(x.source)], page: page, day: k.day, n / m, v / m)
                    }
                }
                if let total = markov.conversions[c], onConversions[c.rawValue] > 0 {
                    let on = Double(onConversions[c.rawValue]), onV = onValue[c.rawValue].value, totalValue = markov.value[c] ?? 0
                    spread(.markov, total * conversions / on, onV != 0 ? totalValue * value / onV : totalValue * conversions / on)
                }
                if let share = shares[c] { spread(.shapley, share * conversions, share * value) }
            }
        }
        a.journeyRows = rows
    }
}
