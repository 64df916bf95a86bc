/// The lists and classifiers a run decides with, built from its options in one place, so that
/// `ingest explain` decides with exactly what a run with the same options would.
public struct Classifiers {
    public let lists: SourceLists
    public let sources: TrafficSources
    public let referrers: ReferrerClassifier
    public let bots: BotFilter
    public let pageRules: PageRules

    public init(options: IngestOptions) throws {
        lists = try SourceLists.builtIn(aiAssistants: options.aiChannel)
        for (category, entries) in options.extraSources.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try lists.add(text: entries.joined(separator: "\n"), category: category, origin: "\(options.configOrigin) [sources] \(category.rawValue)", fromConfig: true)
        }
        for path in options.referrerDatabases { try lists.add(database: ReferrerDatabase.load(path: path)) }
        sources = TrafficSources(rules: ChannelRules(lists: lists, aiAssistants: options.aiChannel))
        referrers = ReferrerClassifier(lists: lists, sources: sources, siteHosts: options.siteHosts)
        bots = try BotFilter.builtIn(extra: options.extraBots, extraOrigin: options.configOrigin)
        for path in options.botDatabases { bots.add(database: try BotDatabase.load(path: path)) }
        pageRules = PageRules(assetExtensions: options.assetExtensions, excludedPrefixes: options.excludedPathPrefixes)
    }
}
