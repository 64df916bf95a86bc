import Foundation

/// The few lines a one-off run prints on stdout: one row per channel with sessions, users,
/// share of sessions and engagement rate, aligned for a terminal; with goals or a CRM export,
/// conversions and conversion rate too, and with a CRM export the leads.
public enum ConsoleSummary {
    public static func render(aggregates: TrafficAggregates, stats: RunStats, outDir: String,
                              withConversions: Bool = false, withLeads: Bool = false) -> String {
        var header = ["channel", "sessions", "users", "share", "engaged"]
        if withConversions { header += ["conversions", "conv. rate"] }
        if withLeads { header += ["leads", "customers"] }
        var rows: [[String]] = []
        let total = aggregates.sessions
        for (channel, c) in aggregates.byChannel.sorted(by: { ($1.value.sessions, $0.key.name) < ($0.value.sessions, $1.key.name) }) {
            var row = [channel.name, String(c.sessions), String(c.distinctUsers), percent(c.sessions, total), percent(c.engaged, c.sessions)]
            if withConversions { row += [CSVTable.formatFixed(c.conversions, decimals: 2), percent(c.conversions, c.sessions)] }
            if withLeads {
                let l = aggregates.leads(channel)
                row += [CSVTable.formatFixed(l.leads, decimals: 2), CSVTable.formatFixed(l.customers, decimals: 2)]
            }
            rows.append(row)
        }
        var pseudoConversions = 0.0
        if withConversions {
            for p in aggregates.creditedPseudoRows {
                let c = aggregates.credited(p).conversions
                pseudoConversions += c
                var row = [p.name, "0", "0", "-", "-", CSVTable.formatFixed(c, decimals: 2), "-"]
                if withLeads {
                    let l = aggregates.leads(p)
                    row += [CSVTable.formatFixed(l.leads, decimals: 2), CSVTable.formatFixed(l.customers, decimals: 2)]
                }
                rows.append(row)
            }
        }
        var totalRow = ["total", String(total), String(aggregates.distinctVisitors), total > 0 ? "100.0%" : "-",
                        percent(aggregates.byChannel.values.reduce(0) { $0 + $1.engaged }, total)]
        if withConversions {
            let credited = aggregates.byChannel.values.reduce(0.0) { $0 + $1.conversions } + pseudoConversions
            totalRow += [CSVTable.formatFixed(credited, decimals: 2), percent(credited, total)]
        }
        if withLeads {
            let all = Channel.allCases.map { aggregates.leads($0) } + TrafficAggregates.Pseudo.allCases.map { aggregates.leads($0) }
            totalRow += [CSVTable.formatFixed(all.reduce(0) { $0 + $1.leads }, decimals: 2),
                         CSVTable.formatFixed(all.reduce(0) { $0 + $1.customers }, decimals: 2)]
        }
        rows.append(totalRow)
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in
                i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        var out = line(header) + "\n"
        for (i, r) in rows.enumerated() {
            if i == rows.count - 1 { out += String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)) + "\n" }
            out += line(r) + "\n"
        }
        out += "\n\(stats.lines) lines, \(stats.hits) hits, \(stats.botHits) bot hits, \(stats.malformed) malformed"
        out += String(format: " in %.2f s. Tables in %@/\n", stats.seconds, outDir)
        return out
    }

    static func percent(_ n: Int, _ d: Int) -> String { percent(Double(n), d) }

    static func percent(_ n: Double, _ d: Int) -> String {
        d == 0 ? "-" : String(format: "%.1f%%", n * 100 / Double(d))
    }
}
