import Foundation

/// `summary.json`: what the run read and counted, for the ops person's monitoring.
public enum SummaryJSON {
    public static func render(job: IngestJob) -> String {
        var state: [String: Any]?
        if let r = job.report, let path = job.options.statePath {
            // What the state holds in all (the tables), beside what this run read.
            state = ["file": path, "open_sessions": job.stats.openSessions, "pending_hits": job.stats.pendingHits,
                     "inputs_already_read": job.inputs.filter(\.alreadyRead).count,
                     "inputs_resumed": job.inputs.filter { $0.resumedAt != nil }.count,
                     "tables": totals(r.stats)]
        }
        return render(stats: job.stats, inputs: job.inputs, crm: job.crm, outcome: job.crmOutcome, state: state)
    }

    /// `ingest report`: the range's counts; files, bytes, lines and malformed are every run's.
    public static func render(report: StateReport.Result, statePath: String, from: String?, to: String?) -> String {
        var state: [String: Any] = ["file": statePath, "from": from ?? NSNull(), "to": to ?? NSNull()]
        state["runs_files_bytes_lines_malformed"] = "totals of every run recorded in the state"
        return render(stats: report.stats, inputs: [], crm: report.outcome.map { _ in CRMImport() }, outcome: report.outcome, state: state)
    }

    static func totals(_ s: RunStats) -> [String: Any] {
        ["hits": s.hits, "bot_hits": s.botHits, "spam_hits": s.spamHits, "pageviews": s.pageviews, "goal_hits": s.goalHits,
         "sessions": s.sessions, "visitors": s.visitors, "conversions": s.conversions]
    }

    public static func render(stats: RunStats, inputs: [IngestJob.InputSummary], crm: CRMImport? = nil, outcome: CRMJoin.Outcome? = nil,
                              state: [String: Any]? = nil) -> String {
        JSONValue.render(document(stats: stats, inputs: inputs, crm: crm, outcome: outcome, state: state))
    }

    /// The document before it is written (the tests write it with `JSONSerialization` too).
    static func document(job: IngestJob) -> [String: Any] {
        document(stats: job.stats, inputs: job.inputs, crm: job.crm, outcome: job.crmOutcome, state: nil)
    }

    static func document(stats: RunStats, inputs: [IngestJob.InputSummary], crm: CRMImport?, outcome: CRMJoin.Outcome?,
                         state: [String: Any]?) -> [String: Any] {
        var o: [String: Any] = [
            "files": stats.files,
            "bytes": stats.bytes,
            "lines": stats.lines,
            "hits": stats.hits,
            "malformed": stats.malformed,
            "header_lines": stats.commentLines,
            "malformed_samples": stats.malformedSamples.map { ["file": $0.file, "line": $0.line, "text": $0.text] },
            "bot_hits": stats.botHits,
            "spam_hits": stats.spamHits,
            "pageviews": stats.pageviews,
            "goal_hits": stats.goalHits,
            "goal_hits_without_session": stats.goalHitsWithoutSession,
            "conversions": stats.conversions,
            "sessions": stats.sessions,
            "visitors": stats.visitors,
            "seconds": (stats.seconds * 1000).rounded() / 1000,
            "warnings": stats.warnings,
            "damaged_files": stats.damagedFiles,
            // One entry an input file: 2,000 of a CDN's files are written without a look at each value.
            "inputs": JSONValue.encodable(inputs),
        ]
        if let crm, let outcome {
            // How the CRM rows joined, by strategy, and what could not be read of them.
            o["crm"] = [
                "rows_read": crm.rowsRead,
                "leads": outcome.rows,
                "duplicate_lead_ids": crm.duplicateLeadIDs,
                "bad_times": crm.badTimes,
                "bad_values": crm.badValues,
                "unknown_statuses": crm.unknownStatuses,
                "rows_without_key": crm.rowsWithoutKey,
                "malformed_lines": crm.malformedLines,
                "joined": Dictionary(uniqueKeysWithValues: CRMJoin.Strategy.allCases.map { ($0.rawValue, outcome.joined[$0] ?? 0) }),
                "not_joined": outcome.notJoined,
                "joined_without_session": outcome.withoutSession,
                "suspicious": outcome.suspicious,
                "samples": crm.samples,
            ] as [String: Any]
        }
        if let state { o["state"] = state }
        o["first_time"] = stats.firstTime.map { LogTime.isoTimestamp($0) } ?? NSNull()
        o["last_time"] = stats.lastTime.map { LogTime.isoTimestamp($0) } ?? NSNull()
        return o
    }
}

/// An input's entry in `summary.json`: `file`, `format`, `bytes`, `lines`, `malformed`, and
/// `damage`, `resumed_at_byte`, `already_read` when they apply.
extension IngestJob.InputSummary: Encodable {
    private enum Key: String, CodingKey {
        case file, format, bytes, lines, malformed, damage
        case resumedAt = "resumed_at_byte"
        case alreadyRead = "already_read"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(file, forKey: .file)
        try c.encode(format, forKey: .format)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(lines, forKey: .lines)
        try c.encode(malformed, forKey: .malformed)
        try c.encodeIfPresent(damage, forKey: .damage)
        try c.encodeIfPresent(resumedAt, forKey: .resumedAt)
        if alreadyRead { try c.encode(true, forKey: .alreadyRead) }
    }
}
