/// What a run counted, for `summary.json` and the end-of-run message.
public struct RunStats {
    public struct MalformedSample: Equatable {
        public var file: String
        public var line: Int
        /// The line's first 200 bytes, invalid UTF-8 repaired, IP addresses masked.
        public var text: String
        /// The input's rank (`EventOrder`): the samples kept are the first by (rank, line).
        var rank = 0
    }

    public static let maxSamples = 5

    public var files = 0
    /// Decompressed bytes read.
    public var bytes = 0
    /// Every line: hits, malformed lines and header lines.
    public var lines = 0
    /// Lines that parsed.
    public var hits = 0
    public var malformed = 0
    /// Header lines a format defines (W3C `#Fields:`), neither hits nor malformed.
    public var commentLines = 0
    public var malformedSamples: [MalformedSample] = []
    public var botHits = 0
    public var botHitsByFamily: [String: Int] = [:]
    public var spamHits = 0
    public var pageviews = 0
    public var goalHits = 0
    public var goalHitsWithoutSession = 0
    /// Goals reached (once per session and goal, plus goal hits without a session).
    public var conversions = 0
    public var sessions = 0
    public var visitors = 0
    public var firstTime: Int64?
    public var lastTime: Int64?
    public var seconds = 0.0
    public var warnings: [String] = []
    /// Inputs that were read only up to damage (truncated or corrupt gzip, read error).
    public var damagedFiles = 0
    /// Nightly runs: sessions left open for the next run, and hits still in the reorder window.
    public var openSessions = 0
    public var pendingHits = 0

    public init() {}

    /// Counts a malformed line and keeps it as a sample when it is among its input's first
    /// `maxSamples` (the run's samples are then the first by input rank and line, however the
    /// inputs were split or interleaved).
    mutating func noteMalformed(file: String, line: Int, bytes: ByteSpan, rank: Int = 0, samplesSoFar: inout Int) {
        malformed += 1
        if samplesSoFar < Self.maxSamples {
            samplesSoFar += 1
            malformedSamples.append(MalformedSample(file: file, line: line, text: AddressRedaction.redact(bytes.prefix(200).string), rank: rank))
        }
    }

    mutating func noteTime(_ t: Int64) {
        if firstTime == nil || t < firstTime! { firstTime = t }
        if lastTime == nil || t > lastTime! { lastTime = t }
    }
}
