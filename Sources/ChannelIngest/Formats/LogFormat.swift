/// The access-log formats ingest reads, and how one is picked for a file.
public enum LogFormat: String, CaseIterable, Sendable {
    case vhostCombined = "vhost_combined"
    case combined
    case common
    /// W3C extended: AWS CloudFront standard logs, IIS.
    case w3c
    /// AWS Application Load Balancer.
    case alb
    case caddy
    case cloudflare
    /// Google Analytics 4's BigQuery export as JSON lines.
    case ga4
    /// JSON lines read through the config's `[json]` field map.
    case json
    /// The `--log-format` string.
    case logFormat = "log_format"

    /// Other names accepted for `--format`.
    public init?(name: String) {
        switch name.lowercased() {
        case "cloudfront", "iis": self = .w3c
        case "ga4-bigquery", "bigquery": self = .ga4
        case "nginx", "apache": self = .combined
        default: self.init(rawValue: name.lowercased())
        }
    }

    /// Formats that need settings of their own (a format string, a field map).
    public var needsSetup: Bool { self == .json || self == .logFormat }

    public var example: String {
        switch self {
        case .combined:
            return #"203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.1" 200 2326 "https://www.google.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0""#
        case .common:
            return #"203.0.113.7 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 200 2326"#
        case .vhostCombined:
            return #"www.example.com:443 203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0""#
        case .w3c:
            return "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query …\n  2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(X11)\t-\t…"
        case .alb:
            return #"https 2018-07-02T22:23:00.186641Z app/my-lb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" …"#
        case .caddy:
            return #"{"level":"info","ts":1646861401.52,"logger":"http.log.access","request":{"client_ip":"203.0.113.7","method":"GET","host":"example.com","uri":"/","headers":{"User-Agent":["Mozilla/5.0"],"Referer":["https://www.google.com/"]}},"status":200}"#
        case .cloudflare:
            return #"{"ClientIP":"203.0.113.7","ClientRequestHost":"www.example.com","ClientRequestMethod":"GET","ClientRequestURI":"/","ClientRequestUserAgent":"Mozilla/5.0","ClientRequestReferer":"","EdgeResponseStatus":200,"EdgeStartTimestamp":1712790000100000000}"#
        case .ga4:
            return #"{"event_date":"20260302","event_timestamp":"1772446507000000","event_name":"page_view","event_params":[{"key":"page_location","value":{"string_value":"https://www.example.com/?utm_source=news"}},{"key":"ga_session_id","value":{"int_value":"1772446507"}}],"user_pseudo_id":"1026454.4271112504"}"#
        case .json:
            return #"any JSON lines, with [json] time = "…", client = "…", uri = "…", status = "…" (dotted paths) in the config"#
        case .logFormat:
            return #"--log-format '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'"#
        }
    }

    /// How many of the sample lines must parse before auto-detection trusts a format.
    static let detectionLines = 50
}

/// What building a file's parser needs beyond the format's name: the `--log-format` string,
/// the `[json]` field map, and which field carries a visitor id.
public struct FormatSetup: Sendable {
    public var formatString: FormatString?
    public var jsonMap: JSONFieldMap?
    /// A named visitor-id field (`$cookie_uid`, `%{uid}C`, a cookie name, a JSON path).
    public var visitorIDName: String?

    public init(formatString: FormatString? = nil, jsonMap: JSONFieldMap? = nil, visitorIDName: String? = nil) {
        self.formatString = formatString
        self.jsonMap = jsonMap
        self.visitorIDName = visitorIDName
    }

    /// A fresh parser for one file; nil for a format this setup can't build.
    public func parser(for f: LogFormat) -> LineParser? {
        switch f {
        case .combined: return .ncsa(NCSAParser(.combined))
        case .common: return .ncsa(NCSAParser(.common))
        case .vhostCombined: return .ncsa(NCSAParser(.vhostCombined))
        case .w3c: return .w3c(W3CParser(visitorCookie: visitorIDName.map(FormatString.cookieName)))
        case .alb: return .alb(ALBParser())
        case .caddy: return .json(JSONLineParser(map: withVisitorID(.caddy)))
        case .cloudflare: return .json(JSONLineParser(map: withVisitorID(.cloudflare)))
        case .ga4: return .ga4(GA4Parser())
        case .json: return jsonMap.map { .json(JSONLineParser(map: withVisitorID($0))) }
        case .logFormat: return formatString.map { .formatString($0) }
        }
    }

    private func withVisitorID(_ m: JSONFieldMap) -> JSONFieldMap {
        guard let v = visitorIDName, m.paths[.visitorID] == nil else { return m }
        var m = m
        m.paths[.visitorID] = [v]
        return m
    }

    /// The formats auto-detection tries, richest first.
    public var candidates: [LogFormat] {
        LogFormat.allCases.filter { !$0.needsSetup || ($0 == .json && jsonMap != nil) }
    }

    /// The format that parses most of `lines` (ties go to the earlier candidate); nil when
    /// none parses any. Header lines (W3C `#…`) count for nothing.
    ///
    /// With a `likely` format (the previous file's), that one is tried first: when it parses
    /// every line, no later candidate can do better (a tie goes to the earlier), so only the
    /// candidates before it are tried — the same answer at a fraction of the cost, which
    /// counts when a run peeks thousands of small files. Then `earliest` is told the earliest
    /// time among those lines (parsed already), so the peek needs no second pass over them.
    public func detect(_ lines: [ByteSpan], likely: LogFormat? = nil, earliest: ((Int64?) -> Void)? = nil) -> LogFormat? {
        var hit = Hit()
        let cap = lines.reduce(0) { $0 + $1.count } * 2 + 64
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
        defer { scratch.deallocate() }
        var first: Int64?
        func hits(_ f: LogFormat) -> Int {
            guard var parser = parser(for: f) else { return 0 }
            var arena = ParseArena(base: scratch, capacity: cap)
            var n = 0
            first = nil
            for line in lines where parser.parse(line, into: &hit, arena: &arena) == .hit {
                n += 1
                first = first.map { min($0, hit.time) } ?? hit.time
            }
            return n
        }
        var order = candidates
        if let likely, let at = order.firstIndex(of: likely), !lines.isEmpty, hits(likely) == lines.count {
            let likelyFirst = first
            order = Array(order[..<at])
            var best: (LogFormat, Int) = (likely, lines.count)
            for f in order { let n = hits(f); if n >= best.1 { best = (f, n); break } }
            // `earliest` gets the likely format's earliest time when that format is the answer.
            if best.0 == likely { earliest?(likelyFirst) }
            return best.0
        }
        var best: (LogFormat, Int)?
        for f in order {
            let n = hits(f)
            if n > 0 && (best == nil || n > best!.1) { best = (f, n) }
        }
        return best?.0
    }

    /// For the error when no format fits: per candidate, where the first data line stops
    /// matching.
    public func whyNoneFits(_ lines: [ByteSpan]) -> String {
        guard let first = lines.first(where: { $0.count > 0 && $0[0] != 0x23 }) else { return "" }
        var parts: [String] = []
        for f in candidates {
            guard var parser = parser(for: f) else { continue }
            // Let stateful formats see the header lines first.
            var hit = Hit()
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
            var arena = ParseArena(base: scratch, capacity: 4096)
            for l in lines where l.count > 0 && l[0] == 0x23 { _ = parser.parse(l, into: &hit, arena: &arena) }
            scratch.deallocate()
            parts.append("\(f.rawValue): \(parser.whereItStops(first))")
        }
        return parts.joined(separator: "; ")
    }
}
