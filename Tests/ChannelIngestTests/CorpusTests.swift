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

    /// Snowplow's referer-parser tests: for their search, social and email cases, the medium we
    /// derive must agree (search → organic, social → social, email → email) in ≥ 95 %.
    func testSnowplowReferrerMedia() throws {
        let url = try corpusFile("referrers/snowplow-referer-tests.json")
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
        let lists = try SourceLists.builtIn()
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
        let share = Double(agree) / Double(total)
        print("snowplow: \(agree)/\(total) = \(String(format: "%.1f", share * 100))% agree; misses: \(misses)")
        XCTAssertGreaterThanOrEqual(total, 100)
        XCTAssertGreaterThanOrEqual(share, 0.95)
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
