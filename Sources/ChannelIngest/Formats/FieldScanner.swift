import Foundation

/// A cursor over one log line with the few moves every text log format needs: a space-separated
/// token, a `"quoted"` field with backslash escapes, a `[bracketed]` time.
struct FieldScanner {
    var p: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>

    @inline(__always)
    init(_ line: ByteSpan) {
        p = line.base
        end = line.base + line.count
    }

    @inline(__always) var atEnd: Bool { p >= end }

    /// Consumes exactly one space (several are tolerated, as some servers pad).
    @inline(__always)
    mutating func space() -> Bool {
        guard p < end, p.pointee == 0x20 else { return false }
        repeat { p += 1 } while p < end && p.pointee == 0x20
        return true
    }

    /// Position of the next `byte`, not moving the cursor.
    @inline(__always)
    func find(_ byte: UInt8) -> UnsafePointer<UInt8>? {
        guard p < end, let hit = memchr(p, Int32(byte), end - p) else { return nil }
        return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
    }

    /// A run of non-space bytes; nil when empty.
    @inline(__always)
    mutating func token() -> ByteSpan? {
        let start = p
        let n = end - p
        if let sp = memchr(p, 0x20, n) {
            p = UnsafePointer(sp.assumingMemoryBound(to: UInt8.self))
        } else {
            p = end
        }
        return p > start ? ByteSpan(base: start, count: p - start) : nil
    }

    /// A `"…"` field; `\"` inside does not end it. The result excludes the quotes and keeps
    /// escapes as they are (values we compare never contain them in practice). A field that is
    /// exactly `-` is returned empty.
    ///
    /// Apache and nginx escape a `"` inside a value (`\"`, `\x22`), so the first unescaped
    /// quote closes the field, and it must stand before a space or the line's end: a raw quote
    /// inside (`"Mozilla "x" y"`) means the line does not fit its format (nil, malformed).
    @inline(__always)
    mutating func quoted() -> ByteSpan? {
        guard p < end, p.pointee == 0x22 else { return nil }
        let start = p + 1
        guard let quote = Self.unescapedQuote(from: start, start: start, end: end) else { return nil }
        let after = quote + 1
        guard after == end || after.pointee == 0x20 else { return nil }
        p = after
        let span = ByteSpan(base: start, count: quote - start)
        return span.count == 1 && start.pointee == 0x2D ? .empty : span
    }

    /// A `"…"` field of a log that may not escape quotes inside values (AWS ALB's): a quote
    /// closes it only before a space or the line's end, so a raw quote inside is kept.
    @inline(__always)
    mutating func quotedAllowingRawQuotes() -> ByteSpan? {
        guard p < end, p.pointee == 0x22 else { return nil }
        let start = p + 1
        var q = start
        while let quote = Self.unescapedQuote(from: q, start: start, end: end) {
            let after = quote + 1
            if after == end || after.pointee == 0x20 {
                p = after
                let span = ByteSpan(base: start, count: quote - start)
                return span.count == 1 && start.pointee == 0x2D ? .empty : span
            }
            q = after
        }
        return nil
    }

    /// What may follow the last field of a format that tolerates more (nginx setups append
    /// `"$http_x_forwarded_for"` or `$request_time`): space-separated tokens without a quote, or
    /// quoted fields as `quoted()` reads them. False when a raw quote is left over.
    @inline(__always)
    mutating func extraFields() -> Bool {
        while p < end {
            guard space() else { return false }
            if p == end { return true }
            if p.pointee == 0x22 {
                guard quoted() != nil else { return false }
            } else {
                guard let t = token(), t.firstIndex(of: 0x22) == nil else { return false }
            }
        }
        return true
    }

    /// The next `"` at or after `q` that no backslash escapes (an odd number of backslashes
    /// before it, counted back to `start`, escapes it). Shared by every quoted-field reader.
    @inline(__always)
    static func unescapedQuote(from q: UnsafePointer<UInt8>, start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
        var q = q
        while q < end {
            guard let hit = memchr(q, 0x22, end - q) else { return nil }
            let quote = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            var bs = 0
            var b = quote - 1
            while b >= start && b.pointee == 0x5C { bs += 1; b -= 1 }
            if bs & 1 == 0 { return quote }
            q = quote + 1
        }
        return nil
    }

    /// `[…]` holding a `time_local` timestamp; returns epoch seconds.
    @inline(__always)
    mutating func bracketedTime(_ clock: inout CommonLogClock) -> Int64? {
        guard end - p >= 28, p.pointee == 0x5B, p[27] == 0x5D else { return nil }
        let t = clock.time(p + 1)
        p += 28
        return t
    }

    /// A non-negative decimal integer of at most `maxDigits` digits (at most 18, so it fits).
    @inline(__always)
    mutating func integer(maxDigits: Int) -> Int? {
        var v = 0
        var n = 0
        let limit = min(maxDigits, 18)
        while p < end, case let d = p.pointee &- 0x30, d < 10 {
            if n == limit { return nil }
            v = v * 10 + Int(d)
            n += 1
            p += 1
        }
        return n > 0 ? v : nil
    }

    /// A byte count: 1 to 19 digits, or `-`. Its value is never used, so it is not computed
    /// (19 nines would not fit an Int; `scripts/fuzz` found that).
    @inline(__always)
    mutating func size() -> Bool {
        if p < end && p.pointee == 0x2D { p += 1; return p == end || p.pointee == 0x20 }
        // A local cursor: the loop then keeps it in a register.
        var q = p
        while q < end, q.pointee &- 0x30 < 10 { q += 1 }
        let n = q - p
        p = q
        guard n > 0, n <= 19 else { return false }
        return p == end || p.pointee == 0x20
    }
}
