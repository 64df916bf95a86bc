/// A CRM export's own date layout (`[crm] time_format`), for the exports ISO 8601 doesn't
/// cover: Salesforce's `3/2/2026 10:15 AM` (`%m/%d/%Y %I:%M %p`), a German spreadsheet's
/// `02.03.2026 10:15` (`%d.%m.%Y %H:%M`). Month-first and day-first can't be told apart from
/// the bytes, so ingest never guesses: the config says which.
///
/// Directives: `%Y` `%y` `%m` `%d` `%e` `%H` `%I` `%M` `%S` `%p` (AM/PM) `%b` (Jan…), `%z`
/// (+0200); any other character must match itself (one space matches a run of spaces). Seconds
/// and the time of day may be missing from a value (a date alone is midnight). Without `%z`, the
/// time is in the report's zone.
public struct CRMTimeFormat: Equatable, Sendable {
    public let pattern: String
    private let items: [Item]

    enum Item: Equatable, Sendable {
        case directive(Character)
        case literal(Character)
    }

    static let directives: Set<Character> = ["Y", "y", "m", "d", "e", "H", "I", "M", "S", "p", "b", "z"]

    public init?(_ pattern: String) {
        var items: [Item] = []
        var chars = pattern.makeIterator()
        while let c = chars.next() {
            if c == "%" {
                guard let d = chars.next(), Self.directives.contains(d) else { return nil }
                items.append(.directive(d))
            } else {
                items.append(.literal(c))
            }
        }
        guard items.contains(.directive("Y")) || items.contains(.directive("y")),
              items.contains(.directive("m")) || items.contains(.directive("b")),
              items.contains(.directive("d")) || items.contains(.directive("e")) else { return nil }
        self.pattern = pattern
        self.items = items
    }

    public static func == (a: CRMTimeFormat, b: CRMTimeFormat) -> Bool { a.pattern == b.pattern }

    /// UTC epoch seconds, or nil when `text` does not follow the pattern.
    func parse(_ text: String, zone: inout ReportTimeZone) -> Int64? {
        let s = Array(text.trimmedASCIIWhitespace)
        var i = 0
        var year: Int?, month: Int?, day: Int?, hour = 0, minute = 0, second = 0
        var pm: Bool?, offset: Int?
        func number(_ maxDigits: Int) -> Int? {
            var v = 0, n = 0
            while i < s.count, n < maxDigits, let d = s[i].wholeNumberValue, s[i].isASCII {
                v = v * 10 + d
                n += 1
                i += 1
            }
            return n > 0 ? v : nil
        }
        for (k, item) in items.enumerated() {
            if i == s.count {
                // A value may stop after its date: the rest of the pattern is the time of day.
                let rest = items[k...]
                if rest.allSatisfy({ if case .directive(let d) = $0 { return "HIMSpz".contains(d) } else { return true } }) { break }
                return nil
            }
            switch item {
            case .literal(" "):
                guard s[i] == " " else { return nil }
                while i < s.count && s[i] == " " { i += 1 }
            case .literal(let c):
                guard s[i] == c else { return nil }
                i += 1
            case .directive("Y"): year = number(4)
            case .directive("y"): year = number(2).map { $0 + 2000 }
            case .directive("m"): month = number(2)
            case .directive("d"), .directive("e"):
                while i < s.count && s[i] == " " { i += 1 }
                day = number(2)
            case .directive("H"), .directive("I"): guard let h = number(2) else { return nil }; hour = h
            case .directive("M"): guard let m = number(2) else { return nil }; minute = m
            case .directive("S"): guard let v = number(2) else { return nil }; second = v
            case .directive("p"):
                guard i + 2 <= s.count else { return nil }
                let ap = String(s[i..<(i + 2)]).uppercased()
                guard ap == "AM" || ap == "PM" else { return nil }
                pm = ap == "PM"
                i += 2
            case .directive("b"):
                let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
                guard i + 3 <= s.count, let m = names.firstIndex(of: String(s[i..<(i + 3)]).lowercased()) else { return nil }
                month = m + 1
                i += 3
                while i < s.count && s[i].isLetter { i += 1 }
            case .directive("z"):
                guard i < s.count, s[i] == "+" || s[i] == "-" else { return nil }
                let sign = s[i] == "-" ? -1 : 1
                i += 1
                guard let hh = number(2) else { return nil }
                if i < s.count && s[i] == ":" { i += 1 }
                let mm = number(2) ?? 0
                offset = sign * (hh * 3600 + mm * 60)
            default: return nil
            }
        }
        guard i == s.count, let year, let month, let day, (1...12).contains(month),
              day >= 1, day <= LogTime.daysIn(month: month, year: year), minute < 60, second < 61 else { return nil }
        if let pm {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (pm ? 12 : 0)
        }
        guard hour < 24 else { return nil }
        let local = LogTime.daysFromCivil(year: year, month: month, day: day) * 86400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        if let offset { return local - Int64(offset) }
        let guess = local - Int64(zone.offset(at: local))
        return local - Int64(zone.offset(at: guess))
    }
}
