import Foundation
import XCTest
@testable import ChannelIngest

/// Helpers that read the report's verdict and the CSVs beside it, formatting the CSV's text
/// the way the page must show it — written here from the text, not through `HumanNumbers`.
enum ReportReading {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The fixture run of the README (config, CRM export, costs) into `dir`: the job and the
    /// tables its writer returned.
    @discardableResult
    static func fixtureRun(into dir: String) throws -> (job: IngestJob, tables: TrafficTables) {
        let fixtures = root.appendingPathComponent("fixtures")
        let config = try IngestConfig.load(path: fixtures.appendingPathComponent("ingest.toml").path)
        var o = IngestOptions(config: config, origin: fixtures.appendingPathComponent("ingest.toml").path)
        let logs = fixtures.appendingPathComponent("logs")
        o.files = try FileManager.default.contentsOfDirectory(atPath: logs.path).map { logs.appendingPathComponent($0).path }
        o.crm.files = [fixtures.appendingPathComponent("crm.csv").path]
        o.costsFile = fixtures.appendingPathComponent("costs.csv").path
        o.quiet = true
        let job = IngestJob(options: o)
        try job.run()
        return (job, try ReportWriter.write(job: job, to: dir))
    }

    /// A CSV as rows of cells by column name (the tables quote only where they must).
    static func csv(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { l in
            Dictionary(uniqueKeysWithValues: zip(header, l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    static func grouped(_ integer: String) -> String {
        var out = ""
        for (i, c) in integer.enumerated() {
            if i > 0 && (integer.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// `97.00` → `97`, `199.33` → `199.33`, `31851.86` → `31,851.86` (money keeps its cents).
    static func count(_ csv: String, money: Bool = false) -> String {
        let parts = csv.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let neg = parts[0].hasPrefix("-")
        let int = grouped(neg ? String(parts[0].dropFirst()) : parts[0])
        let frac = parts.count > 1 ? parts[1] : ""
        return (neg ? "-" : "") + int + ((frac.isEmpty || (!money && frac.allSatisfy { $0 == "0" })) ? "" : "." + frac)
    }

    /// `0.2607` → `26.1%`: basis points from the text, then half up to a tenth of a percent.
    static func percent(_ csv: String) -> String {
        let neg = csv.hasPrefix("-")
        let parts = (neg ? String(csv.dropFirst()) : csv).split(separator: ".").map(String.init)
        let frac = (parts.count > 1 ? parts[1] : "").padding(toLength: 4, withPad: "0", startingAt: 0)
        let bp = Int(parts[0])! * 10_000 + Int(frac)!
        let tenths = (bp + 5) / 10
        return (neg && tenths > 0 ? "-" : "") + grouped(String(tenths / 10)) + ".\(tenths % 10)%"
    }

    /// The verdict table's cells by row name and CSV column, read from the page's markup (the
    /// file, or Chromium's DOM).
    static func verdict(_ html: String) -> [String: [String: String]] {
        guard let start = html.range(of: "id=\"table-verdict\""), let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex)
        else { return [:] }
        let table = String(html[start.upperBound..<end.lowerBound])
        var out: [String: [String: String]] = [:]
        for row in matches(#"<tr class="[a-z]+">(.*?)</tr>"#, in: table) {
            guard let name = matches(#"data-column="channel">([^<]*)</th>"#, in: row).first else { continue }
            var cells: [String: String] = [:]
            let pairs = matches(#"data-column="([a-z_]+)"><span>([^<]*)</span>"#, in: row, groups: 2)
            for p in pairs { cells[p[0]] = p[1] }
            out[name.replacingOccurrences(of: "&amp;", with: "&")] = cells
        }
        return out
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        matches(pattern, in: text, groups: 1).map { $0[0] }
    }

    static func matches(_ pattern: String, in text: String, groups: Int) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (1...groups).map { ns.substring(with: m.range(at: $0)) }
        }
    }

    /// Checks every channel's verdict cells against `traffic.csv`, `lead_quality.csv` and
    /// `roi.csv` in `dir`; returns how many cells were compared.
    static func checkVerdict(_ cells: [String: [String: String]], against dir: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var compared = 0
        func check(_ name: String, _ column: String, _ expected: String) {
            XCTAssertEqual(cells[name]?[column], expected, "\(name) \(column)", file: file, line: line)
            compared += 1
        }
        let traffic = try csv(dir + "/traffic.csv")
        XCTAssertGreaterThan(traffic.count, 0, file: file, line: line)
        for r in traffic {
            let name = r["channel"]!
            check(name, "sessions", grouped(r["sessions"]!))
            check(name, "share_of_sessions", percent(r["share_of_sessions"]!))
            check(name, "engagement_rate", percent(r["engagement_rate"]!))
        }
        for r in try csv(dir + "/lead_quality.csv") {
            let name = r["channel"]!
            check(name, "leads", count(r["leads"]!))
            check(name, "customers", count(r["customers"]!))
            check(name, "spam_rate", r["spam_rate"]!.isEmpty ? "–" : percent(r["spam_rate"]!))
            check(name, "revenue", count(r["revenue"]!, money: true))
        }
        for r in try csv(dir + "/roi.csv") {
            let name = r["channel"]!
            check(name, "cost", r["cost"]!.isEmpty ? "–" : count(r["cost"]!, money: true))
            check(name, "roi", r["roi"]!.isEmpty ? "–" : percent(r["roi"]!))
            check(name, "cost_per_customer", r["cost_per_customer"]!.isEmpty ? "–" : count(r["cost_per_customer"]!, money: true))
        }
        for r in try csv(dir + "/attribution.csv") where r["model"] == "last-non-direct" {
            check(r["channel"]!, "conversions", count(r["conversions"]!))
        }
        return compared
    }
}

/// `report.html` as a file: the verdict is the CSVs' numbers, text from the input is escaped,
/// an empty input still says something, tables are capped. (`ReportBrowserTests` opens it in
/// Chromium.)
final class HTMLReportTests: XCTestCase {
    func testFixtureVerdictIsTheCSVsNumbers() throws {
        let dir = TempDir()
        try ReportReading.fixtureRun(into: dir.path("out"))
        let html = try String(contentsOfFile: dir.path("out/report.html"), encoding: .utf8)
        let cells = ReportReading.verdict(html)
        // 19 channels, (no session), (not joined) and the total.
        XCTAssertEqual(cells.count, 22)
        let compared = try ReportReading.checkVerdict(cells, against: dir.path("out"))
        XCTAssertEqual(compared, 19 * 3 + 21 * 4 + 21 * 3 + 21)
        XCTAssertEqual(cells["Total"]?["sessions"], "2,470")
        // Self-contained: nothing is fetched.
        XCTAssertNil(html.range(of: #"(src|href)\s*=\s*"(https?:)?//"#, options: .regularExpression))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<link"))
        // Every chart is an SVG with marks and a text alternative.
        let charts = ReportReading.matches(#"<svg [^>]*data-chart="([a-z-]+)""#, in: html)
        XCTAssertEqual(charts, ["sessions", "engagement", "conversions", "conversion-rate", "lead-quality", "cost-per-customer", "roi",
                                "daily-sessions", "daily-conversions", "models", "bots"])
        XCTAssertEqual(ReportReading.matches(#"<svg [^>]*role="img" aria-label="([^"]+)""#, in: html).count, charts.count)
        // The 20 first landing pages of 229, and a note that the CSV has all.
        XCTAssertTrue(html.contains("The first 20 of 229 rows; landing_pages.csv has all of them."))
    }

    func testTextFromTheInputIsEscaped() throws {
        let hostile = [
            line("192.0.2.10", day0, "/<script>alert(1)</script>"),
            line("192.0.2.11", day0 + 5, "/x?utm_source=%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E&utm_medium=%22onmouseover%3D%22alert(3)"),
            line("192.0.2.12", day0 + 9, "/y", ref: "https://evil.example/'><svg/onload=alert(4)>"),
        ]
        let job = try runJob([hostile])
        let dir = TempDir()
        try ReportWriter.write(job: job, to: dir.path("out"))
        let html = try String(contentsOfFile: dir.path("out/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("/&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
        XCTAssertTrue(html.contains("&quot;onmouseover=&quot;alert(3)"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<img"))
        XCTAssertNil(html.range(of: #"<[^>]*\son[a-z]+\s*="#, options: .regularExpression))
        XCTAssertFalse(html.contains("192.0.2.1"))
    }

    func testEmptyInputSaysThereWasNoTraffic() throws {
        let dir = TempDir()
        let empty = dir.write("empty.log", "")
        let job = try runJob([], configure: { $0.files = [empty] })
        try ReportWriter.write(job: job, to: dir.path("out"))
        let html = try String(contentsOfFile: dir.path("out/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<h2>No traffic</h2>"))
        XCTAssertFalse(html.contains("id=\"table-verdict\""))
        XCTAssertTrue(html.contains("No bot hits and no referrer spam in this input."))
    }

    func testNoHTMLWritesNone() throws {
        let job = try runJob([[line("192.0.2.1", day0, "/")]], configure: { $0.writesHTML = false })
        let dir = TempDir()
        try ReportWriter.write(job: job, to: dir.path("out"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("out/report.html")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("out/traffic.csv")))
    }

    func testTablesAreCappedAndChartsAreAggregates() throws {
        // 30 landing pages of one visit each, 25 sources.
        let lines = (0..<30).map { i in line("192.0.2.\(i)", day0 + Int64(i) * 60, "/page-\(i)", ref: "https://site\(i % 25).example.org/") }
        let job = try runJob([lines])
        let dir = TempDir()
        try ReportWriter.write(job: job, to: dir.path("out"))
        let html = try String(contentsOfFile: dir.path("out/report.html"), encoding: .utf8)
        let pages = html.range(of: "id=\"table-landing-pages\"").map { html[$0.upperBound...] }!
        let pageTable = String(pages[..<pages.range(of: "</table>")!.lowerBound])
        XCTAssertEqual(ReportReading.matches(#"(<tr class="row">)"#, in: pageTable).count, 20)
        XCTAssertTrue(html.contains("The first 20 of 30 rows; landing_pages.csv has all of them."))
        XCTAssertTrue(html.contains("The first 20 of 25 rows; sources.csv has all of them."))
        // One channel (Referral): one bar in the sessions chart, whatever the number of pages.
        let sessions = ReportReading.matches(#"data-chart="sessions" data-marks="(\d+)""#, in: html)
        XCTAssertEqual(sessions, ["1"])
    }

    // MARK: the terminal summary

    func testConsoleSummaryAnswersTheQuestionInWholeNumbers() throws {
        let dir = TempDir()
        let (job, tables) = try ReportReading.fixtureRun(into: dir.path("out"))
        let text = ConsoleSummary.render(verdict: Verdict(tables: tables), stats: job.stats, outDir: "out", report: "report.html")
        let lines = text.components(separatedBy: "\n")
        XCTAssertTrue(lines.allSatisfy { $0.count <= 120 }, text)
        XCTAssertEqual(lines.filter { !$0.isEmpty }.last, "Tables in out/, the report in out/report.html")
        let header = lines[0].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        // The money columns stay; the least important go first.
        XCTAssertEqual(header, ["channel", "sessions", "conversions", "leads", "spam", "customers", "cost", "ROI", "cost/customer"])
        let search = lines.first { $0.hasPrefix("Organic Search ") }!.split(separator: " ").map(String.init)
        let traffic = try ReportReading.csv(dir.path("out/traffic.csv")).first { $0["channel"] == "Organic Search" }!
        let lq = try ReportReading.csv(dir.path("out/lead_quality.csv")).first { $0["channel"] == "Organic Search" }!
        let roi = try ReportReading.csv(dir.path("out/roi.csv")).first { $0["channel"] == "Organic Search" }!
        XCTAssertEqual(search[2], traffic["sessions"])
        XCTAssertEqual(search[4], ReportReading.count(lq["leads"]!))          // "97", not "97.00"
        XCTAssertEqual(search[5], ReportReading.percent(lq["spam_rate"]!))
        XCTAssertEqual(search[6], ReportReading.count(lq["customers"]!))
        XCTAssertEqual(search[7], ReportReading.count(roi["cost"]!, money: true))
        XCTAssertEqual(search[8], ReportReading.percent(roi["roi"]!))
        XCTAssertEqual(search[9], ReportReading.count(roi["cost_per_customer"]!, money: true))
        // A wide terminal keeps every column.
        let wide = ConsoleSummary.render(verdict: Verdict(tables: tables), stats: job.stats, outDir: "out", report: nil, width: 400)
        XCTAssertEqual(wide.components(separatedBy: "\n")[0].split(separator: " ").count, 15)
        XCTAssertTrue(wide.hasSuffix("Tables in out/\n"))
    }

    func testFractionalCreditsKeepTwoDecimals() throws {
        // One visitor: Referral, then Organic Search, then a sign-up: linear gives each 0.5.
        let lines = [line("192.0.2.1", day0, "/a", ref: "https://blog.example.org/"),
                     line("192.0.2.1", day0 + 3600, "/b", ref: "https://www.google.com/"),
                     line("192.0.2.1", day0 + 3700, "/signup", method: "POST", status: 302)]
        let job = try runJob([lines], configure: {
            $0.goals = [Goal(name: "signup", method: "POST", path: "/signup", statusRange: 300...399, value: 20)]
            $0.model = .linear
        })
        let tables = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats)
        let text = ConsoleSummary.render(verdict: Verdict(tables: tables), stats: job.stats, outDir: "o", report: nil)
        let referral = text.components(separatedBy: "\n").first { $0.hasPrefix("Referral") }!
        XCTAssertEqual(referral.split(separator: " ").map(String.init), ["Referral", "1", "1", "50.0%", "0.0%", "0.50", "50.0%"])
        let total = text.components(separatedBy: "\n").first { $0.hasPrefix("total") }!
        XCTAssertEqual(total.split(separator: " ").map(String.init), ["total", "2", "1", "100.0%", "50.0%", "1", "50.0%"])
    }
}
