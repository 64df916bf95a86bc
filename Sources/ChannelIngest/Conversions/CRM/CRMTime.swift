/// Times as CRM exports write them: ISO 8601 with or without a zone (`2026-03-02T10:15:00Z`,
/// `2026-03-02 10:15`, `2026-03-02T10:15:00.123+02:00`), a bare date, or epoch seconds or
/// milliseconds. A time without a zone is read in the report's zone (`--timezone`), which is
/// what a CRM account's exports use.
enum CRMTime {
    /// UTC epoch seconds, or nil when `text` is none of the forms above.
    static func parse(_ text: String, zone: inout ReportTimeZone) -> Int64? {
        let b = Array(text.utf8)
        guard !b.isEmpty else { return nil }
        if b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2E }) {
            guard let v = Double(text), v.isFinite else { return nil }
            // 13 digits are milliseconds (every date after 1973 in ms has 12 or more).
            let seconds = v >= 1e11 ? v / 1000 : v
            // Past the year 9999 it is no time, just a number in the wrong column.
            guard seconds < 253_402_300_800 else { return nil }
            return Int64(seconds)
        }
        var i = 0
        func number(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            i += n
            return v
        }
        func skip(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4) else { return nil }
        let sep: UInt8 = i < b.count && b[i] == 0x2F ? 0x2F : 0x2D
        guard skip(sep), let month = number(2), skip(sep), let day = number(2),
              (1...12).contains(month), day >= 1, day <= LogTime.daysIn(month: month, year: year) else { return nil }
        var seconds = 0
        if i < b.count {
            guard skip(0x54) || skip(0x20) || skip(0x74) else { return nil }
            guard let h = number(2), skip(0x3A), let m = number(2), h < 24, m < 60 else { return nil }
            var s = 0
            if skip(0x3A) {
                guard let ss = number(2), ss < 61 else { return nil }
                s = min(ss, 59)
                if skip(0x2E) || skip(0x2C) {
                    while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
                }
            }
            seconds = h * 3600 + m * 60 + s
        }
        let local = LogTime.daysFromCivil(year: year, month: month, day: day) * 86400 + Int64(seconds)
        if i == b.count {
            // No zone: local time in the report's zone (the offset in force at that moment).
            let guess = local - Int64(zone.offset(at: local))
            return local - Int64(zone.offset(at: guess))
        }
        if skip(0x5A) || skip(0x7A) { return i == b.count ? local : nil }
        guard i < b.count, b[i] == 0x2B || b[i] == 0x2D else { return nil }
        let sign: Int64 = b[i] == 0x2D ? -1 : 1
        i += 1
        guard let oh = number(2) else { return nil }
        _ = skip(0x3A)
        let om = i < b.count ? number(2) : 0
        guard let om, i == b.count, oh <= 18, om < 60 else { return nil }
        return local - sign * Int64(oh * 3600 + om * 60)
    }
}
