/// RFC 4180 records from CSV text: quoted fields with `""` escapes and line breaks inside
/// quotes, CRLF or LF, a UTF-8 byte-order mark ignored. The delimiter is the header's most
/// frequent of `,` `;` and tab (spreadsheets in many locales save with `;`).
///
/// CRM exports are small next to access logs, so this reads a whole file into Strings.
enum CSVRecords {
    struct Record {
        /// Line where the record starts (1-based).
        var line: Int
        var fields: [String]
    }

    static func parse(_ bytes: [UInt8]) -> [Record] {
        var records: [Record] = []
        parse(bytes) { records.append($0) }
        return records
    }

    /// The records one at a time: a large export is never all in memory as strings.
    static func parse(_ bytes: [UInt8], each: (Record) throws -> Void) rethrows {
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        let delimiter = guessDelimiter(bytes, from: start)
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var i = start
        var sawAny = false
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() throws {
            endField()
            // A blank line is no record.
            if !(fields.count == 1 && fields[0].isEmpty) { try each(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
            sawAny = false
        }
        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
            } else if c == 0x22 && field.isEmpty {
                inQuotes = true
                sawAny = true
            } else if c == delimiter {
                endField()
                sawAny = true
            } else if c == 0x0A || c == 0x0D {
                if c == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                try endRecord()
                line += 1
                recordLine = line
            } else {
                field.append(c)
                sawAny = true
            }
            i += 1
        }
        if sawAny || !field.isEmpty || !fields.isEmpty { try endRecord() }
    }

    static func guessDelimiter(_ bytes: [UInt8], from start: Int) -> UInt8 {
        var counts: [UInt8: Int] = [0x2C: 0, 0x3B: 0, 0x09: 0]
        var inQuotes = false
        var i = start
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x22 { inQuotes.toggle() }
            if !inQuotes {
                if c == 0x0A || c == 0x0D { break }
                if counts[c] != nil { counts[c]! += 1 }
            }
            i += 1
        }
        let best = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }!
        return best.value > 0 ? best.key : 0x2C
    }
}

extension String {
    /// Without leading and trailing ASCII spaces, tabs, CR and LF. Foundation's
    /// `trimmingCharacters` bridges through NSString, which is slow for every cell of an export.
    var trimmedASCIIWhitespace: String {
        let u = utf8
        func blank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
        guard let first = u.firstIndex(where: { !blank($0) }) else { return "" }
        let last = u.lastIndex(where: { !blank($0) })!
        if first == u.startIndex && last == u.index(before: u.endIndex) { return self }
        return String(self[first...last])
    }
}
