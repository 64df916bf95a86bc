import Mustache

/// What the report's templates read: plain values, every number already formatted for people
/// and every chart already laid out (`Charts/`). The template engine escapes each value, so
/// nothing from the input can become markup. (The engine reads the fields each view names in
/// `child(named:)`, below; the `has…` flags are stored, kept up to date by `didSet`.)
struct PageView {
    struct Fact { var value: String; var label: String }
    var title: String
    var version: String
    var period: String
    var facts: [Fact]
    var warnings: [String] { didSet { hasWarnings = !warnings.isEmpty } }
    var hasWarnings = false
    var hasTraffic: Bool
    var emptyReason: String
    var verdictIntro: String
    var verdict: TableView?
    var sections: [SectionView]
    var sourceNote: String
}

struct SectionView {
    var id: String
    var title: String
    var intro: String?
    var charts: [ChartView] = [] { didSet { hasCharts = !charts.isEmpty } }
    var tables: [TableView] = [] { didSet { hasTables = !tables.isEmpty } }
    /// One chart a row even on a wide screen (the model comparison).
    var single = false
    var hasCharts = false
    var hasTables = false

    init(id: String, title: String, intro: String?, charts: [ChartView] = [], tables: [TableView] = [], single: Bool = false) {
        self.id = id
        self.title = title
        self.intro = intro
        self.single = single
        defer {
            self.charts = charts
            self.tables = tables
        }
    }
}

struct TableView {
    struct Column { var title: String; var align: String }
    struct Cell { var text: String; var label: String; var key: String; var align: String }
    struct Row { var kind: String; var first: String; var firstKey: String; var firstClass: String; var cells: [Cell] }
    var id: String
    /// `wide` for the verdict's many columns.
    var tableClass = ""
    var title: String
    var columns: [Column]
    var rows: [Row]
    var note: String?

    /// A table whose first column names the row (`th scope=row`) and whose other columns are
    /// `(title, CSV column name, numeric)`.
    /// `firstClass` styles the first column: `name` (never wrapped) or `path` (may break anywhere).
    init(id: String, title: String, first: (title: String, key: String), firstClass: String = "name", columns: [(title: String, key: String, numeric: Bool)],
         rows: [(kind: String, name: String, values: [String])], note: String? = nil) {
        self.id = id
        self.title = title
        self.columns = [Column(title: first.title, align: "text")] + columns.map { Column(title: $0.title, align: $0.numeric ? "num" : "text") }
        self.rows = rows.map { r in
            Row(kind: r.kind, first: r.name, firstKey: first.key, firstClass: firstClass, cells: zip(columns, r.values).map { c, v in
                Cell(text: v, label: c.title, key: c.key, align: c.numeric ? "num" : "text")
            })
        }
        self.note = note
    }
}

struct ChartView {
    struct Line { var x1, y1, x2, y2, style: String }
    struct Rect { var x, y, width, height, style, title: String }
    struct Dot { var x, y, title, style: String }
    struct Series { var points, style, title: String; var dots: [Dot] }
    struct Label { var x, y, text, anchor, style: String }
    var id: String
    var caption: String
    var width: String
    var height: String
    var summary: String
    var marks: Int
    var lines: [Line]
    var rects: [Rect]
    var series: [Series]
    var labels: [Label]
    var legend: [Figure.LegendItem]
    var hasLegend: Bool
    var note: String?

    init(id: String, caption: String, figure f: Figure, note: String? = nil) {
        func n(_ v: Double) -> String { CSVTable.formatFixed(v, decimals: 1) }
        self.id = id
        self.caption = caption
        width = n(f.width)
        height = n(f.height)
        summary = f.summary
        marks = f.markCount
        lines = f.lines.map { Line(x1: n($0.x1), y1: n($0.y1), x2: n($0.x2), y2: n($0.y2), style: $0.style) }
        rects = f.rects.map { Rect(x: n($0.x), y: n($0.y), width: n($0.width), height: n($0.height), style: $0.style, title: $0.title) }
        series = f.series.map { s in
            Series(points: s.points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " "), style: s.style, title: s.title,
                   dots: s.dots ? s.points.enumerated().map { i, p in
                       Dot(x: n(p.x), y: n(p.y), title: i < s.pointTitles.count ? s.pointTitles[i] : s.title, style: s.style)
                   } : [])
        }
        labels = f.labels.map { Label(x: n($0.x), y: n($0.y), text: $0.text, anchor: $0.anchor.rawValue, style: $0.style) }
        legend = f.legend
        hasLegend = !f.legend.isEmpty
        self.note = note
    }
}

// Each view names its fields for the template engine. Without this the engine finds a field by
// reflection (`Mirror`), once per tag and mark: a third of a small run's instructions went to
// rendering the page that way (callgrind; a tenth of a 200,000-line run's). A nil optional answers nil, as a
// reflected one does, so a section over it is skipped the same way.

extension PageView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "version": version
        case "period": period
        case "facts": facts
        case "warnings": warnings
        case "hasWarnings": hasWarnings
        case "hasTraffic": hasTraffic
        case "emptyReason": emptyReason
        case "verdictIntro": verdictIntro
        case "verdict": verdict
        case "sections": sections
        case "sourceNote": sourceNote
        default: nil
        }
    }
}

extension PageView.Fact: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        default: nil
        }
    }
}

extension SectionView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "intro": intro
        case "charts": charts
        case "tables": tables
        case "single": single
        case "hasCharts": hasCharts
        case "hasTables": hasTables
        default: nil
        }
    }
}

extension TableView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "tableClass": tableClass
        case "title": title
        case "columns": columns
        case "rows": rows
        case "note": note
        default: nil
        }
    }
}

extension TableView.Column: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "align": align
        default: nil
        }
    }
}

extension TableView.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "label": label
        case "key": key
        case "align": align
        default: nil
        }
    }
}

extension TableView.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "kind": kind
        case "first": first
        case "firstKey": firstKey
        case "firstClass": firstClass
        case "cells": cells
        default: nil
        }
    }
}

extension ChartView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "caption": caption
        case "width": width
        case "height": height
        case "summary": summary
        case "marks": marks
        case "lines": lines
        case "rects": rects
        case "series": series
        case "labels": labels
        case "legend": legend
        case "hasLegend": hasLegend
        case "note": note
        default: nil
        }
    }
}

extension ChartView.Line: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x1": x1
        case "y1": y1
        case "x2": x2
        case "y2": y2
        case "style": style
        default: nil
        }
    }
}

extension ChartView.Rect: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "y": y
        case "width": width
        case "height": height
        case "style": style
        case "title": title
        default: nil
        }
    }
}

extension ChartView.Dot: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "y": y
        case "title": title
        case "style": style
        default: nil
        }
    }
}

extension ChartView.Series: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "points": points
        case "style": style
        case "title": title
        case "dots": dots
        default: nil
        }
    }
}

extension ChartView.Label: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "y": y
        case "text": text
        case "anchor": anchor
        case "style": style
        default: nil
        }
    }
}

extension Figure.LegendItem: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "style": style
        case "text": text
        default: nil
        }
    }
}
