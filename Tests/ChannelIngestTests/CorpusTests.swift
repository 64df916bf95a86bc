import Foundation
import XCTest
@testable import ChannelIngest

/// Checks against public data nobody on the team wrote (`../shared/corpus`). Skipped when the
/// folder is absent, as on a user's clone.
final class CorpusTests: XCTestCase {
    static let corpus = EndToEndTests.root.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    private func corpusFile(_ path: String) throws -> URL {
        let url = Self.corpus.appendingPathComponent(path)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "../shared/corpus is not here")
        return url
    }

    /// The CDN, load-balancer and JSON corpus logs: detected, and every line a hit, a header or
    /// counted malformed — with the counts a reader of the files finds by hand.
    func testOtherFormatsLoseNoLine() throws {
        let cases: [(String, LogFormat, hits: Int, headers: Int)] = [
            ("aws-cloudfront-example.log", .w3c, 6, 2), ("lnav-iis-w3c.log", .w3c, 210, 44),
            ("aws-alb-examples.log", .alb, 7, 0), ("lnav-cloudflare-logpush.ndjson", .cloudflare, 15, 0),
            ("lnav-cloudflare-logpush-one.json", .cloudflare, 1, 0),
        ]
        for (name, format, hits, headers) in cases {
            let url = try corpusFile("logs/" + name)
            var o = IngestOptions()
            o.files = [url.path]
            o.quiet = true
            let job = IngestJob(options: o)
            try job.run()
            let data = try Data(contentsOf: url)
            var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).count
            if data.last == 0x0A { lines -= 1 }
            XCTAssertEqual(job.inputs.first?.format, format.rawValue, name)
            XCTAssertEqual(job.stats.lines, lines, name)
            XCTAssertEqual(job.stats.hits, hits, name)
            XCTAssertEqual(job.stats.commentLines, headers, name)
            XCTAssertEqual(job.stats.hits + job.stats.malformed + job.stats.commentLines, lines, name)
        }
    }

    /// ingress-nginx's `upstreaminfo` log_format, pasted as it stands in its docs, reads its log.
    func testIngressNginxUpstreamInfoFormatString() throws {
        let url = try corpusFile("logs/beats-ingress-nginx-upstreaminfo.log")
        var o = IngestOptions()
        o.files = [url.path]
        o.quiet = true
        o.format = .logFormat
        o.formatSetup.formatString = try FormatString("""
        log_format upstreaminfo '$remote_addr - $remote_user [$time_local] "$request" '
            '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
            '$request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr '
            '$upstream_response_length $upstream_response_time $upstream_status $req_id';
        """)
        let job = IngestJob(options: o)
        try job.run()
        XCTAssertEqual(job.stats.lines, 29)
        XCTAssertEqual(job.stats.hits, 29)
        XCTAssertEqual(job.stats.malformed, 0)
    }

    /// Every combined/common corpus log: no crash, every line parsed or counted malformed.
    func testCorpusLogsLoseNoLine() throws {
        let names = ["elastic-apache_logs.log", "lnav-shop-access-xff.log", "lnav-access.log", "lnav-bad-access.log",
                     "logparser-hackers-access.log", "logparser-access_log.gz", "logparser-odd-referrer.log",
                     "beats-nginx-edge-cases.log", "beats-apache-edge-cases.log"]
        for name in names {
            let url = try corpusFile("logs/" + name)
            var o = IngestOptions()
            o.files = [url.path]
            o.quiet = true
            let job = IngestJob(options: o)
            do {
                try job.run()
            } catch IngestError.unknownFormat(let m) {
                XCTFail("\(name): \(m)")
                continue
            }
            // Count the lines independently of ingest's reader.
            let data = name.hasSuffix(".gz") ? Data(gunzip(url.path)) : try Data(contentsOf: url)
            var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).count
            if data.last == 0x0A { lines -= 1 }
            XCTAssertEqual(job.stats.lines, lines, name)
            XCTAssertEqual(job.stats.hits + job.stats.malformed, lines, name)
            print("corpus \(name): \(lines) lines, \(job.stats.hits) hits, \(job.stats.malformed) malformed, \(job.stats.botHits) bot hits, \(job.stats.sessions) sessions")
        }
    }

    func testElasticApacheLogFigures() throws {
        let url = try corpusFile("logs/elastic-apache_logs.log")
        var o = IngestOptions()
        o.files = [url.path]
        o.siteHosts = ["semicomplete.com"]
        let job = IngestJob(options: o)
        try job.run()
        // 10,000 lines, one cut in the middle of its User-Agent (line 8899).
        XCTAssertEqual(job.stats.lines, 10_000)
        XCTAssertEqual(job.stats.malformed, 1)
        XCTAssertEqual(job.stats.malformedSamples.first?.line, 8899)
    }

    /// Google's source-category sheet, walked whole (SPEC.md: it is the reference for the four
    /// lists): every source it lists gets the sheet's category, read as a referrer's host (a
    /// name with a dot) and as a tagged `utm_source` (every name).
    func testEveryHostOfGooglesSheetGetsItsCategory() throws {
        let text = try String(contentsOf: try corpusFile("referrers/ga4-source-categories.csv"), encoding: .utf8)
        let lists = try SourceLists.builtIn()
        let want: [String: SourceCategory] = ["SOURCE_CATEGORY_SEARCH": .search, "SOURCE_CATEGORY_SOCIAL": .social,
                                              "SOURCE_CATEGORY_VIDEO": .video, "SOURCE_CATEGORY_SHOPPING": .shopping]
        var checked = 0
        var wrong: [String] = []
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard cells.count == 2, let category = want[cells[1]] else { XCTFail("unreadable sheet line \(line)"); continue }
            let source = cells[0].lowercased()
            checked += 1
            let asSource = lists.category(ofSource: source)
            if asSource != category { wrong.append("\(source) as utm_source: \(asSource?.rawValue ?? "none"), sheet \(category.rawValue)") }
            if source.contains(".") {
                var host = source
                if host.hasPrefix("www.") { host.removeFirst(4) }
                let asHost = lists.lookup(host: host)?.category
                if asHost != category { wrong.append("\(source) as referrer: \(asHost?.rawValue ?? "none"), sheet \(category.rawValue)") }
            }
        }
        XCTAssertEqual(checked, 819)
        // The deliberate differences are exactly those docs/channels.md lists (payment steps
        // are ignored as referrers), each with its reason.
        let doc = try String(contentsOf: EndToEndTests.root.appendingPathComponent("docs/channels.md"), encoding: .utf8)
        let section = doc.components(separatedBy: "## Deliberate differences from GA4").last ?? ""
        let documented = section.split(separator: "\n").compactMap { l -> String? in
            let cells = l.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 4, cells[0].hasPrefix("`"), !cells[3].isEmpty else { return nil }
            return cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
        }
        XCTAssertEqual(documented.count, 4)
        XCTAssertEqual(wrong.sorted(), documented.map { "\($0) as referrer: unwanted, sheet shopping" }.sorted(),
                       "sheet entries that get another category than the sheet's, beyond docs/channels.md's list")
    }

    /// Every entry of the four rule lists is on Google's sheet (a sheet host it matches, or the
    /// sheet's name it is reported as, with the same category) or is one of the additions
    /// docs/channels.md lists by name with its reason; nothing else.
    func testEveryAdditionToTheSheetIsDocumented() throws {
        let text = try String(contentsOf: try corpusFile("referrers/ga4-source-categories.csv"), encoding: .utf8)
        let names: [String: SourceCategory] = ["SOURCE_CATEGORY_SEARCH": .search, "SOURCE_CATEGORY_SOCIAL": .social,
                                               "SOURCE_CATEGORY_VIDEO": .video, "SOURCE_CATEGORY_SHOPPING": .shopping]
        var sheet: [String: SourceCategory] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if cells.count == 2, let c = names[cells[1]] { sheet[cells[0].lowercased()] = c }
        }
        let doc = try String(contentsOf: EndToEndTests.root.appendingPathComponent("docs/channels.md"), encoding: .utf8)
        let additions = doc.components(separatedBy: "## Our additions to Google's sheet").last!
            .components(separatedBy: "\n## ").first!
        var undocumented: [String] = []
        var added = 0
        for category in [SourceCategory.search, .social, .video, .shopping] {
            let url = EndToEndTests.root.appendingPathComponent("Sources/ChannelIngest/Channels/Lists/\(category.fileName).txt")
            for raw in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                    .trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty, !line.hasPrefix("\"") else { continue }   // quoted names: "google shopping" is on the sheet
                let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                let pattern = words[0].lowercased(), brand = words.count > 1 ? words[1] : nil
                if sheet[pattern] == category { continue }
                if let brand, sheet[brand] == category { continue }
                if let p = HostPattern(pattern), sheet.contains(where: { $0.value == category && SourceLists.matches(p, host: $0.key) }) { continue }
                added += 1
                if !additions.contains("`\(pattern)`") { undocumented.append("\(category.fileName).txt: \(pattern)") }
            }
        }
        XCTAssertEqual(undocumented, [], "entries not on Google's sheet and not in docs/channels.md's additions")
        XCTAssertEqual(added, 50)
    }

    /// A host on two lists takes its most specific entry; a tie goes by the rules' order, and
    /// the config's entry wins over a built-in one.
    func testAHostOnTwoListsTakesItsMostSpecificEntry() throws {
        let lists = SourceLists()
        try lists.add(text: "google.*  google\n*.example.org\nsame.example.net\nmail.yandex.ru yandex", category: .search, origin: "s")
        try lists.add(text: "shopping.google.com\n*.shop.example.org\nsame.example.net", category: .shopping, origin: "p")
        try lists.add(text: "mail.yandex.ru\n*.example.org", category: .webmail, origin: "w")
        XCTAssertEqual(lists.lookup(host: "shopping.google.com")?.category, .shopping)       // exact over pattern
        XCTAssertEqual(lists.lookup(host: "google.de")?.category, .search)
        XCTAssertEqual(lists.lookup(host: "a.shop.example.org")?.category, .shopping)        // longer pattern
        XCTAssertEqual(lists.lookup(host: "a.example.org")?.category, .search)               // tie: search over webmail
        XCTAssertEqual(lists.lookup(host: "same.example.net")?.category, .shopping)          // tie: shopping over search
        XCTAssertEqual(lists.lookup(host: "mail.yandex.ru")?.category, .search)
        XCTAssertEqual(lists.lookup(host: "mail.yandex.ru")?.origin, "s:4")
        try lists.add(text: "same.example.net", category: .social, origin: "cfg", fromConfig: true)
        XCTAssertEqual(lists.lookup(host: "same.example.net")?.category, .social)
        // A source value is read on the rules' lists only.
        try lists.add(text: "pay.example.com", category: .unwanted, origin: "u")
        try lists.add(text: "pay.example.com", category: .shopping, origin: "p2")
        XCTAssertEqual(lists.lookup(host: "pay.example.com")?.category, .unwanted)
        XCTAssertEqual(lists.category(ofSource: "pay.example.com"), .shopping)
    }

    /// Snowplow's referer-parser tests: for their search, social and email cases, the medium we
    /// derive (search → organic, social → social, email → email). Our lists follow Google's sheet,
    /// so the six misses are hosts GA4 leaves out too (docs/channels.md, "Dropped") and
    /// PriceRunner, which Snowplow calls search and we, by its own description, shopping.
    func testSnowplowReferrerMedia() throws {
        let url = try corpusFile("referrers/snowplow-referer-tests.json")
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
        func read(_ lists: SourceLists) -> (total: Int, agree: Int, misses: [String]) {
            let sources = TrafficSources(rules: ChannelRules(lists: lists))
            let classifier = ReferrerClassifier(lists: lists, sources: sources, siteHosts: [])
            let want = ["search": "organic", "social": "social", "email": "email"]
            var total = 0, agree = 0
            var misses: [String] = []
            for c in cases {
                guard let medium = c["medium"] as? String, let expect = want[medium], let uri = c["uri"] as? String else { continue }
                total += 1
                let o = uri.withSpan { u in "".withSpan { classifier.origin(referrer: u, requestHost: $0) } }
                let got = o >= 0 ? sources.all[Int(o)].medium : "\(o)"
                if got == expect { agree += 1 } else { misses.append("\(medium) \(uri.prefix(80)) → \(got)") }
            }
            print("snowplow: \(agree)/\(total) agree; misses: \(misses)")
            return (total, agree, misses)
        }
        let (total, agree, misses) = read(try SourceLists.builtIn())
        XCTAssertEqual(total, 102)
        XCTAssertEqual(agree, 96)
        XCTAssertEqual(misses.count, 6)
        for host in ["pricerunner", "ixquick", "dalesearch", "lnk.bio", "l.workplace.com", "lm.workplace.com"] {
            XCTAssertTrue(misses.contains { $0.contains(host) }, host)
        }
        // With Snowplow's own referers.yml loaded (--referrer-db), only PriceRunner stays ours.
        let withDB = try SourceLists.builtIn()
        try withDB.add(database: ReferrerDatabase.load(path: try corpusFile("referrers/snowplow-referers.yml").path))
        let loaded = read(withDB)
        XCTAssertEqual(loaded.agree, 101)
        XCTAssertEqual(loaded.misses.count, 1)
        XCTAssertTrue(loaded.misses[0].contains("pricerunner"), "\(loaded.misses)")
    }

    /// device-detector's fixtures: ≥ 90 % of its bot User-Agents are bots to us, ≤ 1 % of its
    /// desktop and of its smartphone browser User-Agents are.
    func testDeviceDetectorUserAgents() throws {
        let bots = try BotFilter.builtIn()
        func userAgents(_ file: String) throws -> [String] {
            let text = try String(contentsOf: try corpusFile("bots/" + file), encoding: .utf8)
            return text.split(separator: "\n").compactMap { l -> String? in
                let t = l.trimmingCharacters(in: .whitespaces)
                let key = t.hasPrefix("- user_agent:") ? "- user_agent:" : t.hasPrefix("user_agent:") ? "user_agent:" : nil
                guard let key else { return nil }
                return Self.yamlScalar(String(t.dropFirst(key.count)))
            }
        }
        let botUAs = try userAgents("device-detector-bots-fixtures.yml")
        let detected = botUAs.filter { bots.family(of: $0) != nil }.count
        let botShare = Double(detected) / Double(botUAs.count)
        XCTAssertGreaterThan(botUAs.count, 1300)
        XCTAssertGreaterThanOrEqual(botShare, 0.90)
        var report = "device-detector bots: \(detected)/\(botUAs.count) = \(String(format: "%.1f", botShare * 100))%"
        for file in ["device-detector-desktop-browsers.yml", "device-detector-smartphone-browsers.yml"] {
            let uas = try userAgents(file)
            let wrong = uas.filter { bots.family(of: $0) != nil }
            let share = Double(wrong.count) / Double(uas.count)
            report += "; \(file): \(wrong.count)/\(uas.count) = \(String(format: "%.2f", share * 100))% called bots"
            XCTAssertGreaterThan(uas.count, 400)
            XCTAssertLessThanOrEqual(share, 0.01, "\(wrong)")
        }
        print(report)
    }

    /// The YAML scalars in these fixtures: plain, 'single' or "double" quoted.
    static func yamlScalar(_ raw: String) -> String {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("'") && s.hasSuffix("'") && s.count >= 2 {
            return String(s.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if s.hasPrefix("\"") && s.hasSuffix("\"") && s.count >= 2 {
            return String(s.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
        }
        return s
    }
}

func gunzip(_ path: String) -> [UInt8] {
    readToEnd(try! DecompressedInput(path: path))
}
