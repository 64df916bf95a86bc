import Foundation

/// Decides whether a User-Agent is a bot, and which family it belongs to.
///
/// The patterns are data (`BotList/bots.txt`): case-insensitive substrings grouped into
/// families. One more rule is structural: a User-Agent without a `(platform; …)` comment and
/// without an OS name is not a browser (real browsers always say what they run on), which
/// catches the long tail of home-made scripts that no list names.
public final class BotFilter: @unchecked Sendable {
    public static let emptyFamily = "empty-user-agent"
    public static let unlistedFamily = "other-bot"

    /// Family names in file order; index 0 is the empty-UA family.
    public private(set) var families: [String] = [BotFilter.emptyFamily]
    private var patterns: [(bytes: [UInt8], family: Int32)] = []
    private var exceptions: [[UInt8]] = []
    /// Where each pattern and exception was written (`bots.txt:120`, or the config's table),
    /// for `ingest explain`.
    private var patternOrigins: [String] = []
    private var exceptionOrigins: [String] = []
    private static let osNames = ["android", "darwin", "linux", "windows", "mac os", "macos"]
    private let osTokens: [[UInt8]] = BotFilter.osNames.map { Array($0.utf8) }

    public var patternCount: Int { patterns.count }
    /// Loaded bot databases (`--bot-db`), asked after the patterns above; and for each of
    /// their entries the family it counts under.
    private var databases: [(db: BotDatabase, families: [Int32])] = []

    /// A list in the file syntax; `origin` names a line for `explain` (`bots.txt:12`).
    public init(text: String, origin: (Int) -> String = { "line \($0)" }) throws {
        try load(text: text, origin: origin)
        if families.firstIndex(of: BotFilter.unlistedFamily) == nil { families.append(BotFilter.unlistedFamily) }
    }

    private init() {}

    private func load(text: String, origin: (Int) -> String) throws {
        var family: Int32 = -1
        var isException = false
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast())
                isException = name == "not-a-bot"
                if !isException {
                    if let i = families.firstIndex(of: name) { family = Int32(i) } else {
                        families.append(name)
                        family = Int32(families.count - 1)
                    }
                }
                continue
            }
            let bytes = Array(line.lowercased().utf8)
            if isException {
                exceptions.append(bytes)
                exceptionOrigins.append(origin(n))
            } else {
                guard family >= 0 else { throw IngestError.unusableInput("bot list \(origin(n)): a pattern before the first [family]") }
                patterns.append((bytes, family))
                patternOrigins.append(origin(n))
            }
        }
    }

    /// The list shipped with ingest, plus `extra` patterns by family (from the config).
    public static func builtIn(extra: [String: [String]] = [:], extraOrigin: String = "config") throws -> BotFilter {
        guard let url = Bundle.module.url(forResource: "bots", withExtension: "txt", subdirectory: "BotList") else {
            throw IngestError.unusableInput("the built-in bot list is missing from the resources")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        let filter = BotFilter()
        // Extra patterns go first, so a user's family or exception decides before the built-in ones.
        for (family, patterns) in extra.sorted(by: { $0.key < $1.key }) {
            let body = patterns.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
            try filter.load(text: "[\(family)]\n" + body, origin: { "\(extraOrigin) [bots] \(family), entry \($0 - 1)" })
        }
        try filter.load(text: text, origin: { "bots.txt:\($0)" })
        if filter.families.firstIndex(of: BotFilter.unlistedFamily) == nil { filter.families.append(BotFilter.unlistedFamily) }
        return filter
    }

    /// Adds a loaded bot database below the built-in patterns and the config's: a User-Agent
    /// none of those name is a bot when one of its regexes matches.
    public func add(database db: BotDatabase) {
        let families = db.entries.map { e -> Int32 in
            let name = BotDatabase.family(ofCategory: e.category)
            if let i = self.families.firstIndex(of: name) { return Int32(i) }
            self.families.append(name)
            return Int32(self.families.count - 1)
        }
        databases.append((db, families))
    }

    /// Why a User-Agent is or is not a bot.
    public enum Reason: Equatable, Sendable {
        /// Empty, or `-`.
        case empty
        /// A `[not-a-bot]` entry matched: a browser, whatever else it contains.
        case exception(pattern: String, origin: String)
        /// A family's pattern matched.
        case pattern(pattern: String, origin: String)
        /// No `(platform; …)` comment and no OS name: not a browser.
        case structure
        /// A browser: it has a `(platform; …)` comment, or names its OS.
        case browser(evidence: String)
    }

    private enum Match {
        case empty, exception(Int), pattern(Int), loaded(db: Int, entry: Int), structure, browser
    }

    /// The one scan both `classify` and `explain` run.
    private func match(_ ua: ByteSpan) -> Match {
        if ua.isEmpty || (ua.count == 1 && ua[0] == 0x2D) { return .empty }
        var lower = [UInt8](repeating: 0, count: ua.count)
        for i in 0..<ua.count { lower[i] = asciiLower(ua[i]) }
        return lower.withUnsafeBufferPointer { buf -> Match in
            func contains(_ needle: [UInt8]) -> Bool {
                needle.withUnsafeBufferPointer { nb in
                    BotFilter.find(nb, in: buf)
                }
            }
            if let e = exceptions.firstIndex(where: contains) { return .exception(e) }
            if let p = patterns.firstIndex(where: { contains($0.bytes) }) { return .pattern(p) }
            if !databases.isEmpty {
                let text = String(decoding: UnsafeRawBufferPointer(start: ua.base, count: ua.count), as: UTF8.self)
                for (d, db) in databases.enumerated() {
                    if let e = db.db.firstMatch(text, lowercased: buf) { return .loaded(db: d, entry: e) }
                }
            }
            if !buf.contains(0x28) && !osTokens.contains(where: contains) { return .structure }
            return .browser
        }
    }

    /// The family index of a bot User-Agent, or nil for a browser. Slow (a scan of every
    /// pattern); callers cache the answer per distinct User-Agent.
    public func classify(_ ua: ByteSpan) -> Int32? {
        switch match(ua) {
        case .empty: return 0
        case .exception, .browser: return nil
        case .pattern(let p): return patterns[p].family
        case .loaded(let d, let e): return databases[d].families[e]
        case .structure: return Int32(families.firstIndex(of: BotFilter.unlistedFamily)!)
        }
    }

    /// The family (nil: a browser) and why, for `ingest explain`.
    public func explain(_ ua: String) -> (family: String?, reason: Reason) {
        let m = ua.withSpan { match($0) }
        let family = ua.withSpan { classify($0) }.map { families[Int($0)] }
        switch m {
        case .empty: return (family, .empty)
        case .exception(let e): return (family, .exception(pattern: String(decoding: exceptions[e], as: UTF8.self), origin: exceptionOrigins[e]))
        case .pattern(let p): return (family, .pattern(pattern: String(decoding: patterns[p].bytes, as: UTF8.self), origin: patternOrigins[p]))
        case .loaded(let d, let e):
            let db = databases[d].db, entry = db.entries[e]
            return (family, .pattern(pattern: entry.regex, origin: "\(db.fileName):\(entry.line), \(entry.name)"))
        case .structure: return (family, .structure)
        case .browser:
            let lower = ua.lowercased()
            let evidence = lower.contains("(") ? "a (platform; …) comment"
                : Self.osNames.first(where: { lower.contains($0) }).map { "the OS name \($0)" } ?? "a browser's form"
            return (family, .browser(evidence: evidence))
        }
    }

    /// Substring search: `memchr` for the first byte, `memcmp` for the rest.
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = needle.count
        guard n > 0, n <= hay.count, let h = hay.baseAddress, let nd = needle.baseAddress else { return n == 0 }
        var i = 0
        let last = hay.count - n
        while i <= last {
            guard let p = memchr(h + i, Int32(nd[0]), last - i + 1) else { return false }
            let at = UnsafePointer(p.assumingMemoryBound(to: UInt8.self)) - h
            if memcmp(h + at, nd, n) == 0 { return true }
            i = at + 1
        }
        return false
    }

    /// Convenience for tests and tools.
    public func family(of ua: String) -> String? {
        ua.withSpan { classify($0) }.map { families[Int($0)] }
    }
}

/// `BotFilter.classify` remembered per distinct User-Agent: each uncached answer scans every
/// pattern, and logs and CRM exports repeat a site's few thousand agents. The cache is keyed by
/// `quickHash` and also keeps the agent's `hashValue64`, which visitor keys are made from (and
/// which is too slow to compute for every line).
final class BotVerdicts {
    let bots: BotFilter
    private var known: VisitorTable<Agent>
    /// The cached answer for a browser.
    private static let browser: Int32 = -1

    /// What is known of one User-Agent.
    struct Agent {
        /// Its bot family index, or `browser`.
        fileprivate var verdict: Int32
        /// Its `hashValue64`.
        var hash: UInt64
        /// The bot family index, or nil for a browser.
        var family: Int32? { verdict == BotVerdicts.browser ? nil : verdict }
    }

    init(_ bots: BotFilter) {
        self.bots = bots
        known = VisitorTable(capacity: 4096)
    }

    /// The bot family and the `hashValue64` of `ua`.
    @inline(__always)
    func agent(_ ua: ByteSpan) -> Agent {
        let key = ua.quickHash64
        if let cached = known[key] { return cached }
        let a = Agent(verdict: bots.classify(ua) ?? Self.browser, hash: ua.hashValue64)
        // Hostile input could bring a new agent per line: start over rather than grow forever.
        if known.count >= 200_000 { known = VisitorTable(capacity: 4096) }
        known[key] = a
        return a
    }

    func isBot(_ ua: ByteSpan) -> Bool { agent(ua).family != nil }
}
