import XCTest
@testable import ChannelIngest

final class FormatTests: XCTestCase {
    private func parse(_ s: String, _ v: NCSAVariant = .combined) -> Hit? {
        var hit = Hit()
        let ok = s.withSpan { NCSAParser(v).parse($0, into: &hit) }
        return ok ? hit : nil
    }

    func testTimeLocalIsConvertedToUTCByArithmetic() {
        // 2000-10-10 13:55:36 -0700 = 20:55:36 UTC; 11240 days after 1970-01-01.
        let t = "10/Oct/2000:13:55:36 -0700".withSpan { LogTime.parseCommonLog($0) }
        XCTAssertEqual(t, 971_211_336)  // 11240 * 86400 + 20 * 3600 + 55 * 60 + 36
        XCTAssertEqual("29/Feb/2024:00:00:00 +0000".withSpan { LogTime.parseCommonLog($0) }, 1_709_164_800)
        XCTAssertNil("29/Feb/2023:00:00:00 +0000".withSpan { LogTime.parseCommonLog($0) })
        XCTAssertNil("10/Foo/2000:13:55:36 -0700".withSpan { LogTime.parseCommonLog($0) })
        XCTAssertNil("10/Oct/2000:24:55:36 -0700".withSpan { LogTime.parseCommonLog($0) })
        XCTAssertEqual(LogTime.isoTimestamp(971_211_336), "2000-10-10T20:55:36Z")
    }

    /// The clock reuses a day it read; each answer is the one `parseCommonLog` gives alone.
    func testClockReusesTheDayOnly() {
        var clock = CommonLogClock()
        func time(_ s: String) -> Int64? { s.withSpan { clock.time($0.base) } }
        XCTAssertEqual(time("10/Oct/2000:13:55:36 -0700"), 971_211_336)
        // Same day and offset, another time of day: 4 s and 2 h 1 min later.
        XCTAssertEqual(time("10/Oct/2000:13:55:40 -0700"), 971_211_340)
        XCTAssertEqual(time("10/Oct/2000:15:56:36 -0700"), 971_211_336 + 7_260)
        // Same day and offset, an hour, a minute or a second out of range: nil, day kept.
        XCTAssertNil(time("10/Oct/2000:24:00:00 -0700"))
        XCTAssertNil(time("10/Oct/2000:13:60:00 -0700"))
        XCTAssertNil(time("10/Oct/2000:13:00:61 -0700"))
        XCTAssertEqual(time("10/Oct/2000:23:59:60 -0700"), 971_211_336 + 36_264)  // a leap second
        // Separators or digits of the time of day broken.
        XCTAssertNil(time("10/Oct/2000:13-55:36 -0700"))
        XCTAssertNil(time("10/Oct/2000:13:55-36 -0700"))
        XCTAssertNil(time("10/Oct/2000:1x:55:36 -0700"))
        // Another offset on the same day: read whole (-0700 → +0000 is 7 h later in UTC).
        XCTAssertEqual(time("10/Oct/2000:13:55:36 +0000"), 971_211_336 - 25_200)
        // The next day, then a day that does not exist, then back.
        XCTAssertEqual(time("11/Oct/2000:13:55:36 +0000"), 971_211_336 - 25_200 + 86_400)
        XCTAssertNil(time("29/Feb/2023:13:55:36 +0000"))
        XCTAssertEqual(time("11/Oct/2000:13:55:37 +0000"), 971_211_336 - 25_200 + 86_401)
    }

    func testCombinedLine() throws {
        let h = try XCTUnwrap(parse(#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?a=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#))
        XCTAssertEqual(h.client.string, "127.0.0.1")
        XCTAssertEqual(h.method.string, "GET")
        XCTAssertEqual(h.target.string, "/apache_pb.gif?a=1")
        XCTAssertEqual(h.status, 200)
        XCTAssertEqual(h.referrer.string, "http://www.example.com/start.html")
        XCTAssertEqual(h.userAgent.string, "Mozilla/4.08 [en] (Win98; I ;Nav)")
        XCTAssertEqual(h.time, 971_211_336)
    }

    func testEscapedQuotesIPv6AndDashes() throws {
        let h = try XCTUnwrap(parse(#"2001:db8::1 - - [01/Jan/2026:00:00:00 +0000] "GET /a\"b HTTP/1.1" 304 - "-" "Agent \"quoted\" x""#))
        XCTAssertEqual(h.client.string, "2001:db8::1")
        XCTAssertEqual(h.target.string, #"/a\"b"#)
        XCTAssertEqual(h.status, 304)
        XCTAssertTrue(h.referrer.isEmpty)
        XCTAssertEqual(h.userAgent.string, #"Agent \"quoted\" x"#)
    }

    func testExtraFieldsAfterTheUserAgentAreAllowed() {
        XCTAssertNotNil(parse(#"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" "10.0.0.1, 10.0.0.2""#))
    }

    func testCombinedCutAfterSizeIsMalformedButCommonParses() {
        let cut = #"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 512"#
        XCTAssertNil(parse(cut, .combined))
        let h = parse(cut, .common)
        XCTAssertNotNil(h)
        XCTAssertEqual(h?.hasUserAgentField, false)
        XCTAssertNil(parse(cut + #" "-" "ua""#, .common))
    }

    func testVhostCombined() throws {
        let h = try XCTUnwrap(parse(#"www.example.com:443 1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#, .vhostCombined))
        XCTAssertEqual(h.host.string, "www.example.com")
        XCTAssertEqual(h.client.string, "1.2.3.4")
    }

    func testMalformedLines() {
        for bad in ["", "garbage", #"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 2000 5 "-" "ua""#,
                    #"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "unterminated"#,
                    #"1.2.3.4 - - 01/Jan/2026:00:00:00 +0000 "GET / HTTP/1.1" 200 5 "-" "ua""#] {
            XCTAssertNil(parse(bad), bad)
        }
    }

    func testRequestLineThatIsNotOneStillMakesAHit() throws {
        let h = try XCTUnwrap(parse(#"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "\x16\x03\x01" 400 0 "-" "-""#))
        XCTAssertTrue(h.method.isEmpty)
        XCTAssertEqual(h.status, 400)
    }

    /// The target is cut at the last space when `HTTP/` follows it; the shortcut for a
    /// ` HTTP/x.y` ending and the walk back agree.
    func testRequestTargets() {
        let cases: [(String, String)] = [
            ("GET /a HTTP/1.1", "/a"),
            ("GET /a b HTTP/1.0", "/a b"),             // a raw space inside the target
            ("GET /a HTTP/2", "/a"),                   // not nine bytes of protocol: the walk
            ("GET /a HTTP/1 1", "/a HTTP/1 1"),        // the last space is later, before no HTTP/
            ("GET /a HTTX/1.1", "/a HTTX/1.1"),        // no protocol: all of it
            ("GET / HTTP/1.1", "/"),
            ("GET  HTTP/1.1", ""),                     // an empty target
            ("GET /HTTP/1.1", "/HTTP/1.1"),            // no space before HTTP/
        ]
        for (request, target) in cases {
            request.withSpan {
                var hit = Hit()
                RequestLine.split($0, into: &hit)
                XCTAssertEqual(hit.target.string, target, request)
                XCTAssertEqual(hit.method.string, "GET", request)
            }
        }
    }

    func testDetection() {
        let combined = #"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#
        let common = #"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5"#
        let vhost = "example.com:80 " + combined
        func detect(_ lines: [String]) -> LogFormat? {
            let all = Array(lines.joined(separator: "\n").utf8)
            return all.withUnsafeBufferPointer { buf -> LogFormat? in
                var spans: [ByteSpan] = []
                var start = 0
                for (i, b) in buf.enumerated() where b == 0x0A {
                    spans.append(ByteSpan(base: buf.baseAddress! + start, count: i - start))
                    start = i + 1
                }
                spans.append(ByteSpan(base: buf.baseAddress! + start, count: buf.count - start))
                return FormatSetup().detect(spans)
            }
        }
        XCTAssertEqual(detect([combined, combined, "junk"]), .combined)
        XCTAssertEqual(detect([common, common]), .common)
        XCTAssertEqual(detect([vhost]), .vhostCombined)
        XCTAssertNil(detect(["junk", "\u{1}\u{2}"]))
    }
}

extension FormatTests {
    func testForwardedForListAsClient() throws {
        var hit = Hit()
        let p = NCSAParser(.combined)
        XCTAssertTrue(#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "ua""#.withSpan { p.parse($0, into: &hit) })
        XCTAssertEqual(hit.client.string, "10.0.0.2")
        XCTAssertTrue(#""10.5.102.222, 199.96.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "ua""#.withSpan { p.parse($0, into: &hit) })
        XCTAssertEqual(hit.client.string, "10.5.102.222")
        // Two fields before the time are not three: malformed.
        XCTAssertFalse(#"192.168.202.254 [20/Jul/2009:22:59:29 +0000] "GET / HTTP/1.0" 404 46210 "-" "ua""#.withSpan { p.parse($0, into: &hit) })
        XCTAssertFalse(#"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#.withSpan { NCSAParser(.vhostCombined).parse($0, into: &hit) })
    }
}

extension FormatTests {
    /// `firstIndex(of:or:)` reads eight bytes at a time; every place of `?` and `#` in spans
    /// up to 19 bytes, among fillers next to them in value (`>` `@` `"` `$`, 0x00, 0xBF, 0xFF),
    /// gives the earlier of the two places.
    func testFirstOfTwoBytes() {
        let fillers: [UInt8] = [0x3E, 0x40, 0x22, 0x24, 0x00, 0xBF, 0xFF]
        var checked = 0
        for length in 0...19 {
            for filler in fillers {
                for q in -1..<length {
                    for h in -1..<length where h != q || h == -1 {
                        var bytes = [UInt8](repeating: filler, count: length)
                        if q >= 0 { bytes[q] = 0x3F }
                        if h >= 0 { bytes[h] = 0x23 }
                        let expected: Int? = [q, h].filter { $0 >= 0 }.min()
                        let found = bytes.withUnsafeBufferPointer {
                            ByteSpan(base: $0.baseAddress ?? emptyByte, count: length).firstIndex(of: 0x3F, or: 0x23)
                        }
                        XCTAssertEqual(found, expected, "length \(length) ? at \(q) # at \(h) filler \(filler)")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 18_760)  // 7 fillers × Σ over lengths 0…19 of ((L + 1)² − L)
    }
}
