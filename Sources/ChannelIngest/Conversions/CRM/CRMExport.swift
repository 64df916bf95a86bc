import Foundation

/// Reads CRM exports (`--conversions`): CSV or JSON lines, gzipped or not (chosen by their
/// bytes), columns found by `CRMColumns`.
///
/// Nothing joinable is dropped: a row whose time, value or status can't be read is kept with
/// what could be read, counted, and sampled for the summary; a file with no rows is a warning.
/// A lead id seen twice keeps its last row (files in name order, then line order): exports
/// list a lead again when it changes, so the later row is the newer state.
public struct CRMImport {
    public var rows: [CRMRow] = []
    /// Rows read, before duplicate lead ids were merged.
    public var rowsRead = 0
    public var duplicateLeadIDs = 0
    public var badTimes = 0
    public var badValues = 0
    /// Status words no `[crm.statuses]` list names (counted as `new`), with how many rows had each.
    public var unknownStatuses: [String: Int] = [:]
    public var rowsWithoutKey = 0
    /// JSON lines that are no JSON object (counted and sampled; nothing can be read of them).
    public var malformedLines = 0
    /// Up to five messages about rows, `file:line: what`.
    public var samples: [String] = []
    public var warnings: [String] = []

    public init() {}

    mutating func note(_ message: String) {
        if samples.count < 5 { samples.append(AddressRedaction.redact(message)) }
    }
}

public enum CRMExport {
    /// Reads every file and merges duplicate lead ids (each lead once, with its last row).
    public static func read(_ settings: CRMSettings, zone: ReportTimeZone) throws -> CRMImport {
        var rows: [CRMRow] = []
        var result = try stream(settings, zone: zone) { rows.append($0) }
        if result.duplicateLeadIDs > 0 {
            var lastIndex: [String: Int] = [:]
            for (i, r) in rows.enumerated() { if let id = r.leadID { lastIndex[id] = i } }
            rows = rows.enumerated().filter { i, r in r.leadID.map { lastIndex[$0] == i } ?? true }.map(\.1)
        }
        result.rows = rows
        return result
    }

    /// Every row of every file, in file-name then line order, handed to `each` as it is read
    /// (duplicate lead ids included: nightly runs upsert them, so the last one wins there too).
    /// The result has the counts and warnings, no rows.
    public static func stream(_ settings: CRMSettings, zone: ReportTimeZone, each: (CRMRow) throws -> Void) throws -> CRMImport {
        var result = CRMImport()
        var zone = zone
        var seen = Set<String>()
        var rowsRead = 0, duplicates = 0
        var example: String?
        for path in settings.files.sorted() {
            try read(path: path, settings: settings, zone: &zone, into: &result) { row in
                rowsRead += 1
                if let id = row.leadID, !seen.insert(id).inserted {
                    duplicates += 1
                    example = example ?? id
                }
                try each(row)
            }
        }
        result.rowsRead = rowsRead
        result.duplicateLeadIDs = duplicates
        if duplicates > 0 {
            result.warnings.append("\(duplicates) CRM rows repeat a lead id already seen (e.g. \(example!)); each lead counts once, with its last row")
        }
        if result.badTimes > 0 {
            result.warnings.append("\(result.badTimes) CRM rows have a time that is not a date (ISO 8601, epoch seconds\(settings.timeFormat.map { " or \($0.pattern)" } ?? ""), e.g. \(result.samples.first ?? "")); they can only join by lead id. For another layout set [crm] time_format, e.g. \"%m/%d/%Y %I:%M %p\"")
        }
        if result.badValues > 0 {
            result.warnings.append("\(result.badValues) CRM rows have a value that is not a number; their goal's value is used")
        }
        if !result.unknownStatuses.isEmpty {
            let top = result.unknownStatuses.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(3).map { "\"\($0.key)\" (\($0.value))" }
            result.warnings.append("CRM statuses not in [crm.statuses] counted as new: \(top.joined(separator: ", ")); map them in the config")
        }
        if result.rowsWithoutKey > 0 {
            result.warnings.append("\(result.rowsWithoutKey) CRM rows have no lead id, visitor id or IP to join on; they count as (not joined)")
        }
        return result
    }

    static func read(path: String, settings: CRMSettings, zone: inout ReportTimeZone, into result: inout CRMImport) throws {
        var rows: [CRMRow] = []
        try read(path: path, settings: settings, zone: &zone, into: &result) { rows.append($0) }
        result.rows += rows
    }

    /// Reads one export, handing each row to `emit` as it is read (a CSV export is never all
    /// in memory as strings; nightly runs upsert the rows as they come).
    static func read(path: String, settings: CRMSettings, zone: inout ReportTimeZone, into result: inout CRMImport,
                     emit: (CRMRow) throws -> Void) throws {
        let (bytes, damage) = try readAll(path)
        if let damage { result.warnings.append("\(path): \(damage.message); CRM rows read up to there") }
        let firstByte = bytes.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
        if firstByte == nil {
            result.warnings.append("\(path): empty CRM export, no conversions read from it")
            return
        }
        var at: [CRMColumns.Field: Int]?
        var rows = 0
        func take(_ record: CSVRecords.Record) throws {
            guard let at else { return }
            rows += 1
            try emit(row(record, at: at, path: path, settings: settings, zone: &zone, result: &result))
        }
        if firstByte == 0x7B {
            let (header, records, bad) = jsonLines(bytes)
            for line in bad { result.note("\(path):\(line): not a JSON object") }
            if !bad.isEmpty {
                result.malformedLines += bad.count
                result.warnings.append("\(path): \(bad.count) lines are not a JSON object (a JSON-lines export has one {…} per line); nothing could be read of them")
            }
            if !records.isEmpty { at = try settings.columns.locate(in: header, file: path) }
            for record in records { try take(record) }
        } else {
            var sawHeader = false
            try CSVRecords.parse(bytes) { record in
                guard sawHeader else {
                    sawHeader = true
                    at = try settings.columns.locate(in: record.fields.map { $0.trimmedASCIIWhitespace }, file: path)
                    return
                }
                try take(record)
            }
            if !sawHeader {
                result.warnings.append("\(path): empty CRM export, no conversions read from it")
                return
            }
        }
        if rows == 0 { result.warnings.append("\(path): CRM export has a header but no rows") }
    }

    /// One record as a row, its problems counted in `result`.
    static func row(_ record: CSVRecords.Record, at: [CRMColumns.Field: Int], path: String, settings: CRMSettings,
                    zone: inout ReportTimeZone, result: inout CRMImport) -> CRMRow {
        func cell(_ f: CRMColumns.Field) -> String? {
            guard let i = at[f], i < record.fields.count else { return nil }
            let v = record.fields[i].trimmedASCIIWhitespace
            return v.isEmpty ? nil : v
        }
        var row = CRMRow(file: path, line: record.line, time: nil)
        func time(_ text: String) -> Int64? {
            settings.timeFormat?.parse(text, zone: &zone) ?? CRMTime.parse(text, zone: &zone)
        }
        if let t = cell(.time) {
            row.time = time(t)
            if row.time == nil {
                result.badTimes += 1
                result.note("\(path):\(record.line): time \"\(t.prefix(40))\" is not a date")
            }
        } else {
            result.badTimes += 1
            result.note("\(path):\(record.line): no time")
        }
        row.goal = cell(.goal) ?? settings.defaultGoal
        row.typed = at[.goal] != nil
        if let v = cell(.value) {
            row.value = parseMoney(v)
            if row.value == nil {
                result.badValues += 1
                result.note("\(path):\(record.line): value \"\(v.prefix(40))\" is not a number")
            }
        }
        if let s = cell(.status) {
            if let status = settings.statuses.status(of: s) {
                row.status = status
            } else {
                result.unknownStatuses[s.lowercased(), default: 0] += 1
            }
        }
        row.leadID = cell(.leadID)
        row.visitorID = cell(.visitorID)
        row.ip = cell(.ip)
        row.userAgent = cell(.userAgent)
        if let c = cell(.customerTime) { row.customerTime = time(c) }
        if row.hasNoKey { result.rowsWithoutKey += 1 }
        return row
    }

    /// `49`, `49.90`, `-5`, with an optional currency sign; no thousands separators (a `1,234`
    /// is ambiguous between locales, so it is refused rather than guessed).
    static func parseMoney(_ s: String) -> Double? {
        var t = Substring(s)
        for sign in ["$", "€", "£", "¥"] where t.hasPrefix(sign) { t = t.dropFirst(sign.count) }
        for sign in ["$", "€", "£", "¥", "EUR", "USD", "GBP"] where t.hasSuffix(sign) { t = t.dropLast(sign.count) }
        t = Substring(String(t).trimmedASCIIWhitespace)
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }),
              let v = Double(t), v.isFinite else { return nil }
        return v
    }

    /// JSON lines as a table: every key seen (nested objects as dotted paths) is a column; the
    /// numbers of lines that are not a JSON object come back too (a counted problem, not a stop).
    static func jsonLines(_ bytes: [UInt8]) -> ([String], [CSVRecords.Record], [Int]) {
        var bad: [Int] = []
        var header: [String] = []
        var index: [String: Int] = [:]
        var records: [CSVRecords.Record] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                bad.append(lineNumber)
                continue
            }
            var flat: [(String, String)] = []
            flatten(object, prefix: "", into: &flat)
            var fields = [String](repeating: "", count: header.count)
            for (k, v) in flat {
                if index[k] == nil {
                    index[k] = header.count
                    header.append(k)
                    fields.append("")
                }
                fields[index[k]!] = v
            }
            records.append(CSVRecords.Record(line: lineNumber, fields: fields))
        }
        // Rows read before a key first appeared lack its column.
        for i in records.indices where records[i].fields.count < header.count {
            records[i].fields += [String](repeating: "", count: header.count - records[i].fields.count)
        }
        return (header, records, bad)
    }

    static func flatten(_ object: [String: Any], prefix: String, into out: inout [(String, String)]) {
        for (k, v) in object.sorted(by: { $0.key < $1.key }) {
            let key = prefix.isEmpty ? k : prefix + "." + k
            switch v {
            case let d as [String: Any]: flatten(d, prefix: key, into: &out)
            case let s as String: out.append((key, s))
            case let n as NSNumber:
                let d = n.doubleValue
                out.append((key, d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)))
            case is NSNull: out.append((key, ""))
            default: out.append((key, "\(v)"))
            }
        }
    }

    /// The whole file, decompressed when it is gzip.
    static func readAll(_ path: String) throws -> ([UInt8], InputDamage?) {
        let input = try DecompressedInput(path: path)
        var out: [UInt8] = []
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { buffer.deallocate() }
        while true {
            let n = input.read(into: buffer, capacity: 1 << 16)
            if n <= 0 { break }
            out.append(contentsOf: UnsafeBufferPointer(start: buffer, count: n))
        }
        return (out, input.damage)
    }
}
