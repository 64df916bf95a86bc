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
        XCTAssertEqual(ref("https://www.google.co.uk/"), "google / organic → Organic Search")
        XCTAssertEqual(ref("https://www.google.com.br/search?q=x"), "google / organic → Organic Search")
        XCTAssertEqual(ref("http://www.google.de"), "google / organic → Organic Search")
        XCTAssertEqual(ref("https://news.google.com/articles/x"), "google / organic → Organic Search")
        XCTAssertEqual(ref("https://www.bing.com/search?q=x"), "bing / organic → Organic Search")
        XCTAssertEqual(ref("https://duckduckgo.com/"), "duckduckgo / organic → Organic Search")
        XCTAssertEqual(ref("https://search.brave.com/search?q=x"), "brave / organic → Organic Search")
        XCTAssertEqual(ref("https://yandex.ru/search/?text=x"), "yandex / organic → Organic Search")
        XCTAssertEqual(ref("https://es.search.yahoo.com/search"), "yahoo / organic → Organic Search")
        XCTAssertEqual(ref("android-app://com.google.android.googlequicksearchbox/https/www.google.com"), "google / organic → Organic Search")
    }

    func testRegistrableDomainDoesNotMatchSubdomains() {
        XCTAssertEqual(ref("https://docs.google.com/document/d/1"), "docs.google.com / referral → Referral")
        XCTAssertEqual(ref("https://mail.google.com/mail/u/0/"), "mail.google.com / email → Email")
        // Not a country domain of Google: `google.*` covers TLDs only.
        XCTAssertEqual(ref("https://google.evil-example.net/"), "google.evil-example.net / referral → Referral")
    }

    func testSocialNetworks() {
        XCTAssertEqual(ref("https://l.facebook.com/l.php?u=x"), "facebook / social → Organic Social")
        XCTAssertEqual(ref("https://m.facebook.com/"), "facebook / social → Organic Social")
        XCTAssertEqual(ref("https://t.co/abc"), "twitter / social → Organic Social")
        XCTAssertEqual(ref("https://x.com/someone"), "twitter / social → Organic Social")
        XCTAssertEqual(ref("https://lnkd.in/e123"), "linkedin / social → Organic Social")
        XCTAssertEqual(ref("android-app://com.linkedin.android/"), "linkedin / social → Organic Social")
        XCTAssertEqual(ref("https://out.reddit.com/t3_x"), "reddit / social → Organic Social")
        XCTAssertEqual(ref("https://bsky.app/profile/x"), "bsky.app / social → Organic Social")
    }

    func testVideoAIAndPlainReferrals() {
        XCTAssertEqual(ref("https://www.youtube.com/watch?v=1"), "youtube / referral → Organic Video")
        XCTAssertEqual(ref("https://chatgpt.com/"), "chatgpt.com / referral → Referral")
        XCTAssertEqual(ref("https://blog.somewhere.org/post"), "blog.somewhere.org / referral → Referral")
    }

    func testSiteHostsPaymentAndSpam() {
        XCTAssertEqual(ref("https://www.example.com/pricing"), "internal")
        XCTAssertEqual(ref("https://example.com/"), "internal")
        XCTAssertEqual(ref("https://blog.example.com/"), "internal")
        XCTAssertEqual(ref("https://notexample.com/"), "notexample.com / referral → Referral")
        XCTAssertEqual(ref("https://www.paypal.com/checkoutnow"), "internal")
        XCTAssertEqual(ref("https://checkout.stripe.com/pay"), "internal")
        XCTAssertEqual(ref("http://semalt.com/"), "spam")
        // The request's own vhost counts as internal even without --site.
        XCTAssertEqual(ref("https://shop.other.org/a", host: "shop.other.org"), "internal")
    }

    func testReferrerNormalization() {
        XCTAssertEqual(ref("https://user:pw@WWW.Google.COM:443/"), "google / organic → Organic Search")
        XCTAssertEqual(ref("https://www.bing.com./"), "bing / organic → Organic Search")
        XCTAssertEqual(ref("-"), "none")
        XCTAssertEqual(ref(""), "none")
        XCTAssertEqual(ref("www.google.com"), "none")
        XCTAssertEqual(ref("about:blank"), "none")
        XCTAssertEqual(ref("ftp://example.org/"), "none")
        XCTAssertEqual(ref("https://"), "none")
    }

    func testHostPathEntries() {
        // `google.*/imgres` names Google Images; the host alone is Google search too.
        XCTAssertEqual(ref("https://www.google.fr/imgres?imgurl=x"), "google / organic → Organic Search")
        XCTAssertEqual(ref("https://webmail1m.orange.fr/webmail/fr_FR/read.html"), "webmail1m.orange.fr / email → Email")
        XCTAssertEqual(ref("https://webmail1m.orange.fr/other"), "webmail1m.orange.fr / referral → Referral")
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

    // MARK: channel rules

    private func channel(_ s: String, _ m: String, _ c: String = "(not set)") -> String {
        ChannelRules(lists: Self.lists).channel(source: s, medium: m, campaign: c).name
    }

    func testEveryChannel() {
        XCTAssertEqual(channel("(direct)", "(none)"), "Direct")
        XCTAssertEqual(channel("(direct)", "(not set)"), "Direct")
        XCTAssertEqual(channel("google", "cpc", "pmax cross-network"), "Cross-network")
        XCTAssertEqual(channel("google", "cpc", "summer shopping"), "Paid Shopping")
        XCTAssertEqual(channel("amazon.com", "cpc"), "Paid Shopping")
        XCTAssertEqual(channel("google", "cpc"), "Paid Search")
        XCTAssertEqual(channel("facebook", "paid_social"), "Paid Social")
        XCTAssertEqual(channel("fb", "ppc"), "Paid Social")
        XCTAssertEqual(channel("youtube", "cpv"), "Paid Video")
        XCTAssertEqual(channel("gdn", "display"), "Display")
        // cpm is PAID too, but rule 7 (Display) comes before rule 8 (Paid Other).
        XCTAssertEqual(channel("gdn", "cpm"), "Display")
        XCTAssertEqual(channel("partner", "banner"), "Display")
        XCTAssertEqual(channel("partner", "retargeting"), "Paid Other")
        XCTAssertEqual(channel("etsy.com", "referral"), "Organic Shopping")
        XCTAssertEqual(channel("newsletter", "email", "eshop-launch"), "Organic Shopping")
        XCTAssertEqual(channel("instagram", "referral"), "Organic Social")
        XCTAssertEqual(channel("anything", "social-network"), "Organic Social")
        XCTAssertEqual(channel("vimeo", "referral"), "Organic Video")
        XCTAssertEqual(channel("anything", "video-ad"), "Organic Video")
        XCTAssertEqual(channel("ecosia", "referral"), "Organic Search")
        XCTAssertEqual(channel("anything", "organic"), "Organic Search")
        XCTAssertEqual(channel("blog.org", "referral"), "Referral")
        XCTAssertEqual(channel("app", "app"), "Referral")
        XCTAssertEqual(channel("newsletter", "email"), "Email")
        XCTAssertEqual(channel("e-mail", "whatever"), "Email")
        XCTAssertEqual(channel("partner", "affiliate"), "Affiliates")
        XCTAssertEqual(channel("spotify", "audio"), "Audio")
        XCTAssertEqual(channel("sms", "text"), "SMS")
        XCTAssertEqual(channel("app", "web_push"), "Mobile Push Notifications")
        XCTAssertEqual(channel("firebase", "x"), "Mobile Push Notifications")
        XCTAssertEqual(channel("flyer", "print"), "Unassigned")
        XCTAssertEqual(channel("(not set)", "(not set)"), "Unassigned")
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
