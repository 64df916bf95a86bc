/// Builds the tables of SPEC.md from the aggregates: `traffic.csv`, `sources.csv`,
/// `landing_pages.csv`, `daily.csv`, `conversions.csv`, `attribution.csv` and `bots.csv`.
///
/// Conversions are the main model's credits (fractional under shared-credit models, so written
/// with 2 decimals); they are 0 when no goal is configured.
public struct TrafficTables {
    let aggregates: TrafficAggregates
    let paths: [String]
    let stats: RunStats
    let goalNames: [String]

    /// The row for goal hits that found no session to join.
    public static let noSession = "(no session)"

    public init(aggregates: TrafficAggregates, paths: [String], stats: RunStats, goalNames: [String] = []) {
        self.aggregates = aggregates
        self.paths = paths
        self.stats = stats
        self.goalNames = goalNames
    }

    static func rate(_ n: Int, _ d: Int) -> CSVTable.Cell { rate(Double(n), d) }

    static func rate(_ n: Double, _ d: Int) -> CSVTable.Cell {
        .number(d == 0 ? 0 : n / Double(d), decimals: 4)
    }

    static func count(_ n: Double) -> CSVTable.Cell { .number(n, decimals: 2) }

    public var traffic: CSVTable {
        var t = CSVTable(columns: ["channel", "sessions", "users", "pageviews", "pages_per_session", "avg_session_seconds",
                                   "bounce_rate", "engaged_sessions", "engagement_rate", "share_of_sessions"])
        let total = aggregates.sessions
        for (channel, c) in aggregates.byChannel.sorted(by: { ($1.value.sessions, $0.key.name) < ($0.value.sessions, $1.key.name) }) {
            t.append([.text(channel.name), .int(c.sessions), .int(c.users.count), .int(c.pageviews),
                      .number(c.sessions == 0 ? 0 : Double(c.pageviews) / Double(c.sessions), decimals: 2),
                      .number(c.sessions == 0 ? 0 : Double(c.durationSeconds) / Double(c.sessions), decimals: 1),
                      Self.rate(c.bounces, c.sessions), .int(c.engaged), Self.rate(c.engaged, c.sessions),
                      Self.rate(c.sessions, total)])
        }
        return t
    }

    public var sources: CSVTable {
        var t = CSVTable(columns: ["channel", "source", "medium", "sessions", "users", "pageviews", "conversions", "conversion_rate"])
        let rows = aggregates.bySource.sorted { a, b in
            a.value.sessions != b.value.sessions ? a.value.sessions > b.value.sessions
                : (a.key.channel.name, a.key.source, a.key.medium) < (b.key.channel.name, b.key.source, b.key.medium)
        }
        for (k, c) in rows {
            t.append([.text(k.channel.name), .text(k.source), .text(k.medium), .int(c.sessions), .int(c.users.count),
                      .int(c.pageviews), Self.count(c.conversions), Self.rate(c.conversions, c.sessions)])
        }
        return t
    }

    public var landingPages: CSVTable {
        var t = CSVTable(columns: ["channel", "landing_page", "sessions", "bounce_rate", "conversions"])
        let rows = aggregates.byLanding.map { (k, c) in (k.channel.name, paths[Int(k.page)], c) }
            .sorted { a, b in a.2.sessions != b.2.sessions ? a.2.sessions > b.2.sessions : (a.0, a.1) < (b.0, b.1) }
        for (channel, page, c) in rows {
            t.append([.text(channel), .text(page), .int(c.sessions), Self.rate(c.bounces, c.sessions), Self.count(c.conversions)])
        }
        return t
    }

    public var daily: CSVTable {
        var t = CSVTable(columns: ["date", "channel", "sessions", "users", "pageviews", "conversions", "value"])
        var rows = aggregates.byDay.map { (k, c) in (k.day, k.channel.name, c) }
        for (day, o) in aggregates.orphanByDay {
            var c = TrafficAggregates.Counts()
            c.conversions = o.conversions
            c.value = o.value
            rows.append((day, Self.noSession, c))
        }
        rows.sort { a, b in
            a.0 != b.0 ? a.0 < b.0 : a.2.sessions != b.2.sessions ? a.2.sessions > b.2.sessions : a.1 < b.1
        }
        for (day, channel, c) in rows {
            t.append([.text(LogTime.isoDate(days: day)), .text(channel), .int(c.sessions), .int(c.users.count),
                      .int(c.pageviews), Self.count(c.conversions), .number(c.value, decimals: 2)])
        }
        return t
    }

    /// Channels in report order (sessions descending, then name), then `(no session)`.
    private var channelOrder: [(name: String, sessions: Int, channel: Channel?)] {
        var names = aggregates.byChannel.map { ($0.key.name, $0.value.sessions, Optional($0.key)) }
        for channel in aggregates.creditedChannels where aggregates.byChannel[channel] == nil {
            names.append((channel.name, 0, channel))
        }
        names.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        if !aggregates.orphanGoals.isEmpty { names.append((Self.noSession, 0, nil)) }
        return names
    }

    /// One row per channel and goal: the channel's sessions, the goal's conversions credited to
    /// it (main model), their rate per session and their value.
    public var conversions: CSVTable {
        var t = CSVTable(columns: ["channel", "goal", "sessions", "conversions", "conversion_rate", "value"])
        guard !goalNames.isEmpty else { return t }
        for (name, sessions, channel) in channelOrder {
            for (i, goal) in goalNames.enumerated() {
                let c: TrafficAggregates.Credited
                if let channel {
                    c = aggregates.credited(channel, goal: i)
                } else {
                    c = aggregates.orphanGoals[i] ?? .init()
                }
                t.append([.text(name), .text(goal), .int(sessions), Self.count(c.conversions),
                          Self.rate(c.conversions, sessions), .number(c.value, decimals: 2)])
            }
        }
        return t
    }

    /// Every attribution model side by side: conversions and value credited to each channel.
    public var attribution: CSVTable {
        var t = CSVTable(columns: ["channel", "model", "conversions", "value"])
        guard !goalNames.isEmpty else { return t }
        let orphans = aggregates.orphanGoals.values.reduce(TrafficAggregates.Credited()) { var a = $0; a.add($1.conversions, $1.value); return a }
        for (name, _, channel) in channelOrder {
            for model in AttributionModel.allCases {
                let c = channel.map { aggregates.credited($0, model: model) } ?? orphans
                t.append([.text(name), .text(model.rawValue), Self.count(c.conversions), .number(c.value, decimals: 2)])
            }
        }
        return t
    }

    /// Bot hits by family, and referrer spam as its own row; shares are of all parsed hits.
    public var bots: CSVTable {
        var t = CSVTable(columns: ["bot", "hits", "share_of_hits"])
        var rows = stats.botHitsByFamily.map { ($0.key, $0.value) }
        if stats.spamHits > 0 { rows.append(("referrer-spam", stats.spamHits)) }
        rows.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        for (name, hits) in rows {
            t.append([.text(name), .int(hits), Self.rate(hits, stats.hits)])
        }
        return t
    }

    /// Every table with its file name.
    public var all: [(String, CSVTable)] {
        [("traffic.csv", traffic), ("sources.csv", sources), ("landing_pages.csv", landingPages),
         ("daily.csv", daily), ("conversions.csv", conversions), ("attribution.csv", attribution), ("bots.csv", bots)]
    }
}
