import Foundation
import XCTest
@testable import ChannelIngest

/// Every table, written from input built to attack a spreadsheet, read back by an independent
/// CSV reader (Python's `csv` module): no cell a spreadsheet would evaluate, no raw address.
final class SpreadsheetSafetyTests: XCTestCase {
    func testNoCellIsAFormulaInAnyTable() throws {
        let hostile = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "%3Dcmd", "=1\n=2"]
        var lines: [String] = []
        for (i, h) in hostile.enumerated() {
            let q = h.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            lines.append(line("203.0.113.\(i + 1)", day0 + Int64(i) * 60, "/\(q)?utm_source=\(q)&utm_medium=\(q)&utm_campaign=\(q)",
                              ref: "https://\(q).example.net/"))
        }
        let dir = TempDir()
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
}
