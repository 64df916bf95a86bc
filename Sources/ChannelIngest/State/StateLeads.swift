import Foundation
import GRDB

/// The CRM's leads across nights. Each night's export is upserted by lead id: a lead that became
/// a customer since is updated, never counted twice. How a lead joined and which sessions it
/// credits is worked out once its evidence is complete — the logs have passed its time by the
/// join window and every session that could hold it has closed — and then kept: its shares of
/// credit stay while its status and value follow the export. Until then each report works it
/// out afresh, as if the input ended there.
struct StateLeads {
    let settings: CRMSettings
    let keyer: VisitorKeyer
    let bots: BotFilter

    /// The key a row is upserted by: its lead id, or (without one) what it says.
    static func key(_ row: CRMRow, keys: CRMJoin.Keys) -> String {
        if let id = row.leadID { return "id:" + id }
        return "row:" + String(UInt64(bitPattern: hash("\(row.time ?? -1)|\(row.goal)|\(keys.visitor ?? 0)|\(keys.client ?? 0)|\(keys.agentVisitor ?? 0)")), radix: 16)
    }

    /// Upserts an export's rows as they are read (a full export every night: rows unchanged
    /// since are skipped by a fingerprint). A lead whose time or join keys changed is worked
    /// out again.
    final class Upsert {
        let db: Database
        let join: CRMJoin
        /// Each known lead's fingerprints, by the hash of its key.
        private var known: [Int64: (fingerprint: Int64, joinKeys: Int64)] = [:]

        init(join: CRMJoin, _ db: Database) throws {
            self.db = db
            self.join = join
            try db.forEachRow("SELECT key, fingerprint, join_keys FROM leads") { known[StateLeads.hash($0[0])] = ($0[1], $0[2]) }
        }

        func add(_ row: CRMRow) throws {
            let k = join.keys(row)
            let key = StateLeads.key(row, keys: k)
            let visitor = k.visitor.map { Int64(bitPattern: $0) }
            let client = k.client.map { Int64(bitPattern: $0) }
            let agent = k.agentVisitor.map { Int64(bitPattern: $0) }
            let joinKeys = StateLeads.hash("\(row.time ?? -1)|\(visitor ?? 0)|\(client ?? 0)|\(agent ?? 0)")
            let fingerprint = StateLeads.hash("\(joinKeys)|\(row.leadID ?? "")|\(row.goal)|\(row.value ?? -1)|\(row.status.rawValue)|\(row.customerTime ?? -1)|\(row.userAgent ?? "")|\(row.typed)")
            let keyHash = StateLeads.hash(key)
            if let old = known[keyHash] {
                if old.fingerprint == fingerprint { return }
                if old.joinKeys != joinKeys {
                    try db.execute(sql: "DELETE FROM lead_joins WHERE key = ?; DELETE FROM lead_credits WHERE key = ?", arguments: [key, key])
                }
            }
            known[keyHash] = (fingerprint, joinKeys)
            try db.cachedStatement(sql: """
                INSERT INTO leads(key, lead_id, time, goal, value, status, customer_time, bot_agent, visitor_key, client, agent_visitor,
                    file, line, fingerprint, join_keys, lead_hash, typed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET lead_id = excluded.lead_id, time = excluded.time, goal = excluded.goal,
                    value = excluded.value, status = excluded.status, customer_time = excluded.customer_time,
                    bot_agent = excluded.bot_agent, visitor_key = excluded.visitor_key, client = excluded.client,
                    agent_visitor = excluded.agent_visitor, file = excluded.file, line = excluded.line,
                    fingerprint = excluded.fingerprint, join_keys = excluded.join_keys, lead_hash = excluded.lead_hash,
                    typed = excluded.typed
                """).execute(arguments: [key, row.leadID, row.time, row.goal, row.value, row.status.rawValue, row.customerTime,
                                         join.botLike(row), visitor, client, agent, row.file, row.line, fingerprint, joinKeys,
                                         row.leadID.map { StateLeads.hash($0) }, row.typed])
        }
    }

    /// Lead ids whose row names a log goal, with that goal's bit: the row stands for the goal
    /// hit that carries its id, so tonight's hits of it don't convert on their own.
    static func supersedes(goals: [String], _ db: Database) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        try db.forEachRow("SELECT lead_id, goal FROM leads WHERE lead_id IS NOT NULL") { r in
            if let g = goals.firstIndex(of: r[1]) { out[r[0]] = 1 << UInt64(g) }
        }
        return out
    }

    /// A stable 64-bit hash of text (Swift's Hasher is seeded per process).
    static func hash(_ text: String) -> Int64 {
        Int64(bitPattern: Array(text.utf8).withUnsafeBufferPointer { fastHash($0.baseAddress ?? emptyByte, $0.count) })
    }

    /// Works out the joins of leads not yet worked out; `settledBy` (nil: every lead) limits it
    /// to leads whose evidence is complete: time + join window before it.
    func work(settledBy horizon: Int64?, state: StateSettings, dims: StateDimensions, isDirect: @escaping (Int32) -> Bool,
              _ db: Database) throws {
        var sql = """
            SELECT l.key, l.lead_id, l.time, l.visitor_key, l.client, l.agent_visitor, l.bot_agent, h.time AS hit_time
            FROM leads l LEFT JOIN lead_hits h ON h.lead_id = l.lead_id
            WHERE NOT EXISTS (SELECT 1 FROM lead_joins j WHERE j.key = l.key)
            """
        var args: StatementArguments = []
        if let horizon {
            // A lead with neither a time nor a hit stays open: a later log may carry its id.
            sql += " AND COALESCE(MAX(COALESCE(l.time, h.time), COALESCE(h.time, l.time)), ?) + ? < ?"
            args = [Int64.max / 2, settings.joinWindow, horizon]
        }
        let leads = try Row.fetchAll(db, sql: sql, arguments: args)
        guard !leads.isEmpty else { return }
        let keys = leads.map { r in
            CRMJoin.Keys(leadID: r["lead_id"], time: r["time"], visitor: (r["visitor_key"] as Int64?).map { UInt64(bitPattern: $0) },
                         client: (r["client"] as Int64?).map { UInt64(bitPattern: $0) },
                         agentVisitor: (r["agent_visitor"] as Int64?).map { UInt64(bitPattern: $0) })
        }
        // The evidence and touchpoints these leads may reach, from the state.
        let evidence = CRMEvidence(leadParameter: settings.leadParameter, leadIDs: [], clients: [], visitors: [])
        var leadHits: [String: CRMEvidence.GoalHit] = [:]
        var visitorsOfClient: [UInt64: Set<UInt64>] = [:]
        var candidates = Set<UInt64>()
        for k in keys {
            if let id = k.leadID, let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT visitor, time FROM lead_hits WHERE lead_id = ?"), arguments: [id]) {
                let hit = CRMEvidence.GoalHit(visitor: UInt64(bitPattern: r["visitor"]), time: r["time"])
                leadHits[id] = hit
                candidates.insert(hit.visitor)
            }
            if let v = k.visitor { candidates.insert(v) }
            if let v = k.agentVisitor { candidates.insert(v) }
            if let c = k.client, visitorsOfClient[c] == nil {
                let vs = try Int64.fetchAll(db.cachedStatement(sql: """
                    SELECT visitor FROM touchpoints WHERE client = ? UNION SELECT visitor FROM sessionless_hits WHERE client = ?
                    """), arguments: [Int64(bitPattern: c), Int64(bitPattern: c)]).map { UInt64(bitPattern: $0) }
                visitorsOfClient[c] = Set(vs)
                candidates.formUnion(vs)
            }
        }
        var sessionless: [UInt64: [Int64]] = [:]
        let attributor = Attributor(lookbackDays: state.lookbackDays, isDirect: isDirect, credit: { _ in })
        attributor.keepFrom = .min
        for v in candidates.sorted() {
            let hits = try Int64.fetchAll(db.cachedStatement(sql: "SELECT time FROM sessionless_hits WHERE visitor = ? ORDER BY time"),
                                          arguments: [Int64(bitPattern: v)])
            if !hits.isEmpty { sessionless[v] = hits }
            for r in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM touchpoints WHERE visitor = ? ORDER BY start"),
                                      arguments: [Int64(bitPattern: v)]) {
                var s = Session(visitor: v, start: r["start"], end: r["end"], source: try dims.runSource(r["source"], db),
                                landingPage: try dims.runPage(r["page"], db), pageviews: r["pageviews"],
                                goalHits: (r["requests"] as Int) - (r["pageviews"] as Int))
                s.assets = r["assets"]
                attributor.add(s)
            }
        }
        evidence.load(leadHits: leadHits, visitorsOfClient: visitorsOfClient, sessionlessHits: sessionless)
        let join = CRMJoin(settings: settings, keyer: keyer, evidence: evidence, attributor: attributor, bots: bots)
        let insertJoin = try db.makeStatement(sql: """
            INSERT INTO lead_joins(key, strategy, visitor, time, row, suspicious, first_touch, assets_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertCredit = try db.makeStatement(sql: """
            INSERT INTO lead_credits(key, model, source, page, share, first_touch) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for (i, r) in leads.enumerated() {
            let key: String = r["key"]
            let botAgent: Bool = r["bot_agent"]
            guard let j = join.join(keys[i]) else {
                try insertJoin.execute(arguments: [key, nil, nil, keys[i].time, TrafficAggregates.Pseudo.notJoined.stateRow, botAgent, nil, false])
                continue
            }
            // "Another lead within 24 h" and "no session of the visitor ever loaded an asset"
            // depend on leads and sessions still to come: the report adds them.
            let suspicious = botAgent || join.isShortOrAutomated(j.session)
            var credits: [Attributor.Credit] = []
            let attributed = attributor.attribute(visitor: j.visitor, at: j.time, goal: 0, value: 1) { credits.append($0) }
            try insertJoin.execute(arguments: [key, j.strategy.rawValue, Int64(bitPattern: j.visitor), j.time,
                                               attributed ? 0 : TrafficAggregates.Pseudo.noSession.stateRow, suspicious,
                                               attributed ? nil : j.sessionlessHit, !join.neverLoadedAssets(j.visitor)])
            for c in credits {
                try insertCredit.execute(arguments: [key, c.model.rawValue, try dims.stateSource(c.touchpoint.source, db),
                                                     try dims.statePage(c.touchpoint.landingPage, db), c.share, c.firstTouch])
            }
        }
    }
}

extension StateLeads {
    /// A CRM row of a log goal whose lead id was in that goal hit's URL stands for the hit's
    /// conversion (as in a one-off run): the hit's credits go once the row is known, even when
    /// the row comes on a later night than the hit.
    static func supersede(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM credits WHERE lead != 0 AND EXISTS
                (SELECT 1 FROM leads l WHERE l.lead_hash = credits.lead AND l.goal = credits.goal);
            UPDATE credits SET standby = 0 WHERE standby != 0 AND EXISTS
                (SELECT 1 FROM leads l WHERE l.lead_hash = credits.standby AND l.goal = credits.goal);
            DELETE FROM journeys WHERE lead != 0 AND EXISTS
                (SELECT 1 FROM leads l WHERE l.lead_hash = journeys.lead AND l.goal = journeys.goal);
            UPDATE journeys SET standby = 0 WHERE standby != 0 AND EXISTS
                (SELECT 1 FROM leads l WHERE l.lead_hash = journeys.standby AND l.goal = journeys.goal);
            """)
    }

    /// Leads whose visitor loaded an asset in a session closed by run `run`.
    static func noteAssets(run: Int64, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE lead_joins SET assets_seen = 1 WHERE assets_seen = 0 AND visitor IN
                (SELECT visitor FROM touchpoints WHERE run = ? AND assets > 0)
            """, arguments: [run])
    }
}

extension TrafficAggregates.Pseudo {
    /// How the state's tables name the row (0 is a channel's session).
    var stateRow: Int { rawValue + 1 }
}
