/// Builds the tables of SPEC.md from the aggregates: `traffic.csv`, `sources.csv`,
/// `landing_pages.csv`, `daily.csv`, `conversions.csv`, `attribution.csv`, `lead_quality.csv`,
/// `roi.csv` (with costs) and `bots.csv`.
///
/// Conversions are the main model's credits (fractional under shared-credit models, so written
/// with 2 decimals); they are 0 when no goal is configured. Conversions that reach no channel
/// are the rows `(no session)` and `(not joined)`, after the channels in every table with a
/// conversions column.
public struct TrafficTables {
    let aggregates: TrafficAggregates
    let paths: [String]
    let stats: RunStats
    let goalNames: [String]
    let costs: ChannelCosts?
    /// Whether CRM rows were read (`lead_quality.csv` has rows only then).
    let hasLeads: Bool
    /// Each table is made once: the CSV writer, the terminal summary and `report.html` read
    /// the same cells (and a table is not rebuilt for every row that reads it).
    private let cache = Cache()

    private final class Cache {
        var tables: [String: CSVTable] = [:]
        func table(_ name: String, _ make: () -> CSVTable) -> CSVTable {
            if let t = tables[name] { return t }
            let t = make()
            tables[name] = t
            return t
        }
    }

    /// The row for goal hits that found no session to join.
    public static let noSession = TrafficAggregates.Pseudo.noSession.name

    public init(aggregates: TrafficAggregates, paths: [String], stats: RunStats, costs: ChannelCosts? = nil, hasLeads: Bool = false) {
        self.aggregates = aggregates
        self.paths = paths
        self.stats = stats
        self.goalNames = aggregates.goalNames
        self.costs = costs
        self.hasLeads = hasLeads
    }

    static func rate(_ n: Int, _ d: Int) -> CSVTable.Cell { rate(Double(n), d) }

    static func rate(_ n: Double, _ d: Int) -> CSVTable.Cell {
        .number(d == 0 ? 0 : n / Double(d), decimals: 4)
    }

    static func count(_ n: Double) -> CSVTable.Cell { .number(n, decimals: 2) }

    public var traffic: CSVTable {
        cache.table("traffic") {
            var t = CSVTable(columns: ["channel", "sessions", "users", "pageviews", "pages_per_session", "avg_session_seconds",
                                       "bounce_rate", "engaged_sessions", "engagement_rate", "share_of_sessions"])
            let total = aggregates.sessions
            for (channel, c) in aggregates.byChannel.sorted(by: { ($1.value.sessions, $0.key.name) < ($0.value.sessions, $1.key.name) }) {
                t.append([.text(channel.name), .int(c.sessions), .int(c.distinctUsers), .int(c.pageviews),
                          .number(c.sessions == 0 ? 0 : Double(c.pageviews) / Double(c.sessions), decimals: 2),
                          .number(c.sessions == 0 ? 0 : Double(c.durationSeconds) / Double(c.sessions), decimals: 1),
                          Self.rate(c.bounces, c.sessions), .int(c.engaged), Self.rate(c.engaged, c.sessions),
                          Self.rate(c.sessions, total)])
            }
            return t
        }
    }

    public var sources: CSVTable {
        cache.table("sources") {
            var t = CSVTable(columns: ["channel", "source", "medium", "sessions", "users", "pageviews", "conversions", "conversion_rate"])
            let rows = aggregates.bySource.sorted { a, b in
                a.value.sessions != b.value.sessions ? a.value.sessions > b.value.sessions
                    : (a.key.channel.name, a.key.source, a.key.medium) < (b.key.channel.name, b.key.source, b.key.medium)
            }
            for (k, c) in rows {
                t.append([.text(k.channel.name), .text(k.source), .text(k.medium), .int(c.sessions), .int(c.distinctUsers),
                          .int(c.pageviews), Self.count(c.conversions), Self.rate(c.conversions, c.sessions)])
            }
            for row in aggregates.creditedPseudoRows {
                let c = aggregates.credited(row)
                t.append([.text(row.name), .text(row.name), .text(row.name), .int(0), .int(0), .int(0), Self.count(c.conversions), Self.rate(0, 0)])
            }
            return t
        }
    }

    public var landingPages: CSVTable {
        cache.table("landingPages") {
            var t = CSVTable(columns: ["channel", "landing_page", "sessions", "bounce_rate", "conversions"])
            let rows = aggregates.byLanding.map { (k, c) in (k.channel.name, paths[Int(k.page)], c) }
                .sorted { a, b in a.2.sessions != b.2.sessions ? a.2.sessions > b.2.sessions : (a.0, a.1) < (b.0, b.1) }
            for (channel, page, c) in rows {
                t.append([.text(channel), .text(page), .int(c.sessions), Self.rate(c.bounces, c.sessions), Self.count(c.conversions)])
            }
            for row in aggregates.creditedPseudoRows {
                t.append([.text(row.name), .text(row.name), .int(0), Self.rate(0, 0), Self.count(aggregates.credited(row).conversions)])
            }
            return t
        }
    }

    public var daily: CSVTable {
        cache.table("daily") {
            var t = CSVTable(columns: ["date", "channel", "sessions", "users", "pageviews", "conversions", "value"])
            var rows = aggregates.byDay.map { (k, c) in (k.day, k.channel.name, c, 0) }
            for (k, o) in aggregates.pseudoByDay {
                var c = TrafficAggregates.Counts()
                c.conversions = o.conversions
                c.value = o.value
                rows.append((k.day, k.row.name, c, 1 + k.row.rawValue))
            }
            // By date, then sessions, then name; the pseudo rows last in their day.
            rows.sort { a, b in
                a.0 != b.0 ? a.0 < b.0 : a.3 != b.3 ? a.3 < b.3 : a.2.sessions != b.2.sessions ? a.2.sessions > b.2.sessions : a.1 < b.1
            }
            for (day, channel, c, _) in rows {
                t.append([.text(LogTime.isoDate(days: day)), .text(channel), .int(c.sessions), .int(c.distinctUsers),
                          .int(c.pageviews), Self.count(c.conversions), .number(c.value, decimals: 2)])
            }
            return t
        }
    }

    /// A row of the per-channel tables: a channel, or a pseudo row.
    enum Row {
        case channel(Channel)
        case pseudo(TrafficAggregates.Pseudo)
    }

    /// Channels in report order (sessions descending, then name), then `(no session)` and
    /// `(not joined)` when they have conversions or leads; `extra` adds channels with no
    /// sessions and no credit (those with a cost).
    private func rowOrder(adding extra: [Channel] = []) -> [(name: String, sessions: Int, row: Row)] {
        var names = aggregates.byChannel.map { ($0.key.name, $0.value.sessions, Row.channel($0.key)) }
        for channel in Set(aggregates.creditedChannels + extra) where aggregates.byChannel[channel] == nil {
            names.append((channel.name, 0, .channel(channel)))
        }
        names.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        for row in aggregates.creditedPseudoRows { names.append((row.name, 0, .pseudo(row))) }
        return names
    }

    /// One row per channel and goal: the channel's sessions, the goal's conversions credited to
    /// it (main model), their rate per session and their value.
    public var conversions: CSVTable {
        cache.table("conversions") {
            var t = CSVTable(columns: ["channel", "goal", "sessions", "conversions", "conversion_rate", "value"])
            guard !goalNames.isEmpty else { return t }
            for (name, sessions, row) in rowOrder() {
                for (i, goal) in goalNames.enumerated() {
                    let c: TrafficAggregates.Credited
                    switch row {
                    case .channel(let ch): c = aggregates.credited(ch, goal: i)
                    case .pseudo(let p): c = aggregates.credited(p, goal: i)
                    }
                    t.append([.text(name), .text(goal), .int(sessions), Self.count(c.conversions),
                              Self.rate(c.conversions, sessions), .number(c.value, decimals: 2)])
                }
            }
            return t
        }
    }

    /// The models the run has credits of: the data-driven ones need the journeys, which a
    /// nightly report does not have.
    public var models: [AttributionModel] {
        aggregates.journeyRows != nil ? AttributionModel.allCases : AttributionModel.ruleBased
    }

    /// Every attribution model side by side: conversions and value credited to each channel.
    public var attribution: CSVTable {
        cache.table("attribution") {
            var t = CSVTable(columns: ["channel", "model", "conversions", "value"])
            guard !goalNames.isEmpty else { return t }
            for (name, _, row) in rowOrder() {
                for model in models {
                    let c: TrafficAggregates.Credited
                    switch row {
                    case .channel(let ch): c = aggregates.credited(ch, model: model)
                    case .pseudo(let p): c = aggregates.credited(p, model: model)
                    }
                    t.append([.text(name), .text(model.rawValue), Self.count(c.conversions), .number(c.value, decimals: 2)])
                }
            }
            return t
        }
    }

    private func leads(_ row: Row) -> TrafficAggregates.LeadTotals {
        switch row {
        case .channel(let ch): return aggregates.leads(ch)
        case .pseudo(let p): return aggregates.leads(p)
        }
    }

    /// A share of leads; empty when there are none (an undefined rate is not 0 %).
    static func leadRate(_ n: Double, _ leads: Double) -> CSVTable.Cell {
        leads > 0 ? .number(n / leads, decimals: 4) : .empty
    }

    /// Per channel: leads (CRM rows credited under the main model), how many became qualified
    /// (customers included: they were qualified first), customers and spam, how many the data
    /// calls suspicious, the customers' revenue, and the median days from first touch to customer.
    public var leadQuality: CSVTable {
        cache.table("leadQuality") {
            var t = CSVTable(columns: ["channel", "leads", "qualified", "customers", "spam", "suspicious", "qualified_rate",
                                       "customer_rate", "spam_rate", "suspicious_rate", "revenue", "revenue_per_lead",
                                       "median_days_to_customer"])
            guard hasLeads else { return t }
            for (name, _, row) in rowOrder() {
                let l = leads(row)
                t.append([.text(name), Self.count(l.leads), Self.count(l.qualified), Self.count(l.customers), Self.count(l.spam),
                          Self.count(l.suspicious), Self.leadRate(l.qualified, l.leads), Self.leadRate(l.customers, l.leads),
                          Self.leadRate(l.spam, l.leads), Self.leadRate(l.suspicious, l.leads), .number(l.revenue, decimals: 2),
                          l.leads > 0 ? .number(l.revenue / l.leads, decimals: 2) : .empty,
                          l.medianDaysToCustomer.map { .number($0, decimals: 1) } ?? .empty])
            }
            return t
        }
    }

    /// Per channel: its cost, the value credited to it (main model), ROI = (value − cost) / cost,
    /// and cost per lead and per customer. Without a cost (or a cost of 0) ROI is empty, never a
    /// division error; a cost with no value is −1.
    public var roi: CSVTable {
        cache.table("roi") {
            var t = CSVTable(columns: ["channel", "cost", "value", "roi", "cost_per_lead", "cost_per_customer"])
            guard let costs else { return t }
            for (name, _, row) in rowOrder(adding: Array(costs.costs.keys)) {
                var cost: Double?
                let value: Double
                switch row {
                case .channel(let ch):
                    cost = costs[ch]
                    value = aggregates.credited(ch, model: aggregates.model).value
                case .pseudo(let p):
                    value = aggregates.credited(p).value
                }
                let l = leads(row)
                func per(_ n: Double) -> CSVTable.Cell {
                    guard let cost, n > 0 else { return .empty }
                    return .number(cost / n, decimals: 2)
                }
                t.append([.text(name), cost.map { .number($0, decimals: 2) } ?? .empty, .number(value, decimals: 2),
                          cost.flatMap { $0 > 0 ? .number((value - $0) / $0, decimals: 4) : nil } ?? .empty,
                          per(l.leads), per(l.customers)])
            }
            return t
        }
    }

    /// The journeys by path (`Journeys`): converting ones (a conversion and the channels of
    /// its lookback window) and non-converting ones (a visitor who never converted), most
    /// journeys first. Empty when the run had nothing to convert (no goals, no CRM export).
    public var journeyPaths: CSVTable {
        cache.table("paths") {
            var t = CSVTable(columns: ["path", "conversions", "non_conversions", "value", "journeys"])
            let counts = aggregates.pathTransform.writesCounts
            for r in aggregates.journeyRows ?? [] {
                t.append([.text(r.path.text(counts: counts)), .int(r.conversions), .int(r.nonConversions),
                          .number(r.value.value, decimals: 2), .int(r.journeys)])
            }
            return t
        }
    }

    /// Bot hits by family, and referrer spam as its own row; shares are of all parsed hits.
    public var bots: CSVTable {
        cache.table("bots") {
            var t = CSVTable(columns: ["bot", "hits", "share_of_hits"])
            var rows = stats.botHitsByFamily.map { ($0.key, $0.value) }
            if stats.spamHits > 0 { rows.append(("referrer-spam", stats.spamHits)) }
            rows.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            for (name, hits) in rows {
                t.append([.text(name), .int(hits), Self.rate(hits, stats.hits)])
            }
            return t
        }
    }

    /// Every table with its file name.
    public var all: [(String, CSVTable)] {
        var tables = [("traffic.csv", traffic), ("sources.csv", sources), ("landing_pages.csv", landingPages),
                      ("daily.csv", daily), ("conversions.csv", conversions), ("attribution.csv", attribution),
                      ("lead_quality.csv", leadQuality), ("bots.csv", bots), ("paths.csv", journeyPaths)]
        if costs != nil { tables.append(("roi.csv", roi)) }
        return tables
    }
}
