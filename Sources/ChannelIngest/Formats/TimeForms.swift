extension LogTime {
    /// ISO 8601 / RFC 3339 bytes: `2018-07-02T22:23:00.186641Z`, `2026-03-02T10:15:00+02:00`,
    /// `…+0200`, or with a space for the `T`. A zone is required (logs without one are ambiguous).
    @inline(__always)
    public static func parseISO(_ s: ByteSpan) -> Int64? {
        guard s.count >= 20 else { return nil }
        let p = s.base
        guard p[4] == 0x2D, p[7] == 0x2D, p[10] == 0x54 || p[10] == 0x20 || p[10] == 0x74, p[13] == 0x3A, p[16] == 0x3A,
              let year = digits4(p, 0), let month = digits2(p, 5), let day = digits2(p, 8),
              let hour = digits2(p, 11), let minute = digits2(p, 14), let second = digits2(p, 17),
              month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        if i < s.count && (p[i] == 0x2E || p[i] == 0x2C) {
            i += 1
            while i < s.count && p[i] &- 0x30 < 10 { i += 1 }
        }
        guard i < s.count else { return nil }
        var offset: Int64 = 0
        if p[i] == 0x5A || p[i] == 0x7A {
            i += 1
        } else if p[i] == 0x2B || p[i] == 0x2D {
            let sign: Int64 = p[i] == 0x2D ? -1 : 1
            guard i + 3 <= s.count, let oh = digits2(p, i + 1) else { return nil }
            i += 3
            if i < s.count && p[i] == 0x3A { i += 1 }
            guard i + 2 <= s.count, let om = digits2(p, i), oh <= 23, om <= 59 else { return nil }
            i += 2
            offset = sign * Int64(oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == s.count else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86400 + Int64(hour * 3600 + minute * 60 + second) - offset
    }

    /// An epoch number: seconds (`1712790000` or `1646861401.5241024`), or milliseconds,
    /// microseconds or nanoseconds told apart by their size (any date after 1973 in ms has 12+
    /// digits). Fractions of a second are dropped.
    @inline(__always)
    public static func parseEpoch(_ s: ByteSpan) -> Int64? {
        // 19 digits (nanoseconds) fit a UInt64 whatever they are; a 20th is no timestamp.
        var u: UInt64 = 0
        var n = 0
        while n < s.count, case let d = s[n] &- 0x30, d < 10 {
            guard n < 19 else { return nil }
            u = u * 10 + UInt64(d)
            n += 1
        }
        guard u <= UInt64(Int64.max) else { return nil }
        let v = Int64(u)
        guard n > 0 else { return nil }
        if n < s.count {
            guard s[n] == 0x2E, n + 1 < s.count else { return nil }
            for k in (n + 1)..<s.count where s[k] &- 0x30 >= 10 {
                // An exponent (1.7e9) or anything else: not a plain epoch.
                _ = k
                return nil
            }
        }
        switch n {
        case 18...: return v / 1_000_000_000
        case 15...17: return v / 1_000_000
        case 12...14: return v / 1000
        default: return v
        }
    }
}
