/// The answer at a glance: per channel its traffic, conversions, lead quality and money — what
/// the terminal summary prints and `report.html` shows first.
///
/// It is read from the written tables themselves (`traffic.csv`, `attribution.csv`,
/// `lead_quality.csv`, `roi.csv`), each number as the CSV writes it, so the summary, the report
/// and the spreadsheet can never disagree.
public struct Verdict {
    public struct Row: Equatable {
        public var name: String
        /// A channel (false: `(no session)`, `(not joined)`).
        public var isChannel: Bool
        public var sessions: Int?
        public var users: Int?
        public var share: Double?
        public var engagedRate: Double?
        public var conversions: Double?
        public var conversionRate: Double?
        public var value: Double?
        public var leads: Double?
        public var qualified: Double?
        public var customers: Double?
        public var spam: Double?
        /// Spam as a share of the row's leads (empty without leads).
        public var spamShare: Double?
        public var suspicious: Double?
        public var revenue: Double?
        public var cost: Double?
        public var roi: Double?
        public var costPerCustomer: Double?
    }

    /// Channels in `traffic.csv`'s order, then channels with credit or cost but no sessions,
    /// then the pseudo rows.
    public var rows: [Row] = []
    public var total: Row
    public var hasConversions: Bool
    public var hasLeads: Bool
    public var hasCosts: Bool

    public init(tables: TrafficTables) {
        let traffic = TableIndex(tables.traffic)
        let attribution = TableIndex(tables.attribution, key: { $0.text("model") == tables.aggregates.model.rawValue })
        let leads = TableIndex(tables.leadQuality)
        let roi = TableIndex(tables.roi)
        hasConversions = !tables.goalNames.isEmpty
        hasLeads = tables.hasLeads
        hasCosts = tables.costs != nil

        var names = traffic.keys
        for n in attribution.keys + roi.keys + leads.keys where !names.contains(n) { names.append(n) }
        let pseudo = Set(TrafficAggregates.Pseudo.allCases.map(\.name))
        names = names.filter { !pseudo.contains($0) } + names.filter { pseudo.contains($0) }

        for name in names {
            var r = Row(name: name, isChannel: !pseudo.contains(name))
            if let t = traffic[name] {
                r.sessions = t.int("sessions")
                r.users = t.int("users")
                r.share = t.number("share_of_sessions")
                r.engagedRate = t.number("engagement_rate")
            } else if r.isChannel {
                r.sessions = 0
                r.users = 0
            }
            if hasConversions, let a = attribution[name] {
                r.conversions = a.number("conversions")
                r.value = a.number("value")
            } else if hasConversions {
                r.conversions = 0
            }
            if let c = r.conversions, let s = r.sessions, s > 0 { r.conversionRate = c / Double(s) }
            if hasLeads, let l = leads[name] {
                r.leads = l.number("leads")
                r.qualified = l.number("qualified")
                r.customers = l.number("customers")
                r.spam = l.number("spam")
                r.spamShare = l.number("spam_rate")
                r.suspicious = l.number("suspicious")
                r.revenue = l.number("revenue")
            }
            if hasCosts, let m = roi[name] {
                r.cost = m.number("cost")
                r.roi = m.number("roi")
                r.costPerCustomer = m.number("cost_per_customer")
                r.value = m.number("value") ?? r.value
            }
            rows.append(r)
        }

        total = Row(name: "total", isChannel: false)
        var t = total
        let rows = self.rows
        func sum(_ key: KeyPath<Row, Double?>) -> Double? {
            let v = rows.compactMap { $0[keyPath: key] }
            return v.isEmpty ? nil : v.reduce(0, +)
        }
        let sessions = rows.compactMap(\.sessions).reduce(0, +)
        t.sessions = sessions
        t.users = tables.aggregates.distinctVisitors
        t.share = sessions > 0 ? 1 : nil
        let engaged = traffic.keys.compactMap { traffic[$0]?.int("engaged_sessions") }.reduce(0, +)
        t.engagedRate = sessions > 0 ? Double(engaged) / Double(sessions) : nil
        if hasConversions {
            t.conversions = sum(\.conversions)
            t.value = sum(\.value)
            if let c = t.conversions, sessions > 0 { t.conversionRate = c / Double(sessions) }
        }
        if hasLeads {
            t.leads = sum(\.leads)
            t.qualified = sum(\.qualified)
            t.customers = sum(\.customers)
            t.spam = sum(\.spam)
            t.suspicious = sum(\.suspicious)
            t.revenue = sum(\.revenue)
            if let l = t.leads, l > 0, let s = t.spam { t.spamShare = s / l }
        }
        if hasCosts {
            t.cost = sum(\.cost)
            t.value = sum(\.value)
            if let c = t.cost, c > 0 {
                t.roi = ((t.value ?? 0) - c) / c
                if let n = t.customers, n > 0 { t.costPerCustomer = c / n }
            }
        }
        total = t
    }
}

/// A written table's rows by their first column, each cell read back as the CSV writes it.
struct TableIndex {
    struct Row {
        let table: CSVTable
        let cells: [CSVTable.Cell]

        func cell(_ column: String) -> CSVTable.Cell? {
            table.columns.firstIndex(of: column).map { cells[$0] }
        }

        /// The number as written in the CSV (rounded to its decimals); nil for an empty cell.
        func number(_ column: String) -> Double? {
            guard let c = cell(column) else { return nil }
            switch c {
            case .int(let v): return Double(v)
            case .number: return Double(CSVTable.render(c))
            case .text, .empty: return nil
            }
        }

        func int(_ column: String) -> Int? {
            if case .int(let v)? = cell(column) { return v }
            return number(column).map { Int($0) }
        }

        func text(_ column: String) -> String? {
            if case .text(let s)? = cell(column) { return s }
            return nil
        }
    }

    /// Every row of `table`, in its order, readable by column name.
    static func rows(of table: CSVTable) -> [Row] {
        table.rows.map { Row(table: table, cells: $0) }
    }

    private(set) var keys: [String] = []
    private var rows: [String: Row] = [:]

    /// Indexes `table` by its first column, keeping the rows `key` accepts.
    init(_ table: CSVTable, key: (Row) -> Bool = { _ in true }) {
        for cells in table.rows {
            let row = Row(table: table, cells: cells)
            guard key(row), case .text(let name) = cells[0], rows[name] == nil else { continue }
            keys.append(name)
            rows[name] = row
        }
    }

    subscript(_ name: String) -> Row? { rows[name] }
}
