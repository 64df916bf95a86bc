import Foundation

/// Writes a run's tables and summary into the output folder, each file atomically.
public enum ReportWriter {
    public static func write(job: IngestJob, to dir: String) throws {
        let url = URL(fileURLWithPath: dir, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw IngestError.output("cannot create the output folder \(dir): \(error.localizedDescription)")
        }
        let tables = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats,
                                   costs: job.costs, hasLeads: job.crm != nil)
        for (name, table) in tables.all {
            try AtomicFile.write(table.render(), to: url.appendingPathComponent(name))
        }
        try AtomicFile.write(SummaryJSON.render(job: job), to: url.appendingPathComponent("summary.json"))
    }
}
