import Foundation
import GRDB

/// The settings a state was built with: `ingest report` needs them without a config (goal
/// values, lookback, the zone its days are in), and a nightly run checks that its own agree.
struct StateSettings: Codable, Equatable {
    struct GoalValue: Codable, Equatable {
        var name: String
        var value: Double
    }

    var timezone: String
    var sessionTimeout: Int64
    var lookbackDays: Int
    var model: String
    var goals: [GoalValue]
    var joinWindow: Int64
    /// Some run's log had asset hits (the "never loaded an asset" check applies).
    var sawAssets = false
    /// `[crm] lead_types` of the last run (nil in a state made before they existed: `["lead"]`).
    /// Read when the tables are made, so a change applies to every row the state holds.
    var leadTypes: [String]?
    /// `--ai-channel` of the last run (nil in a state made before it existed: off).
    var aiChannel: Bool?
    /// `path_transform` and `max_path_channels` of the last run (nil before they existed:
    /// the defaults): the report's `paths.csv` and data-driven models read them.
    var pathTransform: String?
    var maxPathChannels: Int?

    var journeyTransform: PathTransform { pathTransform.flatMap(PathTransform.init(rawValue:)) ?? .exposure }
    var journeyMaxChannels: Int { maxPathChannels ?? PathTransform.defaultMaxChannels }

    init(options: IngestOptions) {
        timezone = options.timezone
        sessionTimeout = options.sessionTimeout
        lookbackDays = options.lookbackDays
        model = options.model.rawValue
        goals = options.goals.map { GoalValue(name: $0.name, value: $0.value) }
        joinWindow = options.crm.joinWindow
        leadTypes = options.crm.leadTypes
        aiChannel = options.aiChannel
        pathTransform = options.pathTransform.rawValue
        maxPathChannels = options.maxPathChannels
    }

    /// The CRM settings the tables are made with (lead types).
    var crm: CRMSettings {
        var c = CRMSettings()
        c.leadTypes = leadTypes ?? c.leadTypes
        return c
    }

    static func load(_ db: Database) throws -> StateSettings? {
        guard let json = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'settings'") else { return nil }
        return try? JSONDecoder().decode(StateSettings.self, from: Data(json.utf8))
    }

    func save(_ db: Database) throws {
        let json = String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        try db.execute(sql: "INSERT INTO settings(key, value) VALUES ('settings', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [json])
    }

    /// What a run with `new` settings must know about this state: days are in one zone for
    /// good, so another zone is refused; other changes apply from this run on, with a warning.
    func differences(to new: StateSettings, path: String) throws -> [String] {
        if new.timezone != timezone {
            throw IngestError.badArgument("--state \(path) counts days in \(timezone); run with --timezone \(timezone) (or start a new state file)")
        }
        var warnings: [String] = []
        if new.sessionTimeout != sessionTimeout { warnings.append("the session timeout changed since the state's last run (\(sessionTimeout / 60) → \(new.sessionTimeout / 60) min); sessions already counted keep theirs") }
        if new.lookbackDays != lookbackDays { warnings.append("lookback_days changed since the state's last run (\(lookbackDays) → \(new.lookbackDays)); conversions already attributed keep their credits") }
        if (new.aiChannel ?? false) != (aiChannel ?? false) {
            warnings.append("the AI Assistants channel was turned \(new.aiChannel == true ? "on" : "off") since the state's last run; sessions already counted keep the channel they were given")
        }
        if new.goals != goals { warnings.append("the goals changed since the state's last run; conversions already counted keep their goals and values") }
        return warnings
    }

    func goalValue(_ name: String) -> Double? { goals.first { $0.name == name }?.value }
}
