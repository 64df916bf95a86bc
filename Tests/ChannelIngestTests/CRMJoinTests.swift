import XCTest
@testable import ChannelIngest

/// CRM rows joined to visitors by each strategy, attributed, and judged, on logs built by hand.
final class CRMJoinTests: XCTestCase {
    let t0 = day0 + 10 * 86400

    /// A combined line with a visitor-id cookie logged after the User-Agent.
    func cookieLine(_ ip: String, _ t: Int64, _ target: String, uid: String, ref: String = "-", ua: String = firefox) -> String {
        line(ip, t, target, ref: ref, ua: ua) + " \"\(uid)\""
    }

    func run(_ lines: [String], crm: String, file: String = "crm.csv", configure: (inout IngestOptions) -> Void = { _ in }) throws -> IngestJob {
        let dir = TempDir()
        let path = dir.write(file, crm)
        return try runJob([lines], configure: {
            $0.goals = [Goal(name: "purchase", method: "GET", path: "/thank-you", value: 49),
                        Goal(name: "signup", method: "POST", path: "/signup", value: 20)]
            $0.crm.files = [path]
            $0.visitorIDField = VisitorIDField("extra:1")
            configure(&$0)
        })
    }

    func testEachJoinStrategyAndWhatJoinsNothing() throws {
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
        let lines = [
            // A: direct 3 days before, then Google; the order confirmation carries the lead id.
            line("198.51.100.1", t0 - 3 * 86400, "/"),
            line("198.51.100.1", t0, "/", ref: "https://www.google.com/"),
            line("198.51.100.1", t0 + 20, "/pricing", ref: "https://www.example.com/"),
            line("198.51.100.1", t0 + 40, "/thank-you?lead=S1", ref: "https://www.example.com/pricing"),
            // B: a newsletter click, with the visitor-id cookie.
            cookieLine("198.51.100.2", t0, "/?utm_source=newsletter&utm_medium=email", uid: "uB"),
            cookieLine("198.51.100.2", t0 + 30, "/docs", uid: "uB", ref: "https://www.example.com/"),
            // C: from Facebook, posts the sign-up form 15 s later.
            line("198.51.100.3", t0, "/", ref: "https://l.facebook.com/"),
            line("198.51.100.3", t0 + 15, "/signup", method: "POST", status: 302),
            // D and E share an address: D direct, E from DuckDuckGo ten minutes later.
            line("198.51.100.4", t0, "/"),
            line("198.51.100.4", t0 + 600, "/", ref: "https://duckduckgo.com/", ua: firefox),
        ]
        let crm = """
        id,created,type,status,amount,ip,user_agent,visitor_id
        S1,\(iso(t0 + 100)),sale,Closed Won,500,,,
        B1,\(iso(t0 + 60)),,MQL,,,,uB
        C1,\(iso(t0 + 70)),lead,Junk,,198.51.100.3,\(chrome),
        E1,\(iso(t0 + 620)),lead,New,,198.51.100.4,,
        F1,\(iso(t0 + 620)),lead,New,,198.51.100.4,\(safari),
        G1,\(iso(t0 + 60)),lead,customer,100,198.51.100.9,,
        H1,\(iso(t0 + 5 * 3600)),lead,New,,198.51.100.3,,
        I1,\(iso(t0 + 50)),lead,New,,198.51.100.1,curl/8.5.0,
        """
        let job = try run(lines, crm: crm)
        let o = try XCTUnwrap(job.crmOutcome)
        // S1 by the URL; B1 by the cookie; C1 by address + User-Agent; E1 by address alone (E's
        // session is nearer than D's); I1's User-Agent matches no visitor, but the address has
        // only A. F1's Safari is neither of two visitors behind .4; G1's address was never seen;
        // H1 is five hours from C's session.
        XCTAssertEqual(o.joined, [.leadParameter: 1, .visitorID: 1, .ip: 3])
        XCTAssertEqual(o.notJoined, 3)
        XCTAssertEqual(o.withoutSession, 0)

        // S1 (a sale: a conversion and a customer, not a lead), I1 (A) and E1 (E).
        let search = job.aggregates.leads(.organicSearch)
        XCTAssertEqual(search.leads, 2)
        XCTAssertEqual(search.qualified, 0)
        XCTAssertEqual(search.customers, 1)
        XCTAssertEqual(search.spam, 0)
        // I1: a script's User-Agent (S1 within 24 h is no lead, so no repeat); E1: one
        // pageview and 0 s.
        XCTAssertEqual(search.suspicious, 2)
        XCTAssertEqual(search.revenue, 500)
        // First touch: A's direct visit 3 days before; customer at t0 + 100.
        XCTAssertEqual(try XCTUnwrap(search.medianDaysToCustomer), (3 * 86400 + 100) / 86400.0, accuracy: 1e-9)
        let social = job.aggregates.leads(.organicSocial)
        XCTAssertEqual([social.leads, social.spam, social.suspicious], [1, 1, 0])
        let email = job.aggregates.leads(.email)
        XCTAssertEqual([email.leads, email.qualified, email.customers], [1, 1, 0])
        let notJoined = job.aggregates.leads(.notJoined)
        XCTAssertEqual([notJoined.leads, notJoined.customers, notJoined.revenue], [3, 1, 100])

        // Conversions: each row counts, under its goal (B1's empty type is the default "lead").
        let goals = job.aggregates.goalNames
        XCTAssertEqual(goals, ["purchase", "signup", "lead", "sale"])
        XCTAssertEqual(job.aggregates.credited(.organicSearch, goal: 3).value, 500)
        XCTAssertEqual(job.aggregates.credited(.organicSearch, goal: 2).conversions, 2)
        XCTAssertEqual(job.aggregates.credited(.notJoined, goal: 2).conversions, 3)
        XCTAssertEqual(job.aggregates.credited(.notJoined, goal: 2).value, 100)
        XCTAssertEqual(job.stats.conversions, 2 + 8)  // A's purchase and C's signup, and 8 rows

        let tables = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats, hasLeads: true)
        let lq = tables.leadQuality.render()
        XCTAssertTrue(lq.contains("Organic Search,2.00,0.00,1.00,0.00,2.00,0.0000,0.5000,0.0000,1.0000,500.00,250.00,3.0\r\n"), lq)
        // Direct has sessions but no lead: its rates are undefined, not 0 %.
        XCTAssertTrue(lq.contains("Direct,0.00,0.00,0.00,0.00,0.00,,,,,0.00,,\r\n"), lq)
        XCTAssertTrue(lq.hasSuffix("(not joined),3.00,1.00,1.00,0.00,0.00,0.3333,0.3333,0.0000,0.0000,100.00,33.33,\r\n"), lq)
        XCTAssertTrue(tables.sources.render().contains("(not joined),(not joined),(not joined),0,0,0,3.00,0.0000\r\n"))
        XCTAssertTrue(tables.attribution.render().contains("(not joined),time-decay,3.00,100.00\r\n"))
    }

    /// SPEC.md "lead": only rows of a lead type are leads; orders are conversions with a value
    /// and, with a customer status, customers; customers are people.
    func testOrdersAreNotLeadsAndCustomersArePeople() throws {
        let lines = [
            // P: from Facebook; Q: from Google; R: a newsletter.
            line("198.51.100.11", t0, "/", ref: "https://l.facebook.com/"),
            line("198.51.100.11", t0 + 30, "/pricing", ref: "https://www.example.com/"),
            line("198.51.100.12", t0, "/", ref: "https://www.google.com/"),
            line("198.51.100.12", t0 + 30, "/pricing", ref: "https://www.example.com/"),
            line("198.51.100.13", t0, "/?utm_source=news&utm_medium=email"),
            line("198.51.100.13", t0 + 30, "/pricing", ref: "https://www.example.com/"),
        ]
        // P: a lead won, then two orders (one customer); Q: two orders, no lead (one customer,
        // no lead); R: a qualified lead and an order still open (status new); two orders that
        // joined nobody (two customers of their own) and a lead that joined nobody.
        let crm = """
        id,created,type,status,amount,ip
        P1,\(iso(t0 + 60)),lead,Closed Won,300,198.51.100.11
        P2,\(iso(t0 + 120)),order,customer,80,198.51.100.11
        P3,\(iso(t0 + 180)),Order,customer,20,198.51.100.11
        Q1,\(iso(t0 + 60)),order,customer,50,198.51.100.12
        Q2,\(iso(t0 + 90)),sale,customer,70,198.51.100.12
        R1,\(iso(t0 + 60)),Lead,MQL,,198.51.100.13
        R2,\(iso(t0 + 90)),order,New,40,198.51.100.13
        X1,\(iso(t0 + 60)),order,customer,10,203.0.113.99
        X2,\(iso(t0 + 70)),order,customer,15,203.0.113.98
        X3,\(iso(t0 + 80)),lead,New,,203.0.113.97
        """
        let job = try run(lines, crm: crm)
        let social = job.aggregates.leads(.organicSocial)
        XCTAssertEqual([social.leads, social.qualified, social.customers, social.revenue], [1, 1, 1, 400])
        let search = job.aggregates.leads(.organicSearch)
        XCTAssertEqual([search.leads, search.qualified, search.customers, search.revenue], [0, 0, 1, 120])
        let email = job.aggregates.leads(.email)
        XCTAssertEqual([email.leads, email.qualified, email.customers, email.revenue], [1, 1, 0, 0])
        let notJoined = job.aggregates.leads(.notJoined)
        XCTAssertEqual([notJoined.leads, notJoined.customers, notJoined.revenue], [1, 2, 25])
        // Every row is a conversion with its value.
        XCTAssertEqual(job.aggregates.credited(.organicSocial, model: .lastNonDirect).conversions, 3)
        XCTAssertEqual(job.aggregates.credited(.organicSocial, model: .lastNonDirect).value, 400)
        XCTAssertEqual(job.aggregates.credited(.email, model: .lastNonDirect).value, 40)

        let tables = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats, hasLeads: true)
        let lq = tables.leadQuality.render()
        // Search: no lead, so its rates are undefined; customers still 1.
        XCTAssertTrue(lq.contains("Organic Search,0.00,0.00,1.00,0.00,0.00,,,,,120.00,,0.0\r\n"), lq)
        // (not joined): one lead, two customers — customer_rate above 1, as SPEC.md allows.
        XCTAssertTrue(lq.hasSuffix("(not joined),1.00,0.00,2.00,0.00,0.00,0.0000,2.0000,0.0000,0.0000,25.00,25.00,\r\n"), lq)

        // lead_types decides what a lead is; a file without a type column: every row a lead.
        let orders = try run(lines, crm: crm) { $0.crm.leadTypes = ["order"] }
        XCTAssertEqual(orders.aggregates.leads(.organicSocial).leads, 2)
        XCTAssertEqual(orders.aggregates.leads(.organicSearch).leads, 1)
        let untyped = try run(lines, crm: """
            id,created,status,amount,ip
            P1,\(iso(t0 + 60)),Closed Won,300,198.51.100.11
            P2,\(iso(t0 + 120)),customer,80,198.51.100.11
            """)
        XCTAssertEqual(untyped.aggregates.leads(.organicSocial).leads, 2)
        XCTAssertEqual(untyped.aggregates.leads(.organicSocial).customers, 1)
    }

    func testSuspiciousSignals() throws {
        let t = t0
        var lines = [
            // Loads a stylesheet: a browser. Not suspicious.
            line("198.51.100.11", t, "/"), line("198.51.100.11", t + 1, "/app.css"), line("198.51.100.11", t + 30, "/pricing"),
            // Never loads an asset while others do.
            line("198.51.100.12", t, "/"), line("198.51.100.12", t + 20, "/a"),
            // One pageview, then nothing: under 10 s.
            line("198.51.100.14", t, "/"), line("198.51.100.14", t + 1, "/logo.png"),
        ]
        // 30 pages in 29 s (and an asset): automated.
        lines.append(line("198.51.100.13", t + 1, "/logo.png"))
        for i in 0..<30 { lines.append(line("198.51.100.13", t + Int64(i), "/p\(i)")) }
        lines.sort { clfTime($0) < clfTime($1) }
        let crm = """
        id,created,ip
        L11,\(iso(t + 40)),198.51.100.11
        L12,\(iso(t + 40)),198.51.100.12
        L13,\(iso(t + 40)),198.51.100.13
        L14,\(iso(t + 40)),198.51.100.14
        """
        let job = try run(lines, crm: crm)
        XCTAssertEqual(job.crmOutcome?.joined, [.ip: 4])
        XCTAssertEqual(job.crmOutcome?.suspicious, 3)
        let direct = job.aggregates.leads(.direct)
        XCTAssertEqual(direct.leads, 4)
        XCTAssertEqual(direct.suspicious, 3)
        XCTAssertEqual(job.stage.assetHits, 3)
        // Assets never change sessions: .13's session has 30 pageviews and lasts 29 s.
        XCTAssertEqual(job.counts(.direct)?.pageviews, 2 + 2 + 1 + 30)
        XCTAssertEqual(job.counts(.direct)?.durationSeconds, 30 + 20 + 0 + 29)
    }

    func testGoalHitWithoutSessionAndAttributionWindow() throws {
        let lines = [
            // A sign-up posted with no page before it (a form elsewhere, or a script).
            line("198.51.100.21", t0, "/signup", method: "POST", status: 302),
            // A social visit 100 days before the lead: outside the 90-day window.
            line("198.51.100.22", t0 - 100 * 86400, "/", ref: "https://t.co/x"),
            line("198.51.100.22", t0, "/thank-you?lead=W1"),
        ]
        let crm = """
        id,created,status,amount,ip
        N1,\(iso(t0 + 30)),customer,80,198.51.100.21
        W1,\(iso(t0 + 5)),qualified,,
        """
        let job = try run(lines, crm: crm)
        XCTAssertEqual(job.crmOutcome?.joined, [.ip: 1, .leadParameter: 1])
        XCTAssertEqual(job.crmOutcome?.withoutSession, 1)
        let none = job.aggregates.leads(.noSession)
        XCTAssertEqual([none.leads, none.customers, none.suspicious, none.revenue], [1, 1, 1, 80])
        XCTAssertEqual(try XCTUnwrap(none.medianDaysToCustomer), 30 / 86400.0, accuracy: 1e-9)
        // W1 joins the thank-you page's direct session; the tweet is too old to share it.
        XCTAssertEqual(job.aggregates.credited(.direct, model: .first).conversions, 2)  // purchase goal + W1
        XCTAssertEqual(job.aggregates.credited(.organicSocial, model: .first).conversions, 0)
        XCTAssertEqual(job.aggregates.leads(.direct).qualified, 1)
    }

    func testACRMClockBehindTheServerStillCreditsTheConvertingSession() throws {
        let lines = [
            line("198.51.100.31", t0, "/", ref: "https://www.bing.com/"),
            line("198.51.100.31", t0 + 30, "/thank-you?lead=K1"),
        ]
        // The CRM says the sale happened 2 minutes before the visit began.
        let job = try run(lines, crm: "id,created,status,amount\nK1,\(iso(t0 - 120)),won,300\n")
        XCTAssertEqual(job.aggregates.leads(.organicSearch).customers, 1)
        XCTAssertEqual(job.aggregates.credited(.organicSearch, model: .lastNonDirect).value, 49 + 300)
    }

    /// A CRM row of a log goal, whose id is in the goal hit's URL, is that goal's conversion:
    /// the sale counts once, with the CRM's value.
    func testARowOfTheSameGoalStandsForTheGoalHitItJoined() throws {
        let lines = [
            line("198.51.100.51", t0, "/", ref: "https://www.bing.com/"),
            line("198.51.100.51", t0 + 5, "/thank-you?lead=P1"),
            // Another purchase without a CRM row still counts from the log.
            line("198.51.100.52", t0, "/thank-you"),
        ]
        let job = try run(lines, crm: "id,created,type,amount\nP1,\(iso(t0 + 60)),purchase,300\n")
        XCTAssertEqual(job.aggregates.goalNames, ["purchase", "signup"])
        XCTAssertEqual(job.aggregates.credited(.organicSearch, goal: 0).conversions, 1)
        XCTAssertEqual(job.aggregates.credited(.organicSearch, goal: 0).value, 300)
        XCTAssertEqual(job.aggregates.credited(.direct, goal: 0).value, 49)
        XCTAssertEqual(job.stats.conversions, 2)
        XCTAssertEqual(job.stats.goalHits, 2)
        XCTAssertEqual(job.counts(.organicSearch)?.bounces, 0)   // still a goal hit in its session
    }

    func testRowsAreReadAsJSONLinesAndGzip() throws {
        let dir = TempDir()
        let rows = """
        {"lead": {"id": "J1"}, "created_at": \(t0 + 60), "status": "customer", "value": 120.5, "ip": "198.51.100.41"}
        {"lead": {"id": "J2"}, "created_at": "\(iso(t0 + 60))", "status": "spam", "ip": "198.51.100.99"}
        """
        let path = dir.write("crm.jsonl.gz", bytes: gzipBytes(rows))
        let job = try runJob([[line("198.51.100.41", t0, "/", ref: "https://www.google.com/")]], configure: {
            $0.crm.files = [path]
            $0.crm.columns = CRMColumns(named: [.leadID: "lead.id", .time: "created_at"])
        })
        XCTAssertEqual(job.crmOutcome?.joined, [.ip: 1])
        XCTAssertEqual(job.crmOutcome?.notJoined, 1)
        XCTAssertEqual(job.aggregates.leads(.organicSearch).revenue, 120.5)
        XCTAssertEqual(job.aggregates.leads(.notJoined).spam, 1)
    }

    func iso(_ t: Int64) -> String { LogTime.isoTimestamp(t) }

    func clfTime(_ line: String) -> Int64 {
        let open = line.firstIndex(of: "[")!, close = line.firstIndex(of: "]")!
        return String(line[line.index(after: open)..<close]).withSpan { LogTime.parseCommonLog($0)! }
    }
}
