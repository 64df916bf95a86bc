/// Apache/nginx `combined`, `common` and `vhost_combined` lines:
///
///     combined        %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"
///     common          %h %l %u %t "%r" %>s %b
///     vhost_combined  %v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"
///
/// `combined` tolerates extra fields after the User-Agent (many nginx setups append
/// `$http_x_forwarded_for` or a request time); `common` tolerates nothing after the size, so a
/// combined line cut after its size is malformed in a combined file, as SPEC.md asks.
public enum NCSAVariant: Sendable {
    case common, combined, vhostCombined
}

public struct NCSAParser: Sendable {
    /// The client from `%h %l %u ` (with its trailing space): nil unless there are three fields.
    @inline(__always)
    static func clientBefore(_ prefix: ByteSpan) -> ByteSpan? {
        var end = prefix.count
        guard end > 0, prefix[end - 1] == 0x20 else { return nil }
        // Drop the space, %u and %l (each a token), walking left.
        for _ in 0..<2 {
            while end > 0 && prefix[end - 1] == 0x20 { end -= 1 }
            var i = end
            while i > 0 && prefix[i - 1] != 0x20 { i -= 1 }
            guard i < end else { return nil }
            end = i
        }
        while end > 0 && prefix[end - 1] == 0x20 { end -= 1 }
        guard end > 0 else { return nil }
        var client = prefix.prefix(end)
        if client[0] == 0x22 { client = client.dropFirst(1) }
        var n = 0
        while n < client.count, client[n] != 0x2C, client[n] != 0x22, client[n] != 0x20 { n += 1 }
        return n > 0 ? client.prefix(n) : nil
    }

    public let variant: NCSAVariant
    /// The last line's day (see `CommonLogClock`), behind a reference so that parsing stays
    /// non-mutating: rewriting the `LineParser` enum around a mutated parser cost more per
    /// line than the reference.
    private let clock = CommonLogClock.Shared()

    public init(_ variant: NCSAVariant) { self.variant = variant }

    /// Parses `line` into `hit`; false when the line does not fit the format.
    @inline(__always)
    public func parse(_ line: ByteSpan, into hit: inout Hit) -> Bool {
        var s = FieldScanner(line)
        hit.visitorID = .empty
        if variant == .vhostCombined {
            guard let vhost = s.token(), vhost[vhost.count - 1] != 0x2C, s.space() else { return false }
            // `host:port`; an IPv6 literal vhost keeps its brackets.
            var n = vhost.count
            var i = n - 1
            while i > 0 && vhost[i] != 0x3A && vhost[i] != 0x5D { i -= 1 }
            if i > 0 && vhost[i] == 0x3A { n = i }
            hit.host = vhost.prefix(n)
        } else {
            hit.host = .empty
        }
        // `%h %l %u` end at the `[` of the time. Proxies often log an X-Forwarded-For list as
        // `%h` ("10.0.0.2, 10.0.0.1" or quoted), so take %u and %l from the right and let the
        // client be what is left; its first address is the client's.
        guard let bracket = s.find(0x5B) else { return false }
        guard let client = Self.clientBefore(ByteSpan(base: s.p, count: bracket - s.p)) else { return false }
        hit.client = client
        s.p = bracket
        guard let time = s.bracketedTime(&clock.value), s.space() else { return false }
        hit.time = time
        guard let request = s.quoted(), s.space() else { return false }
        RequestLine.split(request, into: &hit)
        guard let status = s.integer(maxDigits: 3), s.space() || s.atEnd else { return false }
        hit.status = status
        guard s.size() else { return false }
        if variant == .common {
            hit.referrer = .empty
            hit.userAgent = .empty
            hit.hasUserAgentField = false
            return s.atEnd
        }
        guard s.space(), let referrer = s.quoted(), s.space(), let ua = s.quoted() else { return false }
        hit.referrer = referrer
        hit.userAgent = ua
        hit.hasUserAgentField = true
        return s.extraFields()
    }

    /// Where a line stops fitting, named by the format's field (for the no-format error).
    public func diagnose(_ line: ByteSpan) -> String {
        var s = FieldScanner(line)
        if variant == .vhostCombined {
            guard s.token() != nil, s.space() else { return "stops at %v:%p (the virtual host)" }
        }
        guard let bracket = s.find(0x5B), Self.clientBefore(ByteSpan(base: s.p, count: bracket - s.p)) != nil else {
            return "stops at %h %l %u (the client before the [time])"
        }
        s.p = bracket
        var clock = CommonLogClock()
        guard s.bracketedTime(&clock) != nil, s.space() else { return "stops at [%t] (the time)" }
        guard s.quoted() != nil, s.space() else { return "stops at \"%r\" (the request; a raw \" inside it also stops it)" }
        guard s.integer(maxDigits: 3) != nil, s.space() || s.atEnd else { return "stops at %>s (the status)" }
        guard s.size() else { return "stops at %b (the size)" }
        if variant == .common { return s.atEnd ? "fits" : "has more after the size (a combined line?)" }
        guard s.space(), s.quoted() != nil else { return "stops at \"%{Referer}i\" (a raw \" inside it also stops it)" }
        guard s.space(), s.quoted() != nil else { return "stops at \"%{User-Agent}i\" (a raw \" inside a quoted field also stops it)" }
        return s.extraFields() ? "fits" : "has something after the User-Agent that is not a field (a raw \"?)"
    }
}
