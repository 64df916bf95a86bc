/// Running totals per channel, per (channel, source, medium), per (channel, landing page) and
/// per (day, channel), fed one closed session at a time.
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
        public var conversions = 0
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
        let channel = sources.channel(s.source)
        byChannel[channel, default: Counts()].add(s)
        let key: SourceKey
        if let k = sourceKeys[s.source] {
            key = k
        } else {
            let src = sources.all[Int(s.source)]
            key = SourceKey(channel: channel, source: src.source, medium: src.medium)
            sourceKeys[s.source] = key
        }
        bySource[key, default: Counts()].add(s)
        byLanding[LandingKey(channel: channel, page: s.landingPage), default: Counts()].add(s, countUsers: false)
        byDay[DayKey(day: zone.day(of: s.start), channel: channel), default: Counts()].add(s)
        visitors.insert(s.visitor)
    }
}
