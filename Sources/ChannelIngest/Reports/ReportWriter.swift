import Foundation

/// Writes a run's tables, `summary.json` and `report.html` into the output folder, each file
/// atomically. The report is made from the very tables written beside it.
public enum ReportWriter {
    /// The name of the page in the output folder.
    public static let htmlName = "report.html"

    /// Writes a one-off or nightly run's output; returns its tables (for the terminal summary).
    @discardableResult
    public static func write(job: IngestJob, to dir: String) throws -> TrafficTables {
        // A nightly run's tables come from the state (every day it holds), its summary from
        // the run with the state's totals beside.
        let tables = job.report.map {
            TrafficTables(aggregates: $0.aggregates, paths: $0.paths, stats: $0.stats, costs: job.costs, hasLeads: $0.hasLeads)
        } ?? TrafficTables(aggregates: job.aggregates, paths: job.pagePaths, stats: job.stats, costs: job.costs, hasLeads: job.crm != nil)
        let o = job.options
        // The inputs read (a distributed run's merge has no file names of its own; a folder
        // given is its files); a nightly run's are every input named.
        let n = job.report == nil ? job.inputs.count : o.files.count
        let files = n == 1 ? "1 input" : "\(n) inputs"
        let source = o.statePath.map { "the nightly state \($0) (this run read \(files))" } ?? files
        try write(tables, summary: SummaryJSON.render(job: job), to: dir,
                  html: o.writesHTML ? HTMLReport.Context(sites: o.siteHosts, source: source) : nil)
        return tables
    }

    /// Writes `ingest report`'s tables (from a state alone); returns them.
    @discardableResult
    public static func write(report: StateReport.Result, costs: ChannelCosts?, summary: String, to dir: String,
                             html: HTMLReport.Context?) throws -> TrafficTables {
        let tables = TrafficTables(aggregates: report.aggregates, paths: report.paths, stats: report.stats, costs: costs, hasLeads: report.hasLeads)
        try write(tables, summary: summary, to: dir, html: html)
        return tables
    }

    static func write(_ tables: TrafficTables, summary: String, to dir: String, html: HTMLReport.Context?) throws {
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
        if let html {
            let page = try HTMLReport.render(tables: tables, verdict: Verdict(tables: tables), context: html)
            try AtomicFile.write(page, to: url.appendingPathComponent(htmlName))
        }
    }
}
