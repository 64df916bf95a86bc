/// Numbers formatted for people (the terminal summary and `report.html`), from the values the
/// CSVs hold: thousands separators, counts whole when they are whole (`218`, fractional credits
/// `199.33`), percentages with one decimal. Independent of the locale, like the CSVs.
public enum HumanNumbers {
    /// `12,345`; a fractional count keeps two decimals (`1,199.33`).
    public static func count(_ v: Double) -> String {
        let rounded = (v * 100).rounded() / 100
        return grouped(rounded, decimals: rounded == rounded.rounded() ? 0 : 2)
    }

    public static func count(_ v: Int) -> String { grouped(Double(v), decimals: 0) }

    /// A count with its noun: `1 lead`, `2 leads`, `0.5 leads` (only exactly one is singular).
    public static func count(_ v: Double, _ singular: String, _ plural: String? = nil) -> String {
        count(v) + " " + (count(v) == "1" ? singular : plural ?? singular + "s")
    }

    /// A fraction as a percentage with one decimal: `0.3385` → `33.9%`. Rounded from the four
    /// decimals the CSVs write, in whole numbers (basis points, then half up), so `0.1235` is
    /// `12.4%` as a person rounding the CSV's figure would say, whatever its binary value.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "" }
        let bp = Int64((abs(fraction) * 10_000).rounded(.toNearestOrAwayFromZero))
        let tenths = (bp + 5) / 10
        let sign = fraction < 0 && tenths > 0 ? "-" : ""
        return sign + "\(tenths / 10)".withGrouping + ".\(tenths % 10)%"
    }

    /// An axis tick as a percentage: whole percentages without decimals (`20%`), others with one.
    public static func percentTick(_ fraction: Double) -> String {
        let p = (fraction * 1000).rounded() / 10
        return CSVTable.formatFixed(p, decimals: p == p.rounded() ? 0 : 1).withGrouping + "%"
    }

    /// Money with two decimals and separators: `35,480.07`. (The currency is the user's.)
    public static func money(_ v: Double) -> String { grouped(v, decimals: 2) }

    static func grouped(_ v: Double, decimals: Int) -> String {
        CSVTable.formatFixed(v, decimals: decimals).withGrouping
    }
}

extension String {
    /// `1234567.5` → `1,234,567.5`: a comma every three digits of the integer part.
    var withGrouping: String {
        var s = Substring(self)
        var sign = ""
        if s.hasPrefix("-") { sign = "-"; s = s.dropFirst() }
        let dot = s.firstIndex(of: ".") ?? s.endIndex
        let integer = Array(s[..<dot])
        var out = ""
        for (i, c) in integer.enumerated() {
            if i > 0 && (integer.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return sign + out + s[dot...]
    }
}
