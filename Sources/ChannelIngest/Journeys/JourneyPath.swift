import Foundation

/// The channels of one journey as `paths.csv` writes them, after the path transform: the
/// visitor's sessions in the lookback window, in time order, one channel each.
///
/// A step is a channel and, under `frequency`, how many sessions of it the journey had (1
/// under every other transform). Paths are compared and counted step by step, so two journeys
/// with the same written path are one row.
public struct JourneyPath: Hashable, Comparable, Sendable {
    public struct Step: Hashable, Sendable {
        public var channel: Channel
        public var count: Int
        public init(_ channel: Channel, count: Int = 1) {
            self.channel = channel
            self.count = count
        }
    }

    public var steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }
    public init(channels: [Channel]) { steps = channels.map { Step($0) } }

    /// The channels, in path order.
    public var channels: [Channel] { steps.map(\.channel) }

    /// The set of channels on the path, as a bit per channel (`Channel.rawValue`).
    public var channelSet: UInt32 {
        var s: UInt32 = 0
        for step in steps { s |= 1 << UInt32(step.channel.rawValue) }
        return s
    }

    /// `Organic Social > Email`; under `frequency`, `Organic Social (2) > Email (1)`.
    public func text(counts: Bool) -> String {
        steps.map { counts ? "\($0.channel.name) (\($0.count))" : $0.channel.name }.joined(separator: " > ")
    }

    /// A path as `text` writes it (either form); nil when a step names no channel.
    public init?(text: String) {
        var steps: [Step] = []
        for part in text.components(separatedBy: " > ") {
            var name = part.trimmingCharacters(in: .whitespaces)
            var count = 1
            if name.hasSuffix(")"), let open = name.lastIndex(of: "("), let n = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]), n > 0 {
                count = n
                name = String(name[..<open]).trimmingCharacters(in: .whitespaces)
            }
            guard let c = Channel(name: name) else { return nil }
            steps.append(Step(c, count: count))
        }
        guard !steps.isEmpty else { return nil }
        self.steps = steps
    }

    public static func < (a: JourneyPath, b: JourneyPath) -> Bool {
        for (x, y) in zip(a.steps, b.steps) where x != y {
            return x.channel != y.channel ? x.channel < y.channel : x.count < y.count
        }
        return a.steps.count < b.steps.count
    }
}

/// How repeated channels on a journey are written (`--path-transform`; Google's fractribution
/// names them): the same sessions give different paths, and so different Markov and Shapley
/// figures, since both models read the paths.
public enum PathTransform: String, CaseIterable, Sendable {
    /// Consecutive repeats collapse: `Social > Social > Email > Social` is `Social > Email > Social`.
    case exposure
    /// The first appearance of each channel: `Social > Email`.
    case unique
    /// The first channel alone: `Social`.
    case first
    /// Each channel once, in order of first appearance, with its number of sessions:
    /// `Social (3) > Email (1)`.
    case frequency

    /// Paths longer than this keep their last steps (fractribution keeps the last 10 too:
    /// the sessions nearest the conversion).
    public static let defaultMaxChannels = 10

    /// The path of sessions of `channels` (in time order), at most `maxChannels` steps long.
    public func path(_ channels: [Channel], maxChannels: Int) -> JourneyPath {
        var steps: [JourneyPath.Step] = []
        switch self {
        case .exposure:
            for c in channels where steps.last?.channel != c { steps.append(.init(c)) }
        case .unique, .frequency:
            var at = [Int](repeating: -1, count: Channel.allCases.count)
            for c in channels {
                if at[c.rawValue] >= 0 {
                    if self == .frequency { steps[at[c.rawValue]].count += 1 }
                } else {
                    at[c.rawValue] = steps.count
                    steps.append(.init(c))
                }
            }
        case .first:
            if let c = channels.first { steps.append(.init(c)) }
        }
        if steps.count > maxChannels { steps.removeFirst(steps.count - max(1, maxChannels)) }
        return JourneyPath(steps)
    }

    /// Whether paths carry their counts (`frequency`).
    public var writesCounts: Bool { self == .frequency }
}
