import XCTest
@testable import ChannelIngest

/// The chart geometry of `Charts/`: scales and ticks, bar and label placement, date labels —
/// each position worked out by hand from the layout constants.
final class ChartGeometryTests: XCTestCase {
    func testNiceSteps() {
        XCTAssertEqual(LinearScale.niceStep(161), 200)
        XCTAssertEqual(LinearScale.niceStep(100), 100)
        XCTAssertEqual(LinearScale.niceStep(101), 200)
        XCTAssertEqual(LinearScale.niceStep(0.12), 0.2)
        XCTAssertEqual(LinearScale.niceStep(3), 5)
        XCTAssertEqual(LinearScale.niceStep(6), 10)
        XCTAssertEqual(LinearScale.niceStep(0), 1)
    }

    func testScaleCoversTheDataWithRoundTicks() {
        // 644 / 4 = 161 → a step of 200: 0 … 800.
        let s = LinearScale(covering: 0, 644, from: 0, to: 400)
        XCTAssertEqual(s.domain, 0...800)
        XCTAssertEqual(s.ticks, [0, 200, 400, 600, 800])
        XCTAssertEqual(s.position(644), 322)
        XCTAssertEqual(s.position(200), 100)
        // Negative values widen the domain below zero: −1 … 258 with a step of 100 → −100 … 300.
        let d = LinearScale(covering: -1, 258, from: 0, to: 400)
        XCTAssertEqual(d.domain, -100...300)
        XCTAssertEqual(d.ticks, [-100, 0, 100, 200, 300])
        XCTAssertEqual(d.position(0), 100)
        // A y axis runs from the bottom up; 90 / 4 = 22.5 → a step of 50.
        let y = LinearScale(covering: 0, 90, from: 200, to: 0)
        XCTAssertEqual(y.ticks, [0, 50, 100])
        XCTAssertEqual(y.position(50), 100)
        XCTAssertEqual(y.position(100), 0)
        // Nothing to show still gives an axis.
        XCTAssertEqual(LinearScale(covering: 0, 0, from: 0, to: 100).ticks, [0, 0.5, 1])
    }

    private func bar(_ label: String, _ v: Double, _ text: String) -> BarChart.Item {
        BarChart.Item(label: label, bars: [BarChart.Bar(segments: [BarChart.Segment(value: v, style: "s0", title: label)], valueText: text)])
    }

    func testBarsLabelsAndValueText() {
        var chart = BarChart()
        chart.width = 400
        chart.fontSize = 10
        // Value font 9: "800" is 3 × 9 × 0.6 = 16.2 wide, so 24.2 is reserved on the right;
        // the scale runs 0 … 375.8 over 0 … 800 (step 200).
        let f = chart.figure([bar("A", 800, "800"), bar("B", 200, "200")], summary: "s", tickFormat: { String(Int($0)) })
        XCTAssertEqual(f.rects.count, 2)
        XCTAssertEqual(f.rects[0].x, 0)
        XCTAssertEqual(f.rects[0].width, 375.8, accuracy: 1e-9)
        XCTAssertEqual(f.rects[1].width, 375.8 / 4, accuracy: 1e-9)
        // Item 1: label at y 4 + 10, bar at 4 + 10 + 5 = 19, 14 high; item 2 starts 19 + 14 + 2 + 8 = 43.
        XCTAssertEqual(f.rects[0].y, 19)
        XCTAssertEqual(f.rects[0].height, 14)
        XCTAssertEqual(f.rects[1].y, 43 + 15)
        let labels = f.labels.filter { $0.style == "label" }.map(\.text)
        XCTAssertEqual(labels, ["A", "B"])
        // The longest value fits outside its bar: end + 4.
        let values = f.labels.filter { $0.style.hasPrefix("value") }
        XCTAssertEqual(values[0].x, 375.8 + 4, accuracy: 1e-9)
        XCTAssertEqual(values[0].anchor, .start)
        XCTAssertEqual(values[0].style, "value")
        // Five ticks along the bottom, the first anchored at its start.
        let ticks = f.labels.filter { $0.style == "tick" }
        XCTAssertEqual(ticks.map(\.text), ["0", "200", "400", "600", "800"])
        XCTAssertEqual(ticks.first?.anchor, .start)
        XCTAssertEqual(f.height, 43 + 15 + 14 + 2 + 8 + 18)
        XCTAssertEqual(f.markCount, 2)
    }

    func testValueTextGoesInsideWhenItCannotFitOutside() {
        let chart = BarChart()
        // 300 wide bar ending at 390 of 400: a 60-wide text does not fit outside.
        let inside = chart.valueLabel("xxxxxxxxxx", end: 390, zero: 0, negative: false, y: 0, font: 10)
        XCTAssertEqual(inside?.anchor, .end)
        XCTAssertEqual(inside?.x, 386)
        XCTAssertEqual(inside?.style, "value inside")
        let negative = chart.valueLabel("-100%", end: 60, zero: 100, negative: true, y: 0, font: 10)
        XCTAssertEqual(negative?.anchor, .end)
        XCTAssertEqual(negative?.x, 56)
        // A 40-wide bar at the right end has room for the text on neither side.
        XCTAssertNil(chart.valueLabel("xxxxxxxxxx", end: 390, zero: 350, negative: false, y: 0, font: 10))
    }

    /// A value text too long for either side of its bar gets a line of its own under the bar,
    /// starting at the bar's zero, and the chart grows by that line.
    func testValueTextTooLongForEitherSideGoesUnderTheBar() {
        let chart = BarChart()
        let long = String(repeating: "x", count: 60)
        let f = chart.figure([bar("A", 10, long), bar("B", 1, "1")], summary: "", tickFormat: { "\($0)" })
        let values = f.labels.filter { $0.style.hasPrefix("value") }
        XCTAssertEqual(values[0].text, long)
        XCTAssertEqual(values[0].anchor, .start)
        XCTAssertEqual(values[0].x, 0)
        XCTAssertGreaterThan(values[0].y, f.rects[0].y + f.rects[0].height)
        XCTAssertLessThan(values[0].y, f.rects[1].y)
        for l in f.labels {
            let w = TextWidth.estimate(l.text, fontSize: l.style == "label" ? chart.fontSize : chart.fontSize - 1)
            let from = l.anchor == .start ? l.x : l.anchor == .end ? l.x - w : l.x - w / 2
            XCTAssertGreaterThanOrEqual(from, 0, l.text)
        }
    }

    func testStackedAndNegativeBars() {
        var chart = BarChart()
        chart.width = 200
        let stacked = BarChart.Item(label: "Email", bars: [BarChart.Bar(segments: [
            BarChart.Segment(value: 2, style: "lq-customer", title: "c"), BarChart.Segment(value: 3, style: "lq-new", title: "n"),
        ], valueText: "")])
        let f = chart.figure([stacked], summary: "", tickFormat: { "\($0)" })
        // 5 over a domain of 0 … 6 (step 2) on 0 … 192 (the empty text reserves 8).
        XCTAssertEqual(f.rects[0].x, 0)
        XCTAssertEqual(f.rects[0].width, 64, accuracy: 1e-9)
        XCTAssertEqual(f.rects[1].x, 64, accuracy: 1e-9)
        XCTAssertEqual(f.rects[1].width, 96, accuracy: 1e-9)
        // A negative bar starts at zero and runs left.
        let g = chart.figure([bar("A", -1, ""), bar("B", 3, "")], summary: "", tickFormat: { "\($0)" })
        let zero = g.lines.first { $0.style == "axis" }!.x1
        XCTAssertEqual(g.rects[0].x + g.rects[0].width, zero, accuracy: 1e-9)
        XCTAssertEqual(g.rects[1].x, zero, accuracy: 1e-9)
    }

    func testGroupedBarsAreThinner() {
        let item = BarChart.Item(label: "Email", bars: (0..<6).map { BarChart.Bar(segments: [BarChart.Segment(value: Double($0), style: "s\($0)", title: "")], valueText: "") })
        let f = BarChart().figure([item], summary: "", tickFormat: { "\($0)" })
        XCTAssertEqual(f.rects.count, 6)
        XCTAssertEqual(f.rects.map(\.height), Array(repeating: 10, count: 6))
        XCTAssertEqual(f.rects[1].y - f.rects[0].y, 12)
    }

    func testDateLabelsNeverCrowd() {
        // 7 days over 350 units: 58.3 per day, labels 50 wide → every day.
        XCTAssertEqual(LineChart.labelledDays(count: 7, width: 350, labelWidth: 50), [0, 1, 2, 3, 4, 5, 6])
        // 31 days over 300: 10 per day, labels 50 wide → every 5th; the last (30) is 5 after 25: 50 ≥ 50.
        XCTAssertEqual(LineChart.labelledDays(count: 31, width: 300, labelWidth: 50), [0, 5, 10, 15, 20, 25, 30])
        // 30 days: every 5th up to 25, the last (29) only 4 days (41.4) after it: left out.
        XCTAssertEqual(LineChart.labelledDays(count: 30, width: 290, labelWidth: 50), [0, 5, 10, 15, 20, 25])
        XCTAssertEqual(LineChart.labelledDays(count: 1, width: 300, labelWidth: 50), [0])
        XCTAssertEqual(LineChart.labelledDays(count: 0, width: 300, labelWidth: 50), [])
        XCTAssertEqual(LineChart.shortDate("2026-03-02", withYear: false), "Mar 2")
        XCTAssertEqual(LineChart.shortDate("2026-12-31", withYear: true), "Dec 31, 2026")
    }

    /// 300 days (the 20M-line benchmark): the last label, pushed inward at the right edge, must
    /// not run into the one before it.
    func testDateLabelsAtTheEdgeDoNotOverlap() {
        var days: [String] = []
        var month = 3, day = 2
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for _ in 0..<300 {
            days.append(String(format: "2026-%02d-%02d", month, day))
            day += 1
            if day > lengths[month - 1] { day = 1; month += 1 }
        }
        XCTAssertEqual(days.last, "2026-12-26")
        let chart = LineChart()
        let f = chart.figure(days: days, series: [LineChart.Series(name: "x", style: "s0", values: Array(repeating: 1, count: 300))],
                             summary: "", tickFormat: { String(Int($0)) })
        let dates = f.labels.filter { $0.style == "tick" && $0.y == chart.height - 4 }
        XCTAssertGreaterThanOrEqual(dates.count, 5)
        let spans = dates.map { l -> (Double, Double) in
            let w = TextWidth.estimate(l.text, fontSize: chart.fontSize)
            switch l.anchor {
            case .start: return (l.x, l.x + w)
            case .end: return (l.x - w, l.x)
            case .middle: return (l.x - w / 2, l.x + w / 2)
            }
        }
        for (a, b) in zip(spans, spans.dropFirst()) { XCTAssertLessThan(a.1, b.0, "\(a) runs into \(b)") }
        XCTAssertLessThanOrEqual(spans.last!.1, chart.width)
    }

    func testLineChartPoints() {
        var chart = LineChart()
        chart.width = 200
        chart.height = 100
        chart.fontSize = 10
        let f = chart.figure(days: ["2026-03-01", "2026-03-02", "2026-03-03"],
                             series: [LineChart.Series(name: "Email", style: "s0", values: [0, 5, 10])], summary: "", tickFormat: { String(Int($0)) })
        // y: 0 … 10 (10 / 4 = 2.5 → a step of 5) from 80 (100 − 10 − 10) up to 8.
        let points = f.series[0].points
        XCTAssertEqual(points.count, 3)
        XCTAssertEqual(points[0].y, 80)
        XCTAssertEqual(points[2].y, 8)
        XCTAssertEqual(points[1].y, 44)
        XCTAssertEqual(points[2].x, 192)
        XCTAssertEqual(f.series[0].pointTitles, ["Email, Mar 1, 2026: 0", "Email, Mar 2, 2026: 5", "Email, Mar 3, 2026: 10"])
        XCTAssertEqual(f.legend, [Figure.LegendItem(style: "s0", text: "Email")])
        XCTAssertTrue(f.series[0].dots)
        XCTAssertEqual(f.markCount, 3)
    }

    func testNumbersForPeople() {
        XCTAssertEqual(HumanNumbers.count(218.0), "218")
        XCTAssertEqual(HumanNumbers.count(199.333), "199.33")
        XCTAssertEqual(HumanNumbers.count(12_345), "12,345")
        XCTAssertEqual(HumanNumbers.count(1_234_567.5), "1,234,567.50")
        XCTAssertEqual(HumanNumbers.count(0.004), "0")
        XCTAssertEqual(HumanNumbers.percent(0.3385), "33.9%")
        XCTAssertEqual(HumanNumbers.percent(201.7433), "20,174.3%")
        XCTAssertEqual(HumanNumbers.percent(-1), "-100.0%")
        XCTAssertEqual(HumanNumbers.money(-1234.5), "-1,234.50")
        XCTAssertEqual(HumanNumbers.money(999), "999.00")
        XCTAssertEqual(HumanNumbers.percentTick(0.2), "20%")
        XCTAssertEqual(HumanNumbers.percentTick(0.125), "12.5%")
        XCTAssertEqual(HumanNumbers.percentTick(100), "10,000%")
        XCTAssertEqual(HumanNumbers.count(1, "customer"), "1 customer")
        XCTAssertEqual(HumanNumbers.count(2, "lead"), "2 leads")
        XCTAssertEqual(HumanNumbers.count(1.5, "lead"), "1.50 leads")
        XCTAssertEqual(HumanNumbers.count(1_200, "lead"), "1,200 leads")
    }
}
