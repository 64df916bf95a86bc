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
            for c in Set(k.path.channels) {
                onConversions[c.rawValue] += t.conversions
                onValue[c.rawValue].add(t.value)
            }
        }
        // In a fixed order, so the same journeys give the same ids (and bits) every time.
        let ordered = journeys.converting.sorted { a, b in
            a.key.path != b.key.path ? a.key.path < b.key.path
                : a.key.day != b.key.day ? a.key.day < b.key.day
                : a.key.goal != b.key.goal ? a.key.goal < b.key.goal
                : a.key.touches.lexicographicallyPrecedes(b.key.touches) { ($0.source.source, $0.source.medium, $0.source.campaign, $0.page) < ($1.source.source, $1.source.medium, $1.source.campaign, $1.page) }
        }
        for (k, t) in ordered {
            let goal = a.goalNames.firstIndex(of: k.goal) ?? 0
            let touches = k.touches.map { (source: sourceID($0.source), page: pageID($0.page)) }
            let channelOf = touches.map { a.channel(of: $0.source) }
            let conversions = Double(t.conversions), value = t.value.value
            let pathChannels = Set(k.path.channels)
            let shares = shapley.shares(of: k.path.channelSet)
            for c in Channel.allCases where pathChannels.contains(c) {
                let sessions = channelOf.indices.filter { channelOf[$0] == c }
                guard !sessions.isEmpty else { continue }
                var credits: [(AttributionModel, Double, Double)] = []
                if let total = markov.conversions[c], onConversions[c.rawValue] > 0 {
                    let n = total * conversions / Double(onConversions[c.rawValue])
                    let totalValue = markov.value[c] ?? 0, on = onValue[c.rawValue].value
                    credits.append((.markov, n, on != 0 ? totalValue * value / on : totalValue * conversions / Double(onConversions[c.rawValue])))
                }
                if let share = shares[c] { credits.append((.shapley, share * conversions, share * value)) }
                let m = Double(sessions.count)
                for (model, n, v) in credits where n != 0 || v != 0 {
                    for i in sessions {
                        a.credit(model: model, goal: goal, source: touches[i].source, page: touches[i].page, day: k.day, n / m, v / m)
                    }
                }
            }
        }
        a.journeyRows = rows
    }
}
