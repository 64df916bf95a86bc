import Foundation
import XCTest
@testable import ChannelIngest

/// `ingest explain`: one test per step kind (bot by list and by structure, click ids, utm,
/// msclkid, each list a referrer can be on, site and spam referrers), every channel rule by
/// number, and every case of the channel tests run through both explain and the pipeline.
final class ExplainTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func explain(_ landing: String, referrer: String? = nil, ua: String? = chrome, sites: [String] = ["example.com"],
                 configure: (inout IngestOptions) -> Void = { _ in }) throws -> HitExplanation {
        var o = IngestOptions()
        o.siteHosts = sites
        configure(&o)
        return try HitExplanation.make(landing: landing, referrer: referrer, userAgent: ua, options: o)
    }

    /// The line of a list file whose entry is `pattern` (its first word), found by reading the
    /// file here, not through the code under test.
    func line(of pattern: String, in file: String) throws -> String {
        let dir = file == "bots.txt" ? "Traffic/BotList" : "Channels/Lists"
        let text = try String(contentsOf: Self.root.appendingPathComponent("Sources/ChannelIngest/\(dir)/\(file)"), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let n = lines.firstIndex { $0.split(separator: " ").first.map(String.init) == pattern }!
        return "\(file):\(n + 1)"
    }

    // MARK: every rule by number

    func testEveryRuleByNumberAndUnassigned() throws {
        let cases: [(String, String?, Int?, String)] = [
            ("/", nil, 1, "Direct"),
            ("/?utm_source=google&utm_medium=cpc&utm_campaign=pmax+cross-network", nil, 2, "Cross-network"),
            ("/?utm_source=google&utm_medium=cpc&utm_campaign=summer+shopping", nil, 3, "Paid Shopping"),
            ("/?gclid=abc", nil, 4, "Paid Search"),
            ("/?utm_source=facebook&utm_medium=paid_social", nil, 5, "Paid Social"),
            ("/?utm_source=youtube&utm_medium=cpv", nil, 6, "Paid Video"),
            ("/?utm_source=gdn&utm_medium=display", nil, 7, "Display"),
            ("/?utm_source=partner&utm_medium=retargeting", nil, 8, "Paid Other"),
            ("/", "https://www.etsy.com/listing/1", 9, "Organic Shopping"),
            ("/", "https://l.facebook.com/l.php?u=x", 10, "Organic Social"),
            ("/", "https://www.youtube.com/watch?v=1", 11, "Organic Video"),
            ("/", "https://www.google.com/", 12, "Organic Search"),
            ("/", "https://blog.somewhere.org/post", 13, "Referral"),
            ("/", "https://mail.google.com/mail/u/0/", 14, "Email"),
            ("/?utm_source=partner&utm_medium=affiliate", nil, 15, "Affiliates"),
            ("/?utm_source=spotify&utm_medium=audio", nil, 16, "Audio"),
            ("/?utm_source=sms&utm_medium=text", nil, 17, "SMS"),
            ("/?utm_source=app&utm_medium=web_push", nil, 18, "Mobile Push Notifications"),
            ("/?utm_source=flyer&utm_medium=print", nil, nil, "Unassigned"),
        ]
        for (landing, referrer, number, channel) in cases {
            let e = try explain(landing, referrer: referrer)
            XCTAssertEqual(e.matchedRule?.number, number, landing)
            XCTAssertEqual(e.channel.name, channel, landing)
            // The rules shown are every one up to the match (all 18 for Unassigned), only the last matching.
            XCTAssertEqual(e.rules.map(\.rule.number), Array(1...(number ?? 18)), landing)
            XCTAssertEqual(e.rules.filter(\.matches).map(\.rule.number), number.map { [$0] } ?? [], landing)
            if let number {
                XCTAssertTrue(e.text.contains("\(channel) — rule \(number) \(channel): "), e.text)
            } else {
                XCTAssertTrue(e.text.contains("Unassigned — none of the 18 rules matched"), e.text)
            }
            let json = try JSONSerialization.jsonObject(with: Data(e.json.utf8)) as! [String: Any]
            XCTAssertEqual(json["channel"] as? String, channel)
            XCTAssertEqual((json["rule"] as? [String: Any])?["number"] as? Int, number)
            XCTAssertEqual((json["rules"] as? [Any])?.count, number ?? 18)
        }
    }

    // MARK: the same answers as the pipeline

    /// Every (source, medium, campaign) case of `ChannelTests` as a tagged landing.
    func testEveryRuleCaseOfTheChannelTestsAgrees() throws {
        let rules = ChannelRules(lists: ChannelTests.lists)
        for c in ChannelCases.rules {
            func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
            var q = ["utm_source=\(enc(c.source))", "utm_medium=\(enc(c.medium))"]
            if c.campaign != "(not set)" { q.append("utm_campaign=\(enc(c.campaign))") }
            let e = try explain("/?" + q.joined(separator: "&"))
            XCTAssertEqual(e.decidedBy, .utm)
            XCTAssertEqual([e.source, e.medium, e.campaignName], [c.source, c.medium, c.campaign])
            XCTAssertEqual(e.channel.name, c.channel, "\(c)")
            XCTAssertEqual(e.channel, rules.channel(source: c.source, medium: c.medium, campaign: c.campaign))
            XCTAssertEqual(e.matchedRule?.channel ?? .unassigned, e.channel)
        }
    }

    /// Every referrer case of `ChannelTests` (but those that need a vhost) on a bare landing.
    func testEveryReferrerCaseOfTheChannelTestsAgrees() throws {
        var n = 0
        for (_, cases) in ChannelCases.referrers {
            for c in cases where c.host.isEmpty {
                let e = try explain("/", referrer: c.referrer)
                let said: String
                switch (e.outcome, e.referrer.reading.verdict) {
                case (.spamHit, .spam): said = "spam"
                case (_, .none): said = "none"
                case (_, .site), (_, .ignored): said = "internal"
                default: said = "\(e.source) / \(e.medium) → \(e.channel.name)"
                }
                XCTAssertEqual(said, c.expected, c.referrer)
                if said == "none" || said == "internal" {
                    XCTAssertEqual(e.decidedBy, .direct, c.referrer)
                    XCTAssertEqual(e.matchedRule?.number, 1, c.referrer)
                }
                n += 1
            }
        }
        XCTAssertEqual(n, 42)
    }

    // MARK: the User-Agent

    func testBotByListNamesTheEntry() throws {
        let e = try explain("/", ua: "curl/8.4.0")
        XCTAssertEqual(e.userAgent.family, "http-library")
        XCTAssertEqual(e.userAgent.reason, .pattern(pattern: "curl/", origin: try line(of: "curl/", in: "bots.txt")))
        XCTAssertEqual(e.outcome, .botHit)
        XCTAssertTrue(e.text.contains("bot (http-library): matches `curl/` (bots.txt:"), e.text)
    }

    func testBotByStructure() throws {
        let e = try explain("/", ua: "Qwerty/2.1")
        XCTAssertEqual(e.userAgent.family, "other-bot")
        XCTAssertEqual(e.userAgent.reason, .structure)
        XCTAssertEqual(e.outcome, .botHit)
    }

    func testBrowsersEmptyAgentsAndExceptions() throws {
        let browser = try explain("/", ua: chrome)
        XCTAssertNil(browser.userAgent.family)
        XCTAssertEqual(browser.userAgent.reason, .browser(evidence: "a (platform; …) comment"))
        XCTAssertEqual(browser.outcome, .session)
        let empty = try explain("/", ua: "-")
        XCTAssertEqual(empty.userAgent.family, "empty-user-agent")
        XCTAssertEqual(empty.userAgent.reason, .empty)
        // "Cubot" contains "bot": the not-a-bot entry decides first.
        let phone = try explain("/", ua: "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 Chrome/96.0 Mobile Safari/537.36")
        XCTAssertNil(phone.userAgent.family)
        XCTAssertEqual(phone.userAgent.reason, .exception(pattern: "cubot", origin: try line(of: "cubot", in: "bots.txt")))
        let none = try explain("/", ua: nil)
        XCTAssertNil(none.userAgent.reason)
        XCTAssertEqual(none.outcome, .session)
        XCTAssertTrue(none.text.contains("none given: the bot rule is skipped"), none.text)
    }

    func testConfigBotEntriesAreNamed() throws {
        let e = try explain("/", ua: "Mozilla/5.0 (X11; Linux x86_64) acme-healthcheck/2") {
            $0.extraBots = ["monitor": ["acme-healthcheck/"]]
            $0.configOrigin = "ingest.toml"
        }
        XCTAssertEqual(e.userAgent.family, "monitor")
        XCTAssertEqual(e.userAgent.reason, .pattern(pattern: "acme-healthcheck/", origin: "ingest.toml [bots] monitor, entry 1"))
    }

    // MARK: campaign parameters

    func testClickIDsAndUTM() throws {
        let g = try explain("/?utm_source=newsletter&utm_campaign=x&gclid=abc")
        XCTAssertEqual(g.campaign.decider, .googleClickID)
        XCTAssertEqual(g.decidedBy, .googleClickID)
        XCTAssertEqual([g.source, g.medium, g.campaignName], ["google", "cpc", "(not set)"])
        XCTAssertEqual(g.campaign.parameters.map(\.name), ["utm_source", "utm_campaign", "gclid"])

        let m = try explain("/?msclkid=1", referrer: "https://www.bing.com/")
        XCTAssertEqual(m.decidedBy, .microsoftClickID)
        XCTAssertEqual([m.source, m.medium], ["bing", "cpc"])
        XCTAssertFalse(m.referrer.used)
        XCTAssertEqual(m.matchedRule?.number, 4)

        let u = try explain("/?utm_source=Newsletter&utm_medium=E-Mail&fbclid=x&UTM_CAMPAIGN=y&utm_source=other", referrer: "https://l.facebook.com/")
        XCTAssertEqual(u.decidedBy, .utm)
        XCTAssertEqual([u.source, u.medium, u.campaignName], ["newsletter", "e-mail", "(not set)"])
        XCTAssertEqual(u.channel, .email)
        XCTAssertEqual(u.matchedRule?.number, 14)
        XCTAssertEqual(u.campaign.parameters.map(\.name), ["utm_source", "utm_medium", "fbclid", "UTM_CAMPAIGN", "utm_source"])
        XCTAssertEqual(u.campaign.parameters.map { $0.ignored != nil }, [false, false, true, true, true])
        XCTAssertEqual(u.campaign.parameters[4].ignored, "repeated: the first occurrence decides")
        XCTAssertTrue(u.text.contains("(not read for the source: campaign parameters decide)"), u.text)
    }

    // MARK: referrers by list

    func testReferrersOnEachList() throws {
        let cases: [(String, SourceCategory, String, String, String)] = [
            ("https://www.google.com/", .search, "google.*", "search.txt", "Organic Search"),
            ("https://de-de.facebook.com/groups/x", .social, "*.facebook.com", "social.txt", "Organic Social"),
            ("https://www.youtube.com/watch?v=1", .video, "youtube.com", "video.txt", "Organic Video"),
            ("https://www.etsy.com/listing/1", .shopping, "etsy.com", "shopping.txt", "Organic Shopping"),
            ("https://mail.google.com/", .webmail, "mail.google.com", "webmail.txt", "Email"),
        ]
        for (ref, category, pattern, file, channel) in cases {
            let e = try explain("/", referrer: ref)
            XCTAssertEqual(e.referrer.reading.verdict, .listed, ref)
            XCTAssertEqual(e.referrer.reading.entry?.category, category, ref)
            XCTAssertEqual(e.referrer.reading.entry?.pattern, pattern, ref)
            XCTAssertEqual(e.referrer.reading.entry?.origin, try line(of: pattern, in: file), ref)
            XCTAssertEqual(e.decidedBy, .referrer)
            XCTAssertEqual(e.channel.name, channel, ref)
        }
    }

    func testUnwantedSpamAndSiteReferrers() throws {
        let pay = try explain("/thanks", referrer: "https://www.paypal.com/checkoutnow")
        XCTAssertEqual(pay.referrer.reading.verdict, .ignored)
        XCTAssertEqual(pay.referrer.reading.entry?.origin, try line(of: "paypal.com", in: "unwanted.txt"))
        XCTAssertEqual(pay.channel, .direct)

        let spam = try explain("/", referrer: "http://semalt.com/")
        XCTAssertEqual(spam.referrer.reading.verdict, .spam)
        XCTAssertEqual(spam.referrer.reading.entry?.origin, try line(of: "semalt.com", in: "spam.txt"))
        XCTAssertEqual(spam.outcome, .spamHit)

        let site = try explain("https://www.example.com/pricing", referrer: "https://blog.example.com/post")
        XCTAssertEqual(site.referrer.reading.verdict, .site)
        XCTAssertEqual(site.referrer.reading.host, "blog.example.com")
        XCTAssertEqual(site.landing.isSiteHost, true)
        XCTAssertEqual(site.channel, .direct)
        XCTAssertEqual(site.matchedRule?.number, 1)

        // Without --site the landing's own host is a referral, and explain says what to pass.
        let noSite = try explain("https://www.shop.test/a", referrer: "https://www.shop.test/b", sites: [])
        XCTAssertEqual(noSite.channel, .referral)
        XCTAssertEqual(noSite.notes.count, 1)
        XCTAssertTrue(noSite.notes[0].contains("pass --site shop.test"), noSite.notes[0])
        // A bare path with no site at all: the landing's host is unknown, and the same advice.
        let bare = try explain("/a", referrer: "https://www.shop.test/b", sites: [])
        XCTAssertEqual(bare.channel, .referral)
        XCTAssertEqual(bare.matchedRule?.number, 13)
        XCTAssertEqual(bare.notes.count, 2)
        XCTAssertTrue(bare.notes[1].contains("pass --site shop.test"), bare.notes[1])

        let none = try explain("/", referrer: "about:blank")
        XCTAssertEqual(none.referrer.reading.verdict, .none)
        XCTAssertEqual(none.channel, .direct)
    }

    func testConfigSourceEntriesAreNamed() throws {
        let e = try explain("/", referrer: "https://search.intranet-portal.net/?q=x") {
            $0.extraSources = [.search: ["search.intranet-portal.net portal"]]
            $0.configOrigin = "ingest.toml"
        }
        XCTAssertEqual(e.source, "portal")
        XCTAssertEqual(e.channel, .organicSearch)
        XCTAssertEqual(e.referrer.reading.entry?.origin, "ingest.toml [sources] search:1")
    }

    func testLandingForms() throws {
        let bare = try explain("/pricing?x=1")
        XCTAssertEqual(bare.landing.host, "example.com")
        XCTAssertEqual(bare.landing.path, "/pricing")
        XCTAssertTrue(bare.landing.isPageview)
        let asset = try explain("https://example.com/app.css")
        XCTAssertFalse(asset.landing.isPageview)
        XCTAssertEqual(asset.outcome, .notPageview)
        let query = try explain("https://example.com?utm_source=a&utm_medium=sms")
        XCTAssertEqual(query.landing.target, "/?utm_source=a&utm_medium=sms")
        XCTAssertEqual(query.channel, .sms)
        let excluded = try explain("/api/items") { $0.excludedPathPrefixes = ["/api/"] }
        XCTAssertEqual(excluded.landing.notPageview, "under an excluded path prefix")
    }

    func testJSONKeys() throws {
        let e = try explain("/?utm_source=newsletter&utm_medium=email", referrer: "https://mail.google.com/", ua: "curl/8")
        let o = try JSONSerialization.jsonObject(with: Data(e.json.utf8)) as! [String: Any]
        XCTAssertEqual(Set(o.keys), ["landing", "user_agent", "campaign", "referrer", "decided_by", "source", "medium", "campaign_name",
                                     "facts", "rules", "rule", "channel", "outcome", "notes"])
        XCTAssertEqual(o["decided_by"] as? String, "utm")
        XCTAssertEqual(o["outcome"] as? String, "bot-hit")
        let ua = o["user_agent"] as! [String: Any]
        XCTAssertEqual(ua["reason"] as? String, "bot-list")
        XCTAssertEqual(ua["family"] as? String, "http-library")
        let ref = o["referrer"] as! [String: Any]
        XCTAssertEqual(ref["verdict"] as? String, "listed")
        XCTAssertEqual(ref["used"] as? Bool, false)
        XCTAssertEqual((ref["entry"] as? [String: Any])?["list"] as? String, "webmail")
        XCTAssertEqual((o["campaign"] as? [String: Any])?["decided_by"] as? String, "utm")
    }
}
