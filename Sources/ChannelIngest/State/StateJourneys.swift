import GRDB

/// The journeys of a report's range, from the state (`paths.csv` and the data-driven models of
/// nightly runs), as a one-off run over the same inputs makes them (`JourneyBook`):
/// - log conversions of the range, each with the window the run attributed it over (stored
///   by `StateRecorder.journey`);
/// - CRM rows of the range, with the window their credits were worked out over (the `linear`
///   credits: one per session of the window, in order);
/// - every visitor without a conversion in the range, with their sessions in the lookback
///   window before the range's end (its last hit, or the end of its last day).
struct StateJourneys {
    let report: StateReport
    var journeys = Journeys()
    var converted = Set<UInt64>()
    private var lookbackSeconds: Int64 { Int64(report.settings.lookbackDays) * 86400 }

    init(report: StateReport) { self.report = report }

    private func path(_ channels: [Channel]) -> JourneyPath {
        report.settings.journeyTransform.path(channels, maxChannels: report.settings.journeyMaxChannels)
    }

    /// Log conversions of the range whose credits count (none on standby).
    mutating func addLogConversions(aggregates a: TrafficAggregates, _ db: Database) throws {
        let paths = report.paths
        try db.forEachRow("SELECT day, visitor, goal, value, touches FROM journeys WHERE day BETWEEN ? AND ? AND standby = 0 ORDER BY rowid",
                          [report.from ?? Int64.min, report.to ?? Int64.max]) { r in
            var touches: [Journeys.Touch] = []
            var channels: [Channel] = []
            for pair in (r[4] as String).split(separator: ",") {
                let parts = pair.split(separator: ":")
                guard parts.count == 2, let s = Int64(parts[0]), let p = Int64(parts[1]) else { continue }
                let source = try report.dims.runSource(s, db), page = try report.dims.runPage(p, db)
                let all = paths()
                touches.append(journeys.touch(source: report.sources.all[Int(source)], page: page >= 0 && Int(page) < all.count ? all[Int(page)] : ""))
                channels.append(a.channel(of: source))
            }
            converted.insert(UInt64(bitPattern: r[1]))
            guard !channels.isEmpty else { return }
            let k = Journeys.Converting(path: path(channels), goal: r[2], day: r[0], touches: touches)
            journeys.add(converting: k, Journeys.Tally(conversions: 1, value: ExactSum(r[3] as Double)))
        }
    }

    /// A CRM row of the range joined to `visitor`, converting on `day`; `window` its sessions
    /// (run source and page ids), empty when none was in the lookback window.
    mutating func addLead(visitor: Int64, day: Int64, goal: String, value: Double, window: [(source: Int32, page: Int32)], aggregates a: TrafficAggregates) {
        converted.insert(UInt64(bitPattern: visitor))
        guard !window.isEmpty else { return }
        let all = report.paths()
        let touches = window.map { journeys.touch(source: report.sources.all[Int($0.source)], page: $0.page >= 0 && Int($0.page) < all.count ? all[Int($0.page)] : "") }
        let k = Journeys.Converting(path: path(window.map { a.channel(of: $0.source) }), goal: goal, day: day, touches: touches)
        journeys.add(converting: k, Journeys.Tally(conversions: 1, value: ExactSum(value)))
    }

    /// The visitors without a conversion in the range: their sessions that started in the
    /// lookback window before the range's end.
    mutating func addNonConverting(_ db: Database) throws {
        guard var end = try Int64.fetchOne(db, sql: "SELECT MAX(last_time) FROM runs") else { return }
        if let to = report.to {
            var zone = report.zone
            var next = (to + 1) * 86400
            next -= Int64(zone.offset(at: next))
            end = min(end, next - 1)
        }
        var visitor: Int64?
        var channels: [Channel] = []
        func close() {
            if let v = visitor, !channels.isEmpty, !converted.contains(UInt64(bitPattern: v)) {
                journeys.nonConverting[path(channels), default: 0] += 1
            }
            channels.removeAll(keepingCapacity: true)
        }
        try db.forEachRow("""
            SELECT s.visitor, c.name FROM sessions s JOIN channels c ON c.id = s.channel
            WHERE s.start BETWEEN ? AND ? ORDER BY s.visitor, s.start, s.rowid
            """, [end - lookbackSeconds, end]) { r in
            let v: Int64 = r[0]
            if v != visitor {
                close()
                visitor = v
            }
            channels.append(Channel(name: r[1]) ?? .unassigned)
        }
        close()
    }
}
