import Foundation
import Yams

/// A bot list a user brings (`--bot-db FILE`, `[lists] bot_db`): Matomo device-detector's
/// `regexes/bots.yml`, a list of `{regex, name, category, …}`. Read once with Yams; every
/// regex is compiled at load (a bad one is an error before the run starts). A regex search per
/// entry and User-Agent would cost ~0.4 ms for a thousand entries (Foundation's ICU regexes),
/// too much for logs with many distinct agents; so each regex's required literals
/// (`RegexLiterals`) are indexed by their first two bytes, one scan of the User-Agent finds the
/// entries that can match, and only those run their regex.
/// The few entries without a usable literal run as one alternation. `BotFilter` asks it after
/// its own patterns, once per distinct User-Agent (`BotVerdicts` caches the answer).
public final class BotDatabase: @unchecked Sendable {
    /// One entry of the file.
    public struct Entry {
        public let regex: String
        public let name: String
        /// device-detector's category (`Search bot`, `Site Monitor`, …).
        public let category: String
        public let line: Int
    }

    public let path: String
    public private(set) var entries: [Entry] = []
    /// Each entry's regex, compiled at load.
    private var compiled: [NSRegularExpression] = []
    /// The literals (lowercased bytes) and their entry; chained by their first two bytes.
    private var literals: [[UInt8]] = []
    private var literalEntry: [Int32] = []
    private var nextLiteral: [Int32] = []
    private var heads = [Int32](repeating: -1, count: 65_536)
    /// Entries with no literal to look for, tried on every User-Agent (as one alternation first).
    private var unfiltered: [Int] = []
    private var unfilteredAny: NSRegularExpression?
    /// How many entries the literal scan decides (the rest are `unfiltered`), for tests.
    public var filteredCount: Int { entries.count - unfiltered.count }

    public var fileName: String { URL(fileURLWithPath: path).lastPathComponent }

    /// device-detector matches a regex only where a token starts (after a non-alphanumeric
    /// character, or at the start), case-insensitively; so do we.
    static func anchored(_ regex: String) -> String { "(?:^|[^a-z0-9_-]|[^a-z0-9-]_|sprd-|mz-)(?:\(regex))" }

    public static func load(path: String) throws -> BotDatabase {
        try BotDatabase(text: YAMLFile.read(path, flag: "--bot-db"), path: path)
    }

    public init(text: String, path: String) throws {
        self.path = path
        let root = try YAMLFile.compose(text, path: path, flag: "--bot-db")
        func bad(_ node: Node?, _ why: String) -> IngestError {
            IngestError.unusableInput("--bot-db \(path)\(node?.mark.map { ":\($0.line)" } ?? ""): not device-detector's bots.yml: \(why)")
        }
        guard let items = root?.sequence, !items.isEmpty else { throw bad(root, "it is not a list of {regex, name, category}") }
        for (i, item) in items.enumerated() {
            guard let map = item.mapping else { throw bad(item, "entry \(i + 1) is not a {regex, name, category} mapping") }
            guard let regex = map["regex"]?.string, !regex.isEmpty else {
                throw bad(item, "entry \(i + 1)\(map["name"]?.string.map { " (\($0))" } ?? "") has no `regex`")
            }
            entries.append(Entry(regex: regex, name: map["name"]?.string ?? "", category: map["category"]?.string ?? "",
                                 line: item.mark?.line ?? 0))
        }
        // Every regex is compiled now, one by one, so a bad one is an error at start that names
        // its entry, not a failure in the middle of a run. (Checking them as one alternation is
        // ~10× faster but unsound: `a[-` and `b]` join into a valid `(?:a[-)|(?:b])`.)
        compiled.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() {
            do { compiled.append(try NSRegularExpression(pattern: Self.anchored(e.regex), options: [.caseInsensitive])) } catch {
                throw bad(items[i], "entry \(i + 1)'s regex `\(e.regex)` does not compile")
            }
        }
        for (i, e) in entries.enumerated() {
            guard let required = RegexLiterals.required(e.regex) else { unfiltered.append(i); continue }
            for lit in required {
                let bytes = Array(lit.utf8)
                let key = Int(bytes[0]) << 8 | Int(bytes[1])
                literals.append(bytes)
                literalEntry.append(Int32(i))
                nextLiteral.append(heads[key])
                heads[key] = Int32(literals.count - 1)
            }
        }
        // The alternation is only a quick "none of them" test; a back-reference would count its
        // groups differently there, so with one the entries are simply tried one by one.
        if !unfiltered.isEmpty, !unfiltered.contains(where: { Self.hasBackReference(entries[$0].regex) }) {
            unfilteredAny = try? NSRegularExpression(pattern: Self.anchored(unfiltered.map { "(?:\(entries[$0].regex))" }.joined(separator: "|")),
                                                     options: [.caseInsensitive])
        }
    }

    /// The first entry (in file order) whose regex matches `ua`, or nil. `lowercased` is `ua`'s
    /// bytes in ASCII lower case.
    public func firstMatch(_ ua: String, lowercased: UnsafeBufferPointer<UInt8>) -> Int? {
        var candidates: [Int] = []
        let n = lowercased.count
        if n >= 2, let base = lowercased.baseAddress {
            for p in 0..<(n - 1) {
                var l = heads[Int(base[p]) << 8 | Int(base[p + 1])]
                while l >= 0 {
                    let lit = literals[Int(l)]
                    if lit.count <= n - p && lit.withUnsafeBufferPointer({ memcmp(base + p, $0.baseAddress!, lit.count) == 0 }) {
                        candidates.append(Int(literalEntry[Int(l)]))
                    }
                    l = nextLiteral[Int(l)]
                }
            }
        }
        let range = NSRange(location: 0, length: (ua as NSString).length)
        if !unfiltered.isEmpty, unfilteredAny.map({ $0.firstMatch(in: ua, options: [], range: range) != nil }) ?? true {
            candidates += unfiltered
        }
        guard !candidates.isEmpty else { return nil }
        candidates.sort()
        var last = -1
        for c in candidates where c != last {
            last = c
            if regex(c).firstMatch(in: ua, options: [], range: range) != nil { return c }
        }
        return nil
    }

    /// Whether `regex` has `\1`…`\9` or `\k<name>` anywhere (inside a class too:
    /// erring on the safe side; an escaped backslash is skipped).
    static func hasBackReference(_ regex: String) -> Bool {
        var it = regex.utf8.makeIterator()
        while let c = it.next() {
            guard c == UInt8(ascii: "\\"), let n = it.next() else { continue }
            if (n >= UInt8(ascii: "1") && n <= UInt8(ascii: "9")) || n == UInt8(ascii: "k") { return true }
        }
        return false
    }

    /// Entry `i`'s regex.
    func regex(_ i: Int) -> NSRegularExpression { compiled[i] }

    /// `firstMatch` for a String (tests, tools).
    public func firstMatch(_ ua: String) -> Int? {
        let lower = Array(ua.utf8).map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        return lower.withUnsafeBufferPointer { firstMatch(ua, lowercased: $0) }
    }

    /// Our bot family for a device-detector category, so `bots.csv` keeps its families.
    static func family(ofCategory category: String) -> String {
        switch category.lowercased() {
        case "search bot", "search tools": return "search-crawler"
        case "site monitor", "network monitor", "benchmark": return "monitor"
        case "feed fetcher", "feed parser", "feed reader", "read-it-later service": return "feed-reader"
        case "social media agent": return "link-preview"
        case let c where c.hasPrefix("ai "): return "ai-crawler"
        default: return BotFilter.unlistedFamily
        }
    }
}
