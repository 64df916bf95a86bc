import Foundation

/// Why one hit gets what it gets — bot verdict, campaign parameters, referrer, source and the
/// channel rule — for `ingest explain`, the tool a user reaches for when a visit lands in the
/// "wrong" channel.
///
/// Every decision is taken by the pipeline's own code: the hit goes through a `TrafficStage`
/// built from the same options as a run (`Classifiers`), and the steps shown are read from the
/// same functions the stage calls (`BotFilter`'s scan, `CampaignParameters.decide`,
/// `ReferrerClassifier.read`, `ChannelRules.table`). A test checks the two agree on every case
/// of the channel tests.
public struct HitExplanation {
    /// The landing URL as the request would log it.
    public struct Landing {
        public var url: String
        /// The host the URL names (or `--site`'s, for a bare path); nil when neither says.
        public var host: String?
        public var target: String
        public var path: String
        /// Whether `host` is one of the site's hosts (nil: no host known).
        public var isSiteHost: Bool?
        public var isPageview: Bool
        /// Why the landing is no pageview (an asset, an excluded path).
        public var notPageview: String?
    }

    public struct UserAgent {
        /// nil: none was given (like a format without the field: the bot rule is skipped).
        public var text: String?
        /// The bot family, nil for a browser.
        public var family: String?
        public var reason: BotFilter.Reason?
    }

    /// A campaign parameter of the landing's query, as the pipeline reads it.
    public struct Parameter {
        /// The name as written in the URL.
        public var name: String
        /// The value, percent-decoded and lowercased (the pipeline's reading).
        public var value: String
        /// Why it does not count, when it does not (repeated, empty, wrong case, decides nothing).
        public var ignored: String?
    }

    public struct Campaign {
        public var parameters: [Parameter]
        /// What decided the landing's values; nil: no campaign parameter, the referrer decides.
        public var decider: CampaignParameters.Decider?
        public var values: CampaignParameters?
    }

    public struct Referrer {
        public var text: String?
        public var reading: ReferrerClassifier.Reading
        /// False when campaign parameters decided (the referrer is then not read for the source).
        public var used: Bool
    }

    /// What happens to the hit as a whole.
    public enum Outcome: String {
        /// A pageview that starts (or continues) a session with the channel below.
        case session
        /// A bot hit: counted in `bots.csv`, never in a session.
        case botHit = "bot-hit"
        /// Referrer spam: dropped and counted.
        case spamHit = "spam-hit"
        /// Not a pageview (an asset, an excluded path): it never lands a session.
        case notPageview = "not-a-pageview"
    }

    /// What decided the source, medium and campaign.
    public enum SourceDecider: String {
        case googleClickID = "google-click-id"
        case utm
        case microsoftClickID = "msclkid"
        case referrer
        /// No campaign and no external referrer: `(direct) / (none)`.
        case direct
    }

    public var landing: Landing
    public var userAgent: UserAgent
    public var campaign: Campaign
    public var referrer: Referrer
    public var outcome: Outcome
    public var decidedBy: SourceDecider
    public var source: String
    public var medium: String
    public var campaignName: String
    /// What the rules test, and each rule in order up to the one that matched (all 18 for
    /// Unassigned).
    public var facts: ChannelRules.Facts
    /// The list entry that puts the source on its list (SEARCH, SOCIAL, …), if any.
    public var sourceEntry: SourceLists.Entry?
    public var rules: [(rule: ChannelRules.Rule, matches: Bool)]
    /// The rule that named the channel; nil: Unassigned.
    public var matchedRule: ChannelRules.Rule?
    public var channel: Channel
    /// Things a user debugging this would want pointed out (a missing `--site`, …).
    public var notes: [String]

    /// Explains a hit: a GET with status 200 of `landing` (a URL, or a path on the first of
    /// `options.siteHosts`) with this referrer and User-Agent, under `options`' lists and sites.
    public static func make(landing url: String, referrer: String?, userAgent: String?, options: IngestOptions) throws -> HitExplanation {
        try make(landing: url, referrer: referrer, userAgent: userAgent, options: options, classifiers: Classifiers(options: options))
    }

    /// The same with classifiers already built from `options` (the fuzz target reuses them).
    static func make(landing url: String, referrer: String?, userAgent: String?, options: IngestOptions,
                     classifiers: Classifiers) throws -> HitExplanation {
        let stage = TrafficStage(bots: classifiers.bots, pageRules: classifiers.pageRules, goals: try GoalRules([]),
                                 referrers: classifiers.referrers, sources: classifiers.sources, keyer: .random())
        var notes: [String] = []
        let landing = Self.landing(url, options: options, pageRules: classifiers.pageRules, notes: &notes)

        // The hit as a log line would give it, through the pipeline's own stage.
        let client = "192.0.2.1", method = "GET"
        let event: VisitEvent? = landing.target.withSpan { target in
            (referrer ?? "").withSpan { ref in
                (userAgent ?? "").withSpan { ua in
                    client.withSpan { cl in
                        method.withSpan { m in
                            var hit = Hit()
                            hit.client = cl
                            hit.time = 1_700_000_000
                            hit.method = m
                            hit.target = target
                            hit.status = 200
                            hit.referrer = ref
                            hit.userAgent = ua
                            hit.hasUserAgentField = userAgent != nil
                            return stage.event(for: hit)
                        }
                    }
                }
            }
        }

        var agent = UserAgent(text: userAgent)
        if let userAgent {
            let verdict = classifiers.bots.explain(userAgent)
            agent.family = verdict.family
            agent.reason = verdict.reason
        }

        // The campaign parameters, read as `CampaignParameters.parse` reads them.
        let query = Self.query(of: landing.target)
        let decision = query.withSpan { CampaignParameters.decide(CampaignParameters.values(in: $0)) }
        let campaign = Campaign(parameters: Self.parameters(in: query), decider: decision?.decider, values: decision?.parameters)

        let reading = classifiers.referrers.read(referrer: referrer ?? "")
        let ref = Referrer(text: referrer, reading: reading, used: decision == nil)

        let outcome: Outcome
        if stage.botHits.contains(where: { $0 > 0 }) {
            outcome = .botHit
        } else if stage.spamHits > 0 {
            outcome = .spamHit
        } else if event == nil {
            outcome = .notPageview
        } else {
            outcome = .session
        }

        // The landing's source: the event's origin, as the sessionizer takes it; a bot or spam
        // hit has none, so what a browser's hit would get is shown.
        let origin: Int32
        if let event {
            origin = event.origin
        } else if let decision {
            origin = classifiers.sources.intern(source: decision.parameters.source, medium: decision.parameters.medium,
                                                campaign: decision.parameters.campaign)
        } else {
            origin = reading.origin
        }
        let sourceID = origin >= 0 ? origin : TrafficSources.direct
        let s = classifiers.sources.all[Int(sourceID)]
        let decidedBy: SourceDecider
        switch decision?.decider {
        case .googleClickID: decidedBy = .googleClickID
        case .utm: decidedBy = .utm
        case .microsoftClickID: decidedBy = .microsoftClickID
        case nil: decidedBy = origin >= 0 ? .referrer : .direct
        }

        let rules = classifiers.sources.rules
        let evaluated = rules.evaluate(source: s.source, medium: s.medium, campaign: s.campaign)
        let firstMatch = evaluated.results.firstIndex { $0.matches }
        let shown = firstMatch.map { Array(evaluated.results[...$0]) } ?? evaluated.results
        let channel = classifiers.sources.channel(sourceID)

        if let host = reading.host, reading.verdict != .site, landing.host.map(Self.withoutWWW) == host {
            notes.append("the referrer's host \(host) is the landing's own host but not a site host: pass --site \(host) (or site = [\"\(host)\"] in the config), or every internal link counts as a referral")
        }
        else if let host = reading.host, landing.host == nil, options.siteHosts.isEmpty, channel == .referral {
            notes.append("no site host is known, so a link from \(host) is a referral; if \(host) is your site, pass --site \(host) (or site = [\"\(host)\"] in the config)")
        }
        if outcome == .botHit {
            notes.append("a bot hit never enters a session: the source and channel below are what a browser's hit would get")
        } else if outcome == .spamHit {
            notes.append("referrer spam is dropped like a bot: the source and channel below are what a clean hit would get")
        }

        return HitExplanation(landing: landing, userAgent: agent, campaign: campaign, referrer: ref, outcome: outcome,
                              decidedBy: decidedBy, source: s.source, medium: s.medium, campaignName: s.campaign,
                              facts: evaluated.facts, sourceEntry: classifiers.lists.entry(ofSource: s.source),
                              rules: shown, matchedRule: firstMatch.map { evaluated.results[$0].rule }, channel: channel, notes: notes)
    }

    static func withoutWWW(_ host: String) -> String {
        var h = host.lowercased()
        if h.hasPrefix("www.") { h.removeFirst(4) }
        return h
    }

    /// The landing's host, request target and pageview verdict. A bare path is taken on the
    /// first site host; `example.com/x` without a scheme is read as `https://example.com/x`.
    static func landing(_ url: String, options: IngestOptions, pageRules: PageRules, notes: inout [String]) -> Landing {
        var host: String?
        var target = url
        let lower = url.lowercased()
        var rest: Substring?
        if lower.hasPrefix("https://") { rest = url.dropFirst(8) } else if lower.hasPrefix("http://") { rest = url.dropFirst(7) }
        else if !url.hasPrefix("/") && !url.hasPrefix("?") && url.contains(".") { rest = Substring(url) }
        if let rest {
            let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            var h = String(rest[..<end])
            if let at = h.lastIndex(of: "@") { h = String(h[h.index(after: at)...]) }
            if let colon = h.firstIndex(of: ":"), !h.hasPrefix("[") { h = String(h[..<colon]) }
            host = h.lowercased()
            target = String(rest[end...])
            if target.isEmpty || target.hasPrefix("?") || target.hasPrefix("#") { target = "/" + target }
        } else {
            if target.hasPrefix("?") { target = "/" + target }
            host = options.siteHosts.first?.lowercased()
            if host == nil { notes.append("a bare path with no --site: the landing's host is unknown") }
        }
        let path = PageRules.path(of: target, as: String.self)
        let isPageview = path.withSpan { p in "GET".withSpan { pageRules.isPageview(method: $0, status: 200, path: p) } }
        var notPageview: String?
        if !isPageview {
            notPageview = path.withSpan { pageRules.isAsset(path: $0) } ? "an asset (its extension is on the asset list)"
                : "under an excluded path prefix"
        }
        var isSite: Bool?
        if let host {
            let h = withoutWWW(host)
            isSite = options.siteHosts.contains { s in
                let site = withoutWWW(s)
                return h == site || h.hasSuffix("." + site)
            }
        }
        return Landing(url: url, host: host, target: target, path: path, isSiteHost: isSite, isPageview: isPageview, notPageview: notPageview)
    }

    /// The query of a target, without its `#fragment` (browsers never send one).
    static func query(of target: String) -> String {
        guard let q = target.firstIndex(of: "?") else { return "" }
        var query = target[target.index(after: q)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        return String(query)
    }

    /// Click ids that decide nothing (SPEC.md): shown so a user sees they were seen.
    static let idsThatDecideNothing: Set<String> = ["fbclid", "ttclid", "twclid", "li_fat_id", "igshid", "mc_eid", "yclid", "epik", "rdt_cid", "scclid"]

    /// The campaign parameters of a query, each with why it is ignored when it is.
    static func parameters(in query: String) -> [Parameter] {
        var out: [Parameter] = []
        var seen = Set<String>()
        let names = Set(CampaignParameters.Name.allCases.map(\.text))
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let eq = pair.firstIndex(of: "=") ?? pair.endIndex
            // Names are percent-decoded once before they are matched (utm%5Fsource is utm_source).
            let name = String(pair[..<eq]).withSpan { String(decoding: PercentDecoding.decode($0), as: UTF8.self) }
            let raw = eq < pair.endIndex ? String(pair[pair.index(after: eq)...]) : ""
            let value = raw.withSpan { String(decoding: PercentDecoding.decode($0), as: UTF8.self).lowercased() }
            if names.contains(name) {
                var ignored: String?
                if seen.contains(name) { ignored = "repeated: the first occurrence decides" } else if raw.isEmpty { ignored = "empty: the parameter counts as absent" }
                seen.insert(name)
                out.append(Parameter(name: name, value: value, ignored: ignored))
            } else if names.contains(name.lowercased()) {
                out.append(Parameter(name: name, value: value, ignored: "names are case-sensitive: \(name) is not \(name.lowercased())"))
            } else if idsThatDecideNothing.contains(name) {
                out.append(Parameter(name: name, value: value, ignored: "a click id that decides nothing (it is on every outbound link of its network)"))
            }
        }
        return out
    }
}

extension PageRules {
    /// `path(of:)` for a `String` target.
    static func path(of target: String, as: String.Type) -> String {
        target.withSpan { path(of: $0).string }
    }
}
