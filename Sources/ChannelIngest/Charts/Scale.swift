import Foundation

/// A linear map from data values to chart units, over a domain widened to "nice" round ticks
/// (0, 200, 400 …; steps of 1, 2 or 5 times a power of ten), as people read axes.
public struct LinearScale: Equatable {
    public let domain: ClosedRange<Double>
    /// Where the domain's low and high ends go (a y axis runs from the bottom up: start > end).
    public let start: Double
    public let end: Double
    public let ticks: [Double]

    /// A scale whose domain covers `low...high` (and 0) with about `tickCount` intervals,
    /// mapped onto `start` → `end`.
    public init(covering low: Double, _ high: Double, from start: Double, to end: Double, tickCount: Int = 4) {
        var lo = Swift.min(0, low.isFinite ? low : 0), hi = Swift.max(0, high.isFinite ? high : 0)
        if lo == hi { hi = lo + 1 }
        let step = Self.niceStep((hi - lo) / Double(Swift.max(1, tickCount)))
        lo = (lo / step).rounded(.down) * step
        hi = (hi / step).rounded(.up) * step
        var ticks: [Double] = []
        var t = lo
        while t <= hi + step / 2 {
            ticks.append(abs(t) < step / 1e9 ? 0 : t)
            t += step
        }
        self.domain = lo...hi
        self.start = start
        self.end = end
        self.ticks = ticks
    }

    /// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * power >= raw * (1 - 1e-9) { return m * power }
        return 10 * power
    }

    /// Where `v` lies in chart units.
    public func position(_ v: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let f = span == 0 ? 0 : (v - domain.lowerBound) / span
        return start + f * (end - start)
    }
}

/// How wide a label is, without a font: a mean glyph width per character. Generous for digits
/// and Latin text in a system sans-serif, so a label placed by it does not overlap.
public enum TextWidth {
    public static func estimate(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }
}
