import Foundation

/// The zone that decides which calendar day a session belongs to (`--timezone`): an IANA
/// name such as `Europe/Berlin`, a fixed offset such as `+0200`, or UTC.
public struct ReportTimeZone: @unchecked Sendable {
    private let fixedOffset: Int?
    private let zone: TimeZone?
    private var hourCache: [Int64: Int] = [:]
    public let name: String

    public static let utc = try! ReportTimeZone("UTC")

    public init(_ text: String) throws {
        name = text
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.uppercased() == "UTC" || t.uppercased() == "Z" {
            fixedOffset = 0
            zone = nil
            return
        }
        let b = Array(t.utf8)
        if let f = b.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            let digits = b.dropFirst().filter { $0 != UInt8(ascii: ":") }
            guard digits.count == 4, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw IngestError.badArgument("--timezone \(text): write an offset as +HHMM (e.g. +0200) or an IANA name (e.g. Europe/Berlin)")
            }
            let d = digits.map { Int($0) - 48 }
            let h = d[0] * 10 + d[1], m = d[2] * 10 + d[3]
            guard h <= 18, m < 60 else { throw IngestError.badArgument("--timezone \(text): offset out of range") }
            fixedOffset = (h * 3600 + m * 60) * (f == UInt8(ascii: "-") ? -1 : 1)
            zone = nil
            return
        }
        guard let z = TimeZone(identifier: t) else {
            throw IngestError.badArgument("--timezone \(text): unknown zone; use an IANA name such as Europe/Berlin, or +HHMM")
        }
        fixedOffset = nil
        zone = z
    }

    /// Seconds east of UTC at `t`.
    public mutating func offset(at t: Int64) -> Int {
        if let fixedOffset { return fixedOffset }
        // Offsets change on hour boundaries in every zone we know of; cache per hour.
        let hour = t >= 0 ? t / 3600 : (t - 3599) / 3600
        if let o = hourCache[hour] { return o }
        let o = zone!.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
        if hourCache.count > 100_000 { hourCache.removeAll() }
        hourCache[hour] = o
        return o
    }

    /// The local calendar day number (days since 1970-01-01) of `t`.
    public mutating func day(of t: Int64) -> Int64 {
        let local = t + Int64(offset(at: t))
        return local >= 0 ? local / 86400 : (local - 86399) / 86400
    }
}
