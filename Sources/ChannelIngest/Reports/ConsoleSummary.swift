import Foundation

/// The table a one-off run prints on stdout: the verdict per channel — traffic, and when the
/// run has them conversions, leads (with their spam share), revenue and what each channel cost
/// and returned — aligned for a terminal and no wider than `width`: the least important columns
/// go first, before anything wraps. The last line says where the tables and the report are.
public enum ConsoleSummary {
    struct Column {
        var title: String
        /// Lower goes first when the table is too wide.
        var keep: Int
        var value: (Verdict.Row) -> String?
    }

    static func columns(_ v: Verdict) -> [Column] {
        let pct: (Double?) -> String? = { $0.map(HumanNumbers.percent) }
        let cnt: (Double?) -> String? = { $0.map(HumanNumbers.count) }
        var c = [Column(title: "sessions", keep: 100) { $0.sessions.map(HumanNumbers.count) },
                 Column(title: "users", keep: 1) { $0.users.map(HumanNumbers.count) },
                 Column(title: "share", keep: 3) { pct($0.share) },
                 Column(title: "engaged", keep: 2) { pct($0.engagedRate) }]
        if v.hasConversions || v.hasLeads {
            c += [Column(title: "conversions", keep: 90) { cnt($0.conversions) },
                  Column(title: "conv. rate", keep: 5) { pct($0.conversionRate) }]
        }
        if v.hasLeads {
            c += [Column(title: "leads", keep: 40) { cnt($0.leads) },
                  Column(title: "spam", keep: 30) { pct($0.spamShare) },
                  Column(title: "customers", keep: 80) { cnt($0.customers) },
                  Column(title: "revenue", keep: 4) { $0.revenue.map(HumanNumbers.money) }]
        }
        if v.hasCosts {
            c += [Column(title: "cost", keep: 60) { $0.cost.map(HumanNumbers.money) },
                  Column(title: "ROI", keep: 70) { pct($0.roi) },
                  Column(title: "cost/customer", keep: 50) { $0.costPerCustomer.map(HumanNumbers.money) }]
        }
        return c
    }

    public static func render(verdict: Verdict, stats: RunStats, outDir: String, report: String?, width: Int = 120) -> String {
        var columns = columns(verdict)
        let rows = verdict.rows + [verdict.total]
        func cells(_ cols: [Column]) -> [[String]] {
            [["channel"] + cols.map(\.title)] + rows.map { r in [r.name] + cols.map { $0.value(r) ?? "-" } }
        }
        func widths(_ table: [[String]]) -> [Int] {
            (0..<table[0].count).map { i in table.map { $0[i].count }.max() ?? 0 }
        }
        var table = cells(columns)
        var w = widths(table)
        while w.reduce(0, +) + 2 * (w.count - 1) > width, let drop = columns.indices.min(by: { columns[$0].keep < columns[$1].keep }),
              columns.count > 1 {
            columns.remove(at: drop)
            table = cells(columns)
            w = widths(table)
        }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in
                i == 0 ? c.padding(toLength: w[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: w[i] - c.count) + c
            }.joined(separator: "  ")
        }
        var out = ""
        for (i, r) in table.enumerated() {
            if i == table.count - 1 { out += String(repeating: "-", count: w.reduce(0, +) + 2 * (w.count - 1)) + "\n" }
            out += line(r) + "\n"
        }
        let n = HumanNumbers.count as (Int) -> String
        out += "\n\(n(stats.lines)) lines, \(n(stats.hits)) hits, \(n(stats.botHits)) bot hits, \(n(stats.malformed)) malformed"
        out += String(format: " in %.2f s.\n", stats.seconds)
        let dir = outDir.hasSuffix("/") ? outDir : outDir + "/"
        out += report.map { "Tables in \(dir), the report in \(dir)\($0)\n" } ?? "Tables in \(dir)\n"
        return out
    }
}
