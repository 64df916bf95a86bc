import Foundation

/// The file format of a partial (docs/spark.md, "Partial files"): JSON lines, one
/// self-contained record an object, `"t"` naming its kind. Records add up in any order and
/// from any number of partials, so partials may be concatenated, and a stream sorted line by
/// line (`sort` in `ingest map | sort | ingest reduce`) loses nothing.
///
/// Every partial has a header record: `{"t":"header","format":"ingest-partial","version":1,
/// "config":"…","stage":"…"}`. A reader refuses a header of another format version or config
/// fingerprint (`ConfigFingerprint`) with one line. Exact sums are integers in units of 2⁻⁶⁴,
/// written as decimal strings (`ExactSum`). The header comes first; the other records are
/// sorted, so the same partial always gives the same bytes.
public enum PartialFile {
    public static let formatName = "ingest-partial"

    /// `p` as its file: sorted lines, each ending in a newline.
    public static func render(_ p: Partial, stage: String, partition: IngestJob.PartitionLabel? = nil) -> String {
        lines(p, stage: stage, partition: partition).map { $0 + "\n" }.joined()
    }

    static func lines(_ p: Partial, stage: String, partition: IngestJob.PartitionLabel? = nil) -> [String] {
        var out: [[String: Any]] = []
        var header: [String: Any] = ["t": "header", "format": formatName, "version": Partial.version, "config": p.config, "stage": stage]
        if let partition {
            header["partition"] = partition.index
            header["partitions"] = partition.count
        }
        out.append(header)
        let r = p.reading
        out.append(["t": "reading", "files": r.files, "bytes": r.bytes, "lines": r.lines, "hits": r.hits, "malformed": r.malformed,
                    "header_lines": r.headerLines, "spam_hits": r.spamHits, "pageviews": r.pageviews, "goal_hits": r.goalHits,
                    "damaged_files": r.damagedFiles, "first_time": r.firstTime.map { NSNumber(value: $0) } ?? NSNull(),
                    "last_time": r.lastTime.map { NSNumber(value: $0) } ?? NSNull()])
        for (family, hits) in r.botHits { out.append(["t": "bot", "family": family, "hits": hits]) }
        for s in r.samples { out.append(["t": "sample", "rank": s.rank, "file": s.value.file, "line": s.value.line, "text": s.value.text]) }
        for i in r.inputs {
            var d: [String: Any] = ["t": "input", "rank": i.rank, "file": i.value.file, "format": i.value.format, "bytes": i.value.bytes,
                                    "lines": i.value.lines, "malformed": i.value.malformed]
            if let x = i.value.damage { d["damage"] = x }
            if let x = i.value.resumedAt { d["resumed_at"] = x }
            if i.value.alreadyRead { d["already_read"] = true }
            out.append(d)
        }
        for w in r.warnings { out.append(["t": "warning", "rank": w.rank, "text": w.value]) }
        for (host, hits) in r.referrerHosts { out.append(["t": "referrer", "host": host, "hits": hits]) }
        if r.assetHits > 0 { out.append(["t": "assets", "hits": r.assetHits]) }
        for (id, h) in r.leadHits {
            out.append(["t": "lead_hit", "lead": id, "visitor": hex(h.visitor), "time": h.time, "seq": h.seq, "key": hex(h.partitionKey)])
        }
        let v = p.visits
        out.append(["t": "visits", "sessions": v.sessions, "visitors": v.visitors, "conversions": v.conversions,
                    "goal_hits_without_session": v.goalHitsWithoutSession, "late_events": v.lateEvents])
        for (i, g) in v.goalNames.enumerated() { out.append(["t": "goal", "index": i, "name": g]) }
        if let o = v.crmOutcome {
            var d: [String: Any] = ["t": "crm_outcome", "rows": o.rows, "not_joined": o.notJoined, "without_session": o.withoutSession,
                                    "suspicious": o.suspicious]
            for s in CRMJoin.Strategy.allCases { d["joined_" + s.rawValue] = o.joined[s] ?? 0 }
            out.append(d)
        }
        for (k, c) in v.channels { out.append(counts(c, ["t": "channel", "channel": k.name])) }
        for (k, c) in v.sources { out.append(counts(c, ["t": "source", "channel": k.channel.name, "source": k.source, "medium": k.medium])) }
        for (k, c) in v.landings { out.append(counts(c, ["t": "landing", "channel": k.channel.name, "path": k.path])) }
        for (k, c) in v.days { out.append(counts(c, ["t": "day", "day": k.day, "channel": k.channel.name])) }
        for (k, c) in v.modelCredits { out.append(credited(c, ["t": "model_credit", "row": k.row.name, "model": k.model.rawValue])) }
        for (k, c) in v.goalCredits { out.append(credited(c, ["t": "goal_credit", "row": k.row.name, "goal": k.goal])) }
        for (row, l) in v.leads {
            out.append(["t": "leads", "row": row.name, "leads": "\(l.exactLeads.units)", "qualified": "\(l.exactQualified.units)",
                        "customers": "\(l.exactCustomers.units)", "spam": "\(l.exactSpam.units)",
                        "suspicious": "\(l.exactSuspicious.units)", "revenue": "\(l.exactRevenue.units)",
                        "days_to_customer": l.daysToCustomer.map { [$0.days, $0.weight] }])
        }
        for (k, c) in v.pseudoDays { out.append(credited(c, ["t": "pseudo_day", "day": k.day, "row": k.row.name])) }
        for (k, t) in v.journeys.converting {
            out.append(["t": "journey", "path": k.path.text(counts: true), "goal": k.goal, "day": k.day, "conversions": t.conversions,
                        "value": "\(t.value.units)",
                        "touches": k.touches.map { t -> [Any] in
                            let s = v.journeys.source(of: t)
                            return [s.source, s.medium, s.campaign, v.journeys.page(of: t)]
                        }])
        }
        for (path, n) in v.journeys.nonConverting { out.append(["t": "path", "path": path.text(counts: true), "journeys": n]) }
        for (visitor, path) in v.journeys.pending { out.append(["t": "pending_path", "visitor": hex(visitor), "path": path.text(counts: true)]) }
        let e = v.crmEvidence
        for (client, visitors) in e.visitorsOfClient {
            out.append(["t": "client_visitors", "client": hex(client), "visitors": visitors.sorted().map(hex)])
        }
        for (visitor, times) in e.sessionlessHits {
            out.append(["t": "sessionless_hits", "visitor": hex(visitor), "times": times.sorted()])
        }
        for (visitor, list) in e.touchpoints {
            for t in list {
                out.append(["t": "touchpoint", "visitor": hex(visitor), "start": t.start, "end": t.end, "source": t.source.source,
                            "medium": t.source.medium, "campaign": t.source.campaign, "page": t.page, "pageviews": Int(t.pageviews),
                            "requests": Int(t.requests), "assets": Int(t.assets)])
            }
        }
        // The header first, for a reader (and a person) to see what the file is; the records
        // sorted, so that the same partial is always the same bytes.
        return [JSONLine.render(out[0])] + out.dropFirst().map(JSONLine.render).sorted()
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    private static func counts(_ c: TrafficAggregates.Counts, _ d: [String: Any]) -> [String: Any] {
        var d = d
        d["sessions"] = c.sessions
        d["users"] = c.distinctUsers
        d["pageviews"] = c.pageviews
        d["duration"] = c.durationSeconds
        d["bounces"] = c.bounces
        d["engaged"] = c.engaged
        d["conversions"] = "\(c.exactConversions.units)"
        d["value"] = "\(c.exactValue.units)"
        return d
    }

    private static func credited(_ c: TrafficAggregates.Credited, _ d: [String: Any]) -> [String: Any] {
        var d = d
        d["conversions"] = "\(c.exactConversions.units)"
        d["value"] = "\(c.exactValue.units)"
        return d
    }

    /// Adds up the records of partial files, line by line, checking each header against the
    /// expected version and config fingerprint.
    public struct Reader {
        public let config: String
        public private(set) var partial: Partial
        /// Headers read (a stream with none is no partial).
        public private(set) var headers = 0
        /// The (partition, of how many) of every reduce's header that names one.
        public private(set) var partitions: [(index: Int, count: Int)] = []
        private var goals: [(index: Int, name: String)] = []

        public init(config: String) {
            self.config = config
            partial = Partial(config: config)
        }

        /// Reads one record; `origin` says where it is, for the error.
        public mutating func add(line: String, origin: @autoclosure () -> String) throws {
            guard let d = JSONLine.parse(line), let t = d["t"] as? String else {
                throw IngestError.unusableInput("\(origin()): not a record of an ingest partial (JSON lines with \"t\")")
            }
            do {
                try add(t, d)
            } catch let e as Problem {
                throw IngestError.unusableInput("\(origin()): \(e.message)")
            }
        }

        struct Problem: Error { var message: String }

        private mutating func add(_ t: String, _ d: [String: Any]) throws {
            func int(_ k: String) throws -> Int {
                guard let n = d[k] as? NSNumber else { throw Problem(message: "a \(t) record without a number \(k)") }
                return n.intValue
            }
            func int64(_ k: String) throws -> Int64 {
                guard let n = d[k] as? NSNumber else { throw Problem(message: "a \(t) record without a number \(k)") }
                return n.int64Value
            }
            func str(_ k: String) throws -> String {
                guard let s = d[k] as? String else { throw Problem(message: "a \(t) record without a text \(k)") }
                return s
            }
            func exact(_ k: String) throws -> ExactSum {
                guard let s = d[k] as? String, let u = Int128(s) else { throw Problem(message: "a \(t) record without an exact sum \(k)") }
                return ExactSum(units: u)
            }
            func channel(_ k: String) throws -> Channel {
                guard let c = Channel(name: try str(k)) else { throw Problem(message: "a \(t) record naming no channel") }
                return c
            }
            func row(_ k: String) throws -> Partial.Row {
                guard let r = Partial.Row(name: try str(k)) else { throw Problem(message: "a \(t) record naming no row") }
                return r
            }
            func path(_ k: String) throws -> JourneyPath {
                guard let p = JourneyPath(text: try str(k)) else { throw Problem(message: "a \(t) record whose path names no channels") }
                return p
            }
            func counts() throws -> TrafficAggregates.Counts {
                var c = TrafficAggregates.Counts()
                c.sessions = try int("sessions")
                c.userCount = try int("users")
                c.pageviews = try int("pageviews")
                c.durationSeconds = try int64("duration")
                c.bounces = try int("bounces")
                c.engaged = try int("engaged")
                c.exactConversions = try exact("conversions")
                c.exactValue = try exact("value")
                return c
            }
            func credited() throws -> TrafficAggregates.Credited {
                var c = TrafficAggregates.Credited()
                c.exactConversions = try exact("conversions")
                c.exactValue = try exact("value")
                return c
            }
            var one = Partial(config: config)
            switch t {
            case "header":
                guard try str("format") == PartialFile.formatName else { throw Problem(message: "not an ingest partial") }
                let version = try int("version")
                guard version == Partial.version else {
                    throw Problem(message: "a partial of format version \(version); this ingest reads version \(Partial.version) (make every partial with the same ingest)")
                }
                let theirs = try str("config")
                guard theirs == config else {
                    throw Problem(message: "a partial made with other settings (config \(theirs), this run's \(config)): run every stage with the same options, config file and secret")
                }
                headers += 1
                if let i = (d["partition"] as? NSNumber)?.intValue, let n = (d["partitions"] as? NSNumber)?.intValue {
                    partitions.append((i, n))
                }
                return
            case "reading":
                var r = Partial.Reading()
                r.files = try int("files")
                r.bytes = try int("bytes")
                r.lines = try int("lines")
                r.hits = try int("hits")
                r.malformed = try int("malformed")
                r.headerLines = try int("header_lines")
                r.spamHits = try int("spam_hits")
                r.pageviews = try int("pageviews")
                r.goalHits = try int("goal_hits")
                r.damagedFiles = try int("damaged_files")
                r.firstTime = (d["first_time"] as? NSNumber)?.int64Value
                r.lastTime = (d["last_time"] as? NSNumber)?.int64Value
                one.reading = r
            case "bot": one.reading.botHits[try str("family")] = try int("hits")
            case "sample":
                one.reading.samples = [.init(rank: try int("rank"), value: RunStats.MalformedSample(
                    file: try str("file"), line: try int("line"), text: try str("text"), rank: try int("rank")))]
            case "input":
                var i = IngestJob.InputSummary(file: try str("file"), format: try str("format"), bytes: try int("bytes"),
                                               lines: try int("lines"), malformed: try int("malformed"), damage: d["damage"] as? String)
                i.resumedAt = (d["resumed_at"] as? NSNumber)?.intValue
                i.alreadyRead = (d["already_read"] as? Bool) ?? false
                i.rank = try int("rank")
                one.reading.inputs = [.init(rank: i.rank, value: i)]
            case "warning": one.reading.warnings = [.init(rank: try int("rank"), value: try str("text"))]
            case "referrer": one.reading.referrerHosts[try str("host")] = try int("hits")
            case "assets": one.reading.assetHits = try int("hits")
            case "lead_hit":
                guard let v = UInt64(try str("visitor"), radix: 16), let k = UInt64(try str("key"), radix: 16) else {
                    throw Problem(message: "a lead_hit record without hex keys")
                }
                one.reading.leadHits[try str("lead")] = CRMEvidence.GoalHit(visitor: v, time: try int64("time"), seq: try int64("seq"), partitionKey: k)
            case "client_visitors":
                guard let c = UInt64(try str("client"), radix: 16), let list = d["visitors"] as? [String] else {
                    throw Problem(message: "a client_visitors record without hex keys")
                }
                var set = Set<UInt64>()
                for v in list {
                    guard let x = UInt64(v, radix: 16) else { throw Problem(message: "a client_visitors record without hex keys") }
                    set.insert(x)
                }
                one.visits.crmEvidence.visitorsOfClient[c] = set
            case "sessionless_hits":
                guard let v = UInt64(try str("visitor"), radix: 16), let times = d["times"] as? [NSNumber] else {
                    throw Problem(message: "a sessionless_hits record without its visitor and times")
                }
                one.visits.crmEvidence.sessionlessHits[v] = times.map(\.int64Value)
            case "touchpoint":
                guard let v = UInt64(try str("visitor"), radix: 16) else { throw Problem(message: "a touchpoint without a hex visitor") }
                let t = CRMEvidenceRecords.ExportedTouchpoint(
                    start: try int64("start"), end: try int64("end"),
                    source: TrafficSources.Source(source: try str("source"), medium: try str("medium"), campaign: try str("campaign")),
                    page: try str("page"), pageviews: Int32(clamping: try int("pageviews")), requests: Int32(clamping: try int("requests")),
                    assets: Int32(clamping: try int("assets")))
                one.visits.crmEvidence.touchpoints[v] = [t]
            case "journey":
                guard let list = d["touches"] as? [[String]], list.allSatisfy({ $0.count == 4 }) else {
                    throw Problem(message: "a journey record without its touches (source, medium, campaign, page)")
                }
                let touches = list.map { one.visits.journeys.touch(source: .init(source: $0[0], medium: $0[1], campaign: $0[2]), page: $0[3]) }
                let k = Journeys.Converting(path: try path("path"), goal: try str("goal"), day: try int64("day"), touches: touches)
                one.visits.journeys.add(converting: k, Journeys.Tally(conversions: try int("conversions"), value: try exact("value")))
            case "path": one.visits.journeys.nonConverting[try path("path")] = try int("journeys")
            case "pending_path":
                guard let v = UInt64(try str("visitor"), radix: 16) else { throw Problem(message: "a pending_path record without a hex visitor") }
                one.visits.journeys.pending[v] = try path("path")
            case "crm_outcome":
                var o = CRMJoin.Outcome()
                o.rows = try int("rows")
                o.notJoined = try int("not_joined")
                o.withoutSession = try int("without_session")
                o.suspicious = try int("suspicious")
                for s in CRMJoin.Strategy.allCases {
                    let n = try int("joined_" + s.rawValue)
                    if n > 0 { o.joined[s] = n }
                }
                one.visits.crmOutcome = o
            case "visits":
                one.visits.sessions = try int("sessions")
                one.visits.visitors = try int("visitors")
                one.visits.conversions = try int("conversions")
                one.visits.goalHitsWithoutSession = try int("goal_hits_without_session")
                one.visits.lateEvents = try int("late_events")
            case "goal":
                goals.append((try int("index"), try str("name")))
                partial.visits.goalNames = goals.sorted { ($0.index, $0.name) < ($1.index, $1.name) }.map(\.name)
                    .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                return
            case "channel": one.visits.channels[try channel("channel")] = try counts()
            case "source":
                let k = TrafficAggregates.SourceKey(channel: try channel("channel"), source: try str("source"), medium: try str("medium"))
                one.visits.sources[k] = try counts()
            case "landing": one.visits.landings[.init(channel: try channel("channel"), path: try str("path"))] = try counts()
            case "day": one.visits.days[.init(day: try int64("day"), channel: try channel("channel"))] = try counts()
            case "model_credit":
                guard let m = AttributionModel(rawValue: try str("model")) else { throw Problem(message: "a credit of an unknown model") }
                one.visits.modelCredits[.init(row: try row("row"), model: m)] = try credited()
            case "goal_credit": one.visits.goalCredits[.init(row: try row("row"), goal: try str("goal"))] = try credited()
            case "leads":
                var l = TrafficAggregates.LeadTotals()
                l.exactLeads = try exact("leads")
                l.exactQualified = try exact("qualified")
                l.exactCustomers = try exact("customers")
                l.exactSpam = try exact("spam")
                l.exactSuspicious = try exact("suspicious")
                l.exactRevenue = try exact("revenue")
                guard let days = d["days_to_customer"] as? [[NSNumber]], days.allSatisfy({ $0.count == 2 }) else {
                    throw Problem(message: "a leads record without days_to_customer pairs")
                }
                l.daysToCustomer = days.map { ($0[0].doubleValue, $0[1].doubleValue) }
                one.visits.leads[try row("row")] = l
            case "pseudo_day":
                guard case .pseudo(let p) = try row("row") else { throw Problem(message: "a pseudo_day record of a channel") }
                one.visits.pseudoDays[.init(day: try int64("day"), row: p)] = try credited()
            default:
                throw Problem(message: "an unknown record \"\(t)\" (a partial of a newer ingest?)")
            }
            let names = partial.visits.goalNames
            partial.add(one)
            partial.visits.goalNames = names
        }
    }
}

/// One JSON object on one line, keys sorted: partial records.
///
/// Written by hand: `JSONSerialization` with sorted keys compares keys through the locale (ICU),
/// ~85 µs a record — half of a reduce's time went into writing its partial. Records hold
/// strings, integers, doubles, booleans, null and arrays of those; keys are ASCII, sorted by
/// their bytes. Read with `JSONSerialization`, which accepts everything written here.
enum JSONLine {
    static func render(_ d: [String: Any]) -> String {
        var out = "{"
        for (i, key) in d.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { out += "," }
            string(key, into: &out)
            out += ":"
            value(d[key]!, into: &out)
        }
        return out + "}"
    }

    private static func value(_ v: Any, into out: inout String) {
        switch v {
        case let s as String: string(s, into: &out)
        case let b as Bool: out += b ? "true" : "false"
        case let n as Int: out += String(n)
        case let n as Int64: out += String(n)
        case let n as Int32: out += String(n)
        case let x as Double: out += x.isFinite ? "\(x)" : "null"
        case let n as NSNumber: out += n.stringValue
        case let a as [Any]:
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                value(e, into: &out)
            }
            out += "]"
        case is NSNull: out += "null"
        default: string("\(v)", into: &out)
        }
    }

    private static func string(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    static func parse(_ line: String) -> [String: Any]? {
        guard let data = line.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
