/// The access-log formats ingest reads, and how one is picked for a file.
public enum LogFormat: String, CaseIterable, Sendable {
    case vhostCombined = "vhost_combined"
    case combined
    case common

    public var parser: NCSAParser {
        switch self {
        case .combined: return NCSAParser(.combined)
        case .common: return NCSAParser(.common)
        case .vhostCombined: return NCSAParser(.vhostCombined)
        }
    }

    public var example: String {
        switch self {
        case .combined:
            return #"203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.1" 200 2326 "https://www.google.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0""#
        case .common:
            return #"203.0.113.7 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 200 2326"#
        case .vhostCombined:
            return #"www.example.com:443 203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0""#
        }
    }

    /// How many of the sample lines must parse before auto-detection trusts a format.
    static let detectionLines = 50

    /// The format that parses most of `lines` (ties go to the richer format, in `allCases`
    /// order); nil when none parses any.
    public static func detect(_ lines: [ByteSpan]) -> LogFormat? {
        var best: (LogFormat, Int)?
        var hit = Hit()
        for f in allCases {
            let p = f.parser
            let n = lines.reduce(0) { $0 + (p.parse($1, into: &hit) ? 1 : 0) }
            if n > 0 && (best == nil || n > best!.1) { best = (f, n) }
        }
        return best?.0
    }
}
