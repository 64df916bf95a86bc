/// What a line turned out to be.
public enum LineOutcome {
    case hit
    case malformed
    /// A header or comment line the format defines (W3C `#Fields:`): counted, neither a hit nor
    /// malformed.
    case comment
}

/// Turns one file's lines into hits. One value per file, on that file's reader thread: some
/// formats learn their columns from a header line (W3C `#Fields:`), so a parser has state.
public enum LineParser {
    case ncsa(NCSAParser)
    case formatString(FormatString)
    case w3c(W3CParser)
    case alb(ALBParser)
    case json(JSONLineParser)
    case ga4(GA4Parser)

    /// Parses `line` into `hit`; values that have to be rewritten go to `arena`.
    @inline(__always)
    public mutating func parse(_ line: ByteSpan, into hit: inout Hit, arena: inout ParseArena) -> LineOutcome {
        switch self {
        case .ncsa(let p):
            return p.parse(line, into: &hit) ? .hit : .malformed
        case .formatString(let f):
            return f.parse(line, into: &hit, arena: &arena) ? .hit : .malformed
        case .w3c(let p):
            return p.parse(line, into: &hit, arena: &arena)
        case .alb(let p):
            return p.parse(line, into: &hit, arena: &arena) ? .hit : .malformed
        case .json(let p):
            return p.parse(line, into: &hit, arena: &arena) ? .hit : .malformed
        case .ga4(let p):
            return p.parse(line, into: &hit, arena: &arena) ? .hit : .malformed
        }
    }

    /// Why `line` does not fit, for the message when no format fits a file: the field where
    /// matching stopped.
    public func whereItStops(_ line: ByteSpan) -> String {
        var copy = self
        if case .w3c(let p) = self { copy = .w3c(p.copy()) }
        var hit = Hit()
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, 2 * line.count + 64))
        defer { scratch.deallocate() }
        var arena = ParseArena(base: scratch, capacity: 2 * line.count + 64)
        if copy.parse(line, into: &hit, arena: &arena) != .malformed { return "fits" }
        switch self {
        case .ncsa(let p): return p.diagnose(line)
        case .formatString(let f): return f.diagnose(line)
        case .w3c(let p): return p.diagnose(line)
        case .alb(let p): return p.diagnose(line)
        case .json(let p): return p.diagnose(line)
        case .ga4(let p): return p.diagnose(line)
        }
    }
}
