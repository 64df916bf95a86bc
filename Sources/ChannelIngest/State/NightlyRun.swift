import Foundation
import GRDB

/// One nightly run's hold on the state, inside its transaction: which inputs to read and from
/// where, and what to record of each once read.
final class NightlyRun {
    let store: StateStore
    let db: Database
    /// This run's number (runs are numbered from 1).
    let run: Int64
    var settings: StateSettings
    let dims = StateDimensions()
    private(set) var warnings: [String] = []
    /// Inputs an earlier run read to their end, unchanged since (not opened).
    private(set) var alreadyRead: [IngestJob.InputSummary] = []
    /// This run's inputs by their identity, so one log under two names is read once.
    private var identities: [String: String] = [:]
    private var failure: Error?

    init(store: StateStore, db: Database, options: IngestOptions) throws {
        self.store = store
        self.db = db
        run = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM runs") ?? 0) + 1
        var new = StateSettings(options: options)
        if let old = try StateSettings.load(db) {
            warnings += try old.differences(to: new, path: store.path)
            new.sawAssets = old.sawAssets
        }
        settings = new
    }

    /// What to do with one file: skip it (read before, unchanged), or read it, maybe from
    /// where an earlier run stopped.
    func ledgerEntry(path: String, peek: FilePeek, format: LogFormat?) throws -> (skip: Bool, ledger: InputFile.Ledger?) {
        guard let look = InputLedger.Look(path: path, head: peek.head) else { return (false, nil) }
        let (decision, warning) = try InputLedger.decide(look, db)
        if let warning { warnings.append(warning) }
        let identity: String
        switch decision {
        case .new: identity = "new:\(look.head.count):\(look.headHash(look.head.count))"
        case .resume(let id, _), .done(let id, _): identity = "id:\(id)"
        }
        if let other = identities[identity] {
            warnings.append("\(path) starts with the same bytes as \(other) (one log under two names?); read once")
            return (true, nil)
        }
        identities[identity] = path
        if case .done(_, let damaged) = decision {
            if damaged { warnings.append("\(path): damaged; an earlier run read it up to the damage and it has not changed since") }
            var summary = IngestJob.InputSummary(file: path, format: format?.rawValue ?? "unknown", bytes: 0, lines: 0, malformed: 0, damage: nil)
            summary.alreadyRead = true
            alreadyRead.append(summary)
            return (true, nil)
        }
        return (false, InputFile.Ledger(look: look, decision: decision))
    }

    /// Records how far a file was read (its decompressed bytes up to the last line read).
    func finished(_ file: InputFile, input: DecompressedInput) {
        guard failure == nil, let ledger = file.ledger else { return }
        do {
            try InputLedger.record(ledger.look, decision: ledger.decision, consumed: input.decompressedBytes,
                                   damaged: input.damage != nil, run: run, db)
        } catch {
            failure = error
        }
    }

    func check() throws {
        if let failure { throw failure }
    }
}

extension StateRecorder {
    /// A visitor's touchpoints from earlier runs that start at or after `from`, newest first.
    func touchpoints(of visitor: UInt64, from: Int64) -> [Attributor.Touchpoint] {
        var out: [Attributor.Touchpoint] = []
        guarded {
            let statement = try db.cachedStatement(sql: """
                SELECT start, "end", source, page, pageviews, requests, assets FROM touchpoints
                WHERE visitor = ? AND start >= ? AND run < ? ORDER BY start DESC
                """)
            for r in try Row.fetchAll(statement, arguments: [Int64(bitPattern: visitor), from, run]) {
                out.append(Attributor.Touchpoint(start: r[0], end: r[1], source: try dims.runSource(r[2], db), landingPage: try dims.runPage(r[3], db),
                                                 pageviews: r[4], requests: r[5], assets: r[6]))
            }
        }
        return out
    }
}

