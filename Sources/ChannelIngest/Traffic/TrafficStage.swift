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
    private let verdicts: BotVerdicts
    private var pathIDs = VisitorTable<Int32>(capacity: 4096)
    /// Traffic source by `CampaignParameters.decisionKey`.
    private var campaignSources = VisitorTable<Int32>(capacity: 1024)
    public private(set) var paths: [String] = []
    /// The last event's order number: the reader sets it per input (`EventOrder`), so equal
    /// timestamps are ordered by input and line, however inputs and chunks interleave.
    public var seq: Int64 = 0
    /// Bot hits by family index (`BotFilter.families`).
    public private(set) var botHits: [Int] = []
    public private(set) var spamHits = 0
    public private(set) var pageviews = 0

    public private(set) var goalHits = 0
    /// Asset hits of browsers (counted only when `tracksAssets`).
    public private(set) var assetHits = 0

    /// Where the log carries a visitor id; nil keys visitors by address + User-Agent.
    public var visitorIDField: VisitorIDField?
    /// Send asset hits to the sessionizer (a lead-quality signal: real browsers load assets).
    public var tracksAssets = false
    /// Records what CRM rows may be joined on; its client keys are computed only if it asks.
    public var evidence: CRMEvidence?

    public init(bots: BotFilter, pageRules: PageRules, goals: GoalRules, referrers: ReferrerClassifier, sources: TrafficSources, keyer: VisitorKeyer) {
        self.bots = bots
        self.pageRules = pageRules
        self.goals = goals
        self.referrers = referrers
        self.sources = sources
        self.keyer = keyer
        verdicts = BotVerdicts(bots)
        botHits = [Int](repeating: 0, count: bots.families.count)
    }

    /// The event for a hit, or nil when the hit is a bot, spam, or neither a pageview nor a goal.
    @inline(__always)
    public func event(for hit: Hit) -> VisitEvent? {
        var uaHash: UInt64 = 0
        if hit.hasUserAgentField {
            let agent = verdicts.agent(hit.userAgent)
            if let family = agent.family {
                botHits[Int(family)] += 1
                return nil
            }
            uaHash = agent.hash
        }
        let origin = referrers.origin(referrer: hit.referrer, requestHost: hit.host)
        if origin == ReferrerClassifier.spam {
            spamHits += 1
            return nil
        }
        let path = PageRules.path(of: hit.target)
        let isPageview = pageRules.isPageview(method: hit.method, status: hit.status, path: path)
        let reached = goals.match(method: hit.method, status: hit.status, path: path, event: hit.event)
        guard isPageview || reached != 0 else {
            return tracksAssets ? assetEvent(hit, path: path, uaHash: uaHash) : nil
        }
        if isPageview { pageviews += 1 }
        var source = origin
        if let tagged = campaignSource(hit.target) { source = tagged }
        seq += 1
        let visitor = visitorKey(hit, uaHash: uaHash)
        var converts = reached
        var lead: UInt64 = 0
        if reached != 0 {
            goalHits += 1
            if let evidence {
                let noted = evidence.noteGoalHit(target: hit.target, visitor: visitor, time: hit.time, seq: seq,
                                                 partitionKey: self.partitionKey(hit, visitor: visitor))
                converts &= ~noted.superseded
                lead = noted.lead
            }
        }
        var e = VisitEvent(time: hit.time, seq: seq, visitor: visitor,
                           origin: source, page: isPageview ? pageID(path) : -1,
                           isPageview: isPageview, goals: converts, client: clientKey(hit), isGoalHit: reached != 0)
        e.lead = lead
        return e
    }

    /// The traffic source of a landing's campaign parameters, nil when it has none. Decoded,
    /// lowercased and interned once per distinct raw values (`CampaignParameters.decisionKey`):
    /// done for every tagged hit, that was ~5,000 instructions each.
    @inline(__always)
    private func campaignSource(_ target: ByteSpan) -> Int32? {
        guard let query = CampaignParameters.query(of: target) else { return nil }
        let values = CampaignParameters.values(in: query)
        guard let key = CampaignParameters.decisionKey(values) else { return nil }
        if let id = campaignSources[key] { return id }
        let c = CampaignParameters.decide(values)!.parameters
        let id = sources.intern(source: c.source, medium: c.medium, campaign: c.campaign)
        // Hostile input could bring new values on every line: start over rather than grow.
        if campaignSources.count >= 200_000 { campaignSources = VisitorTable(capacity: 1024) }
        campaignSources[key] = id
        return id
    }

    @inline(__always)
    private func visitorKey(_ hit: Hit, uaHash: UInt64) -> UInt64 {
        if hit.visitorID.count > 0 { return keyer.visitor(id: hit.visitorID) }
        if let field = visitorIDField, let id = field.value(in: hit) { return keyer.visitor(id: id) }
        return keyer.visitor(client: hit.client, userAgentHash: uaHash)
    }

    /// What a distributed run partitions a hit's visitor by (`PartitionKey`): the visitor,
    /// when visitors are keyed by an id; else the address alone (keyed), so every visitor of an
    /// address — all a CRM row's IP may join — is in one partition.
    @inline(__always)
    func partitionKey(_ hit: Hit, visitor: UInt64) -> UInt64 {
        visitorIDField != nil || hit.visitorID.count > 0 ? visitor : keyer.client(hit.client)
    }

    @inline(__always)
    private func clientKey(_ hit: Hit) -> UInt64 {
        guard let evidence, evidence.needsClientKeys else { return 0 }
        return keyer.client(hit.client)
    }

    /// A browser's asset request that loaded (2xx, or 304 from its cache).
    private func assetEvent(_ hit: Hit, path: ByteSpan, uaHash: UInt64) -> VisitEvent? {
        guard hit.method.equals("GET"), (200...299).contains(hit.status) || hit.status == 304, pageRules.isAsset(path: path) else { return nil }
        assetHits += 1
        seq += 1
        return VisitEvent(time: hit.time, seq: seq, visitor: visitorKey(hit, uaHash: uaHash), origin: ReferrerClassifier.none,
                          page: -1, isPageview: false, isAsset: true)
    }

    /// The id of a path known from elsewhere (a nightly run's carried-over sessions).
    func internPage(_ path: String) -> Int32 {
        Array(path.utf8).withUnsafeBufferPointer { pageID(ByteSpan(base: $0.baseAddress ?? emptyByte, count: $0.count)) }
    }

    /// The id of a path read back from a map's event line.
    func internPage(_ path: ByteSpan) -> Int32 { pageID(path) }

    @inline(__always)
    private func pageID(_ path: ByteSpan) -> Int32 {
        let h = path.quickHash64
        if let id = pathIDs[h] { return id }
        let id = Int32(paths.count)
        paths.append(path.string)
        pathIDs[h] = id
        return id
    }
}
