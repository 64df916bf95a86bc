/// Running totals per channel, per (channel, source, medium), per (channel, landing page) and
/// per (day, channel), fed one closed session at a time, plus the conversions the attributor
/// credits (per channel and goal, per channel and model), the leads and their quality, and the
/// rows that are no channel: `(no session)` and `(not joined)`.
///
/// `users` are distinct visitors: each visitor gets a number the first time it is seen
/// (`VisitorNumbers`, which is also the run's set of visitors) and each row keeps the numbers
/// of its users (`VisitorSet`), so memory grows with visitors, never with lines, and a long run
/// holds about one key and a few bits per visitor.
public final class TrafficAggregates {
    public struct Counts {
        public var sessions = 0
        public var pageviews = 0
        public var durationSeconds: Int64 = 0
        public var bounces = 0
        public var engaged = 0
        /// Conversions credited to these sessions (fractional under shared-credit models), and
        /// their value: exact sums, so no order of adding changes them (`ExactSum`).
        public internal(set) var exactConversions = ExactSum()
        public internal(set) var exactValue = ExactSum()
        public var conversions: Double {
            get { exactConversions.value }
            set { exactConversions = ExactSum(newValue) }
        }
        public var value: Double {
            get { exactValue.value }
            set { exactValue = ExactSum(newValue) }
        }
        var users = VisitorSet()
        /// Distinct users counted elsewhere (a report from the state counts them in SQLite),
        /// or counted already: the row of a day closed by `closeDays` keeps only its count.
        public var userCount: Int?
        public var distinctUsers: Int { userCount ?? users.count }

        /// Adds a session; `countUsers` is off where a table shows no users (landing pages),
        /// since the visitor sets are the costliest part.
        mutating func add(_ s: Session, visitor: UInt32, countUsers: Bool = true) {
            sessions += 1
            pageviews += s.pageviews
            durationSeconds += s.duration
            if s.isBounce { bounces += 1 }
            if s.isEngaged { engaged += 1 }
            guard countUsers else { return }
            if userCount == nil {
                users.insert(visitor)
            } else {
                // A session of a closed day can only come from an event later than the
                // reorder window (the run warns of those): counted as a user of its own.
                userCount! += 1
            }
        }

        /// Keeps the number of users and lets go of their keys.
        mutating func closeUsers() {
            userCount = users.count
            users = VisitorSet()
        }
    }

    public struct SourceKey: Hashable, Comparable {
        public var channel: Channel
        public var source: String
        public var medium: String
        public static func < (a: SourceKey, b: SourceKey) -> Bool {
            (a.channel, a.source, a.medium) < (b.channel, b.source, b.medium)
        }
    }

    public struct LandingKey: Hashable {
        public var channel: Channel
        public var page: Int32
    }

    public struct DayKey: Hashable {
        public var day: Int64
        public var channel: Channel
    }

    // The rows, found per session by codes made of interned integers (a channel's number, a
    // source id, a page id, a day number) rather than by hashing their keys' strings.
    var channelRows = RowTable<Channel>()
    var sourceRows = RowTable<SourceKey>()
    var landingRows = RowTable<LandingKey>()
    var dayRows = RowTable<DayKey>()
    /// Source id → the code of its (channel, source, medium) row; several ids (campaigns) can
    /// share one row.
    private var sourceCodes = VisitorTable<Int32>(capacity: 256)
    private var sourceKeyCodes: [SourceKey: Int32] = [:]

    public var byChannel: [Channel: Counts] { channelRows.dictionary }
    public var bySource: [SourceKey: Counts] { sourceRows.dictionary }
    public var byLanding: [LandingKey: Counts] { landingRows.dictionary }
    public var byDay: [DayKey: Counts] { dayRows.dictionary }

    /// Puts the counts of a row (a report from the state counts them in SQLite).
    func setCounts(_ c: Counts, channel: Channel) { channelRows[channelCode(channel), channel] = c }
    func setCounts(_ c: Counts, source: SourceKey) { sourceRows[sourceKeyCode(source), source] = c }
    func setCounts(_ c: Counts, landing: LandingKey) { landingRows[landingCode(landing.channel, landing.page), landing] = c }
    func setCounts(_ c: Counts, day: DayKey) { dayRows[dayCode(day.day, day.channel), day] = c }
    /// The run's distinct visitors, numbered.
    let visitors = VisitorNumbers()
    public internal(set) var sessions = 0
    /// Distinct visitors counted elsewhere (reports from the state).
    var visitorCount: Int?
    public var distinctVisitors: Int { visitorCount ?? visitors.count }

    /// Rows that are no channel: conversions with no session to credit, and CRM rows that
    /// joined no visitor. They sit after the channels in the flat per-row arrays.
    public enum Pseudo: Int, CaseIterable {
        case noSession, notJoined
        public var name: String { self == .noSession ? "(no session)" : "(not joined)" }
        var slot: Int { Channel.allCases.count + rawValue }
    }
    static let slotCount = Channel.allCases.count + Pseudo.allCases.count

    /// Conversions per (row, goal) under the main model, and per (row, model) under every
    /// model: flat arrays indexed by row slot, since a credit is added for every model of
    /// every conversion.
    var goalCredits: [Credited] = []
    var modelCredits = [Credited](repeating: Credited(), count: slotCount * AttributionModel.allCases.count)
    /// Leads and their quality per row slot (main model).
    var leadTotals = [LeadTotals](repeating: LeadTotals(), count: slotCount)
    /// Conversions of the pseudo rows per day.
    public internal(set) var pseudoByDay: [PseudoDayKey: Credited] = [:]

    public struct PseudoDayKey: Hashable {
        public var day: Int64
        public var row: Pseudo
    }

    /// What `model` credited to `channel`.
    public func credited(_ channel: Channel, model: AttributionModel) -> Credited {
        modelCredits[channel.rawValue * AttributionModel.allCases.count + model.index]
    }

    /// What `model` credited to a pseudo row (the same under every model).
    public func credited(_ row: Pseudo, model: AttributionModel = .lastNonDirect) -> Credited {
        modelCredits[row.slot * AttributionModel.allCases.count + model.index]
    }

    /// What the main model credited to `channel` for goal number `goal`.
    public func credited(_ channel: Channel, goal: Int) -> Credited { credited(slot: channel.rawValue, goal: goal) }

    public func credited(_ row: Pseudo, goal: Int) -> Credited { credited(slot: row.slot, goal: goal) }

    private func credited(slot: Int, goal: Int) -> Credited {
        let i = slot * goalNames.count + goal
        return i < goalCredits.count ? goalCredits[i] : Credited()
    }

    /// Leads credited to `channel` (main model).
    public func leads(_ channel: Channel) -> LeadTotals { leadTotals[channel.rawValue] }
    public func leads(_ row: Pseudo) -> LeadTotals { leadTotals[row.slot] }

    /// Channels with any credit under any model, or any lead.
    public var creditedChannels: [Channel] {
        Channel.allCases.filter { ch in
            leadTotals[ch.rawValue].leads > 0 || AttributionModel.allCases.contains { credited(ch, model: $0).conversions > 0 }
        }
    }

    /// Pseudo rows with any conversion.
    public var creditedPseudoRows: [Pseudo] {
        Pseudo.allCases.filter { credited($0).conversions > 0 || leadTotals[$0.slot].leads > 0 }
    }

    /// Conversions (each session × goal once, each goal hit without a session, each CRM row),
    /// whatever they are credited to.
    public internal(set) var conversions = 0

    public struct Credited {
        public internal(set) var exactConversions = ExactSum()
        public internal(set) var exactValue = ExactSum()
        public var conversions: Double { exactConversions.value }
        public var value: Double { exactValue.value }
    }

    /// Leads credited to a row, and what became of them; customers and their revenue.
    public struct LeadTotals {
        /// Rows of a lead type (`[crm] lead_types`), and of those: qualified or customer, spam,
        /// suspicious.
        /// Exact sums (`ExactSum`): leads, and of those qualified or customer, spam, suspicious.
        public internal(set) var exactLeads = ExactSum(), exactQualified = ExactSum(), exactCustomers = ExactSum()
        public internal(set) var exactSpam = ExactSum(), exactSuspicious = ExactSum(), exactRevenue = ExactSum()
        public var leads: Double { exactLeads.value }
        public var qualified: Double { exactQualified.value }
        /// People: each joined visitor with a customer row once (where their first customer row
        /// is credited), each customer row that joined nobody once.
        public var customers: Double { exactCustomers.value }
        public var spam: Double { exactSpam.value }
        public var suspicious: Double { exactSuspicious.value }
        /// Value of the rows with status customer (leads won, orders).
        public var revenue: Double { exactRevenue.value }
        /// (days from first touch to customer, weight) of each customer credited here.
        public var daysToCustomer: [(days: Double, weight: Double)] = []

        /// The weighted median of `daysToCustomer`; nil without customers. The same for any
        /// order of the list (a merge of partitions lists them in another order).
        public var medianDaysToCustomer: Double? {
            let d = daysToCustomer.filter { $0.weight > 0 }.sorted { ($0.days, $0.weight) < ($1.days, $1.weight) }
            var exactTotal = ExactSum()
            for x in d { exactTotal.add(x.weight) }
            guard exactTotal.units > 0 else { return nil }
            // Compared in 2⁻⁶⁴ units: cumulative × 2 against the total, exactly.
            var cumulative = ExactSum()
            for (i, x) in d.enumerated() {
                cumulative.add(x.weight)
                let twice = cumulative.units &* 2
                if twice == exactTotal.units, i + 1 < d.count { return (x.days + d[i + 1].days) / 2 }
                if twice > exactTotal.units { return x.days }
            }
            return d.last!.days
        }
    }

    /// What is known of one CRM row when it is credited.
    public struct LeadFacts {
        public var status: LeadStatus
        public var suspicious: Bool
        public var value: Double
        /// When it became a customer (only read for customers).
        public var customerTime: Int64?
        /// A row of a lead type; other rows (orders, sales) add revenue and customers only.
        public var isLead = true
        /// The customer row that makes its person a customer (the visitor's first one; every
        /// customer row that joined nobody): it counts one customer and the days to customer.
        public var countsCustomer = true
    }

    /// The model whose credits fill the main tables (`--model`).
    public var model: AttributionModel = .lastNonDirect
    /// The journeys' paths (`paths.csv`), once the data-driven models have credited them; nil
    /// when the run had no journeys to make (no goals nor CRM export, or a nightly report).
    public internal(set) var journeyRows: [PathRow]?
    /// How `paths.csv` writes repeats (`--path-transform`).
    public var pathTransform: PathTransform = .exposure
    /// Goals in table order: the configured log goals, then goals only CRM rows name.
    public var goalNames: [String] = []

    let sources: TrafficSources
    private(set) var zone: ReportTimeZone
    /// Source id → its (channel, source, medium) row, worked out once.
    private var sourceKeys: [Int32: SourceKey] = [:]

    public init(sources: TrafficSources, zone: ReportTimeZone) {
        self.sources = sources
        self.zone = zone
    }

    public func add(_ s: Session) {
        sessions += 1
        conversions += s.conversions.count
        let channel = sources.channel(s.source)
        let visitor = visitors.number(s.visitor)
        let day = zone.day(of: s.start)
        channelRows[channelCode(channel), channel].add(s, visitor: visitor)
        sourceRows[sourceCode(s.source), sourceKey(s.source)].add(s, visitor: visitor)
        landingRows[landingCode(channel, s.landingPage), LandingKey(channel: channel, page: s.landingPage)]
            .add(s, visitor: visitor, countUsers: false)
        dayRows[dayCode(day, channel), DayKey(day: day, channel: channel)].add(s, visitor: visitor)
    }

    /// Closes the daily rows of days before `time` that no session in `openStarts` started
    /// on: their users are final, so their visitor sets give way to counts. Called as the
    /// applied time moves on, it keeps the daily sets to the days still in progress, where
    /// they would otherwise grow with every day of the input.
    public func closeDays(before time: Int64, openStarts: (_ body: (Int64) -> Void) -> Void) {
        let today = zone.day(of: time)
        let candidates = dayRows.keys.indices.filter { dayRows.keys[$0].day < today && dayRows.counts[$0].userCount == nil }
        guard !candidates.isEmpty else { return }
        var busy = Set<Int64>()
        openStarts { busy.insert(zone.day(of: $0)) }
        for i in candidates where !busy.contains(dayRows.keys[i].day) { dayRows.counts[i].closeUsers() }
    }

    private func sourceKey(_ id: Int32) -> SourceKey {
        if let k = sourceKeys[id] { return k }
        let src = sources.all[Int(id)]
        let k = SourceKey(channel: sources.channel(id), source: src.source, medium: src.medium)
        sourceKeys[id] = k
        return k
    }

    @inline(__always)
    func channelCode(_ channel: Channel) -> UInt64 { UInt64(channel.rawValue) }

    /// The code of a source id's row: its (channel, source, medium)'s number, given once.
    @inline(__always)
    private func sourceCode(_ id: Int32) -> UInt64 {
        let idCode = UInt64(UInt32(bitPattern: id))
        if let c = sourceCodes[idCode] { return UInt64(c) }
        let c = sourceKeyCode(sourceKey(id))
        sourceCodes[idCode] = Int32(c)
        return c
    }

    func sourceKeyCode(_ key: SourceKey) -> UInt64 {
        if let c = sourceKeyCodes[key] { return UInt64(c) }
        let c = Int32(sourceKeyCodes.count)
        sourceKeyCodes[key] = c
        return UInt64(c)
    }

    @inline(__always)
    func landingCode(_ channel: Channel, _ page: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: page)) << 8 | UInt64(channel.rawValue)
    }

    @inline(__always)
    func dayCode(_ day: Int64, _ channel: Channel) -> UInt64 {
        UInt64(bitPattern: day) << 8 | UInt64(channel.rawValue)
    }

    /// One model's share of a conversion. The main model's credits also land in the channel,
    /// source, landing-page and daily rows (the day the conversion happened).
    public func credit(_ c: Attributor.Credit) {
        credit(model: c.model, goal: c.goal, source: c.touchpoint.source, page: c.touchpoint.landingPage,
               day: zone.day(of: c.conversionTime), c.share, c.value)
    }

    /// `n` conversions worth `v` credited by `model` to sessions of `source` landing on `page`,
    /// converting on `day`.
    func credit(model: AttributionModel, goal: Int, source: Int32, page: Int32, day: Int64, _ n: Double, _ v: Double) {
        let channel = sources.channel(source)
        modelCredits[channel.rawValue * AttributionModel.allCases.count + model.index].add(n, v)
        guard model == self.model else { return }
        addGoalCredit(slot: channel.rawValue, goal: goal, n, v)
        channelRows[channelCode(channel), channel].credit(n, v)
        sourceRows[sourceCode(source), sourceKey(source)].credit(n, v)
        landingRows[landingCode(channel, page), LandingKey(channel: channel, page: page)].credit(n, v)
        dayRows[dayCode(day, channel), DayKey(day: day, channel: channel)].credit(n, v)
    }

    private func addGoalCredit(slot: Int, goal: Int, _ n: Double, _ v: Double) {
        if goalCredits.isEmpty { goalCredits = Array(repeating: Credited(), count: Self.slotCount * goalNames.count) }
        goalCredits[slot * goalNames.count + goal].add(n, v)
    }

    /// Counts one conversion (a session's goal, a goal hit without a session, a CRM row).
    public func countConversion() { conversions += 1 }

    /// A whole conversion credited to a pseudo row (under every model); `time` nil when the CRM
    /// row's time could not be read (it then has no day).
    public func credit(_ row: Pseudo, goal: Int, value: Double, time: Int64?) {
        credit(row, goal: goal, count: 1, value: value, day: time.map { zone.day(of: $0) })
    }

    /// `n` conversions worth `value` credited to a pseudo row, on `day` (nil: no day known).
    func credit(_ row: Pseudo, goal: Int, count n: Double, value: Double, day: Int64?) {
        for m in AttributionModel.allCases { modelCredits[row.slot * AttributionModel.allCases.count + m.index].add(n, value) }
        addGoalCredit(slot: row.slot, goal: goal, n, value)
        if let day { pseudoByDay[PseudoDayKey(day: day, row: row), default: Credited()].add(n, value) }
    }

    /// A goal hit that found no open session: a conversion of the `(no session)` row.
    public func orphanGoal(_ e: VisitEvent, goalValues: [Double]) {
        var g = e.goals
        while g != 0 {
            let i = g.trailingZeroBitCount
            credit(.noSession, goal: i, value: i < goalValues.count ? goalValues[i] : 0, time: e.time)
            conversions += 1
            g &= g - 1
        }
    }

    /// A lead's share credited to `channel` (nil: to `row`); `firstTouch` is the start of the
    /// visitor's first session in the window, for days to customer.
    public func creditLead(_ facts: LeadFacts, share: Double, channel: Channel?, row: Pseudo = .notJoined, firstTouch: Int64?) {
        let slot = channel?.rawValue ?? row.slot
        var t = leadTotals[slot]
        if facts.isLead {
            t.exactLeads.add(share)
            if facts.status.isQualified { t.exactQualified.add(share) }
            if facts.status == .spam { t.exactSpam.add(share) }
            if facts.suspicious { t.exactSuspicious.add(share) }
        }
        if facts.status == .customer {
            t.exactRevenue.add(share * facts.value)
            if facts.countsCustomer {
                t.exactCustomers.add(share)
                if let firstTouch, let won = facts.customerTime {
                    t.daysToCustomer.append((Double(max(0, won - firstTouch)) / 86400, share))
                }
            }
        }
        leadTotals[slot] = t
    }

    /// The channel a traffic source belongs to.
    public func channel(of source: Int32) -> Channel { sources.channel(source) }
}

extension TrafficAggregates.Credited {
    mutating func add(_ n: Double, _ v: Double) {
        exactConversions.add(n)
        exactValue.add(v)
    }

    mutating func add(_ o: Self) {
        exactConversions.add(o.exactConversions)
        exactValue.add(o.exactValue)
    }
}

extension TrafficAggregates.Counts {
    mutating func credit(_ n: Double, _ v: Double) {
        exactConversions.add(n)
        exactValue.add(v)
    }
}
