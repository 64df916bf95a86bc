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
    /// An analytics event name (GA4: `generate_lead`, `purchase`): the goal is that event,
    /// whatever its page; nil for a goal read from requests.
    public var event: String?

    public init(name: String, method: String? = nil, path: String, match: PathMatch? = nil,
                statusRange: ClosedRange<Int> = 200...399, value: Double = 0, event: String? = nil) {
        self.name = name
        self.event = event
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
/// record "reached" per goal without allocating. Methods and paths sit in one flat byte buffer,
/// so matching a hit touches no Swift array (no reference counting per hit).
public struct GoalRules: @unchecked Sendable {
    public static let maxGoals = 64
    public let goals: [Goal]
    private let compiled: Compiled

    public init(_ goals: [Goal]) throws {
        guard goals.count <= Self.maxGoals else {
            throw IngestError.badArgument("at most \(Self.maxGoals) goals can be configured (found \(goals.count))")
        }
        var seen = Set<String>()
        for g in goals where !seen.insert(g.name).inserted {
            throw IngestError.badArgument("two goals are named \"\(g.name)\"; goal names must differ")
        }
        self.goals = goals
        compiled = Compiled(goals)
    }

    public var isEmpty: Bool { goals.isEmpty }

    /// The goals a hit reaches, as a bit mask (bit i = goal i); `path` is the target's path,
    /// `event` an analytics event's name (empty for requests).
    @inline(__always)
    public func match(method: ByteSpan, status: Int, path: ByteSpan, event: ByteSpan = .empty) -> UInt64 {
        let c = compiled
        guard c.count > 0 else { return 0 }
        var mask: UInt64 = 0
        for i in 0..<c.count {
            let r = c.rules[i]
            if r.eventCount >= 0 {
                if event.count == r.eventCount && memcmp(event.base, c.bytes + r.eventOffset, r.eventCount) == 0 { mask |= 1 << UInt64(i) }
                continue
            }
            guard status >= r.statusLow && status <= r.statusHigh else { continue }
            if r.methodCount >= 0 {
                guard method.count == r.methodCount, memcmp(method.base, c.bytes + r.methodOffset, r.methodCount) == 0 else { continue }
            }
            let pattern = ByteSpan(base: c.bytes + r.pathOffset, count: r.pathCount)
            let hit: Bool
            switch r.match {
            case .exact: hit = path.count == pattern.count && memcmp(path.base, pattern.base, pattern.count) == 0
            case .prefix: hit = path.count >= pattern.count && memcmp(path.base, pattern.base, pattern.count) == 0
            case .glob: hit = Self.glob(pattern, path)
            }
            if hit { mask |= 1 << UInt64(i) }
        }
        return mask
    }

    /// The goals `method target status` reaches (the path is taken from the target).
    public func match(method: ByteSpan, status: Int, target: ByteSpan) -> UInt64 {
        match(method: method, status: status, path: PageRules.path(of: target))
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

    /// Goals as plain integers and offsets into one byte buffer owned by this object.
    final class Compiled {
        struct Rule {
            var statusLow: Int, statusHigh: Int
            /// -1: any method.
            var methodOffset: Int, methodCount: Int
            var pathOffset: Int, pathCount: Int
            var match: Goal.PathMatch
            /// -1: a request goal; else the event name's bytes.
            var eventOffset = 0, eventCount = -1
        }
        let rules: UnsafeMutablePointer<Rule>
        let count: Int
        let bytes: UnsafeMutablePointer<UInt8>

        init(_ goals: [Goal]) {
            var flat: [UInt8] = []
            var list: [Rule] = []
            for g in goals {
                var r = Rule(statusLow: g.statusRange.lowerBound, statusHigh: g.statusRange.upperBound,
                             methodOffset: 0, methodCount: -1, pathOffset: 0, pathCount: 0, match: g.match)
                if let m = g.method {
                    r.methodOffset = flat.count
                    r.methodCount = m.utf8.count
                    flat += m.utf8
                }
                r.pathOffset = flat.count
                r.pathCount = g.path.utf8.count
                flat += g.path.utf8
                if let e = g.event {
                    r.eventOffset = flat.count
                    r.eventCount = e.utf8.count
                    flat += e.utf8
                }
                list.append(r)
            }
            count = list.count
            rules = .allocate(capacity: max(1, list.count))
            rules.initialize(from: list, count: list.count)
            bytes = .allocate(capacity: max(1, flat.count))
            bytes.initialize(from: flat, count: flat.count)
        }

        deinit {
            rules.deinitialize(count: count)
            rules.deallocate()
            bytes.deallocate()
        }
    }
}
