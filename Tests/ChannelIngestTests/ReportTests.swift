import XCTest
@testable import ChannelIngest

final class ReportTests: XCTestCase {
    func testFormulaCellsAreNeutralized() {
        XCTAssertEqual(CSVTable.neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")")
        XCTAssertEqual(CSVTable.neutralize("+1"), "'+1")
        XCTAssertEqual(CSVTable.neutralize("-2"), "'-2")
        XCTAssertEqual(CSVTable.neutralize("@SUM(A1)"), "'@SUM(A1)")
        XCTAssertEqual(CSVTable.neutralize("\tx"), "'\tx")
        XCTAssertEqual(CSVTable.neutralize("\rx"), "'\rx")
        XCTAssertEqual(CSVTable.neutralize("a\u{1}b"), "a\\x01b")
        XCTAssertEqual(CSVTable.neutralize("/pricing"), "/pricing")
    }

    func testRFC4180Quoting() {
        var t = CSVTable(columns: ["name", "n", "rate"])
        t.append([.text("a,b \"c\""), .int(-3), .number(-0.5, decimals: 4)])
        t.append([.text("=1+1"), .int(0), .number(2.0 / 3.0, decimals: 2)])
        XCTAssertEqual(t.render(), "name,n,rate\r\n\"a,b \"\"c\"\"\",-3,-0.5000\r\n'=1+1,0,0.67\r\n")
    }

    func testFixedDecimals() {
        XCTAssertEqual(CSVTable.formatFixed(0.40625, decimals: 4), "0.4063")
        XCTAssertEqual(CSVTable.formatFixed(12, decimals: 1), "12.0")
        XCTAssertEqual(CSVTable.formatFixed(0, decimals: 2), "0.00")
        XCTAssertEqual(CSVTable.formatFixed(-0.00001, decimals: 2), "0.00")
        XCTAssertEqual(CSVTable.formatFixed(1234567.891, decimals: 2), "1234567.89")
    }

    func testTimeZones() throws {
        // 2026-03-29 00:30 UTC is 01:30 in Berlin (CET, +1) — still the 29th; 23:30 UTC on the
        // 28th is 00:30 on the 29th in Berlin.
        var berlin = try ReportTimeZone("Europe/Berlin")
        let t = LogTime.daysFromCivil(year: 2026, month: 3, day: 28) * 86400 + 23 * 3600 + 1800
        XCTAssertEqual(LogTime.isoDate(days: berlin.day(of: t)), "2026-03-29")
        var utc = ReportTimeZone.utc
        XCTAssertEqual(LogTime.isoDate(days: utc.day(of: t)), "2026-03-28")
        var minus = try ReportTimeZone("-0500")
        XCTAssertEqual(LogTime.isoDate(days: minus.day(of: t)), "2026-03-28")
        XCTAssertEqual(minus.offset(at: t), -18000)
        XCTAssertThrowsError(try ReportTimeZone("Mars/Olympus"))
        XCTAssertThrowsError(try ReportTimeZone("+25x"))
    }

    func testAtomicWriteLeavesNoTemporaryFile() throws {
        let dir = TempDir()
        let url = dir.url.appendingPathComponent("t.csv")
        try AtomicFile.write("a\r\n", to: url)
        try AtomicFile.write("b\r\n", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "b\r\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), ["t.csv"])
    }
}

extension ReportTests {
    func testAddressesAreMaskedInSamples() {
        XCTAssertEqual(AddressRedaction.redact(#"203.0.113.7 - - [x] "GET /v1.2.3/a HTTP/1.1" 200"#),
                       #"[ip] - - [x] "GET /v1.2.3/a HTTP/1.1" 200"#)
        XCTAssertEqual(AddressRedaction.redact("2001:db8::1 and ::1 and fe80::1%eth0, 10.0.0.1,192.168.1.1"),
                       "[ip] and [ip] and [ip]%eth0, [ip],[ip]")
        XCTAssertEqual(AddressRedaction.redact("1.2.3.4:8080 2001:0db8:0:0:0:0:0:1"), "[ip]:8080 [ip]")
        XCTAssertEqual(AddressRedaction.redact("10/Oct/2000:13:55:36 1.2.3 cafe"), "10/Oct/2000:13:55:36 1.2.3 cafe")
    }
}
