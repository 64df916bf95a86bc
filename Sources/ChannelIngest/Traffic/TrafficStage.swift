/// Turns parsed hits into sessionizer events: drops bots and referrer spam (counting them),
/// keeps pageviews, keys visitors, and names each pageview's traffic source.
///
/// Everything that is slow to decide (bot patterns, source lists) is decided once per distinct
/// User-Agent or referring host and cached under a 64-bit hash.
public final class TrafficStage {
    public let bots: BotFilter
    public let pageRules: PageRules
    public let goals: GoalRules
    public let referrers: ReferrerClassifier
    public let sources: TrafficSources
    private let keyer: VisitorKeyer
    private var uaCache = VisitorTable<Int32>(capacity: 4096)
    private var pathIDs = VisitorTable<Int32>(capacity: 4096)
    public private(set) var paths: [String] = []
    private var seq: Int64 = 0
    /// Bot hits by family index (`BotFilter.families`).
    public private(set) var botHits: [Int] = []
    public private(set) var spamHits = 0
    public private(set) var pageviews = 0

    public private(set) var goalHits = 0

    public init(bots: BotFilter, pageRules: PageRules, goals: GoalRules, referrers: ReferrerClassifier, sources: TrafficSources, keyer: VisitorKeyer) {
        self.bots = bots
        self.pageRules = pageRules
        self.goals = goals
        self.referrers = referrers
        self.sources = sources
        self.keyer = keyer
        botHits = [Int](repeating: 0, count: bots.families.count)
    }

    private static let browser: Int32 = -1

    /// The event for a hit, or nil when the hit is a bot, spam, or neither a pageview nor a goal.
    @inline(__always)
    public func event(for hit: Hit) -> VisitEvent? {
        var uaHash: UInt64 = 0
        if hit.hasUserAgentField {
            uaHash = hit.userAgent.hashValue64
            let family: Int32
            if let f = uaCache[uaHash] {
                family = f
            } else {
                family = bots.classify(hit.userAgent) ?? Self.browser
                if uaCache.count >= 200_000 { uaCache = VisitorTable(capacity: 4096) }
                uaCache[uaHash] = family
            }
            if family != Self.browser {
                botHits[Int(family)] += 1
                return nil
            }
        }
        let origin = referrers.origin(referrer: hit.referrer, requestHost: hit.host)
        if origin == ReferrerClassifier.spam {
            spamHits += 1
            return nil
        }
        let path = PageRules.path(of: hit.target)
        let isPageview = pageRules.isPageview(method: hit.method, status: hit.status, path: path)
        let reached = goals.match(method: hit.method, status: hit.status, path: path)
        guard isPageview || reached != 0 else { return nil }
        if isPageview { pageviews += 1 }
        if reached != 0 { goalHits += 1 }
        var source = origin
        if let c = CampaignParameters.parse(target: hit.target) {
            source = sources.intern(source: c.source, medium: c.medium, campaign: c.campaign)
        }
        seq += 1
        return VisitEvent(time: hit.time, seq: seq,
                          visitor: keyer.visitor(client: hit.client, userAgentHash: uaHash),
                          origin: source, page: isPageview ? pageID(path) : -1,
                          isPageview: isPageview, goals: reached)
    }

    @inline(__always)
    private func pageID(_ path: ByteSpan) -> Int32 {
        let h = path.hashValue64
        if let id = pathIDs[h] { return id }
        let id = Int32(paths.count)
        paths.append(path.string)
        pathIDs[h] = id
        return id
    }
}
