/// A host pattern from a source list: `example.com`, `google.*`, `*.example.com`,
/// `*.pinterest.*`, optionally with a path prefix (`google.*/imgres`).
///
/// `*` at the end stands for a top-level domain: one label (`google.de`), or two where the
/// first is a generic second-level label (`google.co.uk`, `google.com.br`). `*.` at the start
/// stands for one or more subdomain labels. A pattern without `*.` never matches subdomains:
/// `google.com` does not match `docs.google.com`.
struct HostPattern: Hashable {
    var core: String
    var anySubdomain: Bool
    var anyTLD: Bool
    var path: String?

    init?(_ text: String) {
        var t = Substring(text.lowercased())
        if t.hasPrefix("android-app://") {
            core = String(t)
            anySubdomain = false
            anyTLD = false
            path = nil
            return
        }
        path = nil
        if let slash = t.firstIndex(of: "/") {
            path = String(t[slash...])
            t = t[..<slash]
        }
        anySubdomain = t.hasPrefix("*.")
        if anySubdomain { t = t.dropFirst(2) }
        anyTLD = t.hasSuffix(".*")
        if anyTLD { t = t.dropLast(2) }
        guard !t.isEmpty, !t.contains(Character("*")) else { return nil }
        core = String(t)
    }

    /// Second-level labels that, before a country code, form a public suffix (`co.uk`).
    static let secondLevel: Set<Substring> = ["co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "nic", "mil", "gen", "biz", "info", "web", "in", "ltd", "plc", "sch", "nom"]

    /// Ways to read `host` as `base.TLD` under the `anyTLD` rule, longest base first.
    static func tldSplits(_ labels: [Substring]) -> [Int] {
        // Returns how many labels the base keeps.
        var out: [Int] = []
        let n = labels.count
        if n >= 2 && labels[n - 1].allSatisfy({ $0.isLetter }) { out.append(n - 1) }
        if n >= 3 && labels[n - 1].count == 2 && secondLevel.contains(labels[n - 2]) { out.append(n - 2) }
        return out
    }
}
