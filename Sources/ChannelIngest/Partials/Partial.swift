/// Everything the tables and `summary.json` are made of, in a form that adds up: what reading
/// the inputs counted, and what the sessions, conversions and leads of some visitors counted.
///
/// A distributed run (`ingest map`, `reduce`, `merge`; `scripts/spark/`) hands these from one
/// stage to the next: each map task writes the reading side of its input, each reduce task the
/// visit side of its partition's visitors, and `merge` adds them and writes the tables. A
/// one-process run makes one partial of itself and writes its tables through the same merge, so
/// the two cannot drift apart.
///
/// Adding partials is exact and in any order: counts are integers, credits are `ExactSum`s,
/// and users are counted per partition — a visitor is in exactly one partition (all its hits
/// go to the reduce task of its key), so distinct users of disjoint sets add up.
public struct Partial {
    /// The version of the file format (`PartialFile`); a merge refuses another.
    public static let version = 1
    /// The settings that made it (`ConfigFingerprint`); a merge refuses partials of others.
    public var config: String
    public var reading = Reading()
    public var visits = Visits()

    public init(config: String) { self.config = config }

    /// What reading counted: lines, hits, bots, malformed lines and the inputs.
    public struct Reading: Equatable {
        public var files = 0
        public var bytes = 0
        public var lines = 0
        public var hits = 0
        public var malformed = 0
        public var headerLines = 0
        public var spamHits = 0
        public var pageviews = 0
        public var goalHits = 0
        public var damagedFiles = 0
        public var botHits: [String: Int] = [:]
        public var firstTime: Int64?
        public var lastTime: Int64?
        /// Up to `RunStats.maxSamples` per input; the merge keeps the first ones by (rank, line).
        public var samples: [Ranked<RunStats.MalformedSample>] = []
        public var inputs: [Ranked<IngestJob.InputSummary>] = []
        public var warnings: [Ranked<String>] = []
        /// Hits per external referring host (the "no --site given" warning names the top one).
        public var referrerHosts: [String: Int] = [:]
        /// Asset hits of browsers (counted when a CRM export is read: a lead-quality signal
        /// that applies only when the logs have assets at all).
        public var assetHits = 0
        /// The first goal hit carrying each lead id a CRM row has (`CRMEvidence.leadHits`): the
        /// reduce of its visitor's partition joins that row.
        public var leadHits: [String: CRMEvidence.GoalHit] = [:]

        mutating func add(_ o: Reading) {
            assetHits += o.assetHits
            leadHits.merge(o.leadHits) { a, b in b.isBefore(a) ? b : a }
            files += o.files
            bytes += o.bytes
            lines += o.lines
            hits += o.hits
            malformed += o.malformed
            headerLines += o.headerLines
            spamHits += o.spamHits
            pageviews += o.pageviews
            goalHits += o.goalHits
            damagedFiles += o.damagedFiles
            botHits.merge(o.botHits, uniquingKeysWith: +)
            if let t = o.firstTime { firstTime = min(firstTime ?? t, t) }
            if let t = o.lastTime { lastTime = max(lastTime ?? t, t) }
            samples += o.samples
            inputs += o.inputs
            warnings += o.warnings
            referrerHosts.merge(o.referrerHosts, uniquingKeysWith: +)
        }
    }

    /// A value with the rank of the input it came from (`EventOrder`), which orders it.
    public struct Ranked<Value: Equatable>: Equatable {
        public var rank: Int
        public var value: Value
    }

    /// What the sessions of some visitors counted: the table rows, credits and leads.
    public struct Visits {
        public var sessions = 0
        public var visitors = 0
        public var conversions = 0
        public var goalHitsWithoutSession = 0
        /// Hits applied later than the reorder window allows (a warning).
        public var lateEvents = 0
        /// How the CRM rows joined (nil: no export read, or not joined yet: a distributed run
        /// joins them in its merge, from `crmEvidence`).
        public var crmOutcome: CRMJoin.Outcome?
        /// What the merge of a distributed run joins CRM rows with (empty in a one-process run,
        /// which joins them itself).
        public var crmEvidence = CRMEvidenceRecords()
        /// Goals in table order; credits name their goal.
        public var goalNames: [String] = []
        public var channels: [Channel: TrafficAggregates.Counts] = [:]
        public var sources: [TrafficAggregates.SourceKey: TrafficAggregates.Counts] = [:]
        public var landings: [Landing: TrafficAggregates.Counts] = [:]
        public var days: [TrafficAggregates.DayKey: TrafficAggregates.Counts] = [:]
        public var modelCredits: [RowModel: TrafficAggregates.Credited] = [:]
        public var goalCredits: [RowGoal: TrafficAggregates.Credited] = [:]
        public var leads: [Row: TrafficAggregates.LeadTotals] = [:]
        public var pseudoDays: [PseudoDay: TrafficAggregates.Credited] = [:]
        /// The journeys of these visitors (`paths.csv`, the data-driven models).
        public var journeys = Journeys()

        public struct Landing: Hashable {
            public var channel: Channel
            public var path: String
        }
        public struct RowModel: Hashable {
            public var row: Row
            public var model: AttributionModel
        }
        public struct RowGoal: Hashable {
            public var row: Row
            public var goal: String
        }
        public struct PseudoDay: Hashable {
            public var day: Int64
            public var row: TrafficAggregates.Pseudo
        }

        mutating func add(_ o: Visits) {
            sessions += o.sessions
            visitors += o.visitors
            conversions += o.conversions
            goalHitsWithoutSession += o.goalHitsWithoutSession
            lateEvents += o.lateEvents
            if let x = o.crmOutcome { crmOutcome = (crmOutcome ?? .init()).adding(x) }
            crmEvidence.add(o.crmEvidence)
            for g in o.goalNames where !goalNames.contains(g) { goalNames.append(g) }
            for (k, c) in o.channels { channels[k, default: .init()].absorb(c) }
            for (k, c) in o.sources { sources[k, default: .init()].absorb(c) }
            for (k, c) in o.landings { landings[k, default: .init()].absorb(c) }
            for (k, c) in o.days { days[k, default: .init()].absorb(c) }
            for (k, c) in o.modelCredits { modelCredits[k, default: .init()].add(c) }
            for (k, c) in o.goalCredits { goalCredits[k, default: .init()].add(c) }
            for (k, l) in o.leads { leads[k, default: .init()].absorb(l) }
            for (k, c) in o.pseudoDays { pseudoDays[k, default: .init()].add(c) }
            journeys.add(o.journeys)
        }
    }

    /// A row of the per-channel tables: a channel, or `(no session)` / `(not joined)`.
    public enum Row: Hashable {
        case channel(Channel)
        case pseudo(TrafficAggregates.Pseudo)

        var slot: Int {
            switch self {
            case .channel(let c): return c.rawValue
            case .pseudo(let p): return p.slot
            }
        }

        init?(slot: Int) {
            if let c = Channel(rawValue: slot) { self = .channel(c) } else if let p = TrafficAggregates.Pseudo.allCases.first(where: { $0.slot == slot }) {
                self = .pseudo(p)
            } else {
                return nil
            }
        }

        public var name: String {
            switch self {
            case .channel(let c): return c.name
            case .pseudo(let p): return p.name
            }
        }

        init?(name: String) {
            if let c = Channel(name: name) { self = .channel(c) } else if let p = TrafficAggregates.Pseudo.allCases.first(where: { $0.name == name }) {
                self = .pseudo(p)
            } else {
                return nil
            }
        }
    }

    /// Adds `other` (of the same settings: the caller checks `config`).
    public mutating func add(_ other: Partial) {
        reading.add(other.reading)
        visits.add(other.visits)
    }

    /// All of `partials` added up; nil for none.
    public static func merged(_ partials: [Partial]) -> Partial? {
        guard var total = partials.first else { return nil }
        for p in partials.dropFirst() { total.add(p) }
        return total
    }
}

/// The part of a partition's visits that CRM rows may join, for a merge that joins them: the
/// visitors seen from each address a row has, goal hits without a session, and the touchpoints
/// of every visitor a row may reach (by lead id, visitor id or address), with their source and
/// landing page as text. It grows with the CRM export, not with the logs.
public struct CRMEvidenceRecords: Equatable {
    public var visitorsOfClient: [UInt64: Set<UInt64>] = [:]
    public var sessionlessHits: [UInt64: [Int64]] = [:]
    public var touchpoints: [UInt64: [ExportedTouchpoint]] = [:]

    public struct ExportedTouchpoint: Equatable {
        public var start: Int64
        public var end: Int64
        public var source: TrafficSources.Source
        public var page: String
        public var pageviews: Int32
        public var requests: Int32
        public var assets: Int32
    }

    mutating func add(_ o: Self) {
        visitorsOfClient.merge(o.visitorsOfClient) { $0.union($1) }
        sessionlessHits.merge(o.sessionlessHits) { ($0 + $1).sorted() }
        touchpoints.merge(o.touchpoints) { ($0 + $1).sorted { $0.start < $1.start } }
    }

    var isEmpty: Bool { visitorsOfClient.isEmpty && sessionlessHits.isEmpty && touchpoints.isEmpty }
}

extension CRMJoin.Outcome {
    func adding(_ o: Self) -> Self {
        var s = self
        s.rows += o.rows
        s.joined.merge(o.joined, uniquingKeysWith: +)
        s.notJoined += o.notJoined
        s.withoutSession += o.withoutSession
        s.suspicious += o.suspicious
        return s
    }
}

extension TrafficAggregates.Counts {
    /// Adds a row of another partial: its users are other visitors (another partition).
    mutating func absorb(_ o: Self) {
        sessions += o.sessions
        pageviews += o.pageviews
        durationSeconds += o.durationSeconds
        bounces += o.bounces
        engaged += o.engaged
        exactConversions.add(o.exactConversions)
        exactValue.add(o.exactValue)
        userCount = distinctUsers + o.distinctUsers
        users = VisitorSet()
    }

    /// The row without its visitor set (its users as a count), as a partial holds it.
    var counted: Self {
        var c = self
        c.userCount = distinctUsers
        c.users = VisitorSet()
        return c
    }
}

extension TrafficAggregates.LeadTotals {
    mutating func absorb(_ o: Self) {
        exactLeads.add(o.exactLeads)
        exactQualified.add(o.exactQualified)
        exactCustomers.add(o.exactCustomers)
        exactSpam.add(o.exactSpam)
        exactSuspicious.add(o.exactSuspicious)
        exactRevenue.add(o.exactRevenue)
        daysToCustomer += o.daysToCustomer
    }

    var isEmpty: Bool {
        exactLeads.units == 0 && exactQualified.units == 0 && exactCustomers.units == 0 && exactSpam.units == 0
            && exactSuspicious.units == 0 && exactRevenue.units == 0 && daysToCustomer.isEmpty
    }
}
