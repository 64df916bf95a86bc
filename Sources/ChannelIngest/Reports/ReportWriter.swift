import Foundation

/// Writes a run's tables and summary into the output folder, each file atomically.
public enum ReportWriter {
    public static func write(job: IngestJob, to dir: String) throws {
        // A nightly run's tables come from the state (every day it holds), its summary from
        // the run with the state's totals beside.
        let tables = job.report.map {
            TrafficTables(aggregates: $0.aggregates, paths: $0.paths, stats: $0.stats, costs: job.costs, hasLeads: $0.hasLeads)
        } ?? TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats, costs: job.costs, hasLeads: job.crm != nil)
        try write(tables, summary: SummaryJSON.render(job: job), to: dir)
    }

    /// Writes `ingest report`'s tables (from a state alone).
    public static func write(report: StateReport.Result, costs: ChannelCosts?, summary: String, to dir: String) throws {
        try write(TrafficTables(aggregates: report.aggregates, paths: report.paths, stats: report.stats, costs: costs, hasLeads: report.hasLeads),
                  summary: summary, to: dir)
    }

    static func write(_ tables: TrafficTables, summary: String, to dir: String) throws {
        let url = URL(fileURLWithPath: dir, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw IngestError.output("cannot create the output folder \(dir): \(error.localizedDescription)")
        }
        for (name, table) in tables.all {
            try AtomicFile.write(table.render(), to: url.appendingPathComponent(name))
        }
        try AtomicFile.write(summary, to: url.appendingPathComponent("summary.json"))
    }
}
