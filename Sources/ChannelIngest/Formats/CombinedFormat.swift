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
    public let variant: NCSAVariant

    public init(_ variant: NCSAVariant) { self.variant = variant }

    /// Parses `line` into `hit`; false when the line does not fit the format.
    @inline(__always)
    public func parse(_ line: ByteSpan, into hit: inout Hit) -> Bool {
        var s = FieldScanner(line)
        if variant == .vhostCombined {
            guard let vhost = s.token(), s.space() else { return false }
            // `host:port`; an IPv6 literal vhost keeps its brackets.
            var n = vhost.count
            var i = n - 1
            while i > 0 && vhost[i] != 0x3A && vhost[i] != 0x5D { i -= 1 }
            if i > 0 && vhost[i] == 0x3A { n = i }
            hit.host = vhost.prefix(n)
        } else {
            hit.host = .empty
        }
        guard let client = s.token(), s.space(),
              s.token() != nil, s.space(),          // %l identity
              s.token() != nil, s.space()           // %u user
        else { return false }
        hit.client = client
        // A `%u` with spaces (rare, but seen) pushes the time right: find the bracket.
        if s.p < s.end && s.p.pointee != 0x5B {
            return false
        }
        guard let time = s.bracketedTime(), s.space() else { return false }
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
        return s.atEnd || s.p.pointee == 0x20
    }
}
