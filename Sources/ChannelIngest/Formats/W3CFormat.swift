/// W3C extended logs: AWS CloudFront standard logs (tab-separated) and IIS (space-separated).
/// The `#Fields:` header names the columns, so one parser per file learns them from its header;
/// header lines are comments, not malformed lines.
///
/// CloudFront percent-encodes the User-Agent (`Mozilla/5.0%20(Windows…`); IIS writes `+` for
/// spaces. Date and time are UTC. The path and query are logged apart and joined into the
/// request target; the viewer's `x-host-header` (the site's own host) wins over `cs(Host)` (the
/// distribution's name).
public final class W3CParser {
    enum Column: Equatable {
        case date, time, client, method, stem, query, status, referrer, userAgent, host, hostHeader, cookie, skip
    }

    private(set) var columns: [Column] = [] {
        didSet { hasUserAgent = columns.contains(.userAgent) }
    }
    private var hasUserAgent = false
    private let visitorCookie: [UInt8]?

    /// `visitorCookie`: the cookie in `cs(Cookie)` that holds a visitor id.
    public init(visitorCookie: String? = nil) {
        self.visitorCookie = visitorCookie.map { Array($0.utf8) }
    }

    /// A parser that knows the same columns (diagnostics must not change the file's parser).
    func copy() -> W3CParser {
        let c = W3CParser(visitorCookie: visitorCookie.map { String(decoding: $0, as: UTF8.self) })
        c.columns = columns
        return c
    }

    static func column(_ name: String) -> Column {
        switch name.lowercased() {
        case "date": return .date
        case "time": return .time
        case "c-ip": return .client
        case "cs-method": return .method
        case "cs-uri-stem": return .stem
        case "cs-uri-query": return .query
        case "sc-status": return .status
        case "cs(referer)", "cs(referrer)": return .referrer
        case "cs(user-agent)": return .userAgent
        case "cs(host)", "cs-host": return .host
        case "x-host-header": return .hostHeader
        case "cs(cookie)": return .cookie
        default: return .skip
        }
    }

    public func parse(_ line: ByteSpan, into hit: inout Hit, arena: inout ParseArena) -> LineOutcome {
        if line.count > 0 && line[0] == 0x23 {
            if line.hasPrefix("#Fields:") {
                let names = line.dropFirst(8).string.split(whereSeparator: { $0 == " " || $0 == "\t" })
                columns = names.map { Self.column(String($0)) }
            }
            return .comment
        }
        guard !columns.isEmpty, line.count > 0 else { return .malformed }
        let separator: UInt8 = line.firstIndex(of: 0x09) != nil ? 0x09 : 0x20
        var date = ByteSpan.empty, time = ByteSpan.empty, stem = ByteSpan.empty, query = ByteSpan.empty
        var host = ByteSpan.empty, hostHeader = ByteSpan.empty, ua = ByteSpan.empty, cookie = ByteSpan.empty
        var status: Int?
        hit.client = .empty
        hit.method = .empty
        hit.referrer = .empty
        hit.visitorID = .empty
        var start = 0
        var k = 0
        let n = columns.count
        while start <= line.count && k < n {
            let end = memchr(line.base + start, Int32(separator), line.count - start).map {
                UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - line.base
            } ?? line.count
            var v = line.slice(start, end)
            if v.count == 1 && v[0] == 0x2D { v = .empty }
            switch columns[k] {
            case .date: date = v
            case .time: time = v
            case .client: hit.client = v
            case .method: hit.method = v
            case .stem: stem = v
            case .query: query = v
            case .status:
                guard v.count == 3, v[0] &- 0x30 < 10, v[1] &- 0x30 < 10, v[2] &- 0x30 < 10 else { return .malformed }
                status = Int(v[0] - 0x30) * 100 + Int(v[1] - 0x30) * 10 + Int(v[2] - 0x30)
            case .referrer: hit.referrer = v
            case .userAgent: ua = v
            case .host: host = v
            case .hostHeader: hostHeader = v
            case .cookie: cookie = v
            case .skip: break
            }
            k += 1
            start = end + 1
        }
        // Every named column must be there (a trailing empty one may be cut).
        guard k >= columns.count - 1, let status, hit.client.count > 0, stem.count > 0,
              date.count == 10, time.count >= 8 else { return .malformed }
        guard let t = Self.time(date, time) else { return .malformed }
        hit.time = t
        hit.status = status
        if query.count > 0 {
            guard let target = arena.join(stem, ByteSpan(base: questionMarkByte, count: 1), query) else { return .malformed }
            hit.target = target
        } else {
            hit.target = stem
        }
        hit.host = hostHeader.count > 0 ? hostHeader : host
        hit.hasUserAgentField = hasUserAgent
        hit.userAgent = ua.count > 0 ? Self.decode(ua, arena: &arena) ?? ua : ua
        if let name = visitorCookie, cookie.count > 0 {
            // CloudFront percent-encodes the Cookie header too (`a=1;%20uid=x`).
            let header = Self.decode(cookie, arena: &arena) ?? cookie
            if let v = CookieHeader.value(of: name, in: header) { hit.visitorID = v }
        }
        return .hit
    }

    /// `%XX` and `+` decoded into the arena; nil when the arena is full or nothing to decode.
    static func decode(_ v: ByteSpan, arena: inout ParseArena) -> ByteSpan? {
        guard v.firstIndex(of: 0x25) != nil || v.firstIndex(of: 0x2B) != nil, arena.fits(v.count) else { return nil }
        let mark = arena.mark
        var i = 0
        while i < v.count {
            let c = v[i]
            if c == 0x2B {
                arena.append(0x20)
            } else if c == 0x25, i + 2 < v.count, let h = PercentDecoding.hex(v[i + 1]), let l = PercentDecoding.hex(v[i + 2]) {
                arena.append(h << 4 | l)
                i += 2
            } else {
                arena.append(c)
            }
            i += 1
        }
        return arena.finish(from: mark)
    }

    /// `2019-12-04` and `21:02:31` (UTC) as epoch seconds.
    static func time(_ d: ByteSpan, _ t: ByteSpan) -> Int64? {
        guard d[4] == 0x2D, d[7] == 0x2D, t[2] == 0x3A, t[5] == 0x3A,
              let year = LogTime.digits4(d.base, 0), let month = LogTime.digits2(d.base, 5), let day = LogTime.digits2(d.base, 8),
              let h = LogTime.digits2(t.base, 0), let m = LogTime.digits2(t.base, 3), let s = LogTime.digits2(t.base, 6),
              month >= 1, month <= 12, day >= 1, day <= LogTime.daysIn(month: month, year: year), h <= 23, m <= 59, s <= 60
        else { return nil }
        return LogTime.daysFromCivil(year: year, month: month, day: day) * 86400 + Int64(h * 3600 + m * 60 + s)
    }

    public func diagnose(_ line: ByteSpan) -> String {
        if columns.isEmpty { return "no #Fields: header before the first line" }
        let n = line.string.split(separator: line.firstIndex(of: 0x09) != nil ? "\t" : " ", omittingEmptySubsequences: false).count
        return n < columns.count - 1 ? "has \(n) fields, the #Fields: header names \(columns.count)" : "a field does not hold what its column says (date, time, sc-status)"
    }
}

/// One cookie's value in a `Cookie:` header (`a=1; uid=abc; b=2`).
enum CookieHeader {
    static func value(of name: [UInt8], in header: ByteSpan) -> ByteSpan? {
        var i = 0
        while i < header.count {
            while i < header.count && (header[i] == 0x20 || header[i] == 0x3B || header[i] == 0x2B) { i += 1 }
            var j = i
            while j < header.count && header[j] != 0x3B { j += 1 }
            let pair = header.slice(i, j)
            if pair.count > name.count, pair[name.count] == 0x3D,
               name.withUnsafeBufferPointer({ memcmp(pair.base, $0.baseAddress!, name.count) == 0 }) {
                let v = pair.dropFirst(name.count + 1)
                return v.count > 0 ? v : nil
            }
            i = j + 1
        }
        return nil
    }
}

/// A `?` to join a path and a query with.
let questionMarkByte = StaticBytes.make("?")

import Foundation
