import Foundation

/// What each channel cost (`--costs FILE` or the config's `[costs]`), for `roi.csv`.
///
/// A row is `channel,cost` or `channel,hours,hourly_rate`: time spent posting on social media
/// is a cost too. A file may mix both (columns named in a header row), and a channel listed
/// twice adds up (ad spend plus hours). Channel names are GA4's, compared without case, spaces
/// or punctuation (`organic_social` = `Organic Social`).
public struct ChannelCosts: Equatable, Sendable {
    public private(set) var costs: [Channel: Double] = [:]

    public init(_ costs: [Channel: Double] = [:]) { self.costs = costs }

    public subscript(_ channel: Channel) -> Double? { costs[channel] }

    mutating func add(_ channel: Channel, _ cost: Double) { costs[channel, default: 0] += cost }

    /// The channel a user's spelling names, or an error that says which names exist.
    static func channel(named raw: String, at place: String) throws -> Channel {
        let n = LeadStatusMapping.normalize(raw)
        if let c = Channel.allCases.first(where: { LeadStatusMapping.normalize($0.name) == n }) { return c }
        let names = Channel.allCases.map(\.name)
        let near = names.min { editDistance(LeadStatusMapping.normalize($0), n) < editDistance(LeadStatusMapping.normalize($1), n) }!
        let hint = editDistance(LeadStatusMapping.normalize(near), n) <= 3 ? " (did you mean \"\(near)\"?)" : ""
        throw IngestError.unusableInput("\(place): \"\(raw)\" is no channel\(hint); channels are: \(names.joined(separator: ", "))")
    }

    /// Reads a costs CSV.
    public static func read(path: String) throws -> ChannelCosts {
        let (bytes, damage) = try CRMExport.readAll(path)
        if let damage { throw IngestError.unusableInput("\(path): \(damage.message); fix the costs file") }
        return try parse(bytes, origin: path)
    }

    static func parse(_ bytes: [UInt8], origin: String) throws -> ChannelCosts {
        var records = CSVRecords.parse(bytes)
        guard !records.isEmpty else { throw IngestError.unusableInput("\(origin): empty costs file; write rows of channel,cost or channel,hours,hourly_rate") }
        // A header names the columns; without one, two columns are cost, three hours and rate.
        var channelAt = 0, costAt: Int?, hoursAt: Int?, rateAt: Int?
        let first = records[0].fields.map(LeadStatusMapping.normalize)
        if first.count >= 2 && CRMExport.parseMoney(records[0].fields[1]) == nil {
            channelAt = first.firstIndex(of: "channel") ?? 0
            costAt = first.firstIndex { ["cost", "spend", "amount"].contains($0) }
            hoursAt = first.firstIndex(of: "hours")
            rateAt = first.firstIndex { ["hourlyrate", "rate"].contains($0) }
            guard costAt != nil || (hoursAt != nil && rateAt != nil) else {
                throw IngestError.unusableInput("\(origin):1: the header needs a cost column, or hours and hourly_rate columns (found: \(records[0].fields.joined(separator: ", ")))")
            }
            records.removeFirst()
        } else if records[0].fields.count == 2 {
            costAt = 1
        } else {
            hoursAt = 1
            rateAt = 2
        }
        var costs = ChannelCosts()
        for r in records {
            let place = "\(origin):\(r.line)"
            func number(_ i: Int?, _ what: String) throws -> Double? {
                guard let i, i < r.fields.count else { return nil }
                let text = r.fields[i].trimmedASCIIWhitespace
                if text.isEmpty { return nil }
                guard let v = CRMExport.parseMoney(text), v >= 0 else {
                    throw IngestError.unusableInput("\(place): \(what) \"\(text)\" is not a number ≥ 0 (write 1234.50: a point for decimals, no thousands separator)")
                }
                return v
            }
            guard channelAt < r.fields.count else { throw IngestError.unusableInput("\(place): no channel") }
            let channel = try self.channel(named: r.fields[channelAt].trimmedASCIIWhitespace, at: place)
            var cost = try number(costAt, "cost") ?? 0
            let hours = try number(hoursAt, "hours"), rate = try number(rateAt, "hourly_rate")
            if (hours == nil) != (rate == nil) {
                throw IngestError.unusableInput("\(place): hours and hourly_rate go together; one of them is missing")
            }
            if let hours, let rate { cost += hours * rate }
            costs.add(channel, cost)
        }
        return costs
    }
}
