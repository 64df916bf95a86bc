/// What the log run records so CRM rows can be joined once it ends: only what concerns the
/// rows actually read (their lead ids, visitor ids and addresses are known before the logs
/// are), so it grows with the CRM export, never with the log.
///
/// - goal hits whose URL carries a wanted lead id (`/thank-you?lead=123`): visitor and time;
/// - visitors seen from a wanted address (keyed hash), from their sessions and goal hits;
/// - goal hits of wanted visitors or addresses that found no session.
public final class CRMEvidence {
    public struct GoalHit: Equatable {
        public var visitor: UInt64
        public var time: Int64
        /// The hit's order number (`EventOrder`): of hits in one second, the first in order wins.
        public var seq: Int64 = 0
        /// Its visitor's partition key (a distributed run sends the lead's row there).
        public var partitionKey: UInt64 = 0

        /// Earlier in (time, order): the hit a lead id joins by.
        func isBefore(_ o: GoalHit) -> Bool { (time, seq) < (o.time, o.seq) }
    }

    let leadParameter: [UInt8]
    private let wantedLeads: Set<String>
    /// For lead ids whose CRM row names a log goal: that goal's bit. The row stands for the
    /// goal hit that carries its id, so the hit's own conversion of that goal is not counted.
    var supersedes: [String: UInt64]
    private var wantedClients = Set<UInt64>()
    private var wantedVisitors = Set<UInt64>()
    /// Earliest goal hit carrying each wanted lead id.
    public private(set) var leadHits: [String: GoalHit] = [:]
    /// Visitors seen from each wanted address.
    public private(set) var visitorsOfClient: [UInt64: Set<UInt64>] = [:]
    /// Goal hits without a session, per wanted visitor.
    public private(set) var sessionlessHits: [UInt64: [Int64]] = [:]

    /// The visitors rows name by visitor id (keyed).
    var wantedVisitorKeys: Set<UInt64> { wantedVisitors }

    /// True when the run must hash client addresses (some row joins by IP).
    public var needsClientKeys: Bool { everyClient || !wantedClients.isEmpty }

    public init(leadParameter: String, leadIDs: Set<String>, clients: Set<UInt64>, visitors: Set<UInt64>,
                supersedes: [String: UInt64] = [:]) {
        self.leadParameter = Array(leadParameter.utf8)
        wantedLeads = leadIDs
        self.supersedes = supersedes
        wantedClients = clients
        wantedVisitors = visitors
    }

    /// Records every lead id in a goal hit's URL, not only those of the rows read (nightly
    /// runs: a lead may be in tomorrow's export).
    var everyLead = false

    /// Nightly runs hash every address (their sessions are kept for later exports' rows).
    var everyClient = false

    /// Fills in what earlier runs recorded (the state), for the rows about to be joined.
    func load(leadHits: [String: GoalHit], visitorsOfClient: [UInt64: Set<UInt64>], sessionlessHits: [UInt64: [Int64]]) {
        self.leadHits.merge(leadHits) { a, b in b.isBefore(a) ? b : a }
        self.visitorsOfClient.merge(visitorsOfClient) { $0.union($1) }
        self.sessionlessHits.merge(sessionlessHits) { $0 + $1 }
    }

    /// A goal hit: records the lead id its URL carries, if a CRM row has it; returns the goals
    /// that row stands for (not to be counted from the hit) and, in nightly runs, the id's
    /// hash (a row that arrives later may stand for it then).
    func noteGoalHit(target: ByteSpan, visitor: UInt64, time: Int64, seq: Int64 = 0,
                     partitionKey: @autoclosure () -> UInt64 = 0) -> (superseded: UInt64, lead: UInt64) {
        guard everyLead || !wantedLeads.isEmpty, let id = Self.parameter(leadParameter, in: target) else { return (0, 0) }
        guard everyLead || wantedLeads.contains(id) else { return (0, 0) }
        let hit = GoalHit(visitor: visitor, time: time, seq: seq, partitionKey: partitionKey())
        if leadHits[id].map({ hit.isBefore($0) }) ?? true { leadHits[id] = hit }
        return (supersedes[id] ?? 0, everyLead ? UInt64(bitPattern: StateLeads.hash(id)) : 0)
    }

    /// A closed session: remembers its visitor under its address when a row wants that address.
    func noteSession(_ s: Session) {
        if s.client != 0, wantedClients.contains(s.client) { visitorsOfClient[s.client, default: []].insert(s.visitor) }
    }

    /// A goal hit with no session to join.
    func noteSessionless(_ e: VisitEvent) {
        let byClient = e.client != 0 && wantedClients.contains(e.client)
        guard byClient || wantedVisitors.contains(e.visitor) else { return }
        if byClient { visitorsOfClient[e.client, default: []].insert(e.visitor) }
        sessionlessHits[e.visitor, default: []].append(e.time)
    }

    /// The first value of query parameter `name` in a request target, percent-decoded.
    static func parameter(_ name: [UInt8], in target: ByteSpan) -> String? {
        guard let q = target.firstIndex(of: 0x3F) else { return nil }
        var query = target.dropFirst(q + 1)
        if let hash = query.firstIndex(of: 0x23) { query = query.prefix(hash) }
        var start = 0
        while start < query.count {
            var end = start
            while end < query.count && query[end] != 0x26 { end += 1 }
            let pair = query.slice(start, end)
            start = end + 1
            guard pair.count > name.count, pair[name.count] == 0x3D else { continue }
            guard name.withUnsafeBufferPointer({ memcmp(pair.base, $0.baseAddress!, name.count) == 0 }) else { continue }
            let value = pair.dropFirst(name.count + 1)
            return String(decoding: PercentDecoding.decode(value), as: UTF8.self)
        }
        return nil
    }
}

import Foundation
