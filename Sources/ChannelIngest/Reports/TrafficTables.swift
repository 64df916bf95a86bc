/// Builds the traffic tables of SPEC.md from the aggregates: `traffic.csv`, `sources.csv`,
/// `landing_pages.csv`, `daily.csv` and `bots.csv`.
///
/// Conversions and value are 0 until goals or a CRM export are configured (they come from the
/// conversions stage); the columns are there so the tables' shape never changes.
public struct TrafficTables {
    let aggregates: TrafficAggregates
    let paths: [String]
    let stats: RunStats

    public init(aggregates: TrafficAggregates, paths: [String], stats: RunStats) {
        self.aggregates = aggregates
        self.paths = paths
        self.stats = stats
    }

    static func rate(_ n: Int, _ d: Int) -> CSVTable.Cell {
        .number(d == 0 ? 0 : Double(n) / Double(d), decimals: 4)
    }

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
                      .int(c.pageviews), .int(c.conversions), Self.rate(c.conversions, c.sessions)])
        }
        return t
    }

    public var landingPages: CSVTable {
        var t = CSVTable(columns: ["channel", "landing_page", "sessions", "bounce_rate", "conversions"])
        let rows = aggregates.byLanding.map { (k, c) in (k.channel.name, paths[Int(k.page)], c) }
            .sorted { a, b in a.2.sessions != b.2.sessions ? a.2.sessions > b.2.sessions : (a.0, a.1) < (b.0, b.1) }
        for (channel, page, c) in rows {
            t.append([.text(channel), .text(page), .int(c.sessions), Self.rate(c.bounces, c.sessions), .int(c.conversions)])
        }
        return t
    }

    public var daily: CSVTable {
        var t = CSVTable(columns: ["date", "channel", "sessions", "users", "pageviews", "conversions", "value"])
        let rows = aggregates.byDay.sorted { a, b in
            a.key.day != b.key.day ? a.key.day < b.key.day
                : a.value.sessions != b.value.sessions ? a.value.sessions > b.value.sessions
                : a.key.channel.name < b.key.channel.name
        }
        for (k, c) in rows {
            t.append([.text(LogTime.isoDate(days: k.day)), .text(k.channel.name), .int(c.sessions), .int(c.users.count),
                      .int(c.pageviews), .int(c.conversions), .number(c.value, decimals: 2)])
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
         ("daily.csv", daily), ("bots.csv", bots)]
    }
}
