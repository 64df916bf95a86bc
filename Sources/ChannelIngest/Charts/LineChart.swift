/// A line chart over consecutive days: one polyline per series, a y axis of nice ticks and
/// as many date labels along x as fit without overlapping.
public struct LineChart {
    public struct Series {
        public var name: String
        public var style: String
        /// One value per day of the chart, in order.
        public var values: [Double]

        public init(name: String, style: String, values: [Double]) {
            self.name = name
            self.style = style
            self.values = values
        }
    }

    public var width = 400.0
    public var height = 220.0
    public var fontSize = 12.0
    /// Dots on each point up to this many days.
    public var maxDottedDays = 92

    public init() {}

    /// `days` are ISO dates (`2026-03-02`), one per value of every series.
    public func figure(days: [String], series: [Series], summary: String, tickFormat: (Double) -> String,
                       valueFormat: (Double) -> String = { HumanNumbers.count($0) }) -> Figure {
        let high = series.flatMap(\.values).max() ?? 0
        let top = 8.0, bottom = height - fontSize - 10
        let yScale = LinearScale(covering: 0, high, from: bottom, to: top, tickCount: 4)
        let yLabelWidth = (yScale.ticks.map { TextWidth.estimate(tickFormat($0), fontSize: fontSize) }.max() ?? 0) + 6
        let left = yLabelWidth, right = width - 8
        func x(_ i: Int) -> Double {
            days.count <= 1 ? (left + right) / 2 : left + (right - left) * Double(i) / Double(days.count - 1)
        }
        var f = Figure(width: width, height: height, summary: summary)
        for t in yScale.ticks {
            let y = yScale.position(t)
            f.lines.append(Figure.Line(x1: left, y1: y, x2: right, y2: y, style: t == 0 ? "axis" : "grid"))
            f.labels.append(Figure.Label(x: left - 6, y: y + fontSize * 0.35, text: tickFormat(t), anchor: .end, style: "tick"))
        }
        var lastLabelEnd = -Double.infinity
        for i in Self.labelledDays(count: days.count, width: right - left, labelWidth: TextWidth.estimate("Mar 30", fontSize: fontSize) + 12) {
            let text = Self.shortDate(days[i], withYear: false)
            let half = TextWidth.estimate(text, fontSize: fontSize) / 2
            let anchor: Figure.Label.Anchor = x(i) - half < 0 ? .start : x(i) + half > width ? .end : .middle
            // A label pushed inward at an edge may reach the one before it: then it is left out.
            let from = anchor == .start ? x(i) : anchor == .end ? x(i) - 2 * half : x(i) - half
            guard from >= lastLabelEnd + 4 else { continue }
            lastLabelEnd = from + 2 * half
            f.labels.append(Figure.Label(x: x(i), y: height - 4, text: text, anchor: anchor, style: "tick"))
            f.lines.append(Figure.Line(x1: x(i), y1: bottom, x2: x(i), y2: bottom + 4, style: "axis"))
        }
        for s in series {
            let points = s.values.enumerated().map { (x: x($0.offset), y: yScale.position($0.element)) }
            var line = Figure.Series(points: points, style: s.style, title: s.name, dots: days.count <= maxDottedDays)
            line.pointTitles = s.values.enumerated().map { "\(s.name), \(Self.shortDate(days[$0.offset], withYear: true)): \(valueFormat($0.element))" }
            f.series.append(line)
            f.legend.append(Figure.LegendItem(style: s.style, text: s.name))
        }
        return f
    }

    /// Which days get a date label: evenly spaced, the first always, never closer than
    /// `labelWidth`; the last too when it does not crowd the one before.
    static func labelledDays(count: Int, width: Double, labelWidth: Double) -> [Int] {
        guard count > 0 else { return [] }
        guard count > 1 else { return [0] }
        let perDay = width / Double(count - 1)
        let every = max(1, Int((labelWidth / perDay).rounded(.up)))
        var out = Array(stride(from: 0, to: count, by: every))
        if let last = out.last, last != count - 1 {
            if Double(count - 1 - last) * perDay >= labelWidth { out.append(count - 1) }
        }
        return out
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `2026-03-02` → `Mar 2` (with the year: `Mar 2, 2026`).
    static func shortDate(_ iso: String, withYear: Bool) -> String {
        let p = iso.split(separator: "-")
        guard p.count == 3, let m = Int(p[1]), (1...12).contains(m), let d = Int(p[2]) else { return iso }
        return "\(months[m - 1]) \(d)" + (withYear ? ", \(p[0])" : "")
    }
}
