/// The CRM side of a run: exports read before the logs (so the run records only what their
/// rows can join on), rows joined and attributed once the last session has closed.
extension IngestJob {
    /// Reads the CRM exports before the logs, so the run records only what their rows can
    /// join on; adds the goals only CRM rows name.
    func readCRM(zone: ReportTimeZone) throws {
        if let night = nightly { return try readCRM(into: night, zone: zone) }
        let imported = try CRMExport.read(options.crm, zone: zone)
        stats.warnings += imported.warnings
        for name in Set(imported.rows.map(\.goal)).sorted() where !aggregates.goalNames.contains(name) {
            aggregates.goalNames.append(name)
        }
        if imported.rows.contains(where: { $0.visitorID != nil }) && options.visitorIDField == nil {
            stats.warnings.append("the CRM export has visitor ids but no visitor_id_field is configured, so the log has none to match; those rows join by lead id or IP only")
        }
        let evidence = Self.evidence(for: imported, options: options, keyer: keyer)
        stage.evidence = evidence
        stage.tracksAssets = true
        self.evidence = evidence
        crm = imported
    }

    /// What a run records for the rows of `imported`: their lead ids, addresses and visitor
    /// ids (keyed), and which log goal each lead id's row stands for.
    static func evidence(for imported: CRMImport, options: IngestOptions, keyer: VisitorKeyer) -> CRMEvidence {
        var clients = Set<UInt64>(), visitors = Set<UInt64>()
        for r in imported.rows {
            if let ip = r.ip { clients.insert(ip.withSpan { keyer.client($0) }) }
            if let id = r.visitorID { visitors.insert(id.withSpan { keyer.visitor(id: $0) }) }
        }
        var supersedes: [String: UInt64] = [:]
        for r in imported.rows {
            if let id = r.leadID, let g = options.goals.firstIndex(where: { $0.name == r.goal }) { supersedes[id] = 1 << UInt64(g) }
        }
        return CRMEvidence(leadParameter: options.crm.leadParameter, leadIDs: Set(imported.rows.compactMap(\.leadID)),
                           clients: clients, visitors: visitors, supersedes: supersedes)
    }

    /// A nightly run's CRM export: upserted into the state row by row as it is read (never all
    /// in memory), before the logs; what the logs need of it comes from the state.
    func readCRM(into night: NightlyRun, zone: ReportTimeZone) throws {
        let evidence = CRMEvidence(leadParameter: options.crm.leadParameter, leadIDs: [], clients: [], visitors: [])
        evidence.everyLead = true
        evidence.everyClient = true
        let keys = CRMJoin(settings: options.crm, keyer: keyer, evidence: evidence,
                           attributor: Attributor(isDirect: { _ in false }, credit: { _ in }), bots: stage.bots)
        let upsert = try StateLeads.Upsert(join: keys, night.db)
        var goals = Set<String>()
        var visitorIDs = false
        let imported = try CRMExport.stream(options.crm, zone: zone) { row in
            goals.insert(row.goal)
            if row.visitorID != nil { visitorIDs = true }
            try upsert.add(row)
        }
        stats.warnings += imported.warnings
        for name in goals.sorted() where !aggregates.goalNames.contains(name) { aggregates.goalNames.append(name) }
        if visitorIDs && options.visitorIDField == nil {
            stats.warnings.append("the CRM export has visitor ids but no visitor_id_field is configured, so the log has none to match; those rows join by lead id or IP only")
        }
        try StateLeads.supersede(night.db)
        evidence.supersedes = try StateLeads.supersedes(goals: options.goals.map(\.name), night.db)
        stage.evidence = evidence
        stage.tracksAssets = true
        self.evidence = evidence
        crm = imported
    }

    /// Joins and attributes the CRM rows once every session is closed (a distributed run's
    /// merge: with every partition's evidence, `sawAssets` and the bot list its own).
    func joinCRM(sawAssets: Bool? = nil, bots: BotFilter? = nil) {
        guard let crm, let evidence, let attributor else { return }
        let join = CRMJoin(settings: options.crm, keyer: keyer, evidence: evidence, attributor: attributor, bots: bots ?? stage.bots)
        let names = aggregates.goalNames
        let values = Dictionary(options.goals.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        crmOutcome = join.run(crm.rows, into: aggregates, goalIndex: { names.firstIndex(of: $0)! },
                              goalValue: { values[$0] ?? 0 }, sawAssets: sawAssets ?? (stage.assetHits > 0))
    }
}
