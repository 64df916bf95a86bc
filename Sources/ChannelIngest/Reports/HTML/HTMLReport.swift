import Foundation
import Mustache

/// `report.html`: one self-contained page — no script, no network, no external font or image —
/// with the verdict table and the charts of the tables the run wrote beside it.
///
/// Everything on the page is read from those tables (`TrafficTables`, through `Verdict` and
/// `TableIndex`), never counted again; the markup lives in the templates of
/// `Reports/Templates/` and the chart geometry in `Charts/`.
public enum HTMLReport {
    /// How many rows the landing-page and source tables show (the CSVs have all).
    public static let tableRows = 20
    /// Channels drawn as their own line in the daily chart; the rest are "other".
    public static let dailySeries = 5
    /// Channels compared across attribution models.
    public static let modelChannels = 6

    /// What the page says about the run beyond the tables.
    public struct Context {
        public var sites: [String] = []
        /// "3 log files", "the nightly state /var/lib/ingest/state.db" …
        public var source = "the logs"

        public init(sites: [String] = [], source: String = "the logs") {
            self.sites = sites
            self.source = source
        }
    }

    public static func render(tables: TrafficTables, verdict: Verdict, context: Context) throws -> String {
        let page = ReportPageBuilder(tables: tables, verdict: verdict, context: context).page()
        return try library().render(page, withTemplate: "report") ?? ""
    }

    /// The templates, read once per process from the package's resources.
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for name in ["report", "chart", "table"] {
            try library.register(try template(name, ext: "mustache"), named: name)
        }
        // The stylesheet goes in as it is (a partial with no tags).
        try library.register(try template("report", ext: "css"), named: "css")
        return library
    }

    private static func template(_ name: String, ext: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Templates") else {
            throw IngestError.output("the report template \(name).\(ext) is missing from the resources")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
