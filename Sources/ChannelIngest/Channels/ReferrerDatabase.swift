import Foundation
import Yams

/// A referrer list a user brings (`--referrer-db FILE`, `[lists] referrer_db`): Matomo's
/// `SearchEngines.yml`, `Socials.yml` or `AIAssistants.yml`
/// (matomo-org/searchengine-and-social-list), or Snowplow's `referers.yml` (referer-parser).
/// Read once at start with Yams into list entries; `SourceLists.add(database:)` consults them
/// only for hosts the built-in lists and the config do not place, so they add hosts and never
/// change a source Google's sheet already gives a category.
public struct ReferrerDatabase: Sendable {
    /// Which of the known files it is; decided from its shape (and, for Matomo's two lists of
    /// plain hosts, its name).
    public enum Kind: String, Sendable {
        case matomoSearchEngines = "Matomo SearchEngines.yml"
        case matomoSocials = "Matomo Socials.yml"
        case matomoAIAssistants = "Matomo AIAssistants.yml"
        case snowplow = "Snowplow referers.yml"
    }

    /// One host pattern of the file, in the built-in lists' syntax.
    public struct Entry: Sendable, Equatable {
        public var pattern: String
        public var category: SourceCategory
        /// The file's name for the engine or network (`Google`, `Bluesky`).
        public var name: String
        /// The file's line the host is written on.
        public var line: Int
        /// Snowplow's referer-parser also matches a listed host's subdomains (it strips labels
        /// off the left until one is listed); Matomo's lists name hosts exactly.
        public var coversSubdomains = false
    }

    public let path: String
    public let kind: Kind
    public private(set) var entries: [Entry] = []
    /// Snowplow's `unknown` and `paid` media have no list here (a known host without a medium,
    /// an ad network): their hosts stay plain referrals. They still matter, as Snowplow means
    /// them to: `maps.google.com` (unknown) is not search for the `google.com` entry's sake.
    public private(set) var referrals: [Entry] = []
    public var skipped: Int { referrals.count }

    /// The file name entries are cited by in `ingest explain` (`SearchEngines.yml:163, AltaVista`).
    public var fileName: String { URL(fileURLWithPath: path).lastPathComponent }

    /// Reads and checks `path`. Any problem is one `IngestError` naming the file, and where the
    /// file is YAML but not one of the known lists, its first entry that does not fit.
    public static func load(path: String) throws -> ReferrerDatabase {
        try ReferrerDatabase(text: YAMLFile.read(path, flag: "--referrer-db"), path: path)
    }

    public init(text: String, path: String) throws {
        self.path = path
        let root = try YAMLFile.compose(text, path: path, flag: "--referrer-db")
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard let top = root?.mapping, let first = top.first else {
            throw Self.notAList(path, "it is not a mapping of names to hosts")
        }
        // The shape of the first entry tells the file: a name → a list of hosts (Matomo's
        // Socials / AIAssistants), a name → a list of {urls: …} (Matomo's SearchEngines), or a
        // medium → names → {domains: …} (Snowplow).
        if let seq = first.value.sequence, let item = seq.first, item.mapping != nil {
            kind = .matomoSearchEngines
        } else if first.value.sequence != nil {
            let lower = name.lowercased()
            if lower.contains("social") { kind = .matomoSocials }
            else if lower.contains("ai") { kind = .matomoAIAssistants }
            else {
                throw IngestError.unusableInput("--referrer-db \(path): a list of names and hosts, as Matomo's Socials.yml and AIAssistants.yml are; keep \"Socials\" or \"AIAssistants\" in the file's name so ingest knows which")
            }
        } else if first.value.mapping != nil {
            kind = .snowplow
        } else {
            throw Self.badEntry(path, first.key, "is not followed by a list of hosts")
        }

        for (key, value) in top {
            guard let entryName = key.string else { throw Self.badEntry(path, key, "is not a name") }
            switch kind {
            case .matomoSocials, .matomoAIAssistants:
                guard let hosts = value.sequence else { throw Self.badEntry(path, key, "is not followed by a list of hosts") }
                for h in hosts { try add(h, entry: key, name: entryName, category: kind == .matomoSocials ? .social : .ai) }
            case .matomoSearchEngines:
                guard let variants = value.sequence else { throw Self.badEntry(path, key, "is not followed by a list of {urls: …}") }
                for v in variants {
                    guard let urls = v.mapping?["urls"]?.sequence else { throw Self.badEntry(path, key, "has an entry without `urls`") }
                    for u in urls { try add(u, entry: key, name: entryName, category: .search) }
                }
            case .snowplow:
                guard let sources = value.mapping else { throw Self.badEntry(path, key, "is not a medium followed by sources") }
                let category: SourceCategory?
                switch entryName {
                case "search": category = .search
                case "social": category = .social
                case "email": category = .webmail
                case "chatbot": category = .ai
                case "unknown", "paid": category = nil
                default: throw Self.badEntry(path, key, "is not a medium of Snowplow's referers.yml (search, social, email, chatbot, unknown, paid)")
                }
                for (sourceKey, source) in sources {
                    guard let sourceName = sourceKey.string, let domains = source.mapping?["domains"]?.sequence else {
                        throw Self.badEntry(path, sourceKey, "has no `domains` list")
                    }
                    for d in domains {
                        try add(d, entry: sourceKey, name: sourceName, category: category ?? .unwanted, subdomains: true)
                        if category == nil { referrals.append(entries.removeLast()) }
                    }
                }
            }
        }
    }

    private mutating func add(_ node: Node, entry: Node, name: String, category: SourceCategory, subdomains: Bool = false) throws {
        guard let host = node.string, let pattern = Self.pattern(host) else {
            throw Self.badEntry(path, entry, "lists `\(node.string ?? "?")`, which is not a host")
        }
        let plainHost = !pattern.contains("*") && !pattern.contains("/")
        entries.append(Entry(pattern: pattern, category: category, name: name, line: node.mark?.line ?? entry.mark?.line ?? 0,
                             coversSubdomains: subdomains && plainHost))
    }

    /// A host as the files write it, in the lists' syntax: Matomo's `{}` is any top-level domain
    /// at the end (`google.{}` → `google.*`) and any subdomain at the start (`{}.bing.com` →
    /// `*.bing.com`); in the middle (`images.{}.ask.com`) it reads as any subdomain of what
    /// follows. A leading `www.` goes (hosts are looked up without it); Matomo's
    /// `android-app//package/…` is the app `android-app://package`. Nil: not a host.
    static func pattern(_ raw: String) -> String? {
        var s = raw.lowercased()
        while s.last == " " || s.last == "\t" { s.removeLast() }
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        if s.hasPrefix("android-app://") || s.hasPrefix("android-app//") {
            let rest = s.hasPrefix("android-app://") ? s.dropFirst(14) : s.dropFirst(13)
            let package = rest.prefix { $0 != "/" }
            return package.isEmpty ? nil : "android-app://" + package
        }
        if s.utf8.contains(UInt8(ascii: ":")), let scheme = s.firstRange(of: "://") { s = String(s[scheme.upperBound...]) }
        var path = ""
        if let slash = s.firstIndex(of: "/") {
            path = String(s[slash...])
            s = String(s[..<slash])
            if path == "/" { path = "" }
        }
        if s.hasPrefix("www.") { s.removeFirst(4) }
        if s.utf8.contains(UInt8(ascii: "{")) {
            if s.hasPrefix("{}.") { s = "*." + s.dropFirst(3) }
            if s.hasSuffix(".{}") { s = s.dropLast(3) + ".*" }
            if let middle = s.firstRange(of: ".{}.") { s = "*." + s[middle.upperBound...] }
        }
        guard !s.isEmpty, s.unicodeScalars.allSatisfy({ hostScalars.contains($0) || $0.value > 127 }),
              HostPattern(s + path) != nil else { return nil }
        return s + path
    }

    private static let hostScalars = Set("abcdefghijklmnopqrstuvwxyz0123456789.-_*".unicodeScalars)

    private static func notAList(_ path: String, _ why: String) -> IngestError {
        IngestError.unusableInput("--referrer-db \(path): not Matomo's SearchEngines.yml, Socials.yml or AIAssistants.yml nor Snowplow's referers.yml: \(why)")
    }

    private static func badEntry(_ path: String, _ key: Node, _ why: String) -> IngestError {
        let at = key.mark.map { ":\($0.line)" } ?? ""
        return IngestError.unusableInput("--referrer-db \(path)\(at): not Matomo's SearchEngines.yml, Socials.yml or AIAssistants.yml nor Snowplow's referers.yml: the entry `\(key.string ?? "?")` \(why)")
    }
}
