/// Horizontal bar charts — plain, stacked, grouped and diverging (negative values to the left
/// of zero) — with each item's label above its bars, so long channel names and a phone's
/// narrow screen both fit without rotating or cutting text.
public struct BarChart {
    /// One piece of a bar; a stacked bar has several.
    public struct Segment {
        public var value: Double
        public var style: String
        public var title: String

        public init(value: Double, style: String, title: String) {
            self.value = value
            self.style = style
            self.title = title
        }
    }

    /// One bar: its segments, and the text written at its end.
    public struct Bar {
        public var segments: [Segment]
        public var valueText: String

        public init(segments: [Segment], valueText: String) {
            self.segments = segments
            self.valueText = valueText
        }

        var total: Double { segments.reduce(0) { $0 + $1.value } }
    }

    /// One labelled item (a channel): a bar, or a group of bars (one per model).
    public struct Item {
        public var label: String
        public var bars: [Bar]

        public init(label: String, bars: [Bar]) {
            self.label = label
            self.bars = bars
        }
    }

    public var width = 400.0
    public var fontSize = 13.0
    /// A single bar's thickness; grouped bars are thinner.
    public var barHeight = 14.0
    public var groupedBarHeight = 10.0
    public var tickCount = 4

    public init() {}

    /// Vertical room of one item: its label line, its bars and a gap.
    func itemHeight(bars: Int) -> Double {
        fontSize + 5 + thickness(bars: bars) * Double(bars) + 2 * Double(max(0, bars - 1)) + 10
    }

    func thickness(bars: Int) -> Double { bars > 1 ? groupedBarHeight : barHeight }

    public func figure(_ items: [Item], summary: String, tickFormat: (Double) -> String, legend: [Figure.LegendItem] = []) -> Figure {
        let bars = items.flatMap(\.bars)
        let low = bars.map(\.total).min() ?? 0, high = bars.map(\.total).max() ?? 0
        // Room at the right (and left, for negative bars) for the longest value text.
        let valueFont = fontSize - 1
        let longest = bars.map { TextWidth.estimate($0.valueText, fontSize: valueFont) }.max() ?? 0
        let reserve = min(longest + 8, width * 0.4)
        let left = low < 0 ? reserve : 0
        let scale = LinearScale(covering: low, high, from: left, to: width - reserve, tickCount: tickCount)
        let axisHeight = fontSize + 8
        var y = 4.0
        var f = Figure(width: width, height: 0, summary: summary, legend: legend)
        for item in items {
            f.labels.append(Figure.Label(x: 0, y: y + fontSize, text: item.label, anchor: .start, style: "label"))
            y += fontSize + 5
            let h = thickness(bars: item.bars.count)
            for bar in item.bars {
                var at = 0.0
                for s in bar.segments {
                    // Each segment from the running total, away from zero.
                    let a = scale.position(at), b = scale.position(at + s.value)
                    f.rects.append(Figure.Rect(x: min(a, b), y: y, width: abs(b - a), height: h, style: s.style, title: s.title))
                    at += s.value
                }
                if let label = valueLabel(bar.valueText, end: scale.position(bar.total), zero: scale.position(0),
                                          negative: bar.total < 0, y: y + h / 2 + valueFont * 0.35, font: valueFont) {
                    f.labels.append(label)
                    y += h + 2
                } else {
                    // Too long for either side of the bar: on a line of its own under it.
                    y += h + valueFont + 3
                    f.labels.append(Figure.Label(x: left, y: y, text: bar.valueText, anchor: .start, style: "value"))
                    y += 4
                }
            }
            y += 8
        }
        let plotBottom = y
        for t in scale.ticks {
            let x = scale.position(t)
            f.lines.append(Figure.Line(x1: x, y1: 0, x2: x, y2: plotBottom, style: t == 0 ? "axis" : "grid"))
            let anchor: Figure.Label.Anchor = t == scale.ticks.first && x < 20 ? .start : (x > width - 20 ? .end : .middle)
            f.labels.append(Figure.Label(x: x, y: plotBottom + axisHeight - 4, text: tickFormat(t), anchor: anchor, style: "tick"))
        }
        f.height = plotBottom + axisHeight
        return f
    }

    /// A bar's value text: outside its end when there is room, else inside it; nil when it
    /// fits neither (the caller gives it a line under the bar).
    func valueLabel(_ text: String, end: Double, zero: Double, negative: Bool, y: Double, font: Double) -> Figure.Label? {
        let w = TextWidth.estimate(text, fontSize: font)
        if negative {
            if end - 4 - w >= 0 { return Figure.Label(x: end - 4, y: y, text: text, anchor: .end, style: "value") }
            if zero - end >= w + 8 { return Figure.Label(x: end + 4, y: y, text: text, anchor: .start, style: "value inside") }
            return nil
        }
        if end + 4 + w <= width { return Figure.Label(x: end + 4, y: y, text: text, anchor: .start, style: "value") }
        if end - zero >= w + 8 { return Figure.Label(x: end - 4, y: y, text: text, anchor: .end, style: "value inside") }
        return nil
    }
}
