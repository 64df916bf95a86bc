/// Every distinct (source, medium, campaign) seen in a run, interned to a small integer with
/// its channel worked out once. Sessions carry the integer; tables read the strings.
public final class TrafficSources {
    public struct Source: Hashable, Sendable {
        public var source: String
        public var medium: String
        public var campaign: String
    }

    public private(set) var all: [Source] = []
    public private(set) var channels: [Channel] = []
    private var index: [Source: Int32] = [:]
    /// The rules every source is given its channel by (`ingest explain` shows them).
    let rules: ChannelRules

    /// `(direct) / (none)`: the landing had no campaign and no external referrer.
    public static let direct: Int32 = 0

    public init(rules: ChannelRules) {
        self.rules = rules
        _ = intern(source: "(direct)", medium: "(none)", campaign: "(direct)")
    }

    public func intern(source: String, medium: String, campaign: String) -> Int32 {
        let key = Source(source: source, medium: medium, campaign: campaign)
        if let id = index[key] { return id }
        let id = Int32(all.count)
        all.append(key)
        channels.append(rules.channel(source: source, medium: medium, campaign: campaign))
        index[key] = id
        return id
    }

    /// A source whose channel was decided when it was stored (a state's): it keeps that
    /// channel even if the lists have changed since.
    func intern(source: String, medium: String, campaign: String, channel: Channel) -> Int32 {
        let id = intern(source: source, medium: medium, campaign: campaign)
        channels[Int(id)] = channel
        return id
    }

    @inline(__always)
    public func channel(_ id: Int32) -> Channel { channels[Int(id)] }
}
