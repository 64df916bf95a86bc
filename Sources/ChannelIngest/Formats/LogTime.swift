/// Turns log timestamps into UTC epoch seconds by arithmetic: no `DateFormatter` per line.
public enum LogTime {
    /// Parses Apache/nginx `time_local`: `10/Oct/2000:13:55:36 -0700` (26 bytes, no brackets).
    @inline(__always)
    public static func parseCommonLog(_ s: ByteSpan) -> Int64? {
        guard s.count == 26 else { return nil }
        let p = s.base
        guard p[2] == 0x2F, p[6] == 0x2F, p[11] == 0x3A, p[14] == 0x3A, p[17] == 0x3A, p[20] == 0x20
        else { return nil }
        guard let day = digits2(p, 0), let year = digits4(p, 7), let hour = digits2(p, 12),
              let minute = digits2(p, 15), let second = digits2(p, 18),
              let month = monthNumber(p[3], p[4], p[5])
        else { return nil }
        let sign = p[21]
        guard sign == 0x2B || sign == 0x2D, let oh = digits2(p, 22), let om = digits2(p, 24),
              oh <= 23, om <= 59 else { return nil }
        guard day >= 1, day <= daysIn(month: month, year: year), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        let offset = Int64(oh * 3600 + om * 60) * (sign == 0x2D ? -1 : 1)
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86400 + Int64(hour * 3600 + minute * 60 + second) - offset
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    @inline(__always)
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The calendar date of a day number (inverse of `daysFromCivil`).
    public static func civilFromDays(_ z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// `YYYY-MM-DD` for a day number.
    public static func isoDate(days: Int64) -> String {
        let (y, m, d) = civilFromDays(days)
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for epoch seconds.
    public static func isoTimestamp(_ t: Int64) -> String {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let rem = Int(t - days * 86400)
        return isoDate(days: days) + "T" + pad(rem / 3600, 2) + ":" + pad(rem / 60 % 60, 2) + ":" + pad(rem % 60, 2) + "Z"
    }

    private static func pad(_ v: Int, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    @inline(__always)
    static func digits2(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int? {
        let a = p[i] &- 0x30, b = p[i + 1] &- 0x30
        guard a < 10, b < 10 else { return nil }
        return Int(a) * 10 + Int(b)
    }

    @inline(__always)
    static func digits4(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int? {
        guard let hi = digits2(p, i), let lo = digits2(p, i + 2) else { return nil }
        return hi * 100 + lo
    }

    /// Month number from its English three-letter abbreviation, any case.
    @inline(__always)
    static func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = UInt32(asciiLower(a)) << 16 | UInt32(asciiLower(b)) << 8 | UInt32(asciiLower(c))
        switch key {
        case 0x6A616E: return 1   // jan
        case 0x666562: return 2   // feb
        case 0x6D6172: return 3   // mar
        case 0x617072: return 4   // apr
        case 0x6D6179: return 5   // may
        case 0x6A756E: return 6   // jun
        case 0x6A756C: return 7   // jul
        case 0x617567: return 8   // aug
        case 0x736570: return 9   // sep
        case 0x6F6374: return 10  // oct
        case 0x6E6F76: return 11  // nov
        case 0x646563: return 12  // dec
        default: return nil
        }
    }
}
