import XCTest
@testable import ChannelIngest

/// Each parser on lines built by hand: what lands in the hit, and what makes a line malformed.
final class FormatParserTests: XCTestCase {
    /// Parses `text` with `parser`; the hit's fields as strings, or nil when not a hit.
    func parse(_ parser: LineParser, _ text: String) -> [String: String]? {
        var p = parser
        var hit = Hit()
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
        defer { scratch.deallocate() }
        var arena = ParseArena(base: scratch, capacity: 4096)
        return text.withSpan { span in
            guard p.parse(span, into: &hit, arena: &arena) == .hit else { return nil }
            return ["client": hit.client.string, "time": String(hit.time), "method": hit.method.string, "target": hit.target.string,
                    "status": String(hit.status), "referrer": hit.referrer.string, "ua": hit.userAgent.string,
                    "host": hit.host.string, "vid": hit.visitorID.string]
        }
    }

    let t = day0 + 10 * 3600 + 15 * 60 + 7    // 2026-03-02T10:15:07Z

    func testNginxFormatStringPastedFromTheConfig() throws {
        let f = try FormatString("""
        log_format main escape=default '$remote_addr - $remote_user [$time_local] "$request" '
                        '$status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $cookie_uid';
        """, visitorID: "$cookie_uid")
        let line = #"10.0.0.2 - - [02/Mar/2026:11:15:07 +0100] "GET /p?utm_source=x HTTP/2.0" 200 512 "https://t.co/a" "Mozilla/5.0 (X11) \"q\"" "203.0.113.7, 10.0.0.2" u-9"#
        let h = try XCTUnwrap(parse(.formatString(f), line))
        XCTAssertEqual(h["client"], "203.0.113.7")          // the first X-Forwarded-For address
        XCTAssertEqual(h["time"], String(t))
        XCTAssertEqual(h["method"], "GET")
        XCTAssertEqual(h["target"], "/p?utm_source=x")
        XCTAssertEqual(h["referrer"], "https://t.co/a")
        XCTAssertEqual(h["ua"], #"Mozilla/5.0 (X11) \"q\""#)
        XCTAssertEqual(h["vid"], "u-9")
        // Without a proxy the X-Forwarded-For is "-": the address is the client.
        let direct = #"203.0.113.8 - - [02/Mar/2026:11:15:07 +0100] "GET / HTTP/1.1" 200 5 "-" "curl/8" "-" -"#
        XCTAssertEqual(parse(.formatString(f), direct)?["client"], "203.0.113.8")
        XCTAssertEqual(parse(.formatString(f), direct)?["vid"], "")
        // Cut, or a status that is no status: malformed.
        XCTAssertNil(parse(.formatString(f), String(line.prefix(60))))
        XCTAssertNil(parse(.formatString(f), line.replacingOccurrences(of: "\" 200 ", with: "\" 2x0 ")))
        XCTAssertEqual(f.diagnose(ByteSpan.empty), "stops at $remote_addr")
    }

    func testNginxISOTimeUriAndArgs() throws {
        let f = try FormatString(#"$remote_addr [$time_iso8601] $host "$request_method $uri$is_args$args" $status $request_time"#)
        let h = try XCTUnwrap(parse(.formatString(f), #"203.0.113.7 [2026-03-02T11:15:07+01:00] www.example.com "POST /signup?x=1" 302 0.004"#))
        XCTAssertEqual(h["time"], String(t))
        XCTAssertEqual(h["method"], "POST")
        XCTAssertEqual(h["target"], "/signup?x=1")
        XCTAssertEqual(h["host"], "www.example.com")
        XCTAssertEqual(parse(.formatString(f), #"203.0.113.7 [2026-03-02T11:15:07+01:00] h "GET /a" 200 0.1"#)?["target"], "/a")
    }

    func testApacheLogFormatLines() throws {
        let f = try FormatString(#"LogFormat "%v:%p %{X-Forwarded-For}i %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\" %D %{uid}C" vhost_xff"#, visitorID: "%{uid}C")
        let h = try XCTUnwrap(parse(.formatString(f), #"www.example.com:443 198.51.100.4 - - [02/Mar/2026:10:15:07 +0000] "GET /x HTTP/1.1" 304 0 "-" "Mozilla/5.0" 1234 u-1"#))
        XCTAssertEqual(h["host"], "www.example.com:443".split(separator: ":").first.map(String.init))
        XCTAssertEqual(h["client"], "198.51.100.4")
        XCTAssertEqual(h["status"], "304")
        XCTAssertEqual(h["vid"], "u-1")
        let epoch = try FormatString("%a %{sec}t %m %U%q %s")
        XCTAssertEqual(parse(.formatString(epoch), "192.0.2.1 \(t) GET /a?b=c 200")?["target"], "/a?b=c")
        XCTAssertEqual(parse(.formatString(epoch), "192.0.2.1 \(t)123 GET /a 200")?["time"], String(t))  // ms
    }

    func testFormatStringsThatCannotWorkAreRefused() {
        func message(_ s: String) -> String {
            do { _ = try FormatString(s); return "compiled" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("$remote_addr $status $request"), "--log-format: the format has no time ($time_local, $time_iso8601, $msec or %t); ingest needs one")
        XCTAssertEqual(message("%h %t %r"), "--log-format: the format has no status ($status or %>s); ingest needs one")
        XCTAssertTrue(message("$remote_addr [$time_local] $request_uri $request_method$status").contains("$request_method and $status follow each other"))
    }

    func testCloudFrontHeaderAndFields() throws {
        let w = W3CParser(visitorCookie: "uid")
        var hit = Hit()
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
        defer { scratch.deallocate() }
        var arena = ParseArena(base: scratch, capacity: 4096)
        XCTAssertEqual("#Version: 1.0".withSpan { w.parse($0, into: &hit, arena: &arena) }, .comment)
        XCTAssertEqual("2019-12-04\t21:02:31\t-".withSpan { w.parse($0, into: &hit, arena: &arena) }, .malformed)  // no #Fields yet
        XCTAssertEqual("#Fields: date time x-edge-location c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-host-header".withSpan { w.parse($0, into: &hit, arena: &arena) }, .comment)
        let h = try XCTUnwrap(parse(.w3c(w), "2026-03-02\t10:15:07\tLAX1\t192.0.2.100\tGET\td1.cloudfront.net\t/index.html\t200\thttps://www.google.com/\tMozilla/5.0%20(X11;%20Linux)%2B\tutm_source=a&x=%20\tab=1;%20uid=u-7\twww.example.com"))
        XCTAssertEqual(h["time"], String(t))
        XCTAssertEqual(h["client"], "192.0.2.100")
        XCTAssertEqual(h["target"], "/index.html?utm_source=a&x=%20")   // the query as sent
        XCTAssertEqual(h["ua"], "Mozilla/5.0 (X11; Linux)+")             // decoded once
        XCTAssertEqual(h["host"], "www.example.com")                     // the viewer's Host, not the distribution
        XCTAssertEqual(h["referrer"], "https://www.google.com/")
        XCTAssertEqual(h["vid"], "u-7")
        XCTAssertNil(parse(.w3c(w), "2026-03-02\t10:15:07\tLAX1\t192.0.2.100\tGET\td1\t/i\tOK\t-\t-\t-\t-\t-"))
    }

    func testALBLine() throws {
        let h = try XCTUnwrap(parse(.alb(ALBParser()), #"https 2026-03-02T10:15:07.186641Z app/lb/50dc 203.0.113.9:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/p?gclid=x HTTP/1.1" "Mozilla/5.0 (X11)" ECDHE TLSv1.2 arn "Root=1" "www.example.com" "-" 1"#))
        XCTAssertEqual(h["client"], "203.0.113.9")
        XCTAssertEqual(h["time"], String(t))
        XCTAssertEqual(h["target"], "https://www.example.com:443/p?gclid=x")
        XCTAssertEqual(h["host"], "www.example.com")
        XCTAssertEqual(h["referrer"], "")
        XCTAssertEqual(PageRules.path(of: h["target"]!.withSpan { $0 }).string, "/p")
    }

    func testJSONLinesSkipWhatTheyDoNotNeed() throws {
        let caddy = JSONLineParser(map: .caddy)
        let line = #"{"level":"info","ts":1772446507.52,"skip":{"a":[1,{"b":"}]\""}]},"request":{"remote_ip":"10.0.0.2","client_ip":"203.0.113.7","method":"GET","host":"example.com","uri":"/caf\u00e9?q=\"x\"","headers":{"User-Agent":["Mozilla/5.0 \ud83d\ude00","second"],"Referer":["https://t.co/x"]}},"status":200,"size":12}"#
        let h = try XCTUnwrap(parse(.json(caddy), line))
        XCTAssertEqual(h["client"], "203.0.113.7")       // client_ip before remote_ip
        XCTAssertEqual(h["time"], String(t))
        XCTAssertEqual(h["target"], "/café?q=\"x\"")
        XCTAssertEqual(h["ua"], "Mozilla/5.0 😀")           // a surrogate pair joined; the first array element
        XCTAssertEqual(h["referrer"], "https://t.co/x")
        XCTAssertNil(parse(.json(caddy), String(line.dropLast())))                     // cut
        XCTAssertNil(parse(.json(caddy), line.replacingOccurrences(of: #""status":200"#, with: #""status":"ok""#)))
        XCTAssertEqual(caddy.diagnose(#"{"ts":1,"status":200}"#.withSpan { $0 }), "has no request.client_ip or request.remote_ip")
        let cf = JSONLineParser(map: .cloudflare)
        for stamp in ["1772446507000000000", "1772446507", #""2026-03-02T10:15:07Z""#] {
            let l = #"{"ClientIP":"203.0.113.7","ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":200,"EdgeStartTimestamp":"# + stamp + "}"
            XCTAssertEqual(parse(.json(cf), l)?["time"], String(t), stamp)
        }
    }

    func testDetectionAndWhyNothingFits() throws {
        let setup = FormatSetup()
        func detect(_ lines: [String]) -> LogFormat? {
            let joined = lines.joined(separator: "\n")
            return joined.withSpan { all in
                var spans: [ByteSpan] = []
                var start = 0
                for (i, b) in Array(joined.utf8).enumerated() where b == 0x0A {
                    spans.append(all.slice(start, i))
                    start = i + 1
                }
                spans.append(all.slice(start, all.count))
                return setup.detect(spans)
            }
        }
        XCTAssertEqual(detect(["#Version: 1.0", "#Fields: date time c-ip cs-method cs-uri-stem sc-status", "2026-03-02 10:15:07 192.0.2.1 GET / 200"]), .w3c)
        XCTAssertEqual(detect([#"{"ClientIP":"1.2.3.4","ClientRequestURI":"/","EdgeResponseStatus":200,"EdgeStartTimestamp":1}"#]), .cloudflare)
        XCTAssertEqual(detect([#"{"ts":1,"request":{"client_ip":"1.2.3.4","uri":"/"},"status":200}"#]), .caddy)
        let dir = TempDir()
        var o = IngestOptions()
        o.files = [dir.write("weird.log", "2026-03-02|192.0.2.1|GET /|200\n")]
        o.quiet = true
        XCTAssertThrowsError(try IngestJob(options: o).run()) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains(#"no known log format fits its first lines ("2026-03-02|[ip]|GET /|200")"#), m)
            XCTAssertTrue(m.contains("combined: stops at %h %l %u (the client before the [time])"), m)
            XCTAssertTrue(m.contains("w3c: no #Fields: header before the first line"), m)
            XCTAssertTrue(m.contains("cloudflare: is not a JSON object"), m)
        }
    }

    /// GA4 export rows in no order: sessions by ga_session_id, the landing is the earliest page
    /// view, a goal counts once at its earliest event with that event's value.
    func testGA4ExportRowsInAnyOrder() throws {
        func row(_ name: String, _ t: Int64, _ pseudo: String, session: Int64, location: String = "https://www.example.com/", referrer: String? = nil, value: String? = nil) -> String {
            var params = [#"{"key":"page_location","value":{"string_value":"\#(location)","int_value":null}}"#,
                          #"{"key":"ga_session_id","value":{"int_value":"\#(session)"}}"#]
            if let referrer { params.append(#"{"key":"page_referrer","value":{"string_value":"\#(referrer)"}}"#) }
            if let value { params.append(#"{"key":"value","value":{"double_value":\#(value)}}"#) }
            return #"{"event_date":"20260302","event_timestamp":"\#(t)000123","event_name":"\#(name)","event_params":[\#(params.joined(separator: ","))],"user_pseudo_id":"\#(pseudo)","device":{"category":"mobile"},"items":[]}"#
        }
        let s = day0 + 3600
        let lines = [
            row("purchase", s + 300, "A.1", session: s, value: "80.5"),
            row("page_view", s + 60, "A.1", session: s, location: "https://www.example.com/pricing"),
            row("purchase", s + 200, "A.1", session: s, value: "12"),
            row("page_view", s, "A.1", session: s, location: "https://www.example.com/?utm_source=news&utm_medium=email"),
            row("scroll", s + 30, "A.1", session: s),
            // A later session of A, from Google.
            row("page_view", s + 7200, "A.1", session: s + 7200, referrer: "https://www.google.com/"),
            // B sends only an event: no session.
            row("generate_lead", s + 10, "B.2", session: s + 10),
        ]
        let job = try runJob([lines], configure: {
            $0.format = .ga4
            $0.goals = [Goal(name: "purchase", path: "", value: 49, event: "purchase"), Goal(name: "lead", path: "", value: 5, event: "generate_lead")]
        })
        XCTAssertEqual(job.stats.hits, 7)
        XCTAssertEqual(job.stats.sessions, 2)
        XCTAssertEqual(job.stats.visitors, 1)
        XCTAssertEqual(job.channelSessions, ["Email": 1, "Organic Search": 1])
        let email = try XCTUnwrap(job.counts(.email))
        XCTAssertEqual(email.pageviews, 2)
        XCTAssertEqual(email.durationSeconds, 300)            // first page view to the last purchase event
        XCTAssertEqual(email.conversions, 1)                  // purchased twice: once per session
        XCTAssertEqual(email.value, 12)                       // the earliest purchase event's value
        XCTAssertEqual(job.stats.goalHitsWithoutSession, 1)
        XCTAssertEqual(job.aggregates.credited(.noSession, goal: 1).value, 5)
        XCTAssertNil(parse(.ga4(GA4Parser()), #"{"event_name":"page_view","user_pseudo_id":"x"}"#))   // no time
    }
}
