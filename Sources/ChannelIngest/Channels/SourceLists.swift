import Foundation

/// What a source list says a host or source name is.
public enum SourceCategory: String, Sendable, CaseIterable {
    case search, social, video, shopping, webmail
    /// Payment providers: a referrer from one is ignored as if internal.
    case unwanted
    /// Referrer spam: the hit is dropped and counted.
    case spam
}

/// The source lists (search engines, social networks, video, shopping, webmail, payment
/// providers, referrer spam), loaded from the data files in `Channels/Lists/` and answering
/// "what is this host?".
///
/// Lookup order: an exact host, then a host-and-path entry, then `name.*`, then `*.name`,
/// then `*.name.*`. Between lists, a more specific match wins, so `mail.google.com` (webmail,
/// exact) beats `google.*` (search, pattern); for the same pattern on two lists the list loaded
/// later wins (webmail over search, payment providers and spam over everything).
public final class SourceLists: @unchecked Sendable {
    public struct Entry: Equatable, Sendable {
        public var category: SourceCategory
        /// The short source name (`google`); nil means "the host itself".
        public var brand: String?
        /// The pattern as the list wrote it (`google.*`), and where: `search.txt:12`, or the
        /// config's table. `ingest explain` shows both.
        public var pattern = ""
        public var origin = ""

        public init(category: SourceCategory, brand: String?, pattern: String = "", origin: String = "") {
            self.category = category
            self.brand = brand
            self.pattern = pattern
            self.origin = origin
        }
    }

    private var exact: [String: Entry] = [:]
    private var tldWild: [String: Entry] = [:]
    private var subWild: [String: Entry] = [:]
    private var bothWild: [String: Entry] = [:]
    private var pathRules: [(HostPattern, Entry)] = []
    public private(set) var entryCount: [SourceCategory: Int] = [:]

    public init() {}

    /// The lists shipped with ingest.
    public static func builtIn() throws -> SourceLists {
        let lists = SourceLists()
        for category in SourceCategory.allCases {
            guard let url = Bundle.module.url(forResource: category.fileName, withExtension: "txt", subdirectory: "Lists")
            else { throw IngestError.unusableInput("the built-in list \(category.fileName).txt is missing from the resources") }
            let text = try String(contentsOf: url, encoding: .utf8)
            try lists.add(text: text, category: category, origin: url.lastPathComponent)
        }
        return lists
    }

    /// Adds entries in the list-file syntax. Later entries for the same pattern replace earlier
    /// ones, so a user's file can override a built-in entry.
    public func add(text: String, category: SourceCategory, origin: String) throws {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            guard !line.isEmpty else { continue }
            // A source name with spaces (`"google shopping"`) is written in double quotes.
            var pattern: Substring
            if line.first == "\"", let close = line.dropFirst().firstIndex(of: "\"") {
                pattern = line[line.index(after: line.startIndex)..<close]
                line = line[line.index(after: close)...]
            } else {
                let end = line.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? line.endIndex
                pattern = line[..<end]
                line = line[end...]
            }
            let rest = line.trimmingCharacters(in: .whitespaces).lowercased()
            try add(pattern: String(pattern), entry: Entry(category: category, brand: rest.isEmpty ? nil : rest),
                    origin: "\(origin):\(lineNumber)")
        }
    }

    public func add(pattern text: String, entry: Entry, origin: String = "") throws {
        guard let p = HostPattern(text) else {
            throw IngestError.unusableInput("\(origin): `\(text)` is not a host pattern (use host, name.*, *.host or host/path)")
        }
        var entry = entry
        entry.pattern = text
        entry.origin = origin
        entryCount[entry.category, default: 0] += 1
        if let b = entry.brand, brands[b] == nil { brands[b] = entry }
        if p.path != nil {
            pathRules.removeAll { $0.0 == p }
            pathRules.append((p, entry))
            return
        }
        switch (p.anySubdomain, p.anyTLD) {
        case (false, false): exact[p.core] = entry
        case (false, true): tldWild[p.core] = entry
        case (true, false): subWild[p.core] = entry
        case (true, true): bothWild[p.core] = entry
        }
    }

    /// What the list says about `host` (already lowercased, without `www.`), given the
    /// referrer's path for the few entries that need one.
    public func lookup(host: String, path: String = "") -> Entry? {
        if let e = exact[host] { return e }
        if !pathRules.isEmpty && !path.isEmpty {
            for (p, e) in pathRules where path.hasPrefix(p.path!) && matches(p, host: host) { return e }
        }
        guard host.contains(".") else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for keep in HostPattern.tldSplits(labels) {
            if let e = tldWild[labels[0..<keep].joined(separator: ".")] { return e }
        }
        if labels.count > 1 {
            for drop in 1..<labels.count {
                if let e = subWild[labels[drop...].joined(separator: ".")] { return e }
            }
        }
        if !bothWild.isEmpty {
            for keep in HostPattern.tldSplits(labels) where keep > 1 {
                for drop in 1..<keep {
                    if let e = bothWild[labels[drop..<keep].joined(separator: ".")] { return e }
                }
            }
        }
        return nil
    }

    /// The entries for `host` that apply only under a path, in list order.
    public func pathRules(forHost host: String) -> [(path: String, entry: Entry)] {
        pathRules.filter { matches($0.0, host: host) }.map { ($0.0.path!, $0.1) }
    }

    private func matches(_ p: HostPattern, host: String) -> Bool {
        if !p.anySubdomain && !p.anyTLD { return host == p.core }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let bases: [Int] = p.anyTLD ? HostPattern.tldSplits(labels) : [labels.count]
        for keep in bases {
            if !p.anySubdomain {
                if labels[0..<keep].joined(separator: ".") == p.core { return true }
            } else if keep > 1 {
                for drop in 1..<keep where labels[drop..<keep].joined(separator: ".") == p.core { return true }
            }
        }
        return false
    }

    /// The list a source value (a brand, a host, a utm_source such as `fb`) is on, for the
    /// channel rules' SEARCH / SOCIAL / VIDEO / SHOPPING tests.
    public func category(ofSource source: String) -> SourceCategory? {
        entry(ofSource: source)?.category
    }

    /// The entry that puts a source value on its list: an exact host, a brand name's first
    /// entry, or a host pattern.
    public func entry(ofSource source: String) -> Entry? {
        var s = source
        if s.hasPrefix("www.") { s.removeFirst(4) }
        if let e = exact[s] { return e }
        if let b = brands[s] { return b }
        return lookup(host: s)
    }

    /// Brand names (`google`, `facebook`) and the entry they first appeared in.
    private var brands: [String: Entry] = [:]
}

extension SourceCategory {
    var fileName: String { rawValue }
}
