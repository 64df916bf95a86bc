import Foundation

/// An nginx `log_format` or Apache `LogFormat` string, compiled once into a list of literals
/// and fields that a line is matched against byte by byte (no regex per line).
///
/// The string may be pasted as it stands in the server's config: `log_format main '…' '…';`
/// (the directive, name, `escape=` and quoting are dropped, segments joined) or
/// `LogFormat "%h %l %u %t \"%r\" %>s %b" combined`. Variables that matter are read; any other
/// (`$request_time`, `%D`, `$upstream_addr`, …) is skipped.
public struct FormatString: @unchecked Sendable, Equatable {
    /// What a field holds.
    public enum Field: Equatable, Sendable {
        case client, forwardedFor
        /// `10/Oct/2000:13:55:36 -0700`, or with brackets (Apache `%t`).
        case timeLocal, timeBracketed, timeISO, timeEpoch
        case request, method, uri, path, query, args, isArgs, proto
        case status, bytes, referrer, userAgent, host
        case cookie(String), cookieHeader
        case skip

        /// A field whose value is a path: it also ends where a query starts.
        var endsAtQuestionMark: Bool { self == .path }
    }

    enum Token: Equatable, Sendable {
        case literal([UInt8])
        case field(Field, name: String)
    }

    /// The string as given (for messages and `--print-config`).
    public let source: String
    let tokens: [Token]
    /// Index of the cookie field that holds the visitor id, if `visitor_id_field` names one.
    private(set) var visitorIDToken: Int? {
        didSet { program = Program(tokens, visitorIDToken: visitorIDToken) }
    }
    let hasUserAgent: Bool
    /// Whether the server escapes `"` inside values (`\"`, `\x22`): nginx's default and Apache's.
    /// An nginx `log_format … escape=none` writes them raw; then a quoted value ends at a quote
    /// that the following literal comes after, not at the first one (the lenient reading).
    public let quotesEscaped: Bool
    /// The tokens as flat integers and one byte buffer, for the hot path.
    private var program: Program

    public static func == (a: FormatString, b: FormatString) -> Bool {
        a.source == b.source && a.tokens == b.tokens && a.visitorIDToken == b.visitorIDToken
    }

    /// Compiles `text`; `visitorID` names the field that carries a visitor id (`$cookie_uid`,
    /// `%{uid}C`, or just `cookie_uid`).
    public init(_ text: String, visitorID: String? = nil) throws {
        source = text
        quotesEscaped = !Self.saysEscapeNone(text)
        let body = Self.unwrap(text)
        var tokens: [Token] = []
        if body.contains("$") && !Self.looksApache(body) {
            tokens = try Self.nginxTokens(body)
        } else {
            tokens = try Self.apacheTokens(body)
        }
        // Merge adjacent literals.
        var merged: [Token] = []
        for t in tokens {
            if case .literal(let b) = t, case .literal(let a)? = merged.last {
                merged[merged.count - 1] = .literal(a + b)
            } else if case .literal(let b) = t, b.isEmpty {
                continue
            } else {
                merged.append(t)
            }
        }
        self.tokens = merged
        let fields = merged.compactMap { t -> Field? in if case .field(let f, _) = t { return f } else { return nil } }
        guard fields.contains(where: { [.timeLocal, .timeBracketed, .timeISO, .timeEpoch].contains($0) }) else {
            throw IngestError.badArgument("--log-format: the format has no time ($time_local, $time_iso8601, $msec or %t); ingest needs one")
        }
        guard fields.contains(.status) else {
            throw IngestError.badArgument("--log-format: the format has no status ($status or %>s); ingest needs one")
        }
        guard fields.contains(.request) || fields.contains(.uri) || fields.contains(.path) else {
            throw IngestError.badArgument("--log-format: the format has no request ($request, $request_uri or %r)")
        }
        guard fields.contains(.client) || fields.contains(.forwardedFor) else {
            throw IngestError.badArgument("--log-format: the format has no client address ($remote_addr, $http_x_forwarded_for or %h)")
        }
        for i in 1..<max(1, merged.count) {
            if case .field(let a, let an) = merged[i - 1], case .field(let b, let bn) = merged[i],
               !(a.endsAtQuestionMark && (b == .isArgs || b == .query)) && !(a == .isArgs && b == .args) {
                throw IngestError.badArgument("--log-format: \(an) and \(bn) follow each other with nothing between; ingest can't tell where one ends")
            }
        }
        hasUserAgent = fields.contains(.userAgent)
        let v = Self.token(of: visitorID, in: merged)
        program = Program(merged, visitorIDToken: v)
        visitorIDToken = v
    }

    static func token(of visitorID: String?, in tokens: [Token]) -> Int? {
        guard let v = visitorID else { return nil }
        let name = cookieName(v)
        return tokens.firstIndex { if case .field(.cookie(let c), _) = $0 { return c == name } else { return false } }
    }

    /// The same format, reading the visitor id from the cookie `visitorID` names.
    public func readingVisitorID(_ visitorID: String?) -> FormatString {
        var f = self
        f.visitorIDToken = Self.token(of: visitorID, in: tokens)
        return f
    }

    /// The cookie a `visitor_id_field` names: `$cookie_uid`, `cookie_uid`, `%{uid}C` → `uid`.
    static func cookieName(_ v: String) -> String {
        var s = Substring(v)
        if s.hasPrefix("$") { s = s.dropFirst() }
        if s.hasPrefix("cookie_") { return String(s.dropFirst(7)) }
        if s.hasPrefix("%{"), s.hasSuffix("}C") { return String(s.dropFirst(2).dropLast(2)) }
        return String(s)
    }

    /// Whether a visitor id field is in this format (for a clear config error otherwise).
    public var carriesVisitorID: Bool { visitorIDToken != nil }

    static func looksApache(_ s: String) -> Bool {
        s.range(of: #"%[<>!0-9,]*(\{[^}]*\})?[a-zA-Z]"#, options: .regularExpression) != nil && !s.contains("$remote_addr")
    }

    /// Whether an nginx `log_format name escape=none '…'` says values are written unescaped.
    static func saysEscapeNone(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("log_format") else { return false }
        let header = t.prefix { $0 != "'" && $0 != "\"" }
        return header.split(separator: " ").contains("escape=none")
    }

    /// Drops `log_format name [escape=…]` / `LogFormat … nickname`, the quotes and the `;`.
    static func unwrap(_ text: String) -> String {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasPrefix("log_format") {
            // log_format name [escape=default|json|none] 'seg' "seg" …;
            var segments: [String] = []
            var i = t.startIndex
            while i < t.endIndex {
                let c = t[i]
                if c == "'" || c == "\"" {
                    var j = t.index(after: i)
                    var seg = ""
                    while j < t.endIndex && t[j] != c {
                        if t[j] == "\\", t.index(after: j) < t.endIndex {
                            j = t.index(after: j)
                        }
                        seg.append(t[j])
                        j = t.index(after: j)
                    }
                    segments.append(seg)
                    i = j < t.endIndex ? t.index(after: j) : j
                } else {
                    i = t.index(after: i)
                }
            }
            return segments.joined()
        }
        if t.hasPrefix("LogFormat") || t.hasPrefix("CustomLog") {
            t = String(t.drop { $0 != "\"" })
        }
        if t.hasPrefix("\""), t.count > 1 {
            // The first quoted string, with \" inside.
            var out = ""
            var i = t.index(after: t.startIndex)
            while i < t.endIndex && t[i] != "\"" {
                if t[i] == "\\", t.index(after: i) < t.endIndex { i = t.index(after: i) }
                out.append(t[i])
                i = t.index(after: i)
            }
            return out
        }
        if t.hasPrefix("'") && t.hasSuffix("'") && t.count > 1 { t = String(t.dropFirst().dropLast()) }
        if t.hasSuffix(";") { t = String(t.dropLast()) }
        // A string typed at a shell with its config escapes.
        return t.replacingOccurrences(of: "\\\"", with: "\"")
    }

    static func nginxField(_ name: String) -> Field {
        switch name {
        case "remote_addr", "realip_remote_addr", "binary_remote_addr": return .client
        case "http_x_forwarded_for", "proxy_add_x_forwarded_for", "http_x_real_ip": return .forwardedFor
        case "time_local": return .timeLocal
        case "time_iso8601": return .timeISO
        case "msec": return .timeEpoch
        case "request": return .request
        case "request_method": return .method
        case "request_uri": return .uri
        case "uri", "document_uri": return .path
        case "args", "query_string": return .args
        case "is_args": return .isArgs
        case "server_protocol": return .proto
        case "status": return .status
        case "body_bytes_sent", "bytes_sent": return .bytes
        case "http_referer": return .referrer
        case "http_user_agent": return .userAgent
        case "host", "http_host", "server_name": return .host
        case "http_cookie": return .cookieHeader
        default:
            if name.hasPrefix("cookie_") { return .cookie(String(name.dropFirst(7))) }
            return .skip
        }
    }

    static func nginxTokens(_ s: String) throws -> [Token] {
        var tokens: [Token] = []
        var literal: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        func isName(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F }
        while i < b.count {
            if b[i] == 0x24, i + 1 < b.count {
                var name: [UInt8] = []
                if b[i + 1] == 0x7B {
                    var j = i + 2
                    while j < b.count && b[j] != 0x7D { name.append(b[j]); j += 1 }
                    i = j + 1
                } else {
                    var j = i + 1
                    while j < b.count && isName(b[j]) { name.append(b[j]); j += 1 }
                    i = j
                }
                if name.isEmpty { literal.append(0x24); continue }
                tokens.append(.literal(literal))
                literal = []
                let n = String(decoding: name, as: UTF8.self)
                tokens.append(.field(nginxField(n), name: "$" + n))
            } else {
                literal.append(b[i])
                i += 1
            }
        }
        tokens.append(.literal(literal))
        return tokens
    }

    static func apacheField(_ directive: Character, argument: String?) -> Field {
        switch directive {
        case "h", "a": return .client
        case "t":
            guard let arg = argument else { return .timeBracketed }
            let a = arg.replacingOccurrences(of: "begin:", with: "").replacingOccurrences(of: "end:", with: "")
            if a == "sec" || a == "msec" || a == "usec" { return .timeEpoch }
            if a.contains("%Y") || a.contains("%F") { return .timeISO }
            return .skip
        case "r": return .request
        case "m": return .method
        case "U": return .path
        case "q": return .query
        case "H": return .proto
        case "s": return .status
        case "b", "B", "O", "I", "S": return .bytes
        case "v", "V": return .host
        case "C": return argument.map { .cookie($0) } ?? .skip
        case "i":
            switch argument?.lowercased() {
            case "referer", "referrer": return .referrer
            case "user-agent": return .userAgent
            case "host": return .host
            case "cookie": return .cookieHeader
            case "x-forwarded-for", "x-real-ip": return .forwardedFor
            default: return .skip
            }
        default: return .skip
        }
    }

    static func apacheTokens(_ s: String) throws -> [Token] {
        var tokens: [Token] = []
        var literal: [UInt8] = []
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "%" && i + 1 < chars.count {
                if chars[i + 1] == "%" { literal.append(0x25); i += 2; continue }
                var j = i + 1
                // Conditions and modifiers: %>s, %<s, %!200,304{…}i, %400{…}i.
                while j < chars.count && (chars[j] == "<" || chars[j] == ">" || chars[j] == "!" || chars[j] == "," || chars[j].isNumber) { j += 1 }
                var argument: String?
                if j < chars.count && chars[j] == "{" {
                    var k = j + 1
                    var arg = ""
                    while k < chars.count && chars[k] != "}" { arg.append(chars[k]); k += 1 }
                    argument = arg
                    j = k + 1
                }
                guard j < chars.count else { throw IngestError.badArgument("--log-format: \(String(chars[i...])) is cut off") }
                tokens.append(.literal(literal))
                literal = []
                tokens.append(.field(apacheField(chars[j], argument: argument), name: String(chars[i...j])))
                i = j + 1
            } else if c == "\\" && i + 1 < chars.count && (chars[i + 1] == "n" || chars[i + 1] == "t") {
                literal.append(chars[i + 1] == "n" ? 0x0A : 0x09)
                i += 2
            } else {
                literal += Array(String(c).utf8)
                i += 1
            }
        }
        tokens.append(.literal(literal))
        return tokens
    }

    // MARK: matching

    /// Matches a line; fills `hit`. `stop` (for diagnostics) gets the index of the token where
    /// matching failed.
    @inline(__always)
    public func parse(_ line: ByteSpan, into hit: inout Hit, arena: inout ParseArena) -> Bool {
        var stop = 0
        return match(line, into: &hit, arena: &arena, stop: &stop)
    }

    func match(_ line: ByteSpan, into hit: inout Hit, arena: inout ParseArena, stop: inout Int) -> Bool {
        let prog = program
        let ops = prog.ops
        let bytes = prog.bytes
        var p = line.base
        let end = line.base + line.count
        var client = ByteSpan.empty, xff = ByteSpan.empty
        var time: Int64?
        var request = ByteSpan.empty, method = ByteSpan.empty, uri = ByteSpan.empty
        var pathStart: UnsafePointer<UInt8>?, pathEnd: UnsafePointer<UInt8>?
        var status: Int?
        hit.referrer = .empty
        hit.userAgent = .empty
        hit.host = .empty
        hit.visitorID = .empty
        var haveRequest = false, haveMethod = false
        for k in 0..<prog.count {
            stop = k
            let op = ops[k]
            if op.code == Program.literal {
                let n = Int(op.litCount)
                guard end - p >= n, memcmp(p, bytes + Int(op.litOffset), n) == 0 else { return false }
                p += n
                continue
            }
            // Where the value ends: a quoted value at its closing quote (escapes skipped);
            // else at the next literal, or at the line's end.
            var valueEnd: UnsafePointer<UInt8>
            if op.quoted {
                let q = quotesEscaped ? Self.closingQuote(from: p, end: end)
                    : Self.unescapedClosingQuote(from: p, end: end, next: bytes + Int(op.nextOffset), count: Int(op.nextCount), endsLine: op.nextEndsFormat)
                guard let q else { return false }
                valueEnd = q
            } else if op.adjacent && op.code == Program.isArgs {
                // `$is_args` is `?` or nothing.
                valueEnd = p < end && p.pointee == 0x3F ? p + 1 : p
            } else if op.nextCount > 0 {
                guard let e = Self.find(bytes + Int(op.nextOffset), Int(op.nextCount), from: p, end: end) else { return false }
                valueEnd = e
            } else {
                valueEnd = end
            }
            // A path followed by a query (`%U%q`, `$uri$is_args$args`) ends where the query starts.
            if op.code == Program.path, let q = memchr(p, 0x3F, valueEnd - p) {
                valueEnd = UnsafePointer(q.assumingMemoryBound(to: UInt8.self))
            }
            var value = ByteSpan(base: p, count: valueEnd - p)
            p = valueEnd
            if value.count == 1 && value[0] == 0x2D { value = .empty }
            switch op.code {
            case Program.client: client = value
            case Program.forwardedFor: xff = value
            case Program.timeLocal: time = LogTime.parseCommonLog(value); if time == nil { return false }
            case Program.timeBracketed:
                guard value.count == 28, value[0] == 0x5B, value[27] == 0x5D else { return false }
                time = LogTime.parseCommonLog(value.slice(1, 27)); if time == nil { return false }
            case Program.timeISO: time = LogTime.parseISO(value); if time == nil { return false }
            case Program.timeEpoch: time = LogTime.parseEpoch(value); if time == nil { return false }
            case Program.request: request = value; haveRequest = true
            case Program.method: method = value; haveMethod = true
            case Program.uri: uri = value
            case Program.path:
                pathStart = value.base
                pathEnd = value.base + value.count
            case Program.query, Program.args, Program.isArgs:
                if pathStart != nil && value.count > 0 {
                    if pathEnd == value.base { pathEnd = value.base + value.count } else if op.code == Program.args, let s = pathStart, let e = pathEnd {
                        // `$uri?$args` with something between: join them.
                        guard let joined = arena.join(ByteSpan(base: s, count: e - s), ByteSpan(base: questionMarkByte, count: 1), value) else { return false }
                        pathStart = joined.base
                        pathEnd = joined.base + joined.count
                    }
                }
            case Program.status:
                guard value.count == 3, value[0] &- 0x30 < 10, value[1] &- 0x30 < 10, value[2] &- 0x30 < 10 else { return false }
                status = Int(value[0] - 0x30) * 100 + Int(value[1] - 0x30) * 10 + Int(value[2] - 0x30)
            case Program.referrer: hit.referrer = value
            case Program.userAgent: hit.userAgent = value
            case Program.host: hit.host = value
            case Program.visitorCookie: hit.visitorID = value
            default: break
            }
            if op.quoted { guard p < end else { return false } }
        }
        stop = prog.count
        // Anything after the last token: only spaces (some servers pad).
        while p < end && p.pointee == 0x20 { p += 1 }
        guard p == end, let time, let status else { return false }
        hit.time = time
        hit.status = status
        if haveRequest {
            RequestLine.split(request, into: &hit)
        } else {
            hit.method = haveMethod ? method : .empty
            if uri.count > 0 {
                hit.target = uri
            } else if let s = pathStart, let e = pathEnd {
                hit.target = ByteSpan(base: s, count: e - s)
            } else {
                hit.target = .empty
            }
        }
        // Behind a proxy the first X-Forwarded-For address is the visitor's.
        if xff.count > 0, let first = Self.firstAddress(xff) {
            hit.client = first
        } else {
            guard client.count > 0 else { return false }
            hit.client = client
        }
        hit.hasUserAgentField = hasUserAgent
        return true
    }

    /// The tokens compiled for matching: an op per token, literals in one byte buffer.
    final class Program {
        struct Op {
            var code: UInt8
            var quoted = false
            /// Followed by another field with nothing between.
            var adjacent = false
            var litOffset: Int32 = 0, litCount: Int32 = 0
            /// The literal that follows a field (what ends its value); 0 bytes for none.
            var nextOffset: Int32 = 0, nextCount: Int32 = 0
            /// That literal is the format's last token (it ends the line).
            var nextEndsFormat = false
        }
        static let literal: UInt8 = 0, client: UInt8 = 1, forwardedFor: UInt8 = 2, timeLocal: UInt8 = 3, timeBracketed: UInt8 = 4,
                   timeISO: UInt8 = 5, timeEpoch: UInt8 = 6, request: UInt8 = 7, method: UInt8 = 8, uri: UInt8 = 9, path: UInt8 = 10,
                   query: UInt8 = 11, args: UInt8 = 12, isArgs: UInt8 = 13, status: UInt8 = 14, referrer: UInt8 = 15,
                   userAgent: UInt8 = 16, host: UInt8 = 17, visitorCookie: UInt8 = 18, other: UInt8 = 19

        let ops: UnsafeMutablePointer<Op>
        let count: Int
        let bytes: UnsafeMutablePointer<UInt8>

        init(_ tokens: [Token], visitorIDToken: Int?) {
            var flat: [UInt8] = []
            var list: [Op] = []
            for (k, t) in tokens.enumerated() {
                switch t {
                case .literal(let b):
                    list.append(Op(code: Self.literal, litOffset: Int32(flat.count), litCount: Int32(b.count)))
                    flat += b
                case .field(let f, _):
                    var op = Op(code: Self.code(f, isVisitorID: k == visitorIDToken))
                    if k + 1 < tokens.count, case .field = tokens[k + 1] { op.adjacent = true }
                    // The literal after this field (or after the run of adjacent fields it starts).
                    if let at = tokens[(k + 1)...].firstIndex(where: { if case .literal = $0 { return true } else { return false } }),
                       case .literal(let next) = tokens[at] {
                        op.nextEndsFormat = at == tokens.count - 1
                        op.nextOffset = Int32(flat.count)
                        op.nextCount = Int32(next.count)
                        flat += next
                        if !op.adjacent, next.first == 0x22, k > 0, case .literal(let prev) = tokens[k - 1], prev.last == 0x22 { op.quoted = true }
                    }
                    list.append(op)
                }
            }
            count = list.count
            ops = .allocate(capacity: max(1, list.count))
            ops.initialize(from: list, count: list.count)
            bytes = .allocate(capacity: max(1, flat.count))
            bytes.initialize(from: flat, count: flat.count)
        }

        deinit {
            ops.deallocate()
            bytes.deallocate()
        }

        static func code(_ f: Field, isVisitorID: Bool) -> UInt8 {
            switch f {
            case .client: return client
            case .forwardedFor: return forwardedFor
            case .timeLocal: return timeLocal
            case .timeBracketed: return timeBracketed
            case .timeISO: return timeISO
            case .timeEpoch: return timeEpoch
            case .request: return request
            case .method: return method
            case .uri: return uri
            case .path: return path
            case .query: return query
            case .args: return args
            case .isArgs: return isArgs
            case .status: return status
            case .referrer: return referrer
            case .userAgent: return userAgent
            case .host: return host
            case .cookie: return isVisitorID ? visitorCookie : other
            case .proto, .bytes, .skip, .cookieHeader: return other
            }
        }
    }

    /// The first address of an X-Forwarded-For list (`203.0.113.7, 10.0.0.1`).
    static func firstAddress(_ list: ByteSpan) -> ByteSpan? {
        var n = 0
        while n < list.count && list[n] != 0x2C && list[n] != 0x20 { n += 1 }
        return n > 0 ? list.prefix(n) : nil
    }

    /// The `"` that closes a quoted value starting at `p` (a `\"` inside does not).
    @inline(__always)
    static func closingQuote(from p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
        FieldScanner.unescapedQuote(from: p, start: p, end: end)
    }

    /// With `escape=none`: where a quoted value ends when quotes inside it are raw. When the
    /// following literal (`next`, starting with the quote) ends the format, the value runs to
    /// the line's last quote (only spaces after it); else to the first place that literal
    /// matches, or, for a lone `"`, the first quote before a space. Raw quotes stay in the value.
    static func unescapedClosingQuote(from p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>,
                                      next: UnsafePointer<UInt8>, count n: Int, endsLine: Bool) -> UnsafePointer<UInt8>? {
        if endsLine {
            var e = end
            while e > p && e[-1] == 0x20 { e -= 1 }
            guard e - p >= n, memcmp(e - n, next, n) == 0 else { return nil }
            return e - n
        }
        var q = p
        while q < end {
            guard let hit = memchr(q, 0x22, end - q) else { return nil }
            let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            if n > 1 {
                if end - at >= n && memcmp(at, next, n) == 0 { return at }
            } else if at + 1 == end || at[1] == 0x20 {
                return at
            }
            q = at + 1
        }
        return nil
    }

    /// The next place the `n` bytes at `lit` occur at or after `p`.
    @inline(__always)
    static func find(_ lit: UnsafePointer<UInt8>, _ n: Int, from p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
        let first = Int32(lit[0])
        var q = p
        while q < end {
            guard let hit = memchr(q, first, end - q) else { return nil }
            let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            if end - at >= n && (n == 1 || memcmp(at, lit, n) == 0) { return at }
            q = at + 1
        }
        return nil
    }

    /// Where a line stops matching, named by the format's own field.
    public func diagnose(_ line: ByteSpan) -> String {
        var hit = Hit()
        var stop = 0
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * line.count + 16)
        defer { scratch.deallocate() }
        var arena = ParseArena(base: scratch, capacity: 2 * line.count + 16)
        if match(line, into: &hit, arena: &arena, stop: &stop) { return "fits" }
        guard stop < tokens.count else { return "stops after the last field (extra text at the end)" }
        switch tokens[stop] {
        case .literal(let l): return "stops at the text \"\(String(decoding: l, as: UTF8.self))\""
        case .field(_, let name): return "stops at \(name)"
        }
    }
}

