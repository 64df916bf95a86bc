/// A chart as drawing primitives in chart units (an SVG `viewBox` of `width` × `height`): the
/// geometry modules compute it, the report's template draws it. Nothing here is markup, so
/// every position can be tested as a number and every text is escaped by the template.
public struct Figure {
    public struct Rect: Equatable {
        public var x, y, width, height: Double
        /// A colour class of the stylesheet (`s0` … `s7`, `lq-customer`, …).
        public var style: String
        /// What the bar stands for, shown on hover and read by screen readers.
        public var title: String
    }

    public struct Line: Equatable {
        public var x1, y1, x2, y2: Double
        public var style: String
    }

    /// A polyline through data points, with a dot on each point when `dots` (short ranges).
    public struct Series: Equatable {
        public var points: [(x: Double, y: Double)]
        public var style: String
        public var title: String
        public var dots: Bool
        /// What each point stands for (`Organic Search, Mar 2: 95`).
        public var pointTitles: [String] = []

        public static func == (a: Series, b: Series) -> Bool {
            a.style == b.style && a.title == b.title && a.dots == b.dots
                && a.points.count == b.points.count && zip(a.points, b.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
        }
    }

    public struct Label: Equatable {
        public enum Anchor: String { case start, middle, end }
        public var x, y: Double
        public var text: String
        public var anchor: Anchor
        public var style: String
    }

    public struct LegendItem: Equatable {
        public var style: String
        public var text: String
    }

    public var width: Double
    public var height: Double
    /// A sentence saying what the chart shows, for `aria-label`.
    public var summary: String
    public var rects: [Rect] = []
    public var lines: [Line] = []
    public var series: [Series] = []
    public var labels: [Label] = []
    public var legend: [LegendItem] = []

    /// How many marks carry data (bars and points).
    public var markCount: Int { rects.count + series.reduce(0) { $0 + $1.points.count } }
}
