/// Everything a run needs to know, as parsed from the command line.
public struct IngestOptions: Sendable {
    public var files: [String] = []
    public var siteHosts: [String] = []
    /// nil or "auto": detect per file.
    public var format: LogFormat?
    public var timezone = "UTC"
    public var outDir = "ingest-report"
    public var sessionTimeout: Int64 = 1800
    /// How far out of time order lines of one file may be (seconds) and still be sessionized as
    /// if sorted. Apache logs at request end, so a slow request lands after faster later ones.
    public var reorderWindow: Int64 = 600
    public var maxMalformed: Double?
    public var quiet = false
    public var json = false
    public var excludedPathPrefixes: [String] = []
    public var assetExtensions = PageRules.defaultAssetExtensions

    public init() {}
}
