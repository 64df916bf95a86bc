import Foundation

/// Which hits are pageviews: GET, status 2xx, a path that is not an asset and not under an
/// excluded prefix (SPEC.md "pageview").
public struct PageRules: Sendable {
    public static let defaultAssetExtensions = [
        "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp",
        "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "pdf", "zip", "gz", "json", "xml", "txt",
    ]

    /// Extensions packed into integers (up to 8 lowercase bytes) for a branch-free lookup.
    private let assetKeys: Set<UInt64>
    private let excludedPrefixes: [[UInt8]]

    public init(assetExtensions: [String] = PageRules.defaultAssetExtensions, excludedPrefixes: [String] = []) {
        assetKeys = Set(assetExtensions.compactMap { ext in
            let b = Array(ext.lowercased().utf8)
            return b.count <= 8 ? Self.pack(b[...]) : nil
        })
        self.excludedPrefixes = excludedPrefixes.map { Array($0.utf8) }
    }

    @inline(__always)
    static func pack(_ b: ArraySlice<UInt8>) -> UInt64 {
        var k: UInt64 = 0
        for c in b { k = k << 8 | UInt64(asciiLower(c)) }
        return k
    }

    /// The path part of a request target: up to `?` or `#`. An absolute-form target
    /// (`http://host/path`, sent to proxies) is reduced to its path.
    @inline(__always)
    public static func path(of target: ByteSpan) -> ByteSpan {
        var t = target
        if t.count > 0 && t[0] != 0x2F && (t.hasPrefixLowercased("http://") || t.hasPrefixLowercased("https://")) {
            let rest = t.dropFirst(t[4] == 0x3A ? 7 : 8)
            // `https://example.com` and `https://example.com?x` have the path `/`.
            t = rest.firstIndex(of: 0x2F).map { rest.dropFirst($0) } ?? ByteSpan(base: slashByte, count: 1)
        }
        return t.prefix(t.firstIndex(of: 0x3F, or: 0x23) ?? t.count)
    }

    @inline(__always)
    public func isAsset(path: ByteSpan) -> Bool {
        // The extension is after the last '.', which must come after the last '/'.
        var i = path.count - 1
        var n = 0
        while i >= 0 {
            let c = path[i]
            if c == 0x2E { break }
            if c == 0x2F || n > 8 { return false }
            n += 1
            i -= 1
        }
        guard i >= 0, n > 0, n <= 8 else { return false }
        var k: UInt64 = 0
        for j in (i + 1)..<path.count { k = k << 8 | UInt64(asciiLower(path[j])) }
        return assetKeys.contains(k)
    }

    @inline(__always)
    public func isExcluded(path: ByteSpan) -> Bool {
        for p in excludedPrefixes where path.count >= p.count {
            if p.withUnsafeBufferPointer({ memcmp(path.base, $0.baseAddress!, p.count) }) == 0 { return true }
        }
        return false
    }

    /// Whether a hit with this method, status and target is a pageview (bots aside).
    @inline(__always)
    public func isPageview(method: ByteSpan, status: Int, target: ByteSpan) -> Bool {
        isPageview(method: method, status: status, path: Self.path(of: target))
    }

    /// The same, for a path already cut from its target.
    @inline(__always)
    public func isPageview(method: ByteSpan, status: Int, path: ByteSpan) -> Bool {
        guard status >= 200 && status <= 299, method.equals("GET") else { return false }
        return !isAsset(path: path) && !isExcluded(path: path)
    }
}

/// A `/` for a URL with no path.
let slashByte = StaticBytes.make("/")
