/// Which JSON key paths hold a hit's fields: Caddy's access log, Cloudflare Logpush
/// `http_requests`, or any JSON lines mapped in the config (`[json]`, dotted paths).
public struct JSONFieldMap: Equatable, Sendable {
    public enum Field: String, CaseIterable, Sendable {
        case time, client, method, uri, host, status
        case userAgent = "user_agent"
        case referrer
        case visitorID = "visitor_id"
    }

    /// Paths by field; a field may have several (the first present wins).
    public var paths: [Field: [String]]

    public init(paths: [Field: [String]]) { self.paths = paths }

    /// Caddy's `http.log.access` entries.
    public static let caddy = JSONFieldMap(paths: [
        .time: ["ts"], .client: ["request.client_ip", "request.remote_ip"], .method: ["request.method"],
        .uri: ["request.uri"], .host: ["request.host"], .status: ["status"],
        .userAgent: ["request.headers.User-Agent"], .referrer: ["request.headers.Referer"],
    ])

    /// Cloudflare Logpush `http_requests`.
    public static let cloudflare = JSONFieldMap(paths: [
        .time: ["EdgeStartTimestamp"], .client: ["ClientIP"], .method: ["ClientRequestMethod"],
        .uri: ["ClientRequestURI"], .host: ["ClientRequestHost"], .status: ["EdgeResponseStatus"],
        .userAgent: ["ClientRequestUserAgent"], .referrer: ["ClientRequestReferer"],
    ])

    /// The fields a line can't do without.
    static let required: [Field] = [.time, .client, .uri, .status]
}

/// Reads JSON lines through a `JSONFieldMap` without building a dictionary per line: one pass
/// over the bytes that descends only into objects on a wanted path and skips every other value
/// by scanning (strings with escapes, nested brackets). The wanted paths are a small trie built
/// once; values land in slots allocated once per file. A string with escapes is unescaped into
/// the chunk's arena; an array value gives its first element (Caddy's headers).
public struct JSONLineParser: @unchecked Sendable {
    public let map: JSONFieldMap
    let trie: JSONPathTrie
    private let slots: Slots

    /// Per field: the value found, and the rank of the path it came from (lower wins).
    final class Slots {
        static let count = JSONFieldMap.Field.allCases.count
        let values = UnsafeMutablePointer<ByteSpan>.allocate(capacity: count)
        let ranks = UnsafeMutablePointer<Int>.allocate(capacity: count)
        init() {
            values.initialize(repeating: .empty, count: Self.count)
            ranks.initialize(repeating: .max, count: Self.count)
        }
        deinit {
            values.deallocate()
            ranks.deallocate()
        }
        func reset() {
            for i in 0..<Self.count { ranks[i] = .max }
        }
    }

    public init(map: JSONFieldMap) {
        self.map = map
        trie = JSONPathTrie(map)
        slots = Slots()
    }

    public func parse(_ line: ByteSpan, into hit: inout Hit, arena: inout ParseArena) -> Bool {
        slots.reset()
        var scanner = JSONScanner(line)
        scanner.skipSpace()
        guard scanner.object(node: 0, trie: trie, arena: &arena, slots: slots) else { return false }
        scanner.skipSpace()
        guard scanner.atEnd else { return false }
        func value(_ f: JSONFieldMap.Field) -> ByteSpan? {
            let i = f.index
            return slots.ranks[i] == .max ? nil : slots.values[i]
        }
        guard let timeText = value(.time), let client = value(.client), client.count > 0,
              let uri = value(.uri), let statusText = value(.status) else { return false }
        guard let t = LogTime.parseEpoch(timeText) ?? LogTime.parseISO(timeText) else { return false }
        guard statusText.count == 3, statusText[0] &- 0x30 < 10, statusText[1] &- 0x30 < 10, statusText[2] &- 0x30 < 10 else { return false }
        hit.time = t
        hit.status = Int(statusText[0] - 0x30) * 100 + Int(statusText[1] - 0x30) * 10 + Int(statusText[2] - 0x30)
        hit.client = client
        hit.method = value(.method) ?? .empty
        hit.target = uri
        // `-` means none, as in the text formats.
        hit.host = Self.orNone(value(.host))
        hit.referrer = Self.orNone(value(.referrer))
        hit.userAgent = Self.orNone(value(.userAgent))
        hit.visitorID = Self.orNone(value(.visitorID))
        hit.hasUserAgentField = map.paths[.userAgent] != nil
        return true
    }

    @inline(__always)
    static func orNone(_ v: ByteSpan?) -> ByteSpan {
        guard let v, !(v.count == 1 && v[0] == 0x2D) else { return .empty }
        return v
    }

    public func diagnose(_ line: ByteSpan) -> String {
        guard line.count > 0, line[0] == 0x7B else { return "is not a JSON object" }
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * line.count + 16)
        defer { scratch.deallocate() }
        var arena = ParseArena(base: scratch, capacity: 2 * line.count + 16)
        var scanner = JSONScanner(line)
        slots.reset()
        guard scanner.object(node: 0, trie: trie, arena: &arena, slots: slots) else { return "is not valid JSON" }
        if let m = JSONFieldMap.required.first(where: { slots.ranks[$0.index] == .max }) {
            return "has no \(map.paths[m]?.joined(separator: " or ") ?? m.rawValue)"
        }
        return "a field does not hold what it should (a time, a 3-digit status)"
    }
}

extension JSONFieldMap.Field {
    /// Position in `allCases`.
    var index: Int {
        switch self {
        case .time: return 0
        case .client: return 1
        case .method: return 2
        case .uri: return 3
        case .host: return 4
        case .status: return 5
        case .userAgent: return 6
        case .referrer: return 7
        case .visitorID: return 8
        }
    }
}

/// The wanted key paths as a trie: node 0 is the root object; each node lists its child keys,
/// and a node may end a path (the field it fills and that path's rank).
final class JSONPathTrie: @unchecked Sendable {
    struct Node {
        var children: [(key: [UInt8], node: Int)] = []
        var ends: [(field: Int, rank: Int)] = []
    }
    private(set) var nodes = [Node()]

    init(_ map: JSONFieldMap) {
        for (field, paths) in map.paths {
            for (rank, path) in paths.enumerated() {
                var n = 0
                for key in path.split(separator: ".").map({ Array($0.utf8) }) {
                    if let c = nodes[n].children.first(where: { $0.key == key }) {
                        n = c.node
                    } else {
                        nodes.append(Node())
                        nodes[n].children.append((key, nodes.count - 1))
                        n = nodes.count - 1
                    }
                }
                nodes[n].ends.append((field.index, rank))
            }
        }
    }

    /// The child of `node` under `key`, or -1.
    @inline(__always)
    func child(_ node: Int, _ key: ByteSpan) -> Int {
        for c in nodes[node].children where c.key.count == key.count {
            if c.key.withUnsafeBufferPointer({ memcmp($0.baseAddress!, key.base, key.count) == 0 }) { return c.node }
        }
        return -1
    }
}

/// A cursor over one JSON text.
struct JSONScanner {
    var p: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>

    init(_ s: ByteSpan) {
        p = s.base
        end = s.base + s.count
    }

    var atEnd: Bool { p >= end }

    @inline(__always)
    mutating func skipSpace() {
        while p < end, p.pointee == 0x20 || p.pointee == 0x09 || p.pointee == 0x0D || p.pointee == 0x0A { p += 1 }
    }

    /// An object at `p` whose keys are looked up under trie node `node`: a key that ends a
    /// wanted path fills its slot, one that leads deeper is descended into, every other value
    /// is skipped.
    mutating func object(node: Int, trie: JSONPathTrie, arena: inout ParseArena, slots: JSONLineParser.Slots) -> Bool {
        guard p < end, p.pointee == 0x7B else { return false }
        p += 1
        skipSpace()
        if p < end && p.pointee == 0x7D { p += 1; return true }
        while true {
            skipSpace()
            guard let key = rawString() else { return false }
            skipSpace()
            guard p < end, p.pointee == 0x3A else { return false }
            p += 1
            skipSpace()
            let c = trie.child(node, key)
            if c < 0 {
                guard skipValue() else { return false }
            } else if !trie.nodes[c].ends.isEmpty {
                guard let (v, _) = scalarOrFirst(arena: &arena) else { return false }
                for e in trie.nodes[c].ends where e.rank < slots.ranks[e.field] {
                    slots.values[e.field] = v
                    slots.ranks[e.field] = e.rank
                }
            } else if p < end && p.pointee == 0x7B {
                guard object(node: c, trie: trie, arena: &arena, slots: slots) else { return false }
            } else {
                guard skipValue() else { return false }
            }
            skipSpace()
            guard p < end else { return false }
            if p.pointee == 0x2C { p += 1; continue }
            if p.pointee == 0x7D { p += 1; return true }
            return false
        }
    }

    @inline(__always)
    static func equal(_ a: [UInt8], _ b: ByteSpan) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { memcmp($0.baseAddress!, b.base, b.count) == 0 }
    }

    /// A string's raw bytes between its quotes (escapes left as they are).
    mutating func rawString() -> ByteSpan? {
        guard p < end, p.pointee == 0x22 else { return nil }
        let start = p + 1
        guard let quote = FieldScanner.unescapedQuote(from: start, start: start, end: end) else { return nil }
        p = quote + 1
        return ByteSpan(base: start, count: quote - start)
    }

    /// A string (unescaped when it has escapes), number, true/false or null — or an array,
    /// whose first element it gives. Null and empty arrays give an empty span.
    mutating func scalarOrFirst(arena: inout ParseArena) -> (ByteSpan, Bool)? {
        guard p < end else { return nil }
        switch p.pointee {
        case 0x22:
            guard let raw = rawString() else { return nil }
            if raw.firstIndex(of: 0x5C) == nil { return (raw, true) }
            guard let u = Self.unescape(raw, arena: &arena) else { return nil }
            return (u, true)
        case 0x5B:
            p += 1
            skipSpace()
            if p < end && p.pointee == 0x5D { p += 1; return (.empty, false) }
            guard let first = scalarOrFirst(arena: &arena) else { return nil }
            skipSpace()
            while p < end && p.pointee == 0x2C {
                p += 1
                skipSpace()
                guard skipValue() else { return nil }
                skipSpace()
            }
            guard p < end, p.pointee == 0x5D else { return nil }
            p += 1
            return first
        case 0x7B:
            guard skipValue() else { return nil }
            return (.empty, false)
        default:
            let start = p
            while p < end, p.pointee != 0x2C, p.pointee != 0x7D, p.pointee != 0x5D, p.pointee != 0x20 { p += 1 }
            let v = ByteSpan(base: start, count: p - start)
            guard v.count > 0 else { return nil }
            if v.equals("null") { return (.empty, false) }
            return (v, false)
        }
    }

    /// Skips any value.
    mutating func skipValue() -> Bool {
        guard p < end else { return false }
        switch p.pointee {
        case 0x22: return rawString() != nil
        case 0x7B, 0x5B:
            var depth = 0
            while p < end {
                let c = p.pointee
                if c == 0x22 {
                    guard rawString() != nil else { return false }
                    continue
                }
                if c == 0x7B || c == 0x5B { depth += 1 } else if c == 0x7D || c == 0x5D {
                    depth -= 1
                    if depth == 0 { p += 1; return true }
                }
                p += 1
            }
            return false
        default:
            let start = p
            while p < end, p.pointee != 0x2C, p.pointee != 0x7D, p.pointee != 0x5D, p.pointee != 0x20 { p += 1 }
            return p > start
        }
    }

    /// JSON string escapes decoded into the arena (`\uXXXX` as UTF-8, surrogate pairs joined).
    static func unescape(_ raw: ByteSpan, arena: inout ParseArena) -> ByteSpan? {
        guard arena.fits(raw.count) else { return nil }
        let mark = arena.mark
        var i = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                guard let h = PercentDecoding.hex(raw[k]) else { return nil }
                v = v << 4 | UInt32(h)
            }
            return v
        }
        while i < raw.count {
            let c = raw[i]
            guard c == 0x5C, i + 1 < raw.count else { arena.append(c); i += 1; continue }
            let e = raw[i + 1]
            i += 2
            switch e {
            case 0x6E: arena.append(0x0A)
            case 0x74: arena.append(0x09)
            case 0x72: arena.append(0x0D)
            case 0x62: arena.append(0x08)
            case 0x66: arena.append(0x0C)
            case 0x75:
                guard var u = hex4(i) else { return nil }
                i += 4
                if u >= 0xD800 && u < 0xDC00, i + 6 <= raw.count, raw[i] == 0x5C, raw[i + 1] == 0x75, let lo = hex4(i + 2), lo >= 0xDC00 && lo < 0xE000 {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
                }
                // \uXXXX takes 6 bytes and encodes to at most 4 (a pair: 12 to 4): never longer.
                let scalar = Unicode.Scalar(u) ?? "\u{FFFD}"
                for b in String(scalar).utf8 { arena.append(b) }
            default: arena.append(e)
            }
        }
        return arena.finish(from: mark)
    }
}

import Foundation
