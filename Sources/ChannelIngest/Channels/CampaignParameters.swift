/// Campaign tagging read from a landing URL's query: `utm_*` parameters and ad click ids.
///
/// SPEC.md's order: a Google click id (`gclid`, `gbraid`, `wbraid`, `dclid`) → google / cpc;
/// else any `utm_*` → the tagged values, a missing one `(not set)`; else `msclkid` → bing / cpc.
/// Names are percent-decoded once, then match exactly (lowercase); the first occurrence of a name decides and an empty value
/// counts as absent; values are percent-decoded once and lowercased. `fbclid` and friends
/// decide nothing.
public struct CampaignParameters: Equatable {
    public var source: String
    public var medium: String
    public var campaign: String

    public static let notSet = "(not set)"

    /// Reads the query of a request target (`/path?query#fragment`); nil when untagged.
    public static func parse(target: ByteSpan) -> CampaignParameters? {
        query(of: target).flatMap(parse(query:))
    }

    /// The query of a request target: after its first `?`, up to a `#`; nil without a `?`.
    @inline(__always)
    static func query(of target: ByteSpan) -> ByteSpan? {
        guard let q = target.firstIndex(of: 0x3F) else { return nil }
        let query = target.dropFirst(q + 1)
        return query.firstIndex(of: 0x23).map { query.prefix($0) } ?? query
    }

    /// Reads a bare query string (no `?`).
    public static func parse(query: ByteSpan) -> CampaignParameters? {
        decide(values(in: query))?.parameters
    }

    /// What decided a landing's campaign values.
    public enum Decider: String, Sendable {
        /// `gclid`, `gbraid`, `wbraid` or `dclid`: google / cpc.
        case googleClickID = "google-click-id"
        /// Any `utm_*` parameter: the tagged values.
        case utm
        /// `msclkid`: bing / cpc.
        case microsoftClickID = "msclkid"
    }

    /// The first non-empty value of each campaign parameter in a query (nil: absent), without
    /// an allocation: the traffic stage reads them on every landing with a query.
    struct Tags {
        private var gclid, gbraid, wbraid, dclid, utmSource, utmMedium, utmCampaign, utmTerm, utmContent, msclkid: ByteSpan?

        subscript(_ n: Name) -> ByteSpan? {
            get {
                switch n {
                case .gclid: return gclid
                case .gbraid: return gbraid
                case .wbraid: return wbraid
                case .dclid: return dclid
                case .utmSource: return utmSource
                case .utmMedium: return utmMedium
                case .utmCampaign: return utmCampaign
                case .utmTerm: return utmTerm
                case .utmContent: return utmContent
                case .msclkid: return msclkid
                }
            }
            set {
                switch n {
                case .gclid: gclid = newValue
                case .gbraid: gbraid = newValue
                case .wbraid: wbraid = newValue
                case .dclid: dclid = newValue
                case .utmSource: utmSource = newValue
                case .utmMedium: utmMedium = newValue
                case .utmCampaign: utmCampaign = newValue
                case .utmTerm: utmTerm = newValue
                case .utmContent: utmContent = newValue
                case .msclkid: msclkid = newValue
                }
            }
        }
    }

    /// The first non-empty value of each campaign parameter in a query (nil: absent). The first
    /// occurrence of a name decides, so an empty first value makes the parameter absent.
    static func values(in query: ByteSpan) -> Tags {
        var values = Tags()
        var seen: UInt16 = 0
        var start = 0
        while start <= query.count {
            let rest = query.dropFirst(start)
            let end = start + (rest.firstIndex(of: 0x26) ?? rest.count)
            let pair = query.slice(start, end)
            start = end + 1
            guard pair.count > 4 else { continue }
            let eq = pair.firstIndex(of: 0x3D) ?? pair.count
            guard let name = Name(named: pair.prefix(eq)), seen & (1 << name.rawValue) == 0 else { continue }
            seen |= 1 << name.rawValue
            let value = eq < pair.count ? pair.dropFirst(eq + 1) : ByteSpan.empty
            if value.count > 0 { values[name] = value }
        }
        return values
    }

    /// Which rule of SPEC.md's order decides, over the values found: a Google click id, else
    /// `utm_*`, else `msclkid`; nil: none.
    static func decider(_ values: Tags) -> Decider? {
        if values[.gclid] != nil || values[.gbraid] != nil || values[.wbraid] != nil || values[.dclid] != nil { return .googleClickID }
        if values[.utmSource] != nil || values[.utmMedium] != nil || values[.utmCampaign] != nil || values[.utmTerm] != nil
            || values[.utmContent] != nil { return .utm }
        if values[.msclkid] != nil { return .microsoftClickID }
        return nil
    }

    /// SPEC.md's order over the values found: a Google click id, else `utm_*`, else `msclkid`.
    static func decide(_ values: Tags) -> (parameters: CampaignParameters, decider: Decider)? {
        func text(_ n: Name) -> String {
            guard let v = values[n] else { return notSet }
            return String(decoding: PercentDecoding.decode(v), as: UTF8.self).lowercased()
        }
        switch decider(values) {
        case .googleClickID: return (CampaignParameters(source: "google", medium: "cpc", campaign: notSet), .googleClickID)
        case .utm: return (CampaignParameters(source: text(.utmSource), medium: text(.utmMedium), campaign: text(.utmCampaign)), .utm)
        case .microsoftClickID: return (CampaignParameters(source: "bing", medium: "cpc", campaign: notSet), .microsoftClickID)
        case nil: return nil
        }
    }

    /// A key for what `decide` makes of `values`, from the bytes it reads (the decider, and for
    /// `utm_*` the raw source, medium and campaign): equal bytes decide equal parameters, so
    /// the stage keeps the traffic source of each key and decodes, lowercases and interns a
    /// landing's values only the first time they come. nil: untagged.
    static func decisionKey(_ values: Tags) -> UInt64? {
        guard let d = decider(values) else { return nil }
        switch d {
        case .googleClickID: return 1
        case .microsoftClickID: return 2
        case .utm:
            // An absent value and a present one hash apart (present ones are never empty).
            func mix(_ key: UInt64, _ v: ByteSpan?) -> UInt64 {
                v.map { quickHash($0.base, $0.count, seed: key) } ?? quickHash(emptyByte, 0, seed: key ^ 0x5A5A)
            }
            return mix(mix(mix(3, values[.utmSource]), values[.utmMedium]), values[.utmCampaign])
        }
    }

    enum Name: Int, CaseIterable {
        case gclid, gbraid, wbraid, dclid, utmSource, utmMedium, utmCampaign, utmTerm, utmContent, msclkid

        /// The parameter as it is written in a URL.
        var text: String {
            switch self {
            case .gclid: return "gclid"
            case .gbraid: return "gbraid"
            case .wbraid: return "wbraid"
            case .dclid: return "dclid"
            case .utmSource: return "utm_source"
            case .utmMedium: return "utm_medium"
            case .utmCampaign: return "utm_campaign"
            case .utmTerm: return "utm_term"
            case .utmContent: return "utm_content"
            case .msclkid: return "msclkid"
            }
        }

        /// The parameter a query's name stands for, percent-decoded once as browsers'
        /// `URLSearchParams` read it (`utm%5Fsource` is `utm_source`); still case-sensitive.
        init?(named s: ByteSpan) {
            guard s.firstIndex(of: 0x25) != nil || s.firstIndex(of: 0x2B) != nil else {
                self.init(s)
                return
            }
            guard let n = PercentDecoding.decode(s).withSpan({ Name($0) }) else { return nil }
            self = n
        }

        init?(_ s: ByteSpan) {
            switch s.count {
            case 5:
                if s.equals("gclid") { self = .gclid } else if s.equals("dclid") { self = .dclid } else { return nil }
            case 6:
                if s.equals("gbraid") { self = .gbraid } else if s.equals("wbraid") { self = .wbraid } else { return nil }
            case 7:
                if s.equals("msclkid") { self = .msclkid } else { return nil }
            case 8:
                if s.equals("utm_term") { self = .utmTerm } else { return nil }
            case 10:
                if s.equals("utm_source") { self = .utmSource } else if s.equals("utm_medium") { self = .utmMedium } else { return nil }
            case 11:
                if s.equals("utm_content") { self = .utmContent } else { return nil }
            case 12:
                if s.equals("utm_campaign") { self = .utmCampaign } else { return nil }
            default:
                return nil
            }
        }
    }
}
