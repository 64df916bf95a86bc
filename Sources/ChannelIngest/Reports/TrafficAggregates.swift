/// Running totals per channel, per (channel, source, medium), per (channel, landing page) and
/// per (day, channel), fed one closed session at a time, plus the conversions the attributor
/// credits (per channel and goal, per channel and model) and goal hits without a session.
///
/// `users` are distinct visitors, so they are sets of visitor keys: memory grows with
/// visitors, never with lines.
public final class TrafficAggregates {
    public struct Counts {
        public var sessions = 0
        public var pageviews = 0
        public var durationSeconds: Int64 = 0
        public var bounces = 0
        public var engaged = 0
        /// Conversions credited to these sessions (fractional under shared-credit models).
        public var conversions = 0.0
        public var value = 0.0
        public var users = Set<UInt64>()

        /// Adds a session; `countUsers` is off where a table shows no users (landing pages),
        /// since the visitor sets are the costliest part.
        mutating func add(_ s: Session, countUsers: Bool = true) {
            sessions += 1
            pageviews += s.pageviews
            durationSeconds += s.duration
            if s.isBounce { bounces += 1 }
            if s.isEngaged { engaged += 1 }
            if countUsers { users.insert(s.visitor) }
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

    public private(set) var byChannel: [Channel: Counts] = [:]
    public private(set) var bySource: [SourceKey: Counts] = [:]
    public private(set) var byLanding: [LandingKey: Counts] = [:]
    public private(set) var byDay: [DayKey: Counts] = [:]
    public private(set) var visitors = Set<UInt64>()
    public private(set) var sessions = 0

    /// Conversions per (channel, goal) under the main model, and per (channel, model) under
    /// every model: flat arrays indexed by channel, since a credit is added for every model of
    /// every conversion.
    private var goalCredits: [Credited] = []
    private var modelCredits = [Credited](repeating: Credited(), count: Channel.allCases.count * AttributionModel.allCases.count)

    /// What `model` credited to `channel`.
    public func credited(_ channel: Channel, model: AttributionModel) -> Credited {
        modelCredits[channel.rawValue * AttributionModel.allCases.count + model.index]
    }

    /// What the main model credited to `channel` for goal number `goal`.
    public func credited(_ channel: Channel, goal: Int) -> Credited {
        let i = channel.rawValue * goalValues.count + goal
        return i < goalCredits.count ? goalCredits[i] : Credited()
    }

    /// Channels with any credit under any model.
    public var creditedChannels: [Channel] {
        Channel.allCases.filter { ch in AttributionModel.allCases.contains { credited(ch, model: $0).conversions > 0 } }
    }
    /// Goal hits with no session to join, per goal, and per day.
    public private(set) var orphanGoals: [Int: Credited] = [:]
    public private(set) var orphanByDay: [Int64: Credited] = [:]
    /// Conversions (each session × goal once), whatever they are credited to.
    public private(set) var conversions = 0

    public struct Credited {
        public var conversions = 0.0
        public var value = 0.0
    }

    /// The model whose credits fill the main tables (`--model`).
    public var model: AttributionModel = .lastNonDirect
    /// Worth of one conversion of each goal.
    public var goalValues: [Double] = []

    private let sources: TrafficSources
    private var zone: ReportTimeZone
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
        byChannel[channel, default: Counts()].add(s)
        bySource[sourceKey(s.source), default: Counts()].add(s)
        byLanding[LandingKey(channel: channel, page: s.landingPage), default: Counts()].add(s, countUsers: false)
        byDay[DayKey(day: zone.day(of: s.start), channel: channel), default: Counts()].add(s)
        visitors.insert(s.visitor)
    }

    private func sourceKey(_ id: Int32) -> SourceKey {
        if let k = sourceKeys[id] { return k }
        let src = sources.all[Int(id)]
        let k = SourceKey(channel: sources.channel(id), source: src.source, medium: src.medium)
        sourceKeys[id] = k
        return k
    }

    /// One model's share of a conversion. The main model's credits also land in the channel,
    /// source, landing-page and daily rows (the day the conversion happened).
    public func credit(_ c: Attributor.Credit) {
        let channel = sources.channel(c.touchpoint.source)
        let value = c.share * (c.goal < goalValues.count ? goalValues[c.goal] : 0)
        modelCredits[channel.rawValue * AttributionModel.allCases.count + c.model.index].add(c.share, value)
        guard c.model == model else { return }
        if goalCredits.isEmpty { goalCredits = Array(repeating: Credited(), count: Channel.allCases.count * goalValues.count) }
        goalCredits[channel.rawValue * goalValues.count + c.goal].add(c.share, value)
        byChannel[channel, default: Counts()].credit(c.share, value)
        bySource[sourceKey(c.touchpoint.source), default: Counts()].credit(c.share, value)
        byLanding[LandingKey(channel: channel, page: c.touchpoint.landingPage), default: Counts()].credit(c.share, value)
        byDay[DayKey(day: zone.day(of: c.conversionTime), channel: channel), default: Counts()].credit(c.share, value)
    }

    /// A goal hit that found no open session: a conversion of the `(no session)` row.
    public func orphanGoal(_ e: VisitEvent) {
        var g = e.goals
        while g != 0 {
            let i = g.trailingZeroBitCount
            let value = i < goalValues.count ? goalValues[i] : 0
            orphanGoals[i, default: Credited()].add(1, value)
            orphanByDay[zone.day(of: e.time), default: Credited()].add(1, value)
            conversions += 1
            g &= g - 1
        }
    }
}

extension TrafficAggregates.Credited {
    mutating func add(_ n: Double, _ v: Double) {
        conversions += n
        value += v
    }
}

extension TrafficAggregates.Counts {
    mutating func credit(_ n: Double, _ v: Double) {
        conversions += n
        value += v
    }
}
