/// Where the log carries a visitor id (config `visitor_id_field`), such as a first-party
/// cookie nginx appends to each line (`… "$http_user_agent" "$cookie_uid"`).
///
/// Written `extra:N`: the Nth field after the User-Agent of a combined or vhost_combined line
/// (quoted or bare); or the name of a field of the format: `$cookie_uid` / `%{uid}C` in a
/// `--log-format`, a cookie of a W3C `cs(Cookie)`, a dotted path in JSON lines. A hit whose
/// field is missing, empty or `-` (a first visit, before the cookie was set) keeps the address
/// + User-Agent visitor.
public struct VisitorIDField: Equatable, Sendable, CustomStringConvertible {
    /// 1-based position after the User-Agent (`extra:N`), or nil for a named field.
    public let extraIndex: Int?
    /// The named field, or nil for `extra:N`.
    public let name: String?

    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("extra:") {
            guard let n = Int(t.dropFirst(6)), n >= 1, n <= 32 else { return nil }
            extraIndex = n
            name = nil
        } else {
            guard !t.isEmpty, !t.contains(" ") else { return nil }
            extraIndex = nil
            name = t
        }
    }

    public var description: String { extraIndex.map { "extra:\($0)" } ?? name! }

    /// The id in `hit` (`extra:N` of a combined line), or nil when the line has none.
    func value(in hit: Hit) -> ByteSpan? {
        guard let extraIndex, hit.hasUserAgentField, hit.userAgent.count > 0, hit.line.count > 0 else { return nil }
        let end = hit.line.base + hit.line.count
        // Just past the User-Agent's closing quote.
        var p = hit.userAgent.base + hit.userAgent.count + 1
        guard p <= end else { return nil }
        var s = FieldScanner(ByteSpan(base: p, count: end - p))
        var field: ByteSpan?
        for _ in 0..<extraIndex {
            guard s.space(), !s.atEnd else { return nil }
            p = s.p
            field = p.pointee == 0x22 ? s.quoted() : s.token()
            guard field != nil else { return nil }
        }
        guard let v = field, v.count > 0, !(v.count == 1 && v[0] == 0x2D) else { return nil }
        return v
    }
}

import Foundation
