import Foundation
import TOMLKit

/// `ingest.toml`: the settings a nightly job keeps in a file rather than on its command line.
///
/// Every key is optional; a flag given on the command line wins over the file. Unknown keys and
/// values of the wrong type are errors that name the file, the line and the key, so a typo never
/// silently falls back to a default. `ingest --print-config` writes the effective settings in
/// this format, a good starting file.
public struct IngestConfig: Equatable, Sendable {
    public var site: [String] = []
    public var timezone = "UTC"
    public var format = "auto"
    public var out = "ingest-report"
    public var sessionTimeoutMinutes = 30
    public var reorderWindowSeconds = 600
    public var excludedPaths: [String] = []
    public var assetExtensions = PageRules.defaultAssetExtensions
    /// Extra source-list entries by list (`search`, `social`, …), in list-file syntax
    /// (`pattern [source name]`); they override built-in entries for the same pattern.
    public var sources: [SourceCategory: [String]] = [:]
    /// Extra bot patterns by family; the family `not-a-bot` lists exceptions.
    public var bots: [String: [String]] = [:]
    /// `[[goal]]` tables: conversions read from the log.
    public var goals: [Goal] = []
    /// Attribution model of the main tables.
    public var model = AttributionModel.lastNonDirect.rawValue
    public var lookbackDays = 90
    /// How `paths.csv` writes repeated channels, and how long a path may be.
    public var pathTransform = PathTransform.exposure.rawValue
    public var maxPathChannels = PathTransform.defaultMaxChannels
    /// `ai_channel = true`: the opt-in AI Assistants channel.
    public var aiChannel = false
    /// `[lists] referrer_db` / `bot_db`: YAML lists to load (paths beside the config).
    public var referrerDatabases: [String] = []
    public var botDatabases: [String] = []
    /// `[crm]`: conversion exports, their columns and statuses, and how they join.
    public var crm = CRMSettings()
    /// Where the log carries a visitor id (`extra:N`).
    public var visitorIDField: String?
    /// `[costs]`: channel → cost.
    public var costs: ChannelCosts?
    /// `log_format`: an nginx or Apache format string (as `--log-format`).
    public var logFormat: FormatString?
    /// `[json]`: dotted key paths of JSON-lines logs.
    public var json: JSONFieldMap?
    /// The per-installation secret that keys visitors (default `~/.config/ingest/secret`).
    public var secretFile: String?
    /// The SQLite state of nightly runs (`--state`).
    public var state: String?

    public init() {}

    /// Reads and checks a config file.
    public static func load(path: String) throws -> IngestConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw IngestError.unusableInput("cannot read the config \(path): no such file (ingest --print-config > \(path) writes one)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.unusableInput("cannot read the config \(path): permission denied or not a file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IngestError.unusableInput("cannot read the config \(path): it is not UTF-8 text")
        }
        return try parse(text, origin: path)
    }

    /// Parses config text; `origin` names it in error messages.
    public static func parse(_ text: String, origin: String) throws -> IngestConfig {
        if let bad = TOMLSyntaxCheck.firstProblem(text) {
            throw IngestError.unusableInput("\(origin):\(bad.line): \(bad.message)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw IngestError.unusableInput("\(origin):\(e.source.begin.line): \(e.description)")
        }
        let reader = ConfigReader(text: text, origin: origin)
        var c = IngestConfig()
        for key in table.keys {
            let value = table[key]!
            switch key {
            case "site": c.site = try reader.strings(value, key: key)
            case "timezone": c.timezone = try reader.string(value, key: key)
            case "format":
                c.format = try reader.string(value, key: key)
                guard c.format == "auto" || LogFormat(name: c.format) != nil else {
                    throw IngestError.unusableInput("\(origin):\(reader.line(of: key, in: nil)): `format` must be auto, \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "log_format":
                let text = try reader.string(value, key: key)
                do {
                    c.logFormat = try FormatString(text, visitorID: nil)
                } catch let e as IngestError {
                    throw IngestError.unusableInput("\(origin):\(reader.line(of: key, in: nil)): \(e.description.replacingOccurrences(of: "--log-format: ", with: "`log_format`: "))")
                }
            case "json":
                let t = try reader.table(value, key: key)
                var paths: [JSONFieldMap.Field: [String]] = [:]
                for k in t.keys {
                    guard let f = JSONFieldMap.Field(rawValue: k) else {
                        throw reader.unknown(k, in: "json", known: JSONFieldMap.Field.allCases.map(\.rawValue))
                    }
                    paths[f] = try reader.strings(t[k]!, key: k, table: "json")
                }
                if let missing = JSONFieldMap.required.first(where: { paths[$0] == nil }) {
                    throw IngestError.unusableInput("\(origin):\(reader.line(of: "json", in: nil)): [json] needs `\(missing.rawValue)` (and \(JSONFieldMap.required.map(\.rawValue).joined(separator: ", ")))")
                }
                c.json = JSONFieldMap(paths: paths)
            case "out": c.out = try reader.string(value, key: key)
            case "session_timeout_minutes": c.sessionTimeoutMinutes = try reader.positiveInt(value, key: key)
            case "reorder_window_seconds": c.reorderWindowSeconds = try reader.positiveInt(value, key: key)
            case "excluded_paths": c.excludedPaths = try reader.strings(value, key: key)
            case "asset_extensions": c.assetExtensions = try reader.strings(value, key: key).map { $0.lowercased() }
            case "sources":
                let t = try reader.table(value, key: key)
                for k in t.keys {
                    guard let category = SourceCategory(rawValue: k) else {
                        throw reader.unknown(k, in: "sources", known: SourceCategory.allCases.map(\.rawValue))
                    }
                    let entries = try reader.strings(t[k]!, key: k, table: "sources")
                    if !entries.isEmpty { c.sources[category] = entries }
                }
            case "model":
                c.model = try reader.string(value, key: key)
                guard AttributionModel(rawValue: c.model) != nil else {
                    throw IngestError.unusableInput("\(origin):\(reader.line(of: key, in: nil)): `model` must be one of \(AttributionModel.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "lookback_days": c.lookbackDays = try reader.positiveInt(value, key: key)
            case "path_transform":
                c.pathTransform = try reader.string(value, key: key)
                guard PathTransform(rawValue: c.pathTransform) != nil else {
                    throw IngestError.unusableInput("\(origin):\(reader.line(of: key, in: nil)): `path_transform` must be one of \(PathTransform.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "max_path_channels":
                c.maxPathChannels = try reader.positiveInt(value, key: key)
                guard c.maxPathChannels <= 16 else {
                    throw IngestError.unusableInput("\(origin):\(reader.line(of: key, in: nil)): `max_path_channels` must be 1 to 16 (Shapley values take 2^n subsets)")
                }
            case "ai_channel": c.aiChannel = try reader.bool(value, key: key)
            case "lists":
                let t = try reader.table(value, key: key)
                for k in t.keys {
                    switch k {
                    case "referrer_db": c.referrerDatabases = try reader.strings(t[k]!, key: k, table: "lists")
                    case "bot_db": c.botDatabases = try reader.strings(t[k]!, key: k, table: "lists")
                    default: throw reader.unknown(k, in: "lists", known: ["referrer_db", "bot_db"])
                    }
                }
            case "goal":
                guard let list = value.array else { throw reader.wrongType(key, in: nil, want: "a list of [[goal]] tables", got: value) }
                for (i, item) in list.enumerated() {
                    guard let t = item.table else { throw reader.wrongType(key, in: nil, want: "a list of [[goal]] tables", got: item) }
                    c.goals.append(try reader.goal(t, number: i + 1))
                }
            case "bots":
                let t = try reader.table(value, key: key)
                for k in t.keys {
                    let patterns = try reader.strings(t[k]!, key: k, table: "bots")
                    if !patterns.isEmpty { c.bots[k] = patterns }
                }
            case "visitor_id_field":
                let v = try reader.string(value, key: key)
                guard VisitorIDField(v) != nil else {
                    throw IngestError.unusableInput("\(origin):\(reader.line(of: key, in: nil)): `visitor_id_field` must be \"extra:N\" (the Nth field after the User-Agent of a combined line) or a field name such as \"$cookie_uid\", \"%{uid}C\" or a JSON path")
                }
                c.visitorIDField = v
            case "crm": c.crm = try reader.crm(try reader.table(value, key: key))
            case "secret_file": c.secretFile = try reader.string(value, key: key)
            case "state": c.state = try reader.string(value, key: key)
            case "costs":
                let costs = try reader.costs(try reader.table(value, key: key))
                c.costs = costs.costs.isEmpty ? nil : costs
            default:
                throw reader.unknown(key, in: nil, known: topLevelKeys)
            }
        }
        return c
    }

    static let topLevelKeys = ["site", "timezone", "format", "out", "session_timeout_minutes", "reorder_window_seconds",
                               "excluded_paths", "asset_extensions", "model", "lookback_days", "path_transform", "max_path_channels", "ai_channel", "goal", "sources", "bots", "lists",
                               "visitor_id_field", "crm", "costs", "log_format", "json", "secret_file", "state"]

    /// The settings as a commented TOML file (`--print-config`).
    public func render() -> String {
        func list(_ a: [String]) -> String { "[" + a.map(Self.quoted).joined(separator: ", ") + "]" }
        var s = """
        # ingest.toml — read with `ingest --config ingest.toml …`; a flag on the command line wins.

        # Your site's hosts: example.com covers www.example.com and every other subdomain.
        site = \(list(site))
        # Zone for calendar days (IANA name such as "Europe/Berlin", or "+0200").
        timezone = \(Self.quoted(timezone))
        # Log format: "auto" (decided per file), \(LogFormat.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")).
        format = \(Self.quoted(format))
        # An nginx log_format or Apache LogFormat string, pasted from the server's config
        # (used when format = "log_format", or with --log-format).
        \(logFormat.map { "log_format = \(Self.quoted($0.source))" } ?? "# log_format = '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent'")
        # Folder for the tables.
        out = \(Self.quoted(out))
        # The secret that keys visitors (raw addresses are never stored): made on first use, 0600.
        \(secretFile.map { "secret_file = \(Self.quoted($0))" } ?? "# secret_file = \"~/.config/ingest/secret\"")
        # The SQLite file of nightly runs: inputs read, sessions carried over, leads (or --state).
        \(state.map { "state = \(Self.quoted($0))" } ?? "# state = \"/var/lib/ingest/state.db\"")
        # Minutes without a pageview that end a session.
        session_timeout_minutes = \(sessionTimeoutMinutes)
        # How far out of time order one file's lines may be (seconds) and still be sessionized as if sorted.
        reorder_window_seconds = \(reorderWindowSeconds)
        # Path prefixes whose hits are never pageviews (e.g. "/api/").
        excluded_paths = \(list(excludedPaths))
        # Extensions that make a path an asset, not a page.
        asset_extensions = \(list(assetExtensions))

        # Attribution model of the main tables: \(AttributionModel.allCases.map(\.rawValue).joined(separator: ", ")).
        # attribution.csv always shows all of them.
        model = \(Self.quoted(model))
        # Days before a conversion whose sessions may share its credit.
        lookback_days = \(lookbackDays)
        # How paths.csv (and the markov and shapley models) write a journey's repeated channels:
        # exposure (consecutive repeats collapse), unique (each channel's first appearance),
        # first (the first channel alone), frequency (each channel once, with its count).
        path_transform = \(Self.quoted(pathTransform))
        # Longer paths keep their last channels.
        max_path_channels = \(maxPathChannels)
        # An "AI Assistants" channel for sessions from ChatGPT, Perplexity, Claude, Gemini, … (referrer
        # or utm_source), tried right after Direct and Cross-network. Off: GA4's grouping, where they
        # are Referral or Unassigned.
        ai_channel = \(aiChannel)

        """
        // Top-level keys must come before the first [table].
        s += """
        # A visitor id the log carries (a first-party cookie): "extra:N" is the Nth field after the
        # User-Agent of a combined line, e.g. nginx's '… "$http_user_agent" "$cookie_uid"' → "extra:1".
        # Hits without one keep the address + User-Agent visitor.

        """
        s += (visitorIDField.map { "visitor_id_field = \(Self.quoted($0))\n" } ?? "# visitor_id_field = \"extra:1\"\n") + "\n"

        if goals.isEmpty {
            s += """
            # Goals: requests that mean a conversion. path is exact, a glob (/thanks/*) or, with
            # match = "prefix", a prefix; status a range; value the worth of one conversion.
            # [[goal]]
            # name = "signup"
            # method = "POST"
            # path = "/signup"
            # status = "200-399"
            # value = 0.0


            """
        }
        for g in goals {
            if let e = g.event {
                s += "[[goal]]\nname = \(Self.quoted(g.name))\nevent = \(Self.quoted(e))\nvalue = \(g.value)\n\n\n"
                continue
            }
            s += """
            [[goal]]
            name = \(Self.quoted(g.name))
            method = \(Self.quoted(g.method ?? "*"))
            path = \(Self.quoted(g.path))
            match = \(Self.quoted(g.match.rawValue))
            status = "\(g.statusRange.lowerBound)-\(g.statusRange.upperBound)"
            value = \(g.value)


            """
        }
        s += """
        # Extra source-list entries, added to (and overriding) the built-in lists:
        # "host-pattern [source name]", patterns as in the built-in lists (google.*, *.example.com).
        [sources]

        """
        for category in SourceCategory.allCases {
            s += "\(category.rawValue) = \(list(sources[category] ?? []))\n"
        }
        s += """

        # Lists you already trust, loaded beside the built-in ones (never overriding Google's sheet):
        # Matomo's SearchEngines.yml, Socials.yml, AIAssistants.yml or Snowplow's referers.yml, and
        # device-detector's bots.yml. Paths are relative to this file.
        [lists]
        referrer_db = \(list(referrerDatabases))
        bot_db = \(list(botDatabases))

        # Extra bot User-Agent patterns (case-insensitive substrings) by family; a family named
        # "not-a-bot" lists browser tokens that must never count as bots.
        [bots]

        """
        for (family, patterns) in bots.sorted(by: { $0.key < $1.key }) {
            s += "\(Self.quoted(family)) = \(list(patterns))\n"
        }
        s += """

        # Conversions from a CRM export (CSV or JSON lines, gzipped or not): --conversions FILE.
        # Column names: an empty one is guessed from common exports' names.
        [crm]
        files = \(list(crm.files))

        """
        for f in CRMColumns.Field.allCases {
            s += "# \(f.meaning)\n\(f.rawValue) = \(Self.quoted(crm.columns.named[f] ?? ""))\n"
        }
        s += """
        # Goal of rows with no goal column or an empty one.
        default_goal = \(Self.quoted(crm.defaultGoal))
        # Goals/types whose rows are leads; other rows (sale, order, …) are conversions with a value,
        # and customers with a customer status, never leads. A file without a type column: all leads.
        lead_types = \(list(crm.leadTypes))
        # URL query parameter of a goal hit that carries the lead id (/thank-you?lead=123).
        lead_parameter = \(Self.quoted(crm.leadParameter))
        # How far a row's time may be from a session or goal hit of its IP address.
        join_window_minutes = \(crm.joinWindow / 60)
        # The export's date layout when it is not ISO 8601 or epoch seconds, e.g. "%m/%d/%Y %I:%M %p".
        \(crm.timeFormat.map { "time_format = \(Self.quoted($0.pattern))" } ?? "# time_format = \"%d.%m.%Y %H:%M\"")

        # The CRM's status words for each lead status (compared without case or punctuation).
        [crm.statuses]

        """
        for status in LeadStatus.allCases {
            s += "\(status.rawValue) = \(list(crm.statuses.words[status] ?? []))\n"
        }
        s += """

        # What each channel cost in the period, for roi.csv (--costs FILE wins): a number, or
        # { hours = 12, hourly_rate = 40.0 } for time spent.
        [costs]

        """
        for (channel, cost) in (costs?.costs ?? [:]).sorted(by: { $0.key < $1.key }) {
            s += "\(Self.quoted(channel.name)) = \(cost)\n"
        }
        if costs == nil { s += "# \"Organic Social\" = { hours = 12, hourly_rate = 40.0 }\n# \"Paid Search\" = 250.0\n" }
        s += """

        # JSON-lines logs of another shape (format = "json"): dotted key paths of each field.
        # Caddy and Cloudflare Logpush need none of this.

        """
        if let json {
            s += "[json]\n"
            for f in JSONFieldMap.Field.allCases { if let p = json.paths[f] { s += "\(f.rawValue) = \(list(p))\n" } }
        } else {
            s += "# [json]\n# time = \"timestamp\"\n# client = \"http.client_ip\"\n# method = \"http.method\"\n# uri = \"http.path\"\n# status = \"http.status\"\n# user_agent = \"http.user_agent\"\n# referrer = \"http.referer\"\n"
        }
        return s
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\u%04X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Typed access to config values with errors that point at the line of the key.
struct ConfigReader {
    let text: String
    let origin: String

    func string(_ v: TOMLValueConvertible, key: String, table: String? = nil) throws -> String {
        guard let s = v.string else { throw wrongType(key, in: table, want: "a string", got: v) }
        return s
    }

    func strings(_ v: TOMLValueConvertible, key: String, table: String? = nil) throws -> [String] {
        if let s = v.string { return [s] }
        guard let a = v.array else { throw wrongType(key, in: table, want: "a list of strings", got: v) }
        return try a.map { item in
            guard let s = item.string else { throw wrongType(key, in: table, want: "a list of strings", got: item) }
            return s
        }
    }

    func bool(_ v: TOMLValueConvertible, key: String, table: String? = nil) throws -> Bool {
        guard let b = v.bool else { throw wrongType(key, in: table, want: "true or false", got: v) }
        return b
    }

    func positiveInt(_ v: TOMLValueConvertible, key: String, table: String? = nil) throws -> Int {
        guard let i = v.int else { throw wrongType(key, in: table, want: "a whole number", got: v) }
        guard i > 0 else { throw IngestError.unusableInput("\(origin):\(line(of: key, in: table)): `\(key)` must be greater than 0") }
        return i
    }

    /// One `[[goal]]` table (the `number`th).
    func goal(_ t: TOMLTable, number: Int) throws -> Goal {
        let where_ = "goal #\(number)"
        func fail(_ key: String, _ what: String) -> IngestError {
            .unusableInput("\(origin):\(line(of: key, in: "goal")): \(where_): \(what)")
        }
        var name: String?, path: String?, method: String?, match: Goal.PathMatch?, event: String?
        var status = 200...399
        var value = 0.0
        for key in t.keys {
            let v = t[key]!
            switch key {
            case "name": name = try string(v, key: key, table: "goal")
            case "event": event = try string(v, key: key, table: "goal")
            case "path": path = try string(v, key: key, table: "goal")
            case "method":
                let m = try string(v, key: key, table: "goal")
                method = m == "*" ? nil : m
            case "match":
                let m = try string(v, key: key, table: "goal")
                guard let pm = Goal.PathMatch(rawValue: m) else { throw fail(key, "`match` must be exact, prefix or glob") }
                match = pm
            case "status":
                if let i = v.int {
                    status = i...i
                } else if let s = v.string {
                    let parts = s.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                    guard parts.count == 1 || parts.count == 2, let lo = parts.first!, let hi = parts.last!, lo <= hi else {
                        throw fail(key, "`status` must be a code (200) or a range (\"200-399\")")
                    }
                    status = lo...hi
                } else {
                    throw wrongType(key, in: "goal", want: "a code or a range such as \"200-399\"", got: v)
                }
            case "value":
                if let d = v.double { value = d } else if let i = v.int { value = Double(i) } else {
                    throw wrongType(key, in: "goal", want: "a number", got: v)
                }
            default:
                throw unknown(key, in: "goal", known: ["name", "method", "path", "match", "status", "value", "event"])
            }
        }
        guard let name, !name.isEmpty else { throw fail("goal", "every goal needs a `name`") }
        if let event, !event.isEmpty {
            return Goal(name: name, method: method, path: path ?? "", match: match ?? .prefix, statusRange: status, value: value, event: event)
        }
        guard let path, !path.isEmpty else { throw fail("goal", "goal \"\(name)\" needs a `path` (or an analytics `event`)") }
        return Goal(name: name, method: method, path: path, match: match, statusRange: status, value: value)
    }

    /// `[crm]` and its `[crm.statuses]`.
    func crm(_ t: TOMLTable) throws -> CRMSettings {
        var c = CRMSettings()
        let columnKeys = CRMColumns.Field.allCases.map(\.rawValue)
        for key in t.keys {
            let v = t[key]!
            if let field = CRMColumns.Field(rawValue: key) {
                let name = try string(v, key: key, table: "crm")
                if !name.isEmpty { c.columns.named[field] = name }
                continue
            }
            switch key {
            case "files": c.files = try strings(v, key: key, table: "crm")
            case "default_goal": c.defaultGoal = try string(v, key: key, table: "crm")
            case "lead_types":
                c.leadTypes = try strings(v, key: key, table: "crm").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                if c.leadTypes.isEmpty {
                    throw IngestError.unusableInput("\(origin):\(line(of: key, in: "crm")): `crm.lead_types` needs at least one goal/type name (the default is [\"lead\"])")
                }
            case "lead_parameter": c.leadParameter = try string(v, key: key, table: "crm")
            case "join_window_minutes": c.joinWindow = Int64(try positiveInt(v, key: key, table: "crm")) * 60
            case "time_format":
                let f = try string(v, key: key, table: "crm")
                guard let tf = CRMTimeFormat(f) else {
                    throw IngestError.unusableInput("\(origin):\(line(of: key, in: "crm")): `crm.time_format` \"\(f)\" needs %Y (or %y), %m (or %b) and %d, and only the directives %Y %y %m %d %e %H %I %M %S %p %b %z")
                }
                c.timeFormat = tf
            case "statuses":
                guard let st = v.table else { throw wrongType(key, in: "crm", want: "a table ([crm.statuses])", got: v) }
                var words = LeadStatusMapping.defaults
                for k in st.keys {
                    guard let status = LeadStatus(rawValue: k) else {
                        throw unknown(k, in: "crm.statuses", known: LeadStatus.allCases.map(\.rawValue))
                    }
                    words[status] = try strings(st[k]!, key: k, table: "crm.statuses")
                }
                c.statuses = LeadStatusMapping(words: words)
            default:
                throw unknown(key, in: "crm", known: ["files"] + columnKeys + ["default_goal", "lead_types", "lead_parameter", "join_window_minutes", "time_format", "statuses"])
            }
        }
        if c.defaultGoal.isEmpty { throw IngestError.unusableInput("\(origin):\(line(of: "default_goal", in: "crm")): `crm.default_goal` must not be empty") }
        if c.leadParameter.isEmpty { throw IngestError.unusableInput("\(origin):\(line(of: "lead_parameter", in: "crm")): `crm.lead_parameter` must not be empty") }
        return c
    }

    /// `[costs]`: channel = cost, or channel = { hours, hourly_rate }.
    func costs(_ t: TOMLTable) throws -> ChannelCosts {
        var costs = ChannelCosts()
        for key in t.keys {
            let place = "\(origin):\(line(of: key, in: "costs"))"
            let channel = try ChannelCosts.channel(named: key, at: place)
            let v = t[key]!
            func number(_ x: TOMLValueConvertible, _ name: String) throws -> Double {
                guard let d = x.double ?? x.int.map(Double.init), d >= 0 else {
                    throw IngestError.unusableInput("\(place): `costs.\(key)` \(name) must be a number ≥ 0")
                }
                return d
            }
            if let sub = v.table {
                var cost = 0.0, hours: Double?, rate: Double?
                for k in sub.keys {
                    switch k {
                    case "cost": cost += try number(sub[k]!, "cost")
                    case "hours": hours = try number(sub[k]!, "hours")
                    case "hourly_rate": rate = try number(sub[k]!, "hourly_rate")
                    default: throw unknown(k, in: "costs.\(key)", known: ["cost", "hours", "hourly_rate"])
                    }
                }
                guard (hours == nil) == (rate == nil) else {
                    throw IngestError.unusableInput("\(place): `costs.\(key)` needs both hours and hourly_rate")
                }
                costs.add(channel, cost + (hours ?? 0) * (rate ?? 0))
            } else {
                costs.add(channel, try number(v, "cost"))
            }
        }
        return costs
    }

    func table(_ v: TOMLValueConvertible, key: String) throws -> TOMLTable {
        guard let t = v.table else { throw wrongType(key, in: nil, want: "a table ([\(key)])", got: v) }
        return t
    }

    func wrongType(_ key: String, in table: String?, want: String, got: TOMLValueConvertible) -> IngestError {
        let name = table.map { "\($0).\(key)" } ?? key
        let kind: String
        switch got.type {
        case .int: kind = "an integer"
        case .double: kind = "a decimal number"
        case .bool: kind = "true/false"
        case .array: kind = "a list"
        case .table: kind = "a table"
        case .string: kind = "a string"
        default: kind = "a date or time"
        }
        return .unusableInput("\(origin):\(line(of: key, in: table)): `\(name)` must be \(want), not \(kind)")
    }

    func unknown(_ key: String, in table: String?, known: [String]) -> IngestError {
        let name = table.map { "\($0).\(key)" } ?? key
        let near = known.min { editDistance($0, key) < editDistance($1, key) }
        let hint = near.map { editDistance($0, key) <= 3 ? " (did you mean `\($0)`?)" : "" } ?? ""
        return .unusableInput("\(origin):\(line(of: key, in: table)): unknown key `\(name)`\(hint); known keys: \(known.joined(separator: ", "))")
    }

    /// The line where `key` is set (inside `[table]` when given); TOMLKit does not keep
    /// positions, so this reads the text.
    func line(of key: String, in table: String?) -> Int {
        var current: String?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = raw.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("[") {
                current = l.trimmingCharacters(in: CharacterSet(charactersIn: "[] \t")).split(separator: "#").first.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[] \t")) }
                if table == nil && current == key { return i + 1 }
                continue
            }
            guard current == table else { continue }
            for form in [key, "\"\(key)\"", "'\(key)'"] where l.hasPrefix(form) {
                let rest = l.dropFirst(form.count).trimmingCharacters(in: .whitespaces)
                if rest.hasPrefix("=") || rest.hasPrefix(".") { return i + 1 }
            }
        }
        return 1
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    var row = Array(0...y.count)
    for i in 1...max(x.count, 1) where !x.isEmpty {
        var prev = row[0]
        row[0] = i
        for j in 1...max(y.count, 1) where !y.isEmpty {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (x[i - 1] == y[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[y.count]
}
