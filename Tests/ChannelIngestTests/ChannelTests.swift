import XCTest
@testable import ChannelIngest

final class ChannelTests: XCTestCase {
    static let lists = try! SourceLists.builtIn()
    var sources: TrafficSources!
    var classifier: ReferrerClassifier!

    override func setUp() {
        sources = TrafficSources(rules: ChannelRules(lists: Self.lists))
        classifier = ReferrerClassifier(lists: Self.lists, sources: sources, siteHosts: ["example.com"])
    }

    /// (source, medium, channel) for a referrer, or nil / "internal" / "spam".
    private func ref(_ r: String, host: String = "") -> String {
        let o = r.withSpan { rs in host.withSpan { classifier.origin(referrer: rs, requestHost: $0) } }
        switch o {
        case ReferrerClassifier.none: return "none"
        case ReferrerClassifier.internalHost: return "internal"
        case ReferrerClassifier.spam: return "spam"
        default:
            let s = sources.all[Int(o)]
            return "\(s.source) / \(s.medium) → \(sources.channel(o).name)"
        }
    }

    func testSearchEngines() {
        for c in ChannelCases.referrers["testSearchEngines"]! { XCTAssertEqual(ref(c.referrer, host: c.host), c.expected, c.referrer) }
    }

    func testRegistrableDomainDoesNotMatchSubdomains() {
        for c in ChannelCases.referrers["testRegistrableDomainDoesNotMatchSubdomains"]! { XCTAssertEqual(ref(c.referrer, host: c.host), c.expected, c.referrer) }
    }

    func testSocialNetworks() {
        for c in ChannelCases.referrers["testSocialNetworks"]! { XCTAssertEqual(ref(c.referrer, host: c.host), c.expected, c.referrer) }
    }

    func testVideoAIAndPlainReferrals() {
        for c in ChannelCases.referrers["testVideoAIAndPlainReferrals"]! { XCTAssertEqual(ref(c.referrer, host: c.host), c.expected, c.referrer) }
    }

    func testSiteHostsPaymentAndSpam() {
        for c in ChannelCases.referrers["testSiteHostsPaymentAndSpam"]! { XCTAssertEqual(ref(c.referrer, host: c.host), c.expected, c.referrer) }
    }

    func testReferrerNormalization() {
        for c in ChannelCases.referrers["testReferrerNormalization"]! { XCTAssertEqual(ref(c.referrer, host: c.host), c.expected, c.referrer) }
    }

    func testHostPathEntries() {
        for c in ChannelCases.referrers["testHostPathEntries"]! { XCTAssertEqual(ref(c.referrer, host: c.host), c.expected, c.referrer) }
    }

    // MARK: campaign parameters

    private func tags(_ target: String) -> CampaignParameters? {
        target.withSpan { CampaignParameters.parse(target: $0) }
    }

    func testUTMValuesAreDecodedAndLowercased() {
        XCTAssertEqual(tags("/?utm_source=FaceBook&utm_medium=Paid_Social&utm_campaign=Spring+Sale%21"),
                       CampaignParameters(source: "facebook", medium: "paid_social", campaign: "spring sale!"))
        XCTAssertEqual(tags("/?utm_term=shoes"), CampaignParameters(source: "(not set)", medium: "(not set)", campaign: "(not set)"))
    }

    /// The stage keeps a landing's traffic source by the raw bytes that decide it: equal keys
    /// only where `decide` gives equal values, and the hit's source is the one `decide` names.
    func testCampaignDecisionKeys() {
        func key(_ query: String) -> UInt64? { query.withSpan { CampaignParameters.decisionKey(CampaignParameters.values(in: $0)) } }
        // Only the raw source, medium and campaign (and which rule decides) make the key.
        XCTAssertEqual(key("utm_source=a&utm_medium=b&utm_term=x"), key("utm_term=y&utm_source=a&utm_medium=b&fbclid=1"))
        XCTAssertEqual(key("gclid=1&utm_source=a"), key("dclid=2"))
        XCTAssertEqual(key("msclkid=1"), key("msclkid=2"))
        XCTAssertNil(key("fbclid=1&q=x"))
        // Apart: another value, a value moved to another parameter, absent against present.
        let apart = ["utm_source=a", "utm_source=b", "utm_medium=a", "utm_campaign=a", "utm_source=a&utm_medium=b",
                     "utm_source=ab", "utm_term=x", "gclid=1", "msclkid=1", "utm_source=A"]
        XCTAssertEqual(Set(apart.compactMap(key)).count, apart.count)
        // Raw bytes apart that decode alike are one source; three visitors, three sessions.
        let job = try! runJob([[line("198.51.100.1", day0, "/?utm_source=News&utm_medium=Email"),
                                line("198.51.100.2", day0 + 60, "/?utm_source=news&utm_medium=email"),
                                line("198.51.100.3", day0 + 120, "/?utm_source=n%65ws&utm_medium=EMAIL&utm_term=x")]])
        let tagged = job.stage.sources.all.filter { $0.source == "news" }
        XCTAssertEqual(tagged.map(\.medium), ["email"])
        XCTAssertEqual(job.counts(.email)?.sessions, 3)
    }

    func testClickIds() {
        XCTAssertEqual(tags("/?utm_source=newsletter&utm_campaign=x&gclid=abc"),
                       CampaignParameters(source: "google", medium: "cpc", campaign: "(not set)"))
        XCTAssertEqual(tags("/?wbraid=1"), CampaignParameters(source: "google", medium: "cpc", campaign: "(not set)"))
        XCTAssertEqual(tags("/?msclkid=1"), CampaignParameters(source: "bing", medium: "cpc", campaign: "(not set)"))
        XCTAssertEqual(tags("/?msclkid=1&utm_source=bing&utm_medium=ppc"), CampaignParameters(source: "bing", medium: "ppc", campaign: "(not set)"))
        XCTAssertNil(tags("/?fbclid=IwAR0"))
        XCTAssertNil(tags("/?ttclid=1&q=x"))
    }

    func testFirstOccurrenceEmptyValuesCaseAndFragment() {
        XCTAssertEqual(tags("/?utm_source=a&utm_source=b")?.source, "a")
        // An empty first occurrence makes the parameter absent (the second is not read).
        XCTAssertNil(tags("/?utm_source=&utm_source=b"))
        XCTAssertNil(tags("/?UTM_SOURCE=x"))   // names match exactly
        XCTAssertNil(tags("/#utm_source=x"))
        XCTAssertNil(tags("/?q=1#utm_source=x"))
        XCTAssertEqual(tags("/?a=1&utm_medium=email#x")?.medium, "email")
    }

    /// Names are percent-decoded once before they are matched, as URLSearchParams reads them;
    /// still case-sensitive.
    func testParameterNamesArePercentDecoded() {
        XCTAssertEqual(tags("/?utm%5Fsource=news&utm%5fmedium=email"), CampaignParameters(source: "news", medium: "email", campaign: "(not set)"))
        XCTAssertEqual(tags("/?%75tm_campaign=spring"), CampaignParameters(source: "(not set)", medium: "(not set)", campaign: "spring"))
        XCTAssertEqual(tags("/?%67clid=1"), CampaignParameters(source: "google", medium: "cpc", campaign: "(not set)"))
        XCTAssertNil(tags("/?UTM%5FSOURCE=x"))           // decoded, and still not utm_source
        XCTAssertNil(tags("/?utm%255Fsource=x"))         // decoded once: utm%5Fsource is no name
        XCTAssertNil(tags("/?utm%5source=x"))            // a broken escape stays as it is
        // The first occurrence decides, whichever way it is written.
        XCTAssertEqual(tags("/?utm%5Fsource=a&utm_source=b")?.source, "a")
        XCTAssertEqual(tags("/?utm_source=a&utm%5Fsource=b")?.source, "a")
    }

    // MARK: channel rules

    private func channel(_ s: String, _ m: String, _ c: String = "(not set)") -> String {
        ChannelRules(lists: Self.lists).channel(source: s, medium: m, campaign: c).name
    }

    func testEveryChannel() {
        for c in ChannelCases.rules { XCTAssertEqual(channel(c.source, c.medium, c.campaign), c.channel, "\(c)") }
    }

    func testShoppingCampaignPattern() {
        XCTAssertTrue(ChannelRules.isShoppingCampaign("shop"))
        XCTAssertTrue(ChannelRules.isShoppingCampaign("e-shop"))
        XCTAssertTrue(ChannelRules.isShoppingCampaign("eshop"))      // 'e' is outside [a-df-z]
        XCTAssertTrue(ChannelRules.isShoppingCampaign("my shopping list"))
        XCTAssertFalse(ChannelRules.isShoppingCampaign("workshop"))
        XCTAssertFalse(ChannelRules.isShoppingCampaign("(organic)"))
    }

    func testListsAreBigEnough() {
        XCTAssertGreaterThanOrEqual(Self.lists.entryCount[.search] ?? 0, 150)
        XCTAssertGreaterThanOrEqual(Self.lists.entryCount[.social] ?? 0, 100)
    }

    /// Answers are remembered per whole referrer (and request host): a path that changes the
    /// source, and a request host that makes a referrer internal, still count on every repeat,
    /// and every repeat counts as a hit of its referring host.
    func testRepeatedReferrersKeepTheirAnswers() throws {
        let lists = SourceLists()
        try lists.add(text: "example.org  exsocial", category: .social, origin: "test")
        try lists.add(text: "example.org/shop  exshop", category: .shopping, origin: "test")
        let sources = TrafficSources(rules: ChannelRules(lists: lists))
        let c = ReferrerClassifier(lists: lists, sources: sources, siteHosts: [])
        let ask = { (r: String, host: String) -> String in
            let o = r.withSpan { rs in host.withSpan { c.origin(referrer: rs, requestHost: $0) } }
            return o == ReferrerClassifier.internalHost ? "internal" : o < 0 ? "none" : "\(sources.all[Int(o)].source) / \(sources.all[Int(o)].medium)"
        }
        for _ in 0..<3 {
            XCTAssertEqual(ask("https://example.org/shop/item", ""), "exshop / referral")
            XCTAssertEqual(ask("https://example.org/blog", ""), "exsocial / social")
            XCTAssertEqual(ask("https://shop.example.net/a", "shop.example.net"), "internal")
            XCTAssertEqual(ask("https://shop.example.net/a", "other.example.net"), "shop.example.net / referral")
            XCTAssertEqual(ask("https://shop.example.net/a", ""), "shop.example.net / referral")
        }
        // example.org: 6 hits; shop.example.net: 6 as an outside referrer (internal ones aren't hits).
        let top = try XCTUnwrap(c.mostFrequentExternalHost())
        XCTAssertEqual(top.hits, 6)
    }
}
