/// Joins CRM rows to visitors once the log is read, attributes each joined row like a goal
/// conversion, and judges each lead's quality from the data (SPEC.md "lead", "suspicious").
///
/// Strategies, most trusted first:
/// 1. `lead_id` equal to the lead parameter of a goal hit's URL (`/thank-you?lead=123`);
/// 2. `visitor_id` equal to the visitor id the log carries (`visitor_id_field`);
/// 3. `ip` (and `user_agent` when the export has it): the session or goal hit of that address
///    nearest the row's time, within `join_window_minutes`. With a User-Agent the visitor must
///    match it, unless that address has exactly one visitor in the window (exports often cut
///    or normalise User-Agents).
/// A row none of them joins counts under `(not joined)`; one that joins a visitor without a
/// session in the lookback window counts under `(no session)`.
///
/// A joined row is attributed at its own time, or at the time of the hit or session that
/// joined it when that is later (a CRM clock behind the server's must not leave the very
/// session that converted out of the window).
public struct CRMJoin {
    public enum Strategy: String, CaseIterable {
        case leadParameter = "lead_parameter"
        case visitorID = "visitor_id"
        case ip
    }

    /// How the rows joined, for `summary.json`.
    public struct Outcome: Equatable {
        public var rows = 0
        public var joined: [Strategy: Int] = [:]
        public var notJoined = 0
        /// Joined, but the visitor had no session in the lookback window.
        public var withoutSession = 0
        public var suspicious = 0
        public init() {}
    }

    /// A request rate no person browses at: this many pages or goal hits, at this many a minute.
    static let automatedRequests = 24
    /// Another lead of the same visitor this close makes both suspicious.
    static let repeatLeadWindow: Int64 = 86400

    let settings: CRMSettings
    let keyer: VisitorKeyer
    let evidence: CRMEvidence
    let attributor: Attributor
    let bots: BotVerdicts

    public init(settings: CRMSettings, keyer: VisitorKeyer, evidence: CRMEvidence, attributor: Attributor, bots: BotFilter) {
        self.settings = settings
        self.keyer = keyer
        self.evidence = evidence
        self.attributor = attributor
        self.bots = BotVerdicts(bots)
    }

    /// Where a row joined.
    struct Join {
        var visitor: UInt64
        var strategy: Strategy
        /// The attribution time.
        var time: Int64
        /// The session that joined it (or the latest before it); nil when only a goal hit
        /// without a session did.
        var session: Attributor.Touchpoint?
        /// The first goal hit without a session that joined it (for days to customer).
        var sessionlessHit: Int64?
    }

    /// A session or sessionless goal hit of one visitor, and how far it is from a time.
    struct Match {
        var distance: Int64
        var session: Attributor.Touchpoint?
        var hitTime: Int64?
        var start: Int64 { session?.start ?? hitTime! }
    }

    /// Joins, judges and attributes every row; credits go to `aggregates`.
    public func run(_ rows: [CRMRow], into aggregates: TrafficAggregates, goalIndex: (String) -> Int,
                    goalValue: (String) -> Double, sawAssets: Bool) -> Outcome {
        var outcome = Outcome()
        outcome.rows = rows.count
        let joins = rows.map(join)
        let isLead = rows.map(settings.isLead)
        let firstCustomerRow = Self.firstCustomerRows(rows, joins: joins)
        // Leads of one visitor within 24 h of each other.
        var repeated = [Bool](repeating: false, count: rows.count)
        var byVisitor: [UInt64: [(Int64, Int)]] = [:]
        for (i, j) in joins.enumerated() where isLead[i] { if let j { byVisitor[j.visitor, default: []].append((j.time, i)) } }
        for (_, list) in byVisitor where list.count > 1 {
            let sorted = list.sorted { $0 < $1 }
            for k in 1..<sorted.count where sorted[k].0 - sorted[k - 1].0 <= Self.repeatLeadWindow {
                repeated[sorted[k].1] = true
                repeated[sorted[k - 1].1] = true
            }
        }
        for (i, row) in rows.enumerated() {
            let goal = goalIndex(row.goal)
            let value = row.value ?? goalValue(row.goal)
            aggregates.countConversion()
            guard let j = joins[i] else {
                outcome.notJoined += 1
                let facts = TrafficAggregates.LeadFacts(status: row.status, suspicious: isLead[i] && botLike(row), value: value,
                                                        customerTime: row.customerTime ?? row.time, isLead: isLead[i])
                if facts.suspicious { outcome.suspicious += 1 }
                aggregates.credit(.notJoined, goal: goal, value: value, time: row.time)
                aggregates.creditLead(facts, share: 1, channel: nil, row: .notJoined, firstTouch: nil)
                continue
            }
            outcome.joined[j.strategy, default: 0] += 1
            let suspicious = isLead[i] && (repeated[i] || botLike(row) || isShortOrAutomated(j.session) || (sawAssets && neverLoadedAssets(j.visitor)))
            if suspicious { outcome.suspicious += 1 }
            let facts = TrafficAggregates.LeadFacts(status: row.status, suspicious: suspicious, value: value,
                                                    customerTime: max(row.customerTime ?? row.time ?? j.time, j.time),
                                                    isLead: isLead[i], countsCustomer: firstCustomerRow[j.visitor] == i)
            let attributed = attributor.attribute(visitor: j.visitor, at: j.time, goal: goal, value: value) { c in
                aggregates.credit(c)
                if c.model == aggregates.model.leadModel {
                    aggregates.creditLead(facts, share: c.share, channel: aggregates.channel(of: c.touchpoint.source), firstTouch: c.firstTouch)
                }
            }
            if !attributed {
                outcome.withoutSession += 1
                aggregates.credit(.noSession, goal: goal, value: value, time: j.time)
                aggregates.creditLead(facts, share: 1, channel: nil, row: .noSession, firstTouch: j.sessionlessHit)
            }
        }
        return outcome
    }

    /// For each joined visitor with a customer row, the row that makes them a customer: the
    /// earliest by attribution time, then by file and line (customers are people: a lead won
    /// and a later order of the same visitor are one customer, credited like the first).
    static func firstCustomerRows(_ rows: [CRMRow], joins: [Join?]) -> [UInt64: Int] {
        var first: [UInt64: Int] = [:]
        for (i, j) in joins.enumerated() {
            guard let j, rows[i].status == .customer else { continue }
            if let k = first[j.visitor] {
                let a = (joins[k]!.time, rows[k].file, rows[k].line), b = (j.time, rows[i].file, rows[i].line)
                if b < a { first[j.visitor] = i }
            } else {
                first[j.visitor] = i
            }
        }
        return first
    }

    /// What a row can be joined on, as keyed hashes: the raw address and User-Agent go no
    /// further than this (nightly runs store these keys, never the row's address).
    public struct Keys: Equatable {
        public var leadID: String?
        public var time: Int64?
        /// The visitor its `visitor_id` names.
        public var visitor: UInt64?
        /// Its address alone, and with its User-Agent (the visitor that pair is).
        public var client: UInt64?
        public var agentVisitor: UInt64?
    }

    public func keys(_ row: CRMRow) -> Keys {
        var k = Keys(leadID: row.leadID, time: row.time)
        if let id = row.visitorID { k.visitor = id.withSpan { keyer.visitor(id: $0) } }
        if let ip = row.ip {
            k.client = ip.withSpan { keyer.client($0) }
            if let ua = row.userAgent {
                k.agentVisitor = ip.withSpan { a in ua.withSpan { keyer.visitor(client: a, userAgentHash: $0.hashValue64) } }
            }
        }
        return k
    }

    /// The row's join, trying the strategies in order of trust.
    func join(_ row: CRMRow) -> Join? { join(keys(row)) }

    func join(_ row: Keys) -> Join? {
        if let id = row.leadID, let hit = evidence.leadHits[id] {
            let session = sessionContaining(hit.time, of: hit.visitor)
            return Join(visitor: hit.visitor, strategy: .leadParameter, time: max(row.time ?? hit.time, hit.time),
                        session: session, sessionlessHit: session == nil ? hit.time : nil)
        }
        if let visitor = row.visitor {
            if let time = row.time {
                if let m = nearest(of: visitor, to: time, within: settings.joinWindow) {
                    return Join(visitor: visitor, strategy: .visitorID, time: max(time, m.start), session: m.session, sessionlessHit: m.hitTime)
                }
                // Known visitor, but nothing near the row's time: its latest session before.
                if let m = nearest(of: visitor, to: time, within: .max) {
                    let before = latestSession(of: visitor, startingBy: time)
                    return Join(visitor: visitor, strategy: .visitorID, time: time, session: before,
                                sessionlessHit: before == nil ? m.hitTime : nil)
                }
            } else if let last = latestSession(of: visitor, startingBy: .max) {
                return Join(visitor: visitor, strategy: .visitorID, time: last.end, session: last, sessionlessHit: nil)
            }
        }
        if let client = row.client, let time = row.time {
            if let visitor = row.agentVisitor {
                if let m = nearest(of: visitor, to: time, within: settings.joinWindow) {
                    return Join(visitor: visitor, strategy: .ip, time: max(time, m.start), session: m.session, sessionlessHit: m.hitTime)
                }
            }
            var candidates: [(UInt64, Match)] = []
            for v in evidence.visitorsOfClient[client] ?? [] {
                if let m = nearest(of: v, to: time, within: settings.joinWindow) { candidates.append((v, m)) }
            }
            if row.agentVisitor != nil && candidates.count != 1 { return nil }
            if let (v, m) = candidates.min(by: { ($0.1.distance, -$0.1.start, $0.0) < ($1.1.distance, -$1.1.start, $1.0) }) {
                return Join(visitor: v, strategy: .ip, time: max(time, m.start), session: m.session, sessionlessHit: m.hitTime)
            }
        }
        return nil
    }

    /// The visitor's session or sessionless goal hit nearest `time` (0 inside a session), if
    /// within `window`; ties go to the later one.
    func nearest(of visitor: UInt64, to time: Int64, within window: Int64) -> Match? {
        var best: Match?
        func consider(_ m: Match) {
            guard m.distance <= window else { return }
            if best == nil || m.distance < best!.distance || (m.distance == best!.distance && m.start > best!.start) { best = m }
        }
        attributor.forEachTouchpoint(of: visitor) { t in
            let d = time < t.start ? t.start - time : (time > t.end ? time - t.end : 0)
            consider(Match(distance: d, session: t, hitTime: nil))
            return true
        }
        for h in evidence.sessionlessHits[visitor] ?? [] { consider(Match(distance: abs(h - time), session: nil, hitTime: h)) }
        return best
    }

    func sessionContaining(_ time: Int64, of visitor: UInt64) -> Attributor.Touchpoint? {
        var found: Attributor.Touchpoint?
        attributor.forEachTouchpoint(of: visitor) { t in
            if t.start <= time && time <= t.end { found = t; return false }
            return t.start > time
        }
        return found
    }

    func latestSession(of visitor: UInt64, startingBy time: Int64) -> Attributor.Touchpoint? {
        var found: Attributor.Touchpoint?
        attributor.forEachTouchpoint(of: visitor) { t in
            if t.start <= time { found = t; return false }
            return true
        }
        return found
    }

    /// The export's User-Agent is on the bot list.
    func botLike(_ row: CRMRow) -> Bool {
        guard let ua = row.userAgent else { return false }
        return ua.withSpan { bots.isBot($0) }
    }

    /// No session (a form posted without a page), one pageview under 10 s, or dozens of
    /// requests a minute.
    func isShortOrAutomated(_ s: Attributor.Touchpoint?) -> Bool {
        guard let s else { return true }
        if s.pageviews <= 1 && s.duration < 10 { return true }
        let n = Int64(s.requests)
        return n >= Int64(Self.automatedRequests) && n * 60 >= Int64(Self.automatedRequests) * max(s.duration, 1)
    }

    /// None of the visitor's sessions loaded a stylesheet, script, image or font.
    func neverLoadedAssets(_ visitor: UInt64) -> Bool {
        var any = false
        attributor.forEachTouchpoint(of: visitor) { t in
            if t.assets > 0 { any = true; return false }
            return true
        }
        return !any
    }
}

import Foundation
