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
        let rest = r.dropFirst(sp + 1)
        // The protocol is the last token; a target may itself contain spaces when a client
        // sent them raw, so cut at the last space only if what follows looks like HTTP/x.
        var target = rest
        var i = rest.count - 1
        while i >= 0 && rest[i] != 0x20 { i -= 1 }
        if i >= 0 && rest.dropFirst(i + 1).hasPrefix("HTTP/") {
            target = rest.prefix(i)
        }
        hit.target = target
    }
}
