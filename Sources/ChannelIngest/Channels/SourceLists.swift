import Foundation

/// What a source list says a host or source name is.
public enum SourceCategory: String, Sendable, CaseIterable {
    case search, social, video, shopping, webmail
    /// AI assistants (ChatGPT, Perplexity, …): loaded only with `--ai-channel`; without it a
    /// referrer from one is a plain referral, as in GA4.
    case ai
    /// Payment providers: a referrer from one is ignored as if internal.
    case unwanted
    /// Referrer spam: the hit is dropped and counted.
    case spam
}

/// The source lists (search engines, social networks, video, shopping, webmail, payment
/// providers, referrer spam), loaded from the data files in `Channels/Lists/` and answering
/// "what is this host?".
///
/// A host on more than one list takes its most specific entry (SPEC.md): a host-and-path entry,
/// then an exact host, then the longest matching pattern (`name.*`, `*.name`, `*.name.*`). Only
/// between equally specific entries does an order decide: the config's entries over the
/// built-in ones; among built-in lists referrer spam, then payment providers (deliberate: a
/// checkout redirect is never a source), then the channel rules' order — shopping, social,
/// video, search — and webmail last, so a host Google's sheet files as search
/// (`mail.yandex.ru`) is search.
///
/// A source *value* (a `utm_source`, a brand) is looked up on the four lists the channel rules
/// test only, so `utm_source=stripe.com` is SHOPPING, as on Google's sheet, while a referrer
/// from `stripe.com` is a payment redirect.
public final class SourceLists: @unchecked Sendable {
    public struct Entry: Equatable, Sendable {
        public var category: SourceCategory
        /// The short source name (`google`); nil means "the host itself".
        public var brand: String?
        /// The pattern as the list wrote it (`google.*`), and where: `search.txt:12`, or the
        /// config's table. `ingest explain` shows both.
        public var pattern = ""
        public var origin = ""
        /// From the config (or a loaded file): wins a tie with a built-in entry.
        public var fromConfig = false

        public init(category: SourceCategory, brand: String?, pattern: String = "", origin: String = "") {
            self.category = category
            self.brand = brand
            self.pattern = pattern
            self.origin = origin
        }

        /// Whether this entry replaces `old`, an entry for the very same pattern.
        func wins(over old: Entry) -> Bool {
            if fromConfig != old.fromConfig { return fromConfig }
            if fromConfig || category == old.category { return true }  // later wins
            return category.tieRank > old.category.tieRank
        }
    }

    /// One set of entries by pattern kind.
    struct Index {
        var exact: [String: Entry] = [:]
        var tldWild: [String: Entry] = [:]
        var subWild: [String: Entry] = [:]
        var bothWild: [String: Entry] = [:]
        var pathRules: [(HostPattern, Entry)] = []

        mutating func insert(_ p: HostPattern, _ entry: Entry) {
            func put(_ map: inout [String: Entry]) {
                if let old = map[p.core], !entry.wins(over: old) { return }
                map[p.core] = entry
            }
            if p.path != nil {
                if let i = pathRules.firstIndex(where: { $0.0 == p }) {
                    if entry.wins(over: pathRules[i].1) { pathRules[i].1 = entry }
                } else {
                    pathRules.append((p, entry))
                }
                return
            }
            switch (p.anySubdomain, p.anyTLD) {
            case (false, false): put(&exact)
            case (false, true): put(&tldWild)
            case (true, false): put(&subWild)
            case (true, true): put(&bothWild)
            }
        }

        /// The most specific entry for `host`: a host-and-path entry whose path the referrer's
        /// starts with (`x.com/i/grok`), then the exact host, then the longest pattern (ties:
        /// `name.*`, `*.name`, `*.name.*`).
        func lookup(host: String, path: String) -> Entry? {
            if !pathRules.isEmpty && !path.isEmpty {
                for (p, e) in pathRules where path.hasPrefix(p.path!) && SourceLists.matches(p, host: host) { return e }
            }
            if let e = exact[host] { return e }
            guard host.contains(".") else { return nil }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            var best: (length: Int, entry: Entry)?
            func consider(_ core: String, _ map: [String: Entry]) {
                guard let e = map[core], core.count > (best?.length ?? -1) else { return }
                best = (core.count, e)
            }
            if !tldWild.isEmpty {
                for keep in HostPattern.tldSplits(labels) { consider(labels[0..<keep].joined(separator: "."), tldWild) }
            }
            if !subWild.isEmpty && labels.count > 1 {
                for drop in 1..<labels.count { consider(labels[drop...].joined(separator: "."), subWild) }
            }
            if !bothWild.isEmpty {
                for keep in HostPattern.tldSplits(labels) where keep > 1 {
                    for drop in 1..<keep { consider(labels[drop..<keep].joined(separator: "."), bothWild) }
                }
            }
            return best?.entry
        }
    }

    /// Every entry: what a referrer's host is.
    private var referrers = Index()
    /// The search, social, video and shopping entries: what a source value is to the rules.
    private var ruleSources = Index()
    /// Brand names (`google`, `facebook`) and the entry they first appeared in (rule lists).
    private var brands: [String: Entry] = [:]
    public private(set) var entryCount: [SourceCategory: Int] = [:]
    /// Entries from the referrer databases a user loads (`--referrer-db`): asked only when the
    /// built-in lists and the config say nothing of a host or source, so a loaded file adds
    /// hosts and never changes one they place (every source on Google's sheet among them).
    private var loadedReferrers = Index()
    private var loadedRuleSources = Index()
    /// Hosts a loaded file knows to be neither (Snowplow's `unknown` and `paid`): they stop
    /// its broader entries (`maps.google.com` is not search for `google.com`'s sake).
    private var loadedReferrals = Index()
    private var hasLoaded = false

    public init() {}

    /// The lists shipped with ingest.
    public static func builtIn(aiAssistants: Bool = false) throws -> SourceLists {
        let lists = SourceLists()
        for category in SourceCategory.allCases where category != .ai || aiAssistants {
            guard let url = Bundle.module.url(forResource: category.fileName, withExtension: "txt", subdirectory: "Lists")
            else { throw IngestError.unusableInput("the built-in list \(category.fileName).txt is missing from the resources") }
            let text = try String(contentsOf: url, encoding: .utf8)
            try lists.add(text: text, category: category, origin: url.lastPathComponent)
        }
        return lists
    }

    /// Adds entries in the list-file syntax. `fromConfig` entries win a tie with a built-in
    /// one, so a user's file can override a built-in entry.
    public func add(text: String, category: SourceCategory, origin: String, fromConfig: Bool = false) throws {
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
            var entry = Entry(category: category, brand: rest.isEmpty ? nil : rest)
            entry.fromConfig = fromConfig
            try add(pattern: String(pattern), entry: entry, origin: "\(origin):\(lineNumber)")
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
        referrers.insert(p, entry)
        guard entry.category.isRuleList else { return }
        ruleSources.insert(p, entry)
        if let b = entry.brand, brands[b] == nil || (entry.fromConfig && !brands[b]!.fromConfig) { brands[b] = entry }
    }

    /// Adds a loaded referrer database (`--referrer-db`) below the built-in lists and the
    /// config. Returns how many entries it added.
    @discardableResult
    public func add(database db: ReferrerDatabase) throws -> Int {
        let file = db.fileName
        for e in db.entries {
            guard let p = HostPattern(e.pattern) else { continue }   // ReferrerDatabase checked each
            var entry = Entry(category: e.category, brand: nil, pattern: e.pattern, origin: "\(file):\(e.line), \(e.name)")
            entry.fromConfig = false
            entryCount[e.category, default: 0] += 1
            loadedReferrers.insert(p, entry)
            if e.category.isRuleList { loadedRuleSources.insert(p, entry) }
            if e.coversSubdomains, let sub = HostPattern("*." + e.pattern) {
                loadedReferrers.insert(sub, entry)
                if e.category.isRuleList { loadedRuleSources.insert(sub, entry) }
            }
        }
        for e in db.referrals {
            let entry = Entry(category: .unwanted, brand: nil, pattern: e.pattern, origin: "\(file):\(e.line), \(e.name)")
            if let p = HostPattern(e.pattern) { loadedReferrals.insert(p, entry) }
            if e.coversSubdomains, let sub = HostPattern("*." + e.pattern) { loadedReferrals.insert(sub, entry) }
        }
        hasLoaded = hasLoaded || !db.entries.isEmpty || !db.referrals.isEmpty
        return db.entries.count
    }

    /// What the lists say about `host` (already lowercased, without `www.`), given the
    /// referrer's path for the few entries that need one.
    public func lookup(host: String, path: String = "") -> Entry? {
        if let e = referrers.lookup(host: host, path: path) { return e }
        return hasLoaded ? loaded(host: host, path: path) : nil
    }

    /// A loaded file's entry for a host the built-in lists leave alone, unless the file also
    /// knows it, at least as specifically, as a plain referral.
    private func loaded(host: String, path: String) -> Entry? {
        guard let e = loadedReferrers.lookup(host: host, path: path) else { return nil }
        guard let r = loadedReferrals.lookup(host: host, path: path) else { return e }
        return Self.specificity(r.pattern) >= Self.specificity(e.pattern) ? nil : e
    }

    /// How specific a pattern is, for a loaded file's two entries of one host: a path, then an
    /// exact host, then the longer pattern.
    private static func specificity(_ pattern: String) -> Int {
        (pattern.contains("/") ? 2_000 : 0) + (pattern.contains("*") ? 0 : 1_000) + pattern.count
    }

    /// The entries for `host` that apply only under a path, in list order.
    public func pathRules(forHost host: String) -> [(path: String, entry: Entry)] {
        let builtIn = referrers.pathRules.filter { Self.matches($0.0, host: host) }.map { ($0.0.path!, $0.1) }
        // A loaded file's path entries apply only to a host the built-in lists leave alone.
        guard hasLoaded, builtIn.isEmpty, referrers.lookup(host: host, path: "") == nil else { return builtIn }
        return loadedReferrers.pathRules.filter { Self.matches($0.0, host: host) }.map { ($0.0.path!, $0.1) }
    }

    static func matches(_ p: HostPattern, host: String) -> Bool {
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

    /// The entry that puts a source value on one of the rules' lists: an exact host, a brand
    /// name's first entry, or a host pattern.
    public func entry(ofSource source: String) -> Entry? {
        var s = source
        if s.hasPrefix("www.") { s.removeFirst(4) }
        if let e = ruleSources.exact[s] { return e }
        if let b = brands[s] { return b }
        if let e = ruleSources.lookup(host: s, path: "") { return e }
        guard hasLoaded, let e = loadedRuleSources.exact[s] ?? loadedRuleSources.lookup(host: s, path: "") else { return nil }
        if let r = loadedReferrals.lookup(host: s, path: ""), Self.specificity(r.pattern) >= Self.specificity(e.pattern) { return nil }
        return e
    }
}

extension SourceCategory {
    var fileName: String { rawValue }

    /// The lists the channel rules test (SEARCH, SOCIAL, VIDEO, SHOPPING).
    var isRuleList: Bool { self == .search || self == .social || self == .video || self == .shopping || self == .ai }

    /// Which built-in list's entry wins a tie for the very same pattern (higher wins): spam,
    /// payment providers, AI assistants (their rule comes before all others), then the organic
    /// rules' order (Organic Shopping 9, Social 10, Video
    /// 11, Search 12: the first rule that tests one of the lists decides), then webmail.
    var tieRank: Int {
        switch self {
        case .spam: return 8
        case .unwanted: return 7
        case .ai: return 6
        case .shopping: return 5
        case .social: return 4
        case .video: return 3
        case .search: return 2
        case .webmail: return 1
        }
    }
}
