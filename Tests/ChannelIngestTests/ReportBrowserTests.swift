import Foundation
import XCTest
@testable import ChannelIngest

/// `report.html` in headless Chromium (Debian's `chromium`): the DOM after load has the
/// verdict with the CSVs' numbers, a chart with marks for every `<svg>`, and nothing wider than
/// the page at a phone's and a desktop's width; the hostile-input report has no script and no
/// event handler. Screenshots at both widths land in `.build/report-screenshots/` for a person.
///
/// Skipped with a message when Chromium is missing; `.ci/run` installs it and sets
/// `INGEST_REQUIRE_CHROMIUM=1`, which turns the skip into a failure.
final class ReportBrowserTests: XCTestCase {
    static let screenshots = ReportReading.root.appendingPathComponent(".build/report-screenshots")

    func chromium() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let path = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        if ProcessInfo.processInfo.environment["INGEST_REQUIRE_CHROMIUM"] == "1" {
            XCTFail("chromium is required (INGEST_REQUIRE_CHROMIUM=1) but not on PATH: apt-get install chromium")
        }
        throw XCTSkip("chromium is not installed (apt-get install chromium): the report is not checked in a browser")
    }

    /// Runs Chromium headless on `page` at `width` and returns what it printed.
    func run(_ chromium: String, _ args: [String], page: String, width: Int, height: Int) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        let profile = TempDir()
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=\(profile.url.path)", "--window-size=\(width),\(height)", "--virtual-time-budget=5000"]
            + args + [URL(fileURLWithPath: page).absoluteString]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A page that shows the report in an iframe exactly `width` wide (headless Chromium's
    /// window is never narrower than 500 px) and, after load, measures every element of it
    /// against that width, writing the result into `<pre id="layout-check">` and the report's
    /// DOM into `<pre id="dom">`. (The report has no script; this one is the test's, outside it.)
    func measuringPage(for page: String, width: Int, in dir: TempDir) throws -> String {
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let srcdoc = html.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
        let wrapper = """
        <!DOCTYPE html><html><body style="margin:0">
        <script>
        window.addEventListener('load', () => {
          const d = document.getElementById('report').contentDocument;
          const w = d.documentElement.clientWidth;
          const outside = [];
          for (const el of d.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.right > w + 0.5 || r.left < -0.5) outside.push(el.tagName + (el.id ? '#' + el.id : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
          }
          document.getElementById('layout-check').textContent = JSON.stringify({ width: w, scrollWidth: d.documentElement.scrollWidth, outside: outside.slice(0, 10), count: outside.length });
          document.getElementById('dom').textContent = d.documentElement.outerHTML;
        });
        </script>
        <iframe id="report" style="width:\(width)px;height:900px;border:0;display:block" srcdoc="\(srcdoc)"></iframe>
        <pre id="layout-check"></pre><pre id="dom"></pre>
        </body></html>
        """
        return dir.write("measure-\(width).html", wrapper)
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&nbsp;", with: "\u{a0}").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The measurement and the report's DOM, from the wrapper page's DOM.
    func measured(_ dom: String) throws -> (layout: [String: Any], dom: String) {
        guard let json = ReportReading.matches(#"<pre id="layout-check">(.*?)</pre>"#, in: dom).first,
              let inner = ReportReading.matches(#"<pre id="dom">(.*?)</pre>"#, in: dom).first, !json.isEmpty else {
            XCTFail("no measurement in the DOM")
            return ([:], "")
        }
        return (try JSONSerialization.jsonObject(with: Data(Self.unescape(json).utf8)) as! [String: Any], Self.unescape(inner))
    }

    func testFixtureReportInChromiumAtPhoneAndDesktopWidth() throws {
        let chromium = try chromium()
        let dir = TempDir()
        try ReportReading.fixtureRun(into: dir.path("out"))
        let page = dir.path("out/report.html")
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        for width in [390, 1280] {
            let wrapper = try run(chromium, ["--dump-dom"], page: try measuringPage(for: page, width: width, in: dir), width: max(width, 500) + 40, height: 1000)
            let (l, dom) = try measured(wrapper)
            // The verdict, as the browser parsed it, is the CSVs' numbers.
            let cells = ReportReading.verdict(dom)
            XCTAssertEqual(cells.count, 22, "width \(width)")
            XCTAssertEqual(try ReportReading.checkVerdict(cells, against: dir.path("out")), 225)
            // One <svg> per chart, each with bars or points.
            let svgs = ReportReading.matches(#"(<svg [^>]*data-chart="[^"]+".*?</svg>)"#, in: dom)
            XCTAssertEqual(svgs.count, 11)
            for svg in svgs {
                let id = ReportReading.matches(#"data-chart="([^"]+)""#, in: svg).first ?? "?"
                let marks = ReportReading.matches(#"(<rect class="bar|<circle class="point)"#, in: svg).count
                XCTAssertGreaterThan(marks, 0, "chart \(id) has no bars or points")
                XCTAssertTrue(svg.contains("<title>"), "chart \(id) has no text alternative")
            }
            // Nothing outside the page's width.
            XCTAssertEqual(l["width"] as? Int, width)
            XCTAssertEqual(l["count"] as? Int, 0, "outside the page at \(width) px: \(l["outside"] ?? "")")
            XCTAssertEqual(l["scrollWidth"] as? Int, width)
            // A screenshot of the whole page for a person to look at.
            let shot = Self.screenshots.appendingPathComponent("report-\(width).png").path
            _ = try run(chromium, ["--screenshot=\(shot)"], page: page, width: width, height: width == 390 ? 9000 : 5600)
            XCTAssertTrue(FileManager.default.fileExists(atPath: shot), shot)
        }
    }

    func testHostileReportHasNoScriptOrHandlerInTheDOM() throws {
        let chromium = try chromium()
        let hostile = [
            line("203.0.113.50", day0, "/<script>alert(1)</script>"),
            line("203.0.113.51", day0 + 5, "/x?utm_source=%3Cscript%3Ealert(2)%3C%2Fscript%3E&utm_campaign=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(3)%3E"),
            line("203.0.113.52", day0 + 9, "/y", ref: "https://evil.example/\"><svg/onload=alert(4)>"),
            line("203.0.113.53", day0 + 11, "/z\" onmouseover=\"alert(5)"),
            line("203.0.113.54", day0 + 12, "/w", ua: "<iframe src=javascript:alert(6)>"),
        ]
        let job = try runJob([hostile])
        let dir = TempDir()
        try ReportWriter.write(job: job, to: dir.path("out"))
        let dom = try run(chromium, ["--dump-dom"], page: dir.path("out/report.html"), width: 1280, height: 900)
        XCTAssertTrue(dom.contains("</html>"), "Chromium printed no DOM")
        XCTAssertFalse(dom.lowercased().contains("<script"), "a script element")
        XCTAssertFalse(dom.lowercased().contains("<iframe"))
        XCTAssertFalse(dom.lowercased().contains("<img"))
        XCTAssertNil(dom.range(of: #"<[^>]*\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]), "an event handler attribute")
        XCTAssertTrue(dom.contains("/&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertFalse(dom.contains("203.0.113.5"))
    }

    /// The report of the robustness tests' every-byte-in-every-field run, loaded in Chromium.
    func testEveryByteReportHasNoScriptOrHandlerInTheDOM() throws {
        let chromium = try chromium()
        let (bytes, _) = HostileFieldTests.everyByteInEveryField()
        let dir = TempDir()
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.quiet = true
        o.format = .combined
        o.files = [dir.write("h.log", bytes: bytes)]
        let job = IngestJob(options: o)
        try job.run()
        try ReportWriter.write(job: job, to: dir.path("out"))
        let dom = try run(chromium, ["--dump-dom"], page: dir.path("out/report.html"), width: 1280, height: 900)
        XCTAssertTrue(dom.contains("</html>"), "Chromium printed no DOM")
        XCTAssertFalse(dom.lowercased().contains("<script"), "a script element")
        XCTAssertNil(dom.range(of: #"<[^>]*\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]), "an event handler attribute")
        XCTAssertFalse(dom.contains("203.0.113.7"))
    }
}
