import XCTest
@testable import ChannelIngest

/// Sessions as SPEC.md defines them, on hand-built logs whose answer is worked out below each.
final class SessionTests: XCTestCase {
    let a = "198.51.100.1", b = "198.51.100.2"

    func testTimeoutSplitsAndExactlyThirtyMinutesContinues() throws {
        let job = try runJob([[
            line(a, day0, "/"),
            line(a, day0 + 1800, "/a"),          // exactly 30 min: same session
            line(a, day0 + 3601, "/b"),          // 30 min 1 s after /a: new session
        ]])
        XCTAssertEqual(job.stats.sessions, 2)
        let direct = try XCTUnwrap(job.counts(.direct))
        XCTAssertEqual(direct.sessions, 2)
        XCTAssertEqual(direct.pageviews, 3)
        XCTAssertEqual(direct.distinctUsers, 1)
        XCTAssertEqual(direct.bounces, 1)        // the /b session
        XCTAssertEqual(direct.durationSeconds, 1800)
    }

    /// Past days keep a count of users instead of their visitor keys, and a day stays open
    /// while a session that started on it is open: counts equal what the keys would give.
    func testPastDaysCloseTheirUsersWithTheSameCounts() throws {
        let c = "198.51.100.3"
        var lines: [String] = []
        // Day 0: a and b (twice each); day 1: a again and c; b keeps one session going from
        // day 1 23:50 into day 2 with a hit every 20 minutes until day 3 00:10.
        lines += [line(a, day0 + 100, "/"), line(b, day0 + 200, "/"), line(a, day0 + 9000, "/"), line(b, day0 + 9100, "/")]
        lines += [line(a, day0 + 86400 + 100, "/"), line(c, day0 + 86400 + 200, "/")]
        var t = day0 + 2 * 86400 - 600
        while t <= day0 + 3 * 86400 + 600 {
            lines.append(line(b, t, "/"))
            t += 1200
        }
        // Day 4: c, so that the run's time passes every other day.
        lines.append(line(c, day0 + 4 * 86400 + 100, "/"))
        let job = try runJob([lines])
        let day = { (d: Int64) in job.aggregates.byDay[.init(day: day0 / 86400 + d, channel: .direct)] }
        // Day 0: a and b, 2 users in 4 sessions; day 1: a, c and b's long session (started on
        // day 1); days 2 and 3 have none; day 4: c.
        XCTAssertEqual(day(0)?.sessions, 4)
        XCTAssertEqual(day(0)?.distinctUsers, 2)
        XCTAssertEqual(day(1)?.sessions, 3)
        XCTAssertEqual(day(1)?.distinctUsers, 3)
        XCTAssertNil(day(2))
        XCTAssertEqual(day(4)?.distinctUsers, 1)
        // Days 0 and 1 ended before the run did: their keys are gone, their counts kept.
        let counted = { (d: Int64) in job.countedAggregates?.byDay[.init(day: day0 / 86400 + d, channel: .direct)] }
        XCTAssertEqual(counted(0)?.userCount, 2)
        XCTAssertEqual(counted(0)?.users.count, 0)
        XCTAssertEqual(counted(1)?.userCount, 3)
        // The last day is never closed (its sessions close at the end of the run).
        XCTAssertNil(counted(4)?.userCount)
    }

    /// A day whose session is still open is not closed, however many days later it is.
    func testADayWithAnOpenSessionStaysOpen() {
        let zone = try! ReportTimeZone("UTC")
        let aggregates = TrafficAggregates(sources: TrafficSources(rules: ChannelRules(lists: try! SourceLists.builtIn())), zone: zone)
        let s = { (v: UInt64, start: Int64) in Session(visitor: v, start: start, end: start, source: TrafficSources.direct, landingPage: 0, pageviews: 1, goalHits: 0) }
        aggregates.add(s(1, day0))
        aggregates.add(s(2, day0 + 86400))
        // An open session started on day 0: day 0 stays, day 1 closes.
        aggregates.closeDays(before: day0 + 5 * 86400) { body in body(day0 + 50) }
        let row = { (d: Int64) in aggregates.byDay[.init(day: day0 / 86400 + d, channel: .direct)]! }
        XCTAssertNil(row(0).userCount)
        XCTAssertEqual(row(1).userCount, 1)
        // Visitor 1 again on day 0 (the open session closing): still one user there.
        aggregates.add(s(1, day0 + 50))
        aggregates.closeDays(before: day0 + 5 * 86400) { _ in }
        XCTAssertEqual(row(0).userCount, 1)
        XCTAssertEqual(row(0).sessions, 2)
        // A session for a closed day (only a late event makes one) counts as a user of its own.
        aggregates.add(s(2, day0 + 86400 + 10))
        XCTAssertEqual(row(1).userCount, 2)
    }

    /// Rows are found by interned numbers: two campaigns of one source and medium are one
    /// `sources.csv` row, and each table counts its own sessions and users.
    func testRowsOfCampaignsAndDays() throws {
        let sources = TrafficSources(rules: ChannelRules(lists: try SourceLists.builtIn()))
        let march = sources.intern(source: "news", medium: "email", campaign: "march")
        let april = sources.intern(source: "news", medium: "email", campaign: "april")
        XCTAssertNotEqual(march, april)
        let aggregates = TrafficAggregates(sources: sources, zone: try ReportTimeZone("UTC"))
        let s = { (v: UInt64, start: Int64, source: Int32, page: Int32) in
            Session(visitor: v, start: start, end: start, source: source, landingPage: page, pageviews: 1, goalHits: 0)
        }
        aggregates.add(s(1, day0, march, 0))
        aggregates.add(s(1, day0 + 86400, april, 1))
        aggregates.add(s(2, day0 + 100, april, 0))
        aggregates.add(s(3, day0 + 200, TrafficSources.direct, 0))
        let email = try XCTUnwrap(aggregates.bySource.first { $0.key.source == "news" })
        XCTAssertEqual(aggregates.bySource.count, 2)
        XCTAssertEqual(email.key.medium, "email")
        XCTAssertEqual(email.value.sessions, 3)
        XCTAssertEqual(email.value.distinctUsers, 2)
        XCTAssertEqual(aggregates.byChannel[.email]?.sessions, 3)
        XCTAssertEqual(aggregates.byChannel[.email]?.distinctUsers, 2)
        XCTAssertEqual(aggregates.byChannel[.direct]?.distinctUsers, 1)
        XCTAssertEqual(aggregates.byLanding[.init(channel: .email, page: 0)]?.sessions, 2)
        XCTAssertEqual(aggregates.byLanding[.init(channel: .email, page: 1)]?.sessions, 1)
        XCTAssertEqual(aggregates.byDay[.init(day: day0 / 86400, channel: .email)]?.distinctUsers, 2)
        XCTAssertEqual(aggregates.byDay[.init(day: day0 / 86400 + 1, channel: .email)]?.distinctUsers, 1)
        XCTAssertEqual(aggregates.byDay.count, 3)
        XCTAssertEqual(aggregates.distinctVisitors, 3)
    }

    func testNewCampaignSplitsSameCampaignDoesNot() throws {
        let job = try runJob([[
            line(a, day0, "/", ref: "https://www.google.com/"),
            line(a, day0 + 60, "/x", ref: "https://www.example.com/"),        // internal
            line(a, day0 + 120, "/", ref: "https://www.google.com/"),         // back to Google: same values
            line(a, day0 + 180, "/?utm_source=News&utm_medium=Email"),          // new campaign: split
            line(a, day0 + 240, "/?utm_source=news&utm_medium=email"),          // same values again (any case)
            line(a, day0 + 300, "/y"),                                          // no referrer: continues
            line(a, day0 + 360, "/z", ref: "https://l.facebook.com/"),         // new external referrer: split
            line(a, day0 + 420, "/z", ref: "https://www.paypal.com/checkout"), // payment provider: ignored
        ]])
        XCTAssertEqual(job.channelSessions, ["Organic Search": 1, "Email": 1, "Organic Social": 1])
        XCTAssertEqual(job.counts(.organicSearch)?.pageviews, 3)
        XCTAssertEqual(job.counts(.email)?.pageviews, 3)
        XCTAssertEqual(job.counts(.organicSocial)?.pageviews, 2)
    }

    func testSelfReferralLandingIsDirect() throws {
        let job = try runJob([[line(a, day0, "/", ref: "https://blog.example.com/post")]])
        XCTAssertEqual(job.channelSessions, ["Direct": 1])
    }

    func testVisitorsAreAddressPlusUserAgent() throws {
        let job = try runJob([[
            line(a, day0, "/", ua: chrome),
            line(a, day0 + 10, "/", ua: firefox),   // same address, other browser: another visitor
            line(b, day0 + 20, "/", ua: chrome),
        ]])
        XCTAssertEqual(job.stats.sessions, 3)
        XCTAssertEqual(job.stats.visitors, 3)
    }

    func testBotsAssetsAndNonPageviewsNeverMakeSessions() throws {
        let job = try runJob([[
            line(a, day0, "/", ua: "curl/8.0"),
            line(a, day0, "/", ua: "-"),
            line(a, day0, "/app.js"),
            line(a, day0, "/", method: "POST"),
            line(a, day0, "/missing", status: 404),
            line(a, day0 + 5, "/real"),
        ]])
        XCTAssertEqual(job.stats.hits, 6)
        XCTAssertEqual(job.stats.botHits, 2)
        XCTAssertEqual(job.stats.botHitsByFamily, ["http-library": 1, "empty-user-agent": 1])
        XCTAssertEqual(job.stats.pageviews, 1)
        XCTAssertEqual(job.stats.sessions, 1)
    }

    func testCommonFormatSkipsTheBotRule() throws {
        let common = "\(a) - - [\(clf(day0))] \"GET / HTTP/1.1\" 200 10"
        let job = try runJob([[common, common]])
        XCTAssertEqual(job.stats.botHits, 0)
        XCTAssertEqual(job.stats.sessions, 1)
        XCTAssertEqual(job.counts(.direct)?.pageviews, 2)
    }

    /// The same hits, shuffled within a few minutes, give the same sessions as sorted.
    func testOutOfOrderLinesEqualSorted() throws {
        var rng = SplitMix(seed: 7)
        var lines: [(Int64, String)] = []
        for v in 0..<60 {
            let ip = "203.0.113.\(v)"
            var t = day0 + Int64(v) * 97
            for s in 0..<3 {
                let ref = ["-", "https://www.google.com/", "https://t.co/x"][(v + s) % 3]
                for p in 0..<3 {
                    lines.append((t, line(ip, t, "/p\(p)", ref: p == 0 ? ref : "https://example.com/")))
                    t += Int64(rng.next() % 600)
                }
                t += 1801 + Int64(rng.next() % 3600)
            }
        }
        let sorted = lines.sorted { $0.0 < $1.0 }.map(\.1)
        // Swap neighbours up to ~5 minutes apart, as a server writing at request end would.
        var shuffled = lines.sorted { $0.0 < $1.0 }
        for i in stride(from: 0, to: shuffled.count - 1, by: 2) where shuffled[i + 1].0 - shuffled[i].0 < 300 {
            shuffled.swapAt(i, i + 1)
        }
        let x = try runJob([sorted]), y = try runJob([shuffled.map(\.1)])
        XCTAssertEqual(x.channelSessions, y.channelSessions)
        XCTAssertEqual(x.stats.sessions, 180)
        XCTAssertEqual(y.stats.sessions, 180)
        for c in Channel.allCases {
            XCTAssertEqual(x.counts(c)?.pageviews, y.counts(c)?.pageviews)
            XCTAssertEqual(x.counts(c)?.durationSeconds, y.counts(c)?.durationSeconds)
        }
    }

    /// Two servers' files whose times interleave give what one merged, sorted file gives, in
    /// either argument order.
    func testInterleavedFilesEqualOneSortedFile() throws {
        // Visitor a alternates between the servers every 10 minutes for 2 hours: one session.
        var web1: [String] = [], web2: [String] = [], all: [String] = []
        for i in 0..<12 {
            let l = line(a, day0 + Int64(i) * 600, "/p\(i)", ref: i == 0 ? "https://www.bing.com/" : "-")
            if i % 2 == 0 { web1.append(l) } else { web2.append(l) }
            all.append(l)
        }
        let one = try runJob([all])
        let split = try runJob([web1, web2])
        let reversed = try runJob([web2, web1])
        XCTAssertEqual(one.channelSessions, ["Organic Search": 1])
        XCTAssertEqual(split.channelSessions, ["Organic Search": 1])
        XCTAssertEqual(reversed.channelSessions, ["Organic Search": 1])
        XCTAssertEqual(split.counts(.organicSearch)?.pageviews, 12)
        XCTAssertEqual(split.counts(.organicSearch)?.durationSeconds, 6600)
    }

    /// Sessions belong to the day they start in --timezone and are not split at midnight.
    func testDaysFollowTheTimezoneAndMidnightDoesNotSplit() throws {
        let start = day0 + 22 * 3600 + 50 * 60          // 22:50 UTC = 23:50 in Berlin (CET)
        let lines = [line(a, start, "/"), line(a, start + 20 * 60, "/b")]   // crosses midnight in both zones
        let utc = try runJob([lines])
        let berlin = try runJob([lines], timezone: "Europe/Berlin")
        XCTAssertEqual(utc.stats.sessions, 1)
        XCTAssertEqual(utc.aggregates.byDay.keys.map { LogTime.isoDate(days: $0.day) }, ["2026-03-02"])
        XCTAssertEqual(berlin.aggregates.byDay.keys.map { LogTime.isoDate(days: $0.day) }, ["2026-03-02"])
        let tokyo = try runJob([lines], timezone: "+0900")
        XCTAssertEqual(tokyo.aggregates.byDay.keys.map { LogTime.isoDate(days: $0.day) }, ["2026-03-03"])
    }

    func testSessionizerAloneAppliesInTimeOrder() {
        var out: [Session] = []
        let s = Sessionizer(timeout: 1800) { out.append($0) }
        s.push(VisitEvent(time: 100, seq: 2, visitor: 1, origin: -1, page: 0))
        s.push(VisitEvent(time: 50, seq: 1, visitor: 1, origin: 5, page: 1))
        s.advance(to: 60)
        XCTAssertEqual(s.buffered, 1)
        s.finish()
        XCTAssertEqual(out, [Session(visitor: 1, start: 50, end: 100, source: 5, landingPage: 1, pageviews: 2, goalHits: 0)])
    }
}

/// A tiny deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SessionTests {
    /// One line dated 2100 (or 1970) early in a log must not turn the lines after it into
    /// "late" ones: out-of-order lines after it are still put in time order. Each visitor here
    /// lands from Google, then a tagged link 60 s later (a new session), then an internal page
    /// at 120 s, which the server logged before the tagged one.
    func testAStrayTimestampDoesNotBreakOrdering() throws {
        var lines: [String] = []
        for v in 0..<20 {
            let ip = "198.51.100.\(v)", t = day0 + Int64(v) * 600
            lines.append(line(ip, t, "/", ref: "https://www.google.com/"))
            lines.append(line(ip, t + 120, "/c", ref: "https://www.example.com/"))
            lines.append(line(ip, t + 60, "/?utm_source=news&utm_medium=email"))
        }
        lines.insert(line("203.0.113.99", LogTime.daysFromCivil(year: 2100, month: 1, day: 1) * 86400, "/x"), at: 1)
        lines.insert(line("203.0.113.98", 0, "/y"), at: 2)
        let job = try runJob([lines])
        XCTAssertEqual(job.counts(.organicSearch)?.sessions, 20)
        XCTAssertEqual(job.counts(.organicSearch)?.pageviews, 20)
        XCTAssertEqual(job.counts(.email)?.sessions, 20)
        XCTAssertEqual(job.counts(.email)?.pageviews, 40)
        XCTAssertEqual(job.counts(.direct)?.sessions, 2)
        XCTAssertEqual(job.stats.firstTime, 0)
    }
}

extension SessionTests {
    func testProgressIgnoresUnconfirmedStrayTimes() {
        var p = TimeProgress(start: 0, window: 600)
        for t: Int64 in [100, 4_102_444_800, 160, 220] { p.observe(t) }
        XCTAssertEqual(p.value, 160)            // 2100 was never confirmed
        var q = TimeProgress(start: 0, window: 600)
        for t: Int64 in [100, 50_000, 50_010] { q.observe(t) }
        XCTAssertEqual(q.value, 50_000)         // a real quiet gap is
        var r = TimeProgress(start: 0, window: 600)
        for t: Int64 in [1000, 900, 1100] { r.observe(t) }
        XCTAssertEqual(r.value, 1000)           // 900 is within the window: 1000 stands
    }

    /// Lines whose time stands still never pile up: past the cap the earliest waiting event is
    /// applied, and the sessions are those of the same events sorted.
    func testTheReorderBufferIsBounded() {
        func sessions(cap: Int) -> ([Session], Int) {
            var out: [Session] = []
            let s = Sessionizer(maxBuffered: cap, sink: { out.append($0) })
            var peak = 0
            for i in 0..<1000 {
                // 1000 hits in the same second from 10 visitors, then one an hour later each.
                s.push(VisitEvent(time: 1000, seq: Int64(i), visitor: UInt64(i % 10), origin: -1, page: 0))
                peak = max(peak, s.buffered)
            }
            for v in 0..<10 { s.push(VisitEvent(time: 4600, seq: Int64(2000 + v), visitor: UInt64(v), origin: -1, page: 0)) }
            s.finish()
            return (out.sorted { ($0.start, $0.visitor) < ($1.start, $1.visitor) }, peak)
        }
        let (capped, peak) = sessions(cap: 100)
        let (free, _) = sessions(cap: 1 << 21)
        XCTAssertEqual(peak, 100)
        XCTAssertEqual(capped, free)
        XCTAssertEqual(capped.count, 20)
        XCTAssertEqual(capped.first?.pageviews, 100)
    }
}
