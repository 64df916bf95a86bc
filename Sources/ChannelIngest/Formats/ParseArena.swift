/// Scratch bytes for the field values a parser rebuilds instead of pointing into the line:
/// unescaped JSON strings, percent-decoded W3C fields, a path and a query logged apart.
///
/// It lives in its `LineChunk`'s allocation and is emptied when the chunk is recycled, so
/// values written here stay valid exactly as long as the chunk's lines.
public struct ParseArena {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var used = 0

    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Room for `n` more bytes.
    @inline(__always)
    func fits(_ n: Int) -> Bool { used + n <= capacity }

    /// The bytes of `parts` one after another; nil when the arena is full.
    mutating func join(_ parts: ByteSpan...) -> ByteSpan? {
        let n = parts.reduce(0) { $0 + $1.count }
        guard fits(n) else { return nil }
        let start = base + used
        for part in parts where part.count > 0 {
            memcpy(base + used, part.base, part.count)
            used += part.count
        }
        return ByteSpan(base: start, count: n)
    }

    /// Starts a value written byte by byte with `append`; `finish` returns it.
    @inline(__always)
    var mark: Int { used }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        base[used] = b
        used += 1
    }

    @inline(__always)
    func finish(from mark: Int) -> ByteSpan { ByteSpan(base: base + mark, count: used - mark) }

    mutating func reset() { used = 0 }
}

import Foundation
