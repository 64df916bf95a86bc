import XCTest
@testable import ChannelIngest

/// Random and mutated bytes through every parser: nothing may crash, and every line ends up
/// either parsed or malformed. (A quick deterministic pass; long fuzzing runs come separately.)
final class HostileInputTests: XCTestCase {
    func testMutatedLinesNeverCrashTheParsers() {
        var rng = SplitMix(seed: 99)
        let seeds = [
            line("203.0.113.5", day0, "/p?utm_source=a&gclid=x", ref: "https://www.google.co.uk:8080/x?y#z"),
            "www.example.com:443 " + line("2001:db8::1", day0, "/", ref: "android-app://com.linkedin.android/"),
            "\"1.2.3.4, 5.6.7.8\" - - [" + clf(day0) + "] \"GET / HTTP/1.1\" 200 1 \"-\" \"a \\\"b\\\" c\"",
            #"h2 2018-07-02T22:23:00.186641Z app/lb/50dc 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://www.example.com:443/?utm_source=x HTTP/2.0" "curl/7.46.0" ECDHE TLSv1.2 arn "Root=1" "-" "-" 1"#,
            #"{"ClientIP":"89.163.242.206","ClientRequestHost":"www.example.com","ClientRequestMethod":"GET","ClientRequestURI":"/a?b=\u00e9","ClientRequestUserAgent":"Mozilla/5.0 \"x\"","ClientRequestReferer":"https://t.co/","EdgeResponseStatus":200,"EdgeStartTimestamp":1712790000100000000,"X":[{"y":[1,{"z":null}]}]}"#,
            #"{"level":"info","ts":1646861401.52,"request":{"client_ip":"203.0.113.7","method":"GET","host":"example.com","uri":"/","headers":{"User-Agent":["Mozilla/5.0"],"Referer":["https://www.google.com/"]}},"status":200}"#,
            "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td1.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(X11)\tutm_source=a\tuid=u1\tHit\tid\twww.example.com",
            #"203.0.113.9 - [2026-03-02T10:00:00+00:00] "GET /p?x=1 HTTP/1.1" 200 "https://t.co/x" "Mozilla/5.0 (X11)" u-42"#,
            #"{"event_timestamp":"1772446507000123","event_name":"page_view","event_params":[{"key":"page_location","value":{"string_value":"https://www.example.com/?gclid=x"}},{"key":"ga_session_id","value":{"int_value":"1772446507"}},{"key":"value","value":{"double_value":1.5,"int_value":null}}],"user_pseudo_id":"1.2"}"#,
        ]
        let w3c = W3CParser(visitorCookie: "uid")
        let lists = try! SourceLists.builtIn()
        let sources = TrafficSources(rules: ChannelRules(lists: lists))
        let classifier = ReferrerClassifier(lists: lists, sources: sources, siteHosts: ["example.com"])
        let bots = try! BotFilter.builtIn()
        var hit = Hit()
        var parsed = 0
        let setup = FormatSetup(formatString: try! FormatString(#"$remote_addr - [$time_iso8601] "$request" $status "$http_referer" "$http_user_agent" $cookie_uid"#, visitorID: "uid"),
                                jsonMap: JSONFieldMap(paths: [.time: ["t"], .client: ["c.ip"], .uri: ["u"], .status: ["s"]]))
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        var header = ParseArena(base: scratch, capacity: 1 << 16)
        _ = "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header".withSpan { w3c.parse($0, into: &hit, arena: &header) }
        for i in 0..<30_000 {
            var b = Array(seeds[i % seeds.count].utf8)
            let edits = Int(rng.next() % 6)
            for _ in 0...edits where !b.isEmpty {
                let at = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 4 {
                case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.remove(at: at)
                case 2: b.insert(["\"", "\\", "[", "]", " ", "%", "\0", "\u{FF}"].map { Array($0.utf8)[0] }[Int(rng.next() % 8)], at: at)
                default: b = Array(b.prefix(at))
                }
            }
            b.withSpan { span in
                var arena = ParseArena(base: scratch, capacity: 1 << 16)
                for f in LogFormat.allCases {
                    guard var parser = f == .w3c ? .w3c(w3c) : setup.parser(for: f), parser.parse(span, into: &hit, arena: &arena) == .hit else {
                        if i % 16 == 0 { _ = setup.parser(for: f)?.whereItStops(span) }
                        continue
                    }
                    parsed += 1
                    _ = classifier.origin(referrer: hit.referrer, requestHost: hit.host)
                    _ = CampaignParameters.parse(target: hit.target)
                    _ = PageRules().isPageview(method: hit.method, status: hit.status, target: hit.target)
                    _ = bots.classify(hit.userAgent)
                }
                _ = classifier.origin(referrer: span, requestHost: .empty)
                _ = CampaignParameters.parse(query: span)
                _ = LogTime.parseCommonLog(span)
            }
        }
        XCTAssertGreaterThan(parsed, 1000)  // the mutations leave plenty of lines that still parse
    }

    func testRandomBytesThroughAWholeJob() throws {
        var rng = SplitMix(seed: 5)
        let dir = TempDir()
        let good = (0..<200).map { line("192.0.2.\($0 % 50)", day0 + Int64($0) * 30, "/p\($0 % 7)") }.joined(separator: "\n")
        var bytes = Array(good.utf8)
        for _ in 0..<2000 { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
        var o = IngestOptions()
        o.files = [dir.write("noisy.log", bytes: bytes), dir.write("nul.log", bytes: [UInt8](repeating: 0, count: 100_000))]
        o.format = .combined
        let job = IngestJob(options: o)
        try job.run()
        XCTAssertEqual(job.stats.lines, job.stats.hits + job.stats.malformed)
        XCTAssertGreaterThan(job.stats.malformed, 0)
    }

    /// Mutated CRM exports and cost files: every outcome is rows, a counted problem or a
    /// one-line error, never a crash; and the visitor-id and lead-parameter scanners on any line.
    func testMutatedCRMExportsNeverCrash() throws {
        var rng = SplitMix(seed: 17)
        let csv = "Record ID,Create Date,Type,Lead Status,Amount,IP Address,User Agent\r\nL1,2026-03-02T10:00:00+02:00,lead,\"Closed \"\"Won\"\"\",12.50,192.0.2.1,\"Mozilla/5.0 (X11)\"\r\n"
        let json = "{\"id\": \"J1\", \"time\": 1772445600, \"ip\": \"192.0.2.1\", \"value\": 3.5, \"x\": {\"y\": [1, null]}}\n"
        let dir = TempDir()
        var rows = 0, errors = 0
        for i in 0..<3000 {
            var b = Array((i % 2 == 0 ? csv : json).utf8)
            for _ in 0...Int(rng.next() % 5) where !b.isEmpty {
                let at = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 4 {
                case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.remove(at: at)
                case 2: b.insert([0x22, 0x2C, 0x3B, 0x0A, 0x0D, 0x7B, 0x00, 0xFF][Int(rng.next() % 8)], at: at)
                default: b = Array(b.prefix(at))
                }
            }
            var s = CRMSettings()
            s.files = [dir.write("crm-\(i % 7)", bytes: b)]
            do {
                rows += try CRMExport.read(s, zone: .utc).rows.count
            } catch let e as IngestError {
                errors += 1
                XCTAssertFalse(e.description.contains("\n"), e.description)
            }
            _ = try? ChannelCosts.parse(b, origin: "costs")
            var zone = ReportTimeZone.utc
            _ = CRMTime.parse(String(decoding: b.prefix(40), as: UTF8.self), zone: &zone)
            b.withSpan { span in
                _ = CRMEvidence.parameter(Array("lead".utf8), in: span)
                var hit = Hit()
                hit.line = span
                hit.userAgent = span.prefix(span.count / 2)
                _ = VisitorIDField("extra:2")!.value(in: hit)
            }
        }
        XCTAssertGreaterThan(rows, 1000)
        XCTAssertGreaterThan(errors, 10)
    }
}
