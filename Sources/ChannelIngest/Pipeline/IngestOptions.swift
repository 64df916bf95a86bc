import Foundation

/// Everything a run needs to know, as parsed from the command line.
public struct IngestOptions: Sendable {
    public var files: [String] = []
    public var siteHosts: [String] = []
    /// nil or "auto": detect per file.
    public var format: LogFormat?
    /// The `--log-format` string, the `[json]` field map and the named visitor-id field.
    public var formatSetup = FormatSetup()
    public var timezone = "UTC"
    public var outDir = "ingest-report"
    public var sessionTimeout: Int64 = 1800
    /// How far out of time order lines of one file may be (seconds) and still be sessionized as
    /// if sorted. Apache logs at request end, so a slow request lands after faster later ones.
    public var reorderWindow: Int64 = 600
    public var maxMalformed: Double?
    public var quiet = false
    public var json = false
    /// Write `report.html` beside the tables (`--no-html` turns it off).
    public var writesHTML = true
    /// Which library inflates gzip input (`--inflate`): ISA-L, or zlib as the reference.
    public var inflate = InflateLibrary.standard
    /// The opt-in AI Assistants channel (`--ai-channel`, `ai_channel`).
    public var aiChannel = false
    public var excludedPathPrefixes: [String] = []
    public var assetExtensions = PageRules.defaultAssetExtensions
    /// Conversion goals read from the log.
    public var goals: [Goal] = []
    /// The attribution model of the main tables.
    public var model: AttributionModel = .lastNonDirect
    public var lookbackDays = 90
    /// `paths.csv`'s path transform and longest path (`--path-transform`, `--max-path-channels`).
    public var pathTransform: PathTransform = .exposure
    public var maxPathChannels = PathTransform.defaultMaxChannels
    /// Source-list entries added from the config, by list.
    public var extraSources: [SourceCategory: [String]] = [:]
    /// Bot patterns added from the config, by family.
    public var extraBots: [String: [String]] = [:]
    /// Referrer databases to load (`--referrer-db`, `[lists] referrer_db`): Matomo's and
    /// Snowplow's YAML lists, below the built-in lists.
    public var referrerDatabases: [String] = []
    /// Bot databases to load (`--bot-db`, `[lists] bot_db`): device-detector's bots.yml.
    public var botDatabases: [String] = []
    /// Where `extraSources` / `extraBots` came from, for error messages.
    public var configOrigin = "config"
    /// CRM exports and how to read and join them.
    public var crm = CRMSettings()
    /// Where the log carries a visitor id (a cookie); nil: address + User-Agent.
    public var visitorIDField: VisitorIDField?
    /// Cost per channel from the config's `[costs]`.
    public var costs: ChannelCosts?
    /// `--costs FILE` (wins over the config's `[costs]`).
    public var costsFile: String?
    /// The per-installation secret that keys visitors; nil: a random key for this run only.
    public var secretFile: String?
    /// The SQLite state of nightly runs (`--state`); nil: a one-off run.
    public var statePath: String?
    /// `ingest map` of one input in a distributed run: its rank among all the run's inputs
    /// (`EventOrder`; the Spark driver ranks them) and the name it is reported under (the
    /// task reads a local copy). nil: ranked among the files given, reported by path.
    public var inputRank: Int?
    public var inputName: String?

    public init() {}

    /// Options from a config file (already checked by `IngestConfig.parse`); the command line
    /// then overrides what it sets.
    public init(config c: IngestConfig, origin: String) {
        siteHosts = c.site
        format = LogFormat(name: c.format)
        timezone = c.timezone
        outDir = c.out
        sessionTimeout = Int64(c.sessionTimeoutMinutes) * 60
        reorderWindow = Int64(c.reorderWindowSeconds)
        excludedPathPrefixes = c.excludedPaths
        assetExtensions = c.assetExtensions
        extraSources = c.sources
        extraBots = c.bots
        goals = c.goals
        lookbackDays = c.lookbackDays
        pathTransform = PathTransform(rawValue: c.pathTransform) ?? .exposure
        maxPathChannels = c.maxPathChannels
        aiChannel = c.aiChannel
        model = AttributionModel(rawValue: c.model) ?? .lastNonDirect
        configOrigin = origin
        crm = c.crm
        // Files named in a config are found beside it, wherever the job runs from.
        let dir = URL(fileURLWithPath: origin).deletingLastPathComponent()
        crm.files = c.crm.files.map { $0.hasPrefix("/") || $0 == "-" ? $0 : dir.appendingPathComponent($0).path }
        visitorIDField = c.visitorIDField.flatMap(VisitorIDField.init)
        formatSetup = FormatSetup(formatString: c.logFormat?.readingVisitorID(visitorIDField?.name), jsonMap: c.json,
                                  visitorIDName: visitorIDField?.name)
        if c.logFormat != nil && c.format == "auto" { format = .logFormat }
        costs = c.costs
        if let f = c.secretFile { secretFile = f.hasPrefix("/") ? f : dir.appendingPathComponent(f).path }
        if let f = c.state { statePath = f.hasPrefix("/") ? f : dir.appendingPathComponent(f).path }
        referrerDatabases = c.referrerDatabases.map { $0.hasPrefix("/") ? $0 : dir.appendingPathComponent($0).path }
        botDatabases = c.botDatabases.map { $0.hasPrefix("/") ? $0 : dir.appendingPathComponent($0).path }
    }

    /// The effective settings in config-file form (`--print-config`).
    public var asConfig: IngestConfig {
        var c = IngestConfig()
        c.site = siteHosts
        c.format = format?.rawValue ?? "auto"
        c.timezone = timezone
        c.out = outDir
        c.sessionTimeoutMinutes = Int(sessionTimeout / 60)
        c.reorderWindowSeconds = Int(reorderWindow)
        c.excludedPaths = excludedPathPrefixes
        c.assetExtensions = assetExtensions
        c.sources = extraSources
        c.bots = extraBots
        c.goals = goals
        c.model = model.rawValue
        c.lookbackDays = lookbackDays
        c.pathTransform = pathTransform.rawValue
        c.maxPathChannels = maxPathChannels
        c.aiChannel = aiChannel
        c.crm = crm
        c.visitorIDField = visitorIDField?.description
        c.logFormat = formatSetup.formatString
        c.json = formatSetup.jsonMap
        c.costs = costs
        c.secretFile = secretFile
        c.state = statePath
        c.referrerDatabases = referrerDatabases
        c.botDatabases = botDatabases
        return c
    }
}
