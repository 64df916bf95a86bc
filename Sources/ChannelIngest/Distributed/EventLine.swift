import Foundation

/// One sessionizer event as a line of text: what `ingest map` hands `ingest reduce` through the
/// shuffle (docs/spark.md, "Event lines").
///
/// Eleven fields, tab-separated: time and order number (16 hex digits each, offset by 2⁶³ so
/// that the text order of a line is its (time, order) order — `LC_ALL=C sort` sorts a map's
/// output into exactly the order the sessionizer applies it), visitor key, kind (bit 0 pageview,
/// 1 asset, 2 goal hit), goals, client key and lead hash (hex), then the traffic source's
/// source, medium and campaign (all three empty: the hit names none) and the page (empty: not a
/// pageview; else `p` and the path as logged). Text fields have `%`, tab, CR and LF
/// written as `%25`, `%09`, `%0D`, `%0A`. Keys are keyed hashes: no address is in a line.
enum EventLine {
    /// Appends `e`'s line; `source` and `page` are its source's and page's fields, escaped.
    @inline(__always)
    static func append(_ e: VisitEvent, source: [UInt8], page: [UInt8], to out: inout [UInt8]) {
        hex16(UInt64(bitPattern: e.time) ^ (1 << 63), &out)
        out.append(0x09)
        hex16(UInt64(bitPattern: e.seq) ^ (1 << 63), &out)
        out.append(0x09)
        hex(e.visitor, &out)
        out.append(0x09)
        out.append(0x30 + (e.isPageview ? 1 : 0) + (e.isAsset ? 2 : 0) + (e.isGoalHit ? 4 : 0))
        out.append(0x09)
        hex(e.goals, &out)
        out.append(0x09)
        hex(e.client, &out)
        out.append(0x09)
        hex(e.lead, &out)
        out.append(0x09)
        out += source
        out.append(0x09)
        out += page
        out.append(0x0A)
    }

    /// The escaped source, medium and campaign fields of a traffic source (three fields).
    static func sourceFields(_ s: TrafficSources.Source) -> [UInt8] {
        escaped(s.source) + [0x09] + escaped(s.medium) + [0x09] + escaped(s.campaign)
    }
    /// Source fields of a hit that names no source.
    static let noSource: [UInt8] = [0x09, 0x09]
    /// The page field of a path.
    static func pageField(_ path: String) -> [UInt8] { [0x70] + escaped(path) }

    static func escaped(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in s.utf8 {
            switch b {
            case 0x25: out += [0x25, 0x32, 0x35]
            case 0x09: out += [0x25, 0x30, 0x39]
            case 0x0A: out += [0x25, 0x30, 0x41]
            case 0x0D: out += [0x25, 0x30, 0x44]
            default: out.append(b)
            }
        }
        return out
    }

    /// A line read back: the event with its source and page still as bytes of the line.
    struct Parsed {
        var event: VisitEvent
        /// The raw source, medium and campaign fields (with their two tabs); empty: none.
        var source: ByteSpan
        var page: ByteSpan
    }

    /// The fields of `line` (without its newline), or nil when it is no event line. Fields are
    /// taken one after another (no array a line: a reduce reads millions).
    static func parse(_ line: ByteSpan) -> Parsed? {
        var rest = line
        @inline(__always) func next() -> ByteSpan? {
            guard let tab = rest.firstIndex(of: 0x09) else { return nil }
            let f = rest.prefix(tab)
            rest = rest.dropFirst(tab + 1)
            return f
        }
        guard let ft = next(), ft.count == 16, let t = hexValue(ft),
              let fq = next(), fq.count == 16, let q = hexValue(fq),
              let fv = next(), let v = hexValue(fv),
              let fk = next(), fk.count == 1, fk[0] >= 0x30, fk[0] <= 0x37,
              let fg = next(), let g = hexValue(fg),
              let fc = next(), let c = hexValue(fc),
              let fl = next(), let l = hexValue(fl),
              let s1 = next(), let s2 = next(), let s3 = next(), rest.firstIndex(of: 0x09) == nil else { return nil }
        let kind = fk[0] - 0x30
        var e = VisitEvent(time: Int64(bitPattern: t ^ (1 << 63)), seq: Int64(bitPattern: q ^ (1 << 63)), visitor: v,
                           origin: ReferrerClassifier.none, page: -1, isPageview: kind & 1 != 0, goals: g,
                           isAsset: kind & 2 != 0, client: c, isGoalHit: kind & 4 != 0)
        e.lead = l
        let hasSource = s1.count + s2.count + s3.count > 0
        let source = hasSource ? ByteSpan(base: s1.base, count: s3.base + s3.count - s1.base) : .empty
        return Parsed(event: e, source: source, page: rest)
    }

    /// Undoes `escaped` (a `%` not followed by two hex digits stays as it is).
    static func unescaped(_ s: ByteSpan) -> String {
        guard s.firstIndex(of: 0x25) != nil else { return s.string }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == 0x25, i + 2 < s.count, let h = hexDigit(s[i + 1]), let l = hexDigit(s[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits raw source fields into (source, medium, campaign).
    static func sourceParts(_ s: ByteSpan) -> TrafficSources.Source? {
        guard let a = s.firstIndex(of: 0x09) else { return nil }
        let rest = s.dropFirst(a + 1)
        guard let b = rest.firstIndex(of: 0x09) else { return nil }
        return TrafficSources.Source(source: unescaped(s.prefix(a)), medium: unescaped(rest.prefix(b)),
                                     campaign: unescaped(rest.dropFirst(b + 1)))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    @inline(__always)
    private static func hex16(_ v: UInt64, _ out: inout [UInt8]) {
        var shift: UInt64 = 60
        while true {
            out.append(digits[Int((v >> shift) & 0xF)])
            if shift == 0 { break }
            shift -= 4
        }
    }

    @inline(__always)
    private static func hex(_ v: UInt64, _ out: inout [UInt8]) {
        if v == 0 {
            out.append(0x30)
            return
        }
        var shift = UInt64(60 - (v.leadingZeroBitCount / 4) * 4)
        while true {
            out.append(digits[Int((v >> shift) & 0xF)])
            if shift == 0 { break }
            shift -= 4
        }
    }

    @inline(__always)
    private static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x61...0x66: return b - 0x61 + 10
        case 0x41...0x46: return b - 0x41 + 10
        default: return nil
        }
    }

    /// A hex number of 1 to 16 digits.
    @inline(__always)
    private static func hexValue(_ s: ByteSpan) -> UInt64? {
        guard s.count >= 1, s.count <= 16 else { return nil }
        var v: UInt64 = 0
        for i in 0..<s.count {
            guard let d = hexDigit(s[i]) else { return nil }
            v = v << 4 | UInt64(d)
        }
        return v
    }
}
