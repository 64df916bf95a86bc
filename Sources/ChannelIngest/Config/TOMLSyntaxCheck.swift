/// A check of TOML syntax before TOMLKit sees a config: its parser (toml++) stops the whole
/// process on an internal assertion for some malformed inputs (`[@costs]`, `[[` at a line's
/// end, a comment inside an array before `}`…) instead of reporting them — `scripts/fuzz` found
/// them one after another. So a config only reaches TOMLKit once it is well-formed TOML here;
/// what TOMLKit then reports (a key defined twice, …) is about meaning, not syntax.
///
/// The grammar is TOML 1.0's: comments, `[table]` and `[[array]]` headers, dotted keys, basic,
/// literal and multi-line strings with their escapes, arrays over several lines, one-line inline
/// tables, and scalars (numbers, booleans, dates) as runs of their characters.
struct TOMLSyntaxCheck {
    /// The first problem: its line and what it is; nil for well-formed TOML.
    static func firstProblem(_ text: String) -> (line: Int, message: String)? {
        var c = TOMLSyntaxCheck(Array(text.unicodeScalars))
        do {
            try c.document()
            return nil
        } catch let e as Problem {
            return (e.line, e.message)
        } catch {
            return (c.line, "\(error)")
        }
    }

    struct Problem: Error {
        var line: Int
        var message: String
    }

    private let s: [Unicode.Scalar]
    private var i = 0
    private(set) var line = 1

    private init(_ s: [Unicode.Scalar]) { self.s = s }

    private var atEnd: Bool { i >= s.count }
    private var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }
    private func peek(_ k: Int) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

    private func fail(_ message: String) -> Problem { Problem(line: line, message: message) }

    private func describe(_ c: Unicode.Scalar?) -> String {
        guard let c else { return "the end of the file" }
        if c == "\n" { return "the end of the line" }
        if c.value < 0x20 || c.value == 0x7F { return String(format: "the control character 0x%02X", c.value) }
        return "\"\(Character(c))\""
    }

    private mutating func advance() {
        if s[i] == "\n" { line += 1 }
        i += 1
    }

    /// Spaces and tabs.
    private mutating func spaces() {
        while let c = peek, c == " " || c == "\t" { i += 1 }
    }

    /// A comment up to (not including) the line's end; control characters are not allowed.
    private mutating func comment() throws {
        guard peek == "#" else { return }
        while let c = peek, c != "\n" {
            if c == "\r" && peek(1) == "\n" { break }
            if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw fail("\(describe(c)) in a comment") }
            i += 1
        }
    }

    /// The end of a line (or of the file), after optional spaces and a comment.
    private mutating func endOfLine() throws {
        spaces()
        try comment()
        if atEnd { return }
        if peek == "\r" && peek(1) == "\n" { i += 1 }
        guard peek == "\n" else { throw fail("\(describe(peek)) after a value, where the line should end") }
        advance()
    }

    private mutating func document() throws {
        while !atEnd {
            spaces()
            if peek == "\n" || peek == "\r" || peek == "#" { try endOfLine(); continue }
            if atEnd { break }
            if peek == "[" {
                i += 1
                let array = peek == "["
                if array { i += 1 }
                spaces()
                try key()
                spaces()
                guard peek == "]" else { throw fail("\(describe(peek)) in a table header, where \"]\" should be") }
                i += 1
                if array {
                    guard peek == "]" else { throw fail("\(describe(peek)) after [[…], where \"]]\" should close it") }
                    i += 1
                }
            } else {
                try keyValue()
            }
            try endOfLine()
        }
    }

    private mutating func keyValue() throws {
        try key()
        spaces()
        guard peek == "=" else { throw fail("\(describe(peek)) after a key, where \"=\" should be") }
        i += 1
        spaces()
        try value()
    }

    /// `a`, `"a b"`, `'a'`, and dotted: `a."b c".d`.
    private mutating func key() throws {
        while true {
            if let c = peek, Self.isBare(c) {
                while let c = peek, Self.isBare(c) { i += 1 }
            } else if peek == "\"" || peek == "'" {
                if peek(1) == peek && peek(2) == peek { throw fail("a key can't be a multi-line string") }
                try singleLineString()
            } else {
                throw fail("a key can't start with \(describe(peek)) (use letters, digits, _ or -, or quote the key)")
            }
            spaces()
            guard peek == "." else { return }
            i += 1
            spaces()
        }
    }

    static func isBare(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
    }

    private mutating func value() throws {
        guard let c = peek else { throw fail("a value is missing at the end of the file") }
        switch c {
        case "\"", "'":
            if peek(1) == c && peek(2) == c { try multiLineString() } else { try singleLineString() }
        case "[": try array()
        case "{": try inlineTable()
        default: try scalar()
        }
    }

    /// A number, boolean, date or time: the characters they are made of. A date and a time may
    /// be apart by one space (`1979-05-27 07:32:00`).
    private mutating func scalar() throws {
        let start = i
        func isScalar(_ c: Unicode.Scalar) -> Bool { Self.isBare(c) || c == "+" || c == "." || c == ":" }
        while let c = peek, isScalar(c) { i += 1 }
        if peek == " ", let d = peek(1), d >= "0" && d <= "9", i - start == 10, s[start + 4] == "-" { i += 1; while let c = peek, isScalar(c) { i += 1 } }
        guard i > start else { throw fail("\(describe(peek)) where a value should be") }
    }

    private mutating func singleLineString() throws {
        let quote = peek!
        i += 1
        while true {
            guard let c = peek else { throw fail("a string is not closed") }
            if c == quote { i += 1; return }
            if c == "\n" || c == "\r" { throw fail("a string is not closed on its line (use \"\"\" for several lines)") }
            if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw fail("\(describe(c)) in a string") }
            if quote == "\"" && c == "\\" { try escape(multiLine: false) } else { i += 1 }
        }
    }

    private mutating func multiLineString() throws {
        let quote = peek!
        let opened = line
        i += 3
        while true {
            guard let c = peek else { throw Problem(line: opened, message: "a multi-line string is not closed") }
            if c == quote && peek(1) == quote && peek(2) == quote {
                i += 3
                // Up to two more quotes belong to the string.
                if peek == quote { i += 1 }
                if peek == quote { i += 1 }
                return
            }
            if c == "\n" { advance(); continue }
            if c == "\r" && peek(1) == "\n" { i += 1; continue }
            if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw fail("\(describe(c)) in a string") }
            if quote == "\"" && c == "\\" { try escape(multiLine: true) } else { i += 1 }
        }
    }

    private mutating func escape(multiLine: Bool) throws {
        i += 1
        guard let e = peek else { throw fail("a string ends in a lone backslash") }
        switch e {
        case "b", "t", "n", "f", "r", "\"", "\\": i += 1
        case "u", "U":
            let n = e == "u" ? 4 : 8
            i += 1
            var v: UInt32 = 0
            for _ in 0..<n {
                guard let h = peek, let d = UInt32(String(h), radix: 16) else { throw fail("\\\(e) needs \(n) hex digits") }
                v = v << 4 | d
                i += 1
            }
            guard Unicode.Scalar(v) != nil else { throw fail("\\\(e) names no character") }
        case " " where multiLine, "\t" where multiLine, "\n" where multiLine, "\r" where multiLine:
            // A line-ending backslash: the line break and the spaces after it vanish.
            while let c = peek, c == " " || c == "\t" { i += 1 }
            guard peek == "\n" || (peek == "\r" && peek(1) == "\n") else { throw fail("a backslash in a string must end its line or start an escape") }
            while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { if c == "\n" { advance() } else { i += 1 } }
        default: throw fail("\\\(Character(e)) is no escape (use \\\\ for a backslash)")
        }
    }

    /// Spaces, comments and line breaks, as arrays allow between their values.
    private mutating func arraySpace() throws {
        while true {
            spaces()
            if peek == "#" { try comment() }
            if peek == "\n" { advance(); continue }
            if peek == "\r" && peek(1) == "\n" { i += 1; continue }
            return
        }
    }

    private mutating func array() throws {
        let opened = line
        i += 1
        try arraySpace()
        // An array left open is reported where it begins, not at the end of the file.
        func unclosed() -> Problem { Problem(line: opened, message: "an array is not closed (\"]\" is missing)") }
        if peek == "]" { i += 1; return }
        while true {
            if atEnd { throw unclosed() }
            try value()
            try arraySpace()
            if peek == "," {
                i += 1
                try arraySpace()
                if peek == "]" { i += 1; return }
                continue
            }
            guard peek == "]" else {
                throw atEnd ? unclosed() : fail("\(describe(peek)) in an array, where \",\" or \"]\" should be")
            }
            i += 1
            return
        }
    }

    private mutating func inlineTable() throws {
        i += 1
        spaces()
        if peek == "}" { i += 1; return }
        while true {
            try keyValue()
            spaces()
            if peek == "," { i += 1; spaces(); continue }
            guard peek == "}" else { throw fail("\(describe(peek)) in an inline table, where \",\" or \"}\" should be (it fits on one line)") }
            i += 1
            return
        }
    }
}

import Foundation
