import Foundation

/// A conversion goal read from the log: a request that means "this visitor did the thing"
/// (`POST /signup` answered with a redirect, `GET /thank-you`).
public struct Goal: Equatable, Sendable {
    public enum PathMatch: String, Sendable, CaseIterable {
        /// The path equals the pattern.
        case exact
        /// The path starts with the pattern.
        case prefix
        /// `*` matches any run of characters, `?` one character.
        case glob
    }

    public var name: String
    /// `GET`, `POST`, …; nil for any method.
    public var method: String?
    public var path: String
    public var match: PathMatch
    public var statusRange: ClosedRange<Int>
    /// Worth of one conversion of this goal (a CRM row's value wins when joined).
    public var value: Double

    public init(name: String, method: String? = nil, path: String, match: PathMatch? = nil,
                statusRange: ClosedRange<Int> = 200...399, value: Double = 0) {
        self.name = name
        self.method = method?.uppercased()
        self.path = path
        self.match = match ?? (path.contains("*") || path.contains("?") ? .glob : .exact)
        self.statusRange = statusRange
        self.value = value
    }
}

/// The configured goals, compiled for the hot path: which goals does a hit reach?
///
/// Goals are numbered in config order and a hit's goals are a 64-bit mask, so a session can
/// record "reached" per goal without allocating.
public struct GoalRules: Sendable {
    public static let maxGoals = 64
    public let goals: [Goal]
    private let compiled: [(method: [UInt8]?, path: [UInt8], match: Goal.PathMatch, status: ClosedRange<Int>)]

    public init(_ goals: [Goal]) throws {
        guard goals.count <= Self.maxGoals else {
            throw IngestError.badArgument("at most \(Self.maxGoals) goals can be configured (found \(goals.count))")
        }
        var seen = Set<String>()
        for g in goals where !seen.insert(g.name).inserted {
            throw IngestError.badArgument("two goals are named \"\(g.name)\"; goal names must differ")
        }
        self.goals = goals
        compiled = goals.map { g in (g.method.map { Array($0.utf8) }, Array(g.path.utf8), g.match, g.statusRange) }
    }

    public var isEmpty: Bool { goals.isEmpty }

    /// The goals `method target status` reaches, as a bit mask (bit i = goal i).
    @inline(__always)
    public func match(method: ByteSpan, status: Int, target: ByteSpan) -> UInt64 {
        guard !compiled.isEmpty else { return 0 }
        let path = PageRules.path(of: target)
        var mask: UInt64 = 0
        for (i, g) in compiled.enumerated() where g.status.contains(status) {
            if let m = g.method, !(m.withUnsafeBufferPointer { method.count == $0.count && memcmp(method.base, $0.baseAddress!, $0.count) == 0 }) {
                continue
            }
            let hit: Bool = g.path.withUnsafeBufferPointer { p in
                let pat = ByteSpan(base: p.baseAddress ?? emptyByte, count: p.count)
                switch g.match {
                case .exact: return path.count == pat.count && memcmp(path.base, pat.base, pat.count) == 0
                case .prefix: return path.count >= pat.count && memcmp(path.base, pat.base, pat.count) == 0
                case .glob: return Self.glob(pat, path)
                }
            }
            if hit { mask |= 1 << UInt64(i) }
        }
        return mask
    }

    /// Glob match with `*` and `?`, iterative with one backtrack point (linear in practice).
    static func glob(_ pattern: ByteSpan, _ text: ByteSpan) -> Bool {
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == 0x3F || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == 0x2A {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == 0x2A { p += 1 }
        return p == pattern.count
    }
}
