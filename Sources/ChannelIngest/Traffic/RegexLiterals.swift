/// The literal text a regex cannot match without, so that a thousand bot regexes cost a
/// substring scan per User-Agent instead of a thousand regex searches: a regex is run only on
/// a User-Agent that contains one of its literals.
///
/// For each top-level alternative of the regex, the longest run of plain characters that every
/// match of that alternative must contain (outside groups, classes and optional parts). The
/// answer is lowercased ASCII, for a case-insensitive regex. Nil when some alternative has no
/// such run of at least `minimum` characters: that regex must be tried on every User-Agent.
enum RegexLiterals {
    static func required(_ regex: String, minimum: Int = 3) -> [String]? {
        let chars = Array(regex.unicodeScalars)
        var out: [String] = []
        for alt in topLevelAlternatives(chars) {
            guard let best = longestMandatoryRun(alt), best.count >= minimum else { return nil }
            out.append(best)
        }
        return out.isEmpty ? nil : out
    }

    /// The regex split at `|` outside groups and classes.
    static func topLevelAlternatives(_ c: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var parts: [ArraySlice<Unicode.Scalar>] = []
        var depth = 0, inClass = false, start = 0, i = 0
        while i < c.count {
            let ch = c[i]
            if ch == "\\" { i += 2; continue }
            if inClass { if ch == "]" { inClass = false } }
            else if ch == "[" { inClass = true; if i + 1 < c.count && c[i + 1] == "]" { i += 1 } }
            else if ch == "(" { depth += 1 }
            else if ch == ")" { depth -= 1 }
            else if ch == "|" && depth == 0 { parts.append(c[start..<i]); start = i + 1 }
            i += 1
        }
        parts.append(c[start..<c.count])
        return parts
    }

    /// The longest run of characters the alternative matches literally and cannot skip.
    static func longestMandatoryRun(_ alt: ArraySlice<Unicode.Scalar>) -> String? {
        let c = Array(alt)
        var best = "", run = ""
        func endRun() { if run.count > best.count { best = run }; run = "" }
        /// What follows a piece at `i`: whether it makes the piece optional, and where the next piece starts.
        func quantifier(at i: Int) -> (optional: Bool, repeats: Bool, next: Int) {
            guard i < c.count else { return (false, false, i) }
            var j = i
            var optional = false, repeats = false
            switch c[i] {
            case "?", "*": optional = true; repeats = c[i] == "*"; j += 1
            case "+": repeats = true; j += 1
            case "{":
                var k = i + 1
                var body = ""
                while k < c.count && c[k] != "}" { body.unicodeScalars.append(c[k]); k += 1 }
                let lower = body.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
                optional = (Int(lower) ?? 0) == 0
                repeats = true
                j = min(k + 1, c.count)
            default: return (false, false, i)
            }
            if j < c.count && (c[j] == "?" || c[j] == "+") { j += 1 }  // lazy or possessive
            return (optional, repeats, j)
        }
        var i = 0
        while i < c.count {
            let ch = c[i]
            switch ch {
            case "(":
                // Skip the group (any kind: a lookaround is zero-width, anything else may be optional).
                var depth = 0, inClass = false, j = i
                while j < c.count {
                    let g = c[j]
                    if g == "\\" { j += 2; continue }
                    if inClass { if g == "]" { inClass = false } }
                    else if g == "[" { inClass = true }
                    else if g == "(" { depth += 1 }
                    else if g == ")" { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                endRun()
                i = quantifier(at: j + 1).next
            case "[":
                var j = i + 1
                if j < c.count && c[j] == "^" { j += 1 }
                if j < c.count && c[j] == "]" { j += 1 }
                while j < c.count && c[j] != "]" { if c[j] == "\\" { j += 1 }; j += 1 }
                endRun()
                i = quantifier(at: j + 1).next
            case "\\":
                guard i + 1 < c.count else { endRun(); i += 1; continue }
                let e = c[i + 1]
                let literal = !(e.properties.isAlphabetic || e.properties.numericType != nil)  // \. \/ \- \+ …; not \d \w \b \1
                let q = quantifier(at: i + 2)
                if literal && e.isASCII && !q.optional {
                    run.unicodeScalars.append(lowerASCII(e))
                    if q.repeats { endRun() }
                } else { endRun() }
                i = q.next
            case ".", "^", "$", ")", "|", "?", "*", "+", "{":
                endRun()
                i = quantifier(at: i + 1).next
            default:
                let q = quantifier(at: i + 1)
                if ch.isASCII && !q.optional {
                    run.unicodeScalars.append(lowerASCII(ch))
                    if q.repeats { endRun() }
                } else { endRun() }
                i = q.next
            }
        }
        endRun()
        return best.isEmpty ? nil : best
    }

    private static func lowerASCII(_ s: Unicode.Scalar) -> Unicode.Scalar {
        (s.value >= 65 && s.value <= 90) ? Unicode.Scalar(s.value + 32)! : s
    }
}
