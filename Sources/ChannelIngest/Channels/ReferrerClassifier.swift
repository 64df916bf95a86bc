import Foundation

/// Classifies a hit's `Referer` into a traffic source, with a cache per referring host so the
/// lists are consulted once per host, not once per line, and in front of it a cache per whole
/// referrer: a site's referrers repeat (a few thousand distinct ones in millions of lines), and
/// one hash of the bytes is cheaper than finding the host, lowercasing and hashing it.
public final class ReferrerClassifier {
    /// No referrer, or one that is not an absolute web/app URL.
    public static let none: Int32 = -1
    /// A site host, or an ignored (payment) host: no new session, Direct for a landing.
    public static let internalHost: Int32 = -2
    /// A known referrer-spam host: the hit is dropped.
    public static let spam: Int32 = -3

    private struct CachedHost {
        var origin: Int32
        /// Entries that apply only under a path (`google.*/imgres`), checked in order.
        var pathRules: [(prefix: [UInt8], origin: Int32)]
        var host: String
        var hits: Int
    }

    private let lists: SourceLists
    private let sources: TrafficSources
    private let siteHosts: [String]
    private var cache = VisitorTable<Int>(capacity: 1024)
    private var entries: [CachedHost] = []
    /// `quickHash` of a whole referrer (and of the request's host, when the log has one) → the
    /// answer of `classify(referrer:requestHost:)`.
    private var answers = VisitorTable<Answer>(capacity: 4096)

    private struct Answer {
        var origin: Int32
        /// The referring host's entry, whose hits count for the "no --site" warning; -1: none.
        var slot: Int32
    }

    public init(lists: SourceLists, sources: TrafficSources, siteHosts: [String]) {
        self.lists = lists
        self.sources = sources
        self.siteHosts = siteHosts.map { h in
            var s = h.lowercased()
            if s.hasPrefix("www.") { s.removeFirst(4) }
            while s.hasSuffix(".") { s.removeLast() }
            return s
        }
    }

    /// The origin of a referrer: a source id (≥ 0), or `none`, `internalHost`, `spam`.
    /// `requestHost` (the vhost, when the log has one) counts as a site host.
    @inline(__always)
    public func origin(referrer: ByteSpan, requestHost: ByteSpan) -> Int32 {
        guard referrer.count >= 8 else { return Self.none }
        let key = quickHash(referrer.base, referrer.count, seed: requestHost.isEmpty ? 0 : requestHost.quickHash64)
        if let a = answers[key] {
            if a.slot >= 0 { entries[Int(a.slot)].hits &+= 1 }
            return a.origin
        }
        let a = classify(referrer: referrer, requestHost: requestHost)
        // Distinct referrers without end (unique query strings): start over rather than grow.
        if answers.count >= 100_000 { answers = VisitorTable(capacity: 4096) }
        answers[key] = a
        return a.origin
    }

    /// The origin of a referrer from its host's entry, and that entry.
    private func classify(referrer: ByteSpan, requestHost: ByteSpan) -> Answer {
        guard let parts = RefParts(referrer) else { return Answer(origin: Self.none, slot: -1) }
        if !requestHost.isEmpty && parts.sameHost(as: requestHost) { return Answer(origin: Self.internalHost, slot: -1) }
        let key = parts.hostHash
        let slot: Int
        if let s = cache[key] {
            slot = s
        } else {
            slot = entries.count
            entries.append(classify(parts))
            cache[key] = slot
            if entries.count > 500_000 {
                // Hostile logs with endless distinct hosts: start the cache over.
                // The answers name entries by index: they go too.
                cache = VisitorTable(capacity: 1024)
                entries.removeAll(keepingCapacity: true)
                answers = VisitorTable(capacity: 4096)
                return classify(referrer: referrer, requestHost: requestHost)
            }
        }
        entries[slot].hits &+= 1
        for rule in entries[slot].pathRules where parts.path.count >= rule.prefix.count {
            if rule.prefix.withUnsafeBufferPointer({ memcmp(parts.path.base, $0.baseAddress!, rule.prefix.count) }) == 0 {
                return Answer(origin: rule.origin, slot: Int32(slot))
            }
        }
        return Answer(origin: entries[slot].origin, slot: Int32(slot))
    }

    /// The most frequent external referring host, for the "no --site given" warning.
    public func mostFrequentExternalHost() -> (host: String, hits: Int)? {
        Self.mostFrequent(externalHostHits)
    }

    /// Hits per external referring host (what a partial carries, so partitions add up).
    public var externalHostHits: [String: Int] {
        var hits: [String: Int] = [:]
        for e in entries where e.origin >= 0 && e.hits > 0 { hits[e.host, default: 0] += e.hits }
        return hits
    }

    /// The host with the most hits; of equal ones the first by name (not the first seen,
    /// which depends on how the input was split).
    public static func mostFrequent(_ hits: [String: Int]) -> (host: String, hits: Int)? {
        hits.min { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) }
    }

    /// How a referrer is read, step by step, for `ingest explain`: the same parts, site test,
    /// list entries and origin that `origin(referrer:requestHost:)` uses (whose answer it
    /// carries as `origin`).
    public struct Reading {
        public enum Verdict: String, Sendable {
            /// No referrer, or not an absolute http(s) / android-app URL.
            case none
            /// One of the site's hosts (`--site`), or the request's own host.
            case site
            /// A payment provider or other unwanted referral: ignored as if internal.
            case ignored
            /// Referrer spam: the hit is dropped.
            case spam
            /// On a source list.
            case listed
            /// On no list: a plain referral.
            case referral
        }
        public var verdict: Verdict
        /// The host as looked up: lowercased, without port, `user@`, trailing dot and one `www.`.
        public var host: String?
        public var isApp = false
        /// The referrer's path, when a host-and-path entry decided.
        public var path: String?
        /// The list entry that decided (`listed`, `ignored`, `spam`).
        public var entry: SourceLists.Entry?
        /// The origin the pipeline gives this referrer.
        public var origin: Int32
    }

    public func read(referrer: String, requestHost: String = "") -> Reading {
        let origin = referrer.withSpan { r in requestHost.withSpan { self.origin(referrer: r, requestHost: $0) } }
        return referrer.withSpan { r -> Reading in
            guard r.count >= 8, let parts = RefParts(r) else { return Reading(verdict: .none, origin: origin) }
            let host = parts.hostString
            var reading = Reading(verdict: .referral, host: host, isApp: parts.isApp, origin: origin)
            let sameRequestHost = requestHost.withSpan { !$0.isEmpty && parts.sameHost(as: $0) }
            if sameRequestHost || (!parts.isApp && isSite(host)) {
                reading.verdict = .site
                return reading
            }
            let lookupKey = parts.isApp ? "android-app://" + host : host
            let path = parts.path.string
            var entry = lists.lookup(host: lookupKey)
            if let rule = lists.pathRules(forHost: lookupKey).first(where: { path.utf8.starts(with: $0.path.utf8) }) {
                entry = rule.entry
                reading.path = path
            }
            reading.entry = entry
            switch entry?.category {
            case nil: reading.verdict = .referral
            case .unwanted: reading.verdict = .ignored
            case .spam: reading.verdict = .spam
            default: reading.verdict = .listed
            }
            return reading
        }
    }

    private func classify(_ parts: RefParts) -> CachedHost {
        let host = parts.hostString
        let lookupKey = parts.isApp ? "android-app://" + host : host
        if !parts.isApp && isSite(host) {
            return CachedHost(origin: Self.internalHost, pathRules: [], host: host, hits: 0)
        }
        let origin = self.origin(for: lists.lookup(host: lookupKey), host: host)
        var rules: [(prefix: [UInt8], origin: Int32)] = []
        for (path, entry) in lists.pathRules(forHost: lookupKey) {
            rules.append((Array(path.utf8), self.origin(for: entry, host: host)))
        }
        return CachedHost(origin: origin, pathRules: rules, host: host, hits: 0)
    }

    private func origin(for entry: SourceLists.Entry?, host: String) -> Int32 {
        guard let entry else { return sources.intern(source: host, medium: "referral", campaign: "(referral)") }
        let name = entry.brand ?? host
        switch entry.category {
        case .search: return sources.intern(source: name, medium: "organic", campaign: "(organic)")
        case .social: return sources.intern(source: name, medium: "social", campaign: "(referral)")
        case .webmail: return sources.intern(source: host, medium: "email", campaign: "(referral)")
        case .video, .shopping, .ai: return sources.intern(source: name, medium: "referral", campaign: "(referral)")
        case .unwanted: return Self.internalHost
        case .spam: return Self.spam
        }
    }

    private func isSite(_ host: String) -> Bool {
        for s in siteHosts where host == s || (host.hasSuffix(s) && host.utf8.count > s.utf8.count
            && host.utf8[host.utf8.index(host.utf8.endIndex, offsetBy: -s.utf8.count - 1)] == UInt8(ascii: ".")) {
            return true
        }
        return false
    }
}

/// A referrer URL's host and path located in place, without copying.
struct RefParts {
    var host: ByteSpan
    var path: ByteSpan
    var isApp: Bool

    @inline(__always)
    init?(_ r: ByteSpan) {
        var rest: ByteSpan
        isApp = false
        if r.hasPrefixLowercased("https://") {
            rest = r.dropFirst(8)
        } else if r.hasPrefixLowercased("http://") {
            rest = r.dropFirst(7)
        } else if r.hasPrefixLowercased("android-app://") {
            rest = r.dropFirst(14)
            isApp = true
        } else {
            return nil
        }
        var end = 0
        var at = -1
        while end < rest.count {
            let c = rest[end]
            if c == 0x2F || c == 0x3F || c == 0x23 { break }
            if c == 0x40 { at = end }
            end += 1
        }
        var pathEnd = end
        while pathEnd < rest.count && rest[pathEnd] != 0x3F && rest[pathEnd] != 0x23 { pathEnd += 1 }
        path = rest.slice(end, pathEnd)
        var a = rest.prefix(end)
        if at >= 0 { a = a.dropFirst(at + 1) }
        // `:port` goes; an IPv6 literal keeps its brackets.
        if a.count > 0 && a[0] == 0x5B {
            if let close = a.firstIndex(of: 0x5D) { a = a.prefix(close + 1) }
        } else if let colon = a.firstIndex(of: 0x3A) {
            a = a.prefix(colon)
        }
        while a.count > 0 && a[a.count - 1] == 0x2E { a = a.prefix(a.count - 1) }
        if a.count > 4 && a.hasPrefixLowercased("www.") { a = a.dropFirst(4) }
        guard a.count > 0 else { return nil }
        host = a
    }

    /// Hash of the lowercased host (with the app flag), for the cache.
    @inline(__always)
    var hostHash: UInt64 {
        var h: UInt64 = isApp ? 0x51_7CC1_B727_220A : 0xCBF2_9CE4_8422_2325
        for i in 0..<host.count {
            h = (h ^ UInt64(asciiLower(host[i]))) &* 0x100_0000_01B3
        }
        return mix64(h)
    }

    var hostString: String {
        String(decoding: (0..<host.count).map { asciiLower(host[$0]) }, as: UTF8.self)
    }

    /// Whether the host equals a request's `Host` (case-insensitive, one `www.` ignored).
    @inline(__always)
    func sameHost(as requestHost: ByteSpan) -> Bool {
        var h = requestHost
        if h.count > 4 && h.hasPrefixLowercased("www.") { h = h.dropFirst(4) }
        guard h.count == host.count else { return false }
        for i in 0..<h.count where asciiLower(h[i]) != asciiLower(host[i]) { return false }
        return true
    }
}
