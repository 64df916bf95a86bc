/// Collects a run's journeys as the attributor sees them (`Attributor.onJourney`): each
/// conversion with its lookback window, and which visitors converted at all; at the end, the
/// non-converting journeys from the touchpoints the attributor still holds.
///
/// Sources and pages are the run's own ids; `journeys(…)` hands them over with the run's
/// tables of them, which a partial writes as names.
public final class JourneyBook {
    public let transform: PathTransform
    public let maxChannels: Int
    private let channel: (Int32) -> Channel
    private let day: (Int64) -> Int64
    /// Visitors with a conversion in the period (with or without sessions to credit).
    public private(set) var converted = Set<UInt64>()
    private struct Key: Hashable {
        var path: JourneyPath
        var goal: Int
        var day: Int64
        /// The run's source and page ids.
        var touches: [Journeys.Touch]
    }
    private var converting: [Key: Journeys.Tally] = [:]
    private var scratch: [Channel] = []

    public init(transform: PathTransform, maxChannels: Int, channel: @escaping (Int32) -> Channel, day: @escaping (Int64) -> Int64) {
        self.transform = transform
        self.maxChannels = maxChannels
        self.channel = channel
        self.day = day
    }

    /// A conversion of `visitor` of goal number `goal` worth `value` at `time`, whose window is
    /// `window` (oldest first; empty when no session of the visitor is in it).
    public func record(visitor: UInt64, window: [Attributor.Touchpoint], time: Int64, goal: Int, value: Double) {
        converted.insert(visitor)
        guard !window.isEmpty else { return }
        scratch.removeAll(keepingCapacity: true)
        for t in window { scratch.append(channel(t.source)) }
        let key = Key(path: transform.path(scratch, maxChannels: maxChannels), goal: goal, day: day(time),
                      touches: window.map { Journeys.Touch(source: $0.source, page: $0.landingPage) })
        converting[key, default: Journeys.Tally()].add(Journeys.Tally(conversions: 1, value: ExactSum(value)))
    }

    /// The journeys so far; their touches index `sources` and `pages` (the run's ids). Visitors
    /// of `attributor` without a conversion get their non-converting journey: the sessions that
    /// started in the lookback window before `periodEnd`; those in `holdBack` (a CRM row may
    /// still join them) are left pending.
    public func journeys(attributor: Attributor?, periodEnd: Int64?, holdBack: Set<UInt64> = [], goalNames: [String],
                         sources: [TrafficSources.Source], pages: [String]) -> Journeys {
        var j = Journeys(sources: sources, pages: pages)
        for (k, t) in converting {
            j.add(converting: Journeys.Converting(path: k.path, goal: k.goal < goalNames.count ? goalNames[k.goal] : "", day: k.day,
                                                  touches: k.touches), t)
        }
        guard let attributor, let periodEnd else { return j }
        let from = periodEnd - attributor.lookback
        var channels: [Channel] = []
        attributor.forEachVisitor { visitor in
            guard !converted.contains(visitor) else { return }
            channels.removeAll(keepingCapacity: true)
            attributor.forEachTouchpoint(of: visitor) { t in
                guard t.start >= from else { return false }
                if t.start <= periodEnd { channels.append(channel(t.source)) }
                return true
            }
            guard !channels.isEmpty else { return }
            channels.reverse()
            let path = transform.path(channels, maxChannels: maxChannels)
            if holdBack.contains(visitor) { j.pending[visitor] = path } else { j.nonConverting[path, default: 0] += 1 }
        }
        return j
    }
}
