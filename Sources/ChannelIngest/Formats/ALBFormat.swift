/// AWS Application Load Balancer access logs:
///
///     type time elb client:port target:port t1 t2 t3 elb_status target_status rx tx "request" "user_agent" …
///
/// There is no Referer in this format: channels come only from the request URL's campaign
/// parameters and click ids (the run says so once). The request target is an absolute URL
/// (`GET https://www.example.com:443/p?q HTTP/1.1`); its host is the request's host.
public struct ALBParser: Sendable {
    public init() {}

    public func parse(_ line: ByteSpan, into hit: inout Hit, arena: inout ParseArena) -> Bool {
        var s = FieldScanner(line)
        guard let type = s.token(), type.count <= 6, s.space(),
              let time = s.token(), let t = LogTime.parseISO(time), s.space(),
              s.token() != nil, s.space(),
              let client = s.token(), s.space(),
              s.token() != nil, s.space() else { return false }
        for _ in 0..<3 { guard s.token() != nil, s.space() else { return false } }
        guard let status = s.integer(maxDigits: 3), s.space(), s.token() != nil, s.space(),
              s.token() != nil, s.space(), s.token() != nil, s.space(),
              let request = s.quotedAllowingRawQuotes(), s.space(), let ua = s.quotedAllowingRawQuotes() else { return false }
        guard s.atEnd || s.p.pointee == 0x20 else { return false }
        // `192.168.131.39:2817`: drop the port (an IPv6 address keeps its colons before it).
        var n = client.count - 1
        while n > 0 && client[n] != 0x3A { n -= 1 }
        hit.client = n > 0 ? client.prefix(n) : client
        hit.time = t
        hit.status = status
        RequestLine.split(request, into: &hit)
        hit.host = Self.host(of: hit.target)
        hit.referrer = .empty
        hit.userAgent = ua
        hit.hasUserAgentField = true
        hit.visitorID = .empty
        return true
    }

    /// The host of an absolute URL target, without its port.
    static func host(of target: ByteSpan) -> ByteSpan {
        guard let colon = target.firstIndex(of: 0x3A), colon + 3 <= target.count, target[colon + 1] == 0x2F, target[colon + 2] == 0x2F else { return .empty }
        let rest = target.dropFirst(colon + 3)
        var n = 0
        while n < rest.count && rest[n] != 0x2F && rest[n] != 0x3A && rest[n] != 0x3F { n += 1 }
        return rest.prefix(n)
    }

    public func diagnose(_ line: ByteSpan) -> String {
        let fields = line.string.split(separator: " ")
        if fields.count < 14 { return "has \(fields.count) fields; an ALB line has at least 14" }
        return String(fields[1]).withSpan({ LogTime.parseISO($0) }) == nil ? "its second field is not an ISO 8601 time" : "the request or user agent is not quoted where ALB puts them"
    }
}
