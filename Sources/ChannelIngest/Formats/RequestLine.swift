/// Splits `"GET /path?q HTTP/1.1"` into method and target.
///
/// A request line that isn't one (TLS bytes sent to port 80, `-` from a timed-out connection)
/// still makes a hit, with an empty method, so it is counted but never a pageview.
enum RequestLine {
    @inline(__always)
    static func split(_ r: ByteSpan, into hit: inout Hit) {
        guard let sp = r.firstIndex(of: 0x20), sp > 0 else {
            hit.method = .empty
            hit.target = .empty
            return
        }
        hit.method = r.prefix(sp)
        hit.target = target(of: r.dropFirst(sp + 1))
    }

    /// The target of what follows the method: the protocol is the last token; a target may
    /// itself contain spaces when a client sent them raw, so it is cut at the last space only
    /// if what follows looks like HTTP/x (`targetByLastSpace`). Nearly every request ends
    /// ` HTTP/1.1`, three bytes after `HTTP/` and no space among them: then that space is the
    /// last one, and the walk back from the end (nine bytes a line) is skipped. The fuzz
    /// target checks that both give the same answer.
    @inline(__always)
    static func target(of rest: ByteSpan) -> ByteSpan {
        let n = rest.count
        if n >= 9, rest[n - 9] == 0x20, rest[n - 8] == 0x48, rest[n - 7] == 0x54, rest[n - 6] == 0x54,
           rest[n - 5] == 0x50, rest[n - 4] == 0x2F, rest[n - 3] != 0x20, rest[n - 2] != 0x20, rest[n - 1] != 0x20 {
            return rest.prefix(n - 9)
        }
        return targetByLastSpace(rest)
    }

    /// The rule itself: cut at the last space when what follows starts `HTTP/`.
    static func targetByLastSpace(_ rest: ByteSpan) -> ByteSpan {
        var i = rest.count - 1
        while i >= 0 && rest[i] != 0x20 { i -= 1 }
        if i >= 0 && rest.dropFirst(i + 1).hasPrefix("HTTP/") {
            return rest.prefix(i)
        }
        return rest
    }
}
