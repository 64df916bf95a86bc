/// Checks that every key of a TOML text starts the way TOML allows (a letter, digit, `_`, `-`
/// or a quote) before TOMLKit sees it: its parser (toml++) stops the whole process on an
/// assertion for some malformed keys (`[@costs]`) instead of reporting them. Found by
/// `scripts/fuzz`; the file's later problems are still TOMLKit's to report.
enum TOMLKeyCheck {
    /// The first bad key's line, and the character that starts it.
    static func firstBadKey(_ text: String) -> (line: Int, char: Character)? {
        let chars = Array(text)
        var i = 0
        var line = 1
        var expectKey = true          // at the start of a line, or after `{`, `,` (inline table), `.` in a key
        var inKey = false             // between a key's start and its `=` or `]`
        var braces = 0                // inline tables open on this value
        var brackets = 0              // arrays open on this value
        func isBare(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-") }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" {
                line += 1
                if braces == 0 && brackets == 0 { expectKey = true; inKey = false }
                i += 1
                continue
            }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "#" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if expectKey {
                if c == "[" && braces == 0 && brackets == 0 && !inKey {
                    // A table header: `[a.b]` or `[[a]]`; its key follows.
                    i += 1
                    if i < chars.count && chars[i] == "[" { i += 1 }
                    inKey = true
                    continue
                }
                if c == "}" && braces > 0 { braces -= 1; expectKey = false; i += 1; continue }
                guard isBare(c) || c == "\"" || c == "'" else { return (line, c) }
                expectKey = false
                inKey = true
            }
            switch c {
            case "\"", "'":
                // Skip a string (basic with escapes, literal, or triple-quoted).
                let triple = i + 2 < chars.count && chars[i + 1] == c && chars[i + 2] == c
                i += triple ? 3 : 1
                while i < chars.count {
                    if chars[i] == "\n" { line += 1 }
                    if c == "\"" && chars[i] == "\\" { i += 2; continue }
                    if chars[i] == c && (!triple || (i + 2 < chars.count && chars[i + 1] == c && chars[i + 2] == c)) {
                        i += triple ? 3 : 1
                        break
                    }
                    i += 1
                }
                continue
            case "." where inKey: expectKey = true
            case "=" where inKey: inKey = false
            case "]" where inKey && braces == 0: inKey = false
            case "{": braces += 1; expectKey = true; inKey = false
            case "}": braces = max(0, braces - 1)
            case "[": brackets += 1
            case "]": brackets = max(0, brackets - 1)
            case "," where braces > 0 && brackets == 0: expectKey = true; inKey = false
            default: break
            }
            i += 1
        }
        return nil
    }
}
