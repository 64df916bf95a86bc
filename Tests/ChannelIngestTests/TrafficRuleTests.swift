import XCTest
@testable import ChannelIngest

final class TrafficRuleTests: XCTestCase {
    static let bots = try! BotFilter.builtIn()

    func testBotFamilies() {
        let b = Self.bots
        XCTAssertGreaterThanOrEqual(b.patternCount, 150)
        XCTAssertEqual(b.family(of: ""), "empty-user-agent")
        XCTAssertEqual(b.family(of: "-"), "empty-user-agent")
        XCTAssertEqual(b.family(of: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), "search-crawler")
        XCTAssertEqual(b.family(of: "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"), "seo-tool")
        XCTAssertEqual(b.family(of: "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"), "monitor")
        XCTAssertEqual(b.family(of: "curl/8.5.0"), "http-library")
        XCTAssertEqual(b.family(of: "python-requests/2.31.0"), "http-library")
        XCTAssertEqual(b.family(of: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0 Safari/537.36"), "headless-browser")
        XCTAssertEqual(b.family(of: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"), "link-preview")
        XCTAssertEqual(b.family(of: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"), "ai-crawler")
        // No platform comment and no OS: a script, not a browser.
        XCTAssertEqual(b.family(of: "MyScraperThing 1.0"), "other-bot")
    }

    func testBrowsersAreNotBots() {
        for ua in [chrome, firefox,
                   "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
                   "Mozilla/5.0 (Linux; Android 10; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0 Mobile Safari/537.36",
                   "Dalvik/2.1.0 (Linux; U; Android 9; SM-G960F Build/PPR1.180610.011)"] {
            XCTAssertNil(Self.bots.family(of: ua), ua)
        }
    }

    func testPageviewRules() {
        let r = PageRules(excludedPrefixes: ["/api/"])
        func pv(_ m: String, _ s: Int, _ t: String) -> Bool {
            m.withSpan { ms in t.withSpan { r.isPageview(method: ms, status: s, target: $0) } }
        }
        XCTAssertTrue(pv("GET", 200, "/"))
        XCTAssertTrue(pv("GET", 204, "/pricing?x=1.css"))      // the extension is the path's, not the query's
        XCTAssertTrue(pv("GET", 200, "/v1.2/docs"))            // a dot in a folder is no extension
        XCTAssertTrue(pv("GET", 200, "/file.html"))
        XCTAssertFalse(pv("GET", 200, "/static/app.CSS"))
        XCTAssertFalse(pv("GET", 200, "/img/a.jpeg"))
        XCTAssertFalse(pv("GET", 200, "/fonts/x.woff2"))
        XCTAssertFalse(pv("GET", 200, "/sitemap.xml"))
        XCTAssertFalse(pv("GET", 304, "/"))
        XCTAssertFalse(pv("GET", 404, "/"))
        XCTAssertFalse(pv("POST", 200, "/"))
        XCTAssertFalse(pv("HEAD", 200, "/"))
        XCTAssertFalse(pv("GET", 200, "/api/status"))
        XCTAssertTrue(pv("GET", 200, "http://example.com/about"))
        XCTAssertFalse(pv("GET", 200, "http://example.com/a.js"))
    }

    func testVisitorKeysAreKeyed() {
        let k1 = VisitorKeyer(k0: 1, k1: 2), k2 = VisitorKeyer(k0: 3, k1: 4)
        let a = "203.0.113.9".withSpan { k1.visitor(client: $0, userAgentHash: 7) }
        XCTAssertEqual(a, "203.0.113.9".withSpan { k1.visitor(client: $0, userAgentHash: 7) })
        XCTAssertNotEqual(a, "203.0.113.9".withSpan { k2.visitor(client: $0, userAgentHash: 7) })
        XCTAssertNotEqual(a, "203.0.113.9".withSpan { k1.visitor(client: $0, userAgentHash: 8) })
        XCTAssertNotEqual(a, "203.0.113.90".withSpan { k1.visitor(client: $0, userAgentHash: 7) })
    }

    func testSipHashReferenceVector() {
        // SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e → a129ca6149be45e5.
        let k0: UInt64 = 0x0706_0504_0302_0100, k1: UInt64 = 0x0F0E_0D0C_0B0A_0908
        var s = SipState(k0: k0, k1: k1)
        s.compress(0x0706_0504_0302_0100)
        s.compress(0x0F0E_0D0C_0B0A_0908 & 0x00FF_FFFF_FFFF_FFFF | (15 << 56))
        XCTAssertEqual(s.finalize(), 0xA129_CA61_49BE_45E5)
    }
}
