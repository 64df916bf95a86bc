import XCTest
@testable import ChannelIngest

/// Goals, conversions and the six attribution models, on histories worked out by hand.
final class ConversionTests: XCTestCase {
    let day: Int64 = 86400

    func testModelsOnThreeSessions() {
        // Search 14 days before the conversion, social 7 days before, direct at the conversion.
        let t: Int64 = 1_000_000_000
        let c = [AttributionModel.Candidate(start: t - 14 * day, isDirect: false),
                 .init(start: t - 7 * day, isDirect: false),
                 .init(start: t, isDirect: true)]
        XCTAssertEqual(AttributionModel.lastNonDirect.credits(c, conversionTime: t), [0, 1, 0])
        XCTAssertEqual(AttributionModel.last.credits(c, conversionTime: t), [0, 0, 1])
        XCTAssertEqual(AttributionModel.first.credits(c, conversionTime: t), [1, 0, 0])
        XCTAssertEqual(AttributionModel.linear.credits(c, conversionTime: t), [1.0 / 3, 1.0 / 3, 1.0 / 3])
        XCTAssertEqual(AttributionModel.position.credits(c, conversionTime: t), [0.4, 0.2, 0.4])
        // Weights 1/4, 1/2, 1 (halving every 7 days) → 1/7, 2/7, 4/7.
        let td = AttributionModel.timeDecay.credits(c, conversionTime: t)
        XCTAssertEqual(td[0], 1.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(td[1], 2.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(td[2], 4.0 / 7, accuracy: 1e-12)
    }

    func testPositionWithOneTwoAndFourSessions() {
        let one = [AttributionModel.Candidate(start: 0, isDirect: false)]
        XCTAssertEqual(AttributionModel.position.credits(one, conversionTime: 0), [1])
        XCTAssertEqual(AttributionModel.position.credits(one + one, conversionTime: 0), [0.5, 0.5])
        XCTAssertEqual(AttributionModel.position.credits(one + one + one + one, conversionTime: 0), [0.4, 0.1, 0.1, 0.4])
        XCTAssertEqual(AttributionModel.lastNonDirect.credits([.init(start: 0, isDirect: true), .init(start: 1, isDirect: true)], conversionTime: 2), [0, 1])
        XCTAssertEqual(AttributionModel.linear.credits([], conversionTime: 0), [])
    }

    /// The same history through the whole pipeline: visitor A searches (91 days before — outside
    /// the window — and 14 days before), clicks a tweet 7 days before, and converts on a direct
    /// visit; visitor B has only direct sessions.
    func testAttributionTableOnAHandWorkedHistory() throws {
        let t = day0 + 100 * day
        let a = "198.51.100.10", b = "198.51.100.20"
        let lines = [
            line(a, t - 91 * day, "/", ref: "https://www.google.com/"),
            line(a, t - 14 * day, "/", ref: "https://www.google.de/"),
            line(a, t - 7 * day, "/blog", ref: "https://t.co/x"),
            line(b, t - day, "/"),
            line(a, t, "/thank-you"),
            line(b, t + 5, "/thank-you"),
        ]
        let job = try runJob([lines], configure: {
            $0.goals = [Goal(name: "purchase", method: "GET", path: "/thank-you", value: 100)]
        })
        func credit(_ ch: Channel, _ m: AttributionModel) -> Double { job.aggregates.credited(ch, model: m).conversions }
        XCTAssertEqual(credit(.organicSocial, .lastNonDirect), 1)
        XCTAssertEqual(credit(.direct, .lastNonDirect), 1)
        XCTAssertEqual(credit(.organicSearch, .lastNonDirect), 0)
        XCTAssertEqual(credit(.direct, .last), 2)
        XCTAssertEqual(credit(.organicSearch, .first), 1)   // the search 91 days before is outside
        XCTAssertEqual(credit(.direct, .first), 1)
        XCTAssertEqual(credit(.organicSearch, .linear), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(credit(.direct, .linear), 4.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(credit(.organicSearch, .position), 0.4, accuracy: 1e-12)
        XCTAssertEqual(credit(.organicSocial, .position), 0.2, accuracy: 1e-12)
        XCTAssertEqual(credit(.direct, .position), 1.4, accuracy: 1e-12)
        XCTAssertEqual(credit(.organicSearch, .timeDecay), 1.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(credit(.organicSocial, .timeDecay), 2.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(credit(.direct, .timeDecay), 1 + 4.0 / 7, accuracy: 1e-12)
        for m in AttributionModel.allCases {
            let total = Channel.allCases.reduce(0.0) { $0 + credit($1, m) }
            XCTAssertEqual(total, 2, accuracy: 1e-9, m.rawValue)     // each conversion's credits sum to 1
        }
        // The main tables use last-non-direct: value follows the credit.
        XCTAssertEqual(job.counts(.organicSocial)?.conversions, 1)
        XCTAssertEqual(job.counts(.organicSocial)?.value, 100)
        XCTAssertEqual(job.counts(.organicSearch)?.conversions, 0)
        XCTAssertEqual(job.stats.conversions, 2)

        let tables = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats)
        XCTAssertTrue(tables.attribution.render().contains("Organic Social,time-decay,0.29,28.57\r\n"))
        XCTAssertTrue(tables.conversions.render().contains("Organic Social,purchase,1,1.00,1.0000,100.00\r\n"))
        // Conversions land on the day they happened.
        let convDay = LogTime.isoDate(days: t / day)
        XCTAssertTrue(tables.daily.render().contains("\(convDay),Organic Social,0,0,0,1.00,100.00\r\n"), tables.daily.render())
    }

    func testGoalHitsJoinSessionsCountOncePerSessionAndOrphansAreCounted() throws {
        let v = "203.0.113.5", w = "203.0.113.6"
        let lines = [
            line(v, day0, "/pricing", ref: "https://www.bing.com/"),
            line(v, day0 + 30, "/signup", method: "POST", status: 302),    // goal hit, not a pageview
            line(v, day0 + 40, "/signup", method: "POST", status: 302),    // again: one conversion
            line(v, day0 + 50, "/signup", method: "POST", status: 500),    // wrong status: no goal
            line(w, day0 + 60, "/signup", method: "POST", status: 303),    // no session open: (no session)
            line(v, day0 + 5000, "/signup", method: "POST", status: 302),  // after the timeout: (no session)
        ]
        let job = try runJob([lines], configure: {
            $0.goals = [Goal(name: "signup", method: "POST", path: "/signup", value: 5)]
        })
        XCTAssertEqual(job.stats.goalHits, 4)
        XCTAssertEqual(job.stats.goalHitsWithoutSession, 2)
        XCTAssertEqual(job.stats.conversions, 3)
        let search = try XCTUnwrap(job.counts(.organicSearch))
        XCTAssertEqual(search.sessions, 1)
        XCTAssertEqual(search.pageviews, 1)
        XCTAssertEqual(search.bounces, 0)          // one pageview, but a goal hit
        XCTAssertEqual(search.engaged, 1)
        XCTAssertEqual(search.durationSeconds, 40) // to the last goal hit
        XCTAssertEqual(search.conversions, 1)
        let tables = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats)
        XCTAssertEqual(tables.conversions.render(),
                       "channel,goal,sessions,conversions,conversion_rate,value\r\n"
                       + "Organic Search,signup,1,1.00,1.0000,5.00\r\n"
                       + "(no session),signup,0,2.00,0.0000,10.00\r\n")
    }

    func testGoalMatching() throws {
        let rules = try GoalRules([
            Goal(name: "thanks", path: "/thank-you"),
            Goal(name: "docs", path: "/docs/", match: .prefix, statusRange: 200...200),
            Goal(name: "order", method: "post", path: "/order/*/confirm"),
        ])
        func m(_ method: String, _ status: Int, _ target: String) -> UInt64 {
            method.withSpan { ms in target.withSpan { rules.match(method: ms, status: status, target: $0) } }
        }
        XCTAssertEqual(m("GET", 200, "/thank-you?order=1"), 0b001)
        XCTAssertEqual(m("HEAD", 301, "/thank-you"), 0b001)     // any method, 200–399
        XCTAssertEqual(m("GET", 404, "/thank-you"), 0)
        XCTAssertEqual(m("GET", 200, "/thank-you/x"), 0)         // exact
        XCTAssertEqual(m("GET", 200, "/docs/api"), 0b010)
        XCTAssertEqual(m("GET", 304, "/docs/api"), 0)
        XCTAssertEqual(m("POST", 302, "/order/123/confirm"), 0b100)
        XCTAssertEqual(m("GET", 302, "/order/123/confirm"), 0)
        XCTAssertTrue("a*b?d".withSpan { p in "axxbcd".withSpan { GoalRules.glob(p, $0) } })
        XCTAssertFalse("a*b?d".withSpan { p in "axxbd".withSpan { GoalRules.glob(p, $0) } })
        XCTAssertThrowsError(try GoalRules([Goal(name: "x", path: "/a"), Goal(name: "x", path: "/b")]))
    }

    func testGoalsFromTheConfig() throws {
        let c = try IngestConfig.parse("""
        model = "linear"
        lookback_days = 30
        [[goal]]
        name = "signup"
        method = "POST"
        path = "/signup"
        status = "300-399"
        value = 12.5
        [[goal]]
        name = "docs"
        path = "/docs/"
        match = "prefix"
        status = 200
        """, origin: "g.toml")
        XCTAssertEqual(c.goals, [Goal(name: "signup", method: "POST", path: "/signup", statusRange: 300...399, value: 12.5),
                                 Goal(name: "docs", path: "/docs/", match: .prefix, statusRange: 200...200)])
        XCTAssertEqual(c.model, "linear")
        XCTAssertEqual(c.lookbackDays, 30)
        XCTAssertEqual(try IngestConfig.parse(c.render(), origin: "printed"), c)
        XCTAssertThrowsError(try IngestConfig.parse("[[goal]]\nname = \"x\"\npaht = \"/a\"\n", origin: "g.toml")) { e in
            XCTAssertEqual("\(e)", "g.toml:3: unknown key `goal.paht` (did you mean `path`?); known keys: name, method, path, match, status, value, event")
        }
        XCTAssertThrowsError(try IngestConfig.parse("[[goal]]\nname = \"x\"\n", origin: "g.toml")) { e in
            XCTAssertEqual("\(e)", "g.toml:1: goal #1: goal \"x\" needs a `path` (or an analytics `event`)")
        }
        XCTAssertThrowsError(try IngestConfig.parse("model = \"lastest\"\n", origin: "g.toml"))
    }
}

extension ConversionTests {
    /// Compacting the touchpoint store (here after every 2 sessions) changes no credit, and
    /// forgets visitors whose sessions all left the window.
    func testCompactionKeepsEveryCreditInTheWindow() {
        let t: Int64 = 1_000_000_000
        func run(compactAfter: Int) -> (credits: [String], held: Int) {
            var out: [String] = []
            let a = Attributor(lookbackDays: 90, compactAfter: compactAfter, isDirect: { $0 == 0 }) { c in
                out.append("\(c.model.rawValue) \(c.touchpoint.start) \(String(format: "%.4f", c.share))")
            }
            func session(_ v: UInt64, _ start: Int64, _ source: Int32, converts: Bool = false) -> Session {
                var s = Session(visitor: v, start: start, end: start, source: source, landingPage: 0, pageviews: 1, goalHits: 0)
                if converts { s.reach(1, at: start) }
                return s
            }
            a.add(session(9, t - 200 * day, 1))              // another visitor, long gone
            a.add(session(1, t - 91 * day, 1))
            a.add(session(1, t - 14 * day, 1))
            a.add(session(2, t - 10 * day, 0))
            a.add(session(1, t - 7 * day, 2))
            a.add(session(2, t - 1 * day, 0, converts: true))
            a.add(session(1, t, 0, converts: true))
            return (out, a.visitorsHeld)
        }
        let plain = run(compactAfter: 1 << 20), compacted = run(compactAfter: 2)
        XCTAssertEqual(plain.credits, compacted.credits)
        XCTAssertEqual(plain.credits.filter { $0.hasPrefix("first ") }, ["first \(t - 10 * day) 1.0000", "first \(t - 14 * day) 1.0000"])
        XCTAssertEqual(plain.held, 3)
        XCTAssertEqual(compacted.held, 2)   // visitor 9 was forgotten
    }
}
