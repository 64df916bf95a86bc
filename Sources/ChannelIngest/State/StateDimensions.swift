import Foundation
import GRDB

/// Maps the state's source and page ids to the run's interned ones and back. Run ids are
/// small integers handed out as a run meets sources and paths; the state's are rows.
final class StateDimensions {
    private var sourceToState: [Int32: Int64] = [:]
    /// A run source's channel and (channel, source, medium) rows in the state.
    private var groupsOf: [Int32: (channel: Int64, sourceMedium: Int64)] = [:]
    private var pageToState: [Int32: Int64] = [:]
    private var sourceFromState: [Int64: Int32] = [:]
    private var pageFromState: [Int64: Int32] = [:]
    private(set) var sources: TrafficSources!
    private var internPage: (String) -> Int32 = { _ in -1 }
    private var pagePath: (Int32) -> String = { _ in "/" }

    /// Ties the ids to a run's sources and paths (known once its stages are built).
    func bind(sources: TrafficSources, internPage: @escaping (String) -> Int32, pagePath: @escaping (Int32) -> String) {
        self.sources = sources
        self.internPage = internPage
        self.pagePath = pagePath
    }

    func stateSource(_ id: Int32, _ db: Database) throws -> Int64 {
        if let s = sourceToState[id] { return s }
        let src = sources.all[Int(id)]
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO sources(source, medium, campaign, channel) VALUES (?, ?, ?, ?)")
            .execute(arguments: [src.source, src.medium, src.campaign, sources.channel(id).name])
        let s = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM sources WHERE source = ? AND medium = ? AND campaign = ?"),
                                   arguments: [src.source, src.medium, src.campaign])!
        sourceToState[id] = s
        sourceFromState[s] = id
        return s
    }

    /// The state's channel and (channel, source, medium) ids of a run source.
    func stateGroups(_ id: Int32, _ db: Database) throws -> (channel: Int64, sourceMedium: Int64) {
        if let g = groupsOf[id] { return g }
        let src = sources.all[Int(id)]
        let channel = sources.channel(id).name
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO channels(name) VALUES (?)").execute(arguments: [channel])
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO source_media(channel, source, medium) VALUES (?, ?, ?)")
            .execute(arguments: [channel, src.source, src.medium])
        let c = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM channels WHERE name = ?"), arguments: [channel])!
        let sm = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM source_media WHERE channel = ? AND source = ? AND medium = ?"),
                                    arguments: [channel, src.source, src.medium])!
        groupsOf[id] = (c, sm)
        return (c, sm)
    }

    func statePage(_ id: Int32, _ db: Database) throws -> Int64 {
        if id < 0 { return -1 }
        if let p = pageToState[id] { return p }
        let path = pagePath(id)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO pages(path) VALUES (?)").execute(arguments: [path])
        let p = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM pages WHERE path = ?"), arguments: [path])!
        pageToState[id] = p
        pageFromState[p] = id
        return p
    }

    /// The run's id of a source the state knows (a source the lists would now call something
    /// else keeps the channel it had when it was stored: the run's rules decide new ones only).
    func runSource(_ s: Int64, _ db: Database) throws -> Int32 {
        if let id = sourceFromState[s] { return id }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT source, medium, campaign, channel FROM sources WHERE id = ?"), arguments: [s]) else {
            return TrafficSources.direct
        }
        let id = sources.intern(source: row[0], medium: row[1], campaign: row[2], channel: Channel(name: row[3]) ?? .unassigned)
        sourceFromState[s] = id
        sourceToState[id] = s
        return id
    }

    func runPage(_ p: Int64, _ db: Database) throws -> Int32 {
        if p < 0 { return -1 }
        if let id = pageFromState[p] { return id }
        let path = try String.fetchOne(db.cachedStatement(sql: "SELECT path FROM pages WHERE id = ?"), arguments: [p]) ?? "/"
        let id = internPage(path)
        pageFromState[p] = id
        pageToState[id] = p
        return id
    }
}
