import Foundation
import XCTest
@testable import ChannelIngest

/// Every table, written from input built to attack a spreadsheet, read back by an independent
/// CSV reader (Python's `csv` module): no cell a spreadsheet would evaluate, no raw address.
final class SpreadsheetSafetyTests: XCTestCase {
    /// Every table of a run over input built to attack a spreadsheet, in `dir/out`.
    func hostileReport(_ dir: TempDir) throws {
        let hostile = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "%3Dcmd", "=1\n=2"]
        var lines: [String] = []
        for (i, h) in hostile.enumerated() {
            let q = h.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            lines.append(line("203.0.113.\(i + 1)", day0 + Int64(i) * 60, "/\(q)?utm_source=\(q)&utm_medium=\(q)&utm_campaign=\(q)",
                              ref: "https://\(q).example.net/"))
        }
        let crm = dir.write("crm.csv", "id,created,type,status,ip\n" + hostile.enumerated().map { i, h in
            "\"\(h.replacingOccurrences(of: "\"", with: "\"\""))\",\(LogTime.isoTimestamp(day0 + 30)),\"\(h.replacingOccurrences(of: "\"", with: "\"\""))\",new,203.0.113.\(i + 1)"
        }.joined(separator: "\n") + "\n")
        let costs = dir.write("costs.csv", "channel,cost\nUnassigned,100\n")
        let job = try runJob([lines], configure: {
            $0.goals = [Goal(name: "=goal", path: "/")]
            $0.crm.files = [crm]
            $0.costsFile = costs
        })
        try ReportWriter.write(job: job, to: dir.path("out"))
    }

    func testNoCellIsAFormulaInAnyTable() throws {
        let dir = TempDir()
        try hostileReport(dir)
        let script = """
        import csv, glob, json, sys
        bad = []
        for path in glob.glob(sys.argv[1] + "/*.csv"):
            with open(path, newline="", encoding="utf-8") as f:
                for row in csv.reader(f):
                    for cell in row:
                        if cell[:1] in ("=", "+", "-", "@", "\\t", "\\r"):
                            try:
                                float(cell)          # a number the tool computed (a negative ROI)
                            except ValueError:
                                bad.append((path, cell))
                        if "203.0.113." in cell:
                            bad.append((path, cell))
        for path in glob.glob(sys.argv[1] + "/*.json"):
            if "203.0.113." in open(path, encoding="utf-8").read():
                bad.append((path, "raw address"))
        print(json.dumps(bad))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, dir.path("out")]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "[]")
        // The hostile text is there, neutralized, not dropped.
        let sources = try String(contentsOfFile: dir.path("out/sources.csv"), encoding: .utf8)
        XCTAssertTrue(sources.contains("\"'=hyperlink(\"\"http://x\"\")\""), sources)
        let roi = try String(contentsOfFile: dir.path("out/roi.csv"), encoding: .utf8)
        XCTAssertTrue(roi.contains("Unassigned,100.00,0.00,-1.0000,"), roi)
    }

    /// LibreOffice opens each table (its CSV import told to evaluate formulas, the worst case)
    /// and saves it as xlsx; no cell of any sheet holds a formula. A control file with a plain
    /// `=1+1` cell shows the check sees formulas. Skipped without `soffice` on the machine,
    /// unless INGEST_REQUIRE_SOFFICE=1 (CI installs LibreOffice and sets it).
    func testLibreOfficeFindsNoFormula() throws {
        let soffice = ["/usr/bin/soffice", "/usr/local/bin/soffice"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let soffice else {
            if ProcessInfo.processInfo.environment["INGEST_REQUIRE_SOFFICE"] == "1" { return XCTFail("soffice is not installed") }
            throw XCTSkip("LibreOffice (soffice) is not installed")
        }
        let dir = TempDir()
        try hostileReport(dir)
        let control = dir.write("out/control.csv", "name,n\nplain,1\n=1+1,2\n")
        let csvs = try FileManager.default.contentsOfDirectory(atPath: dir.path("out")).filter { $0.hasSuffix(".csv") }.map { dir.path("out/\($0)") }
        XCTAssertGreaterThanOrEqual(csvs.count, 10)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: soffice)
        p.arguments = ["-env:UserInstallation=file://\(dir.path("profile"))", "--headless",
                       "--infilter=CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true",
                       "--convert-to", "xlsx", "--outdir", dir.path("xlsx")] + csvs
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        // Formulas are <f> elements of a sheet's XML.
        let script = """
        import glob, json, re, sys, zipfile
        found = {}
        for path in sorted(glob.glob(sys.argv[1] + "/*.xlsx")):
            with zipfile.ZipFile(path) as z:
                n = sum(len(re.findall(r"<f[ >]", z.read(name).decode("utf-8")))
                        for name in z.namelist() if name.startswith("xl/worksheets/"))
            found[path.rsplit("/", 1)[1]] = n
        print(json.dumps(found, sort_keys=True))
        """
        let py = Process()
        py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        py.arguments = ["python3", "-c", script, dir.path("xlsx")]
        let pipe = Pipe()
        py.standardOutput = pipe
        try py.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        py.waitUntilExit()
        let found = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Int])
        XCTAssertEqual(found.count, csvs.count, "\(found)")
        XCTAssertEqual(found["control.xlsx"], 1, "the check must see a formula where there is one")
        for (name, n) in found where name != "control.xlsx" { XCTAssertEqual(n, 0, name) }
        _ = control
    }
}
