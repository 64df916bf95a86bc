import Foundation

/// One CSV table: RFC 4180, UTF-8, a header row, and SPEC.md's spreadsheet rules.
///
/// Text from the input (names, paths, sources) that starts with `=`, `+`, `-`, `@`, tab or
/// carriage return gets a leading `'` so no spreadsheet evaluates it; control characters are
/// written as `\xNN` text. Numbers the tool computes are written plain.
public struct CSVTable {
    public enum Cell {
        case text(String)
        case int(Int)
        /// A number with a fixed number of decimals.
        case number(Double, decimals: Int)
        case empty
    }

    public let columns: [String]
    public private(set) var rows: [[Cell]] = []

    public init(columns: [String]) { self.columns = columns }

    public mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "row width must match the header")
        rows.append(row)
    }

    public func render() -> String {
        var out = columns.map(Self.quote).joined(separator: ",") + "\r\n"
        for row in rows {
            out += row.map(Self.render).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func render(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): return quote(neutralize(s))
        case .int(let v): return String(v)
        case .number(let v, let d): return formatFixed(v, decimals: d)
        case .empty: return ""
        }
    }

    /// `'`-prefixes text a spreadsheet would read as a formula, and escapes control characters.
    public static func neutralize(_ s: String) -> String {
        var t = ""
        t.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            if u.value < 0x20 && u != "\t" && u != "\r" || u.value == 0x7F {
                t += String(format: "\\x%02X", u.value)
            } else {
                t.unicodeScalars.append(u)
            }
        }
        if let f = t.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(f) {
            return "'" + t
        }
        return t
    }

    static func quote(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) || s.hasPrefix(" ") || s.hasSuffix(" ") {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// A fixed-point decimal with `.` and no grouping, independent of the locale.
    public static func formatFixed(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        let negative = v < 0 && scaled != 0
        var digits = String(Int64(scaled))
        if decimals > 0 {
            if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (negative ? "-" : "") + digits
    }
}

/// Writes files so a reader never sees half of one: to a temporary name in the same folder,
/// then renamed over the final name.
public enum AtomicFile {
    public static func write(_ text: String, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try Data(text.utf8).write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                throw IngestError.output("cannot rename \(tmp.path) to \(url.path): \(String(cString: strerror(errno)))")
            }
        } catch let e as IngestError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw IngestError.output("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
