import Foundation

/// A borrowed run of bytes inside a buffer the caller owns (a log line, a field, a URL part).
///
/// Parsers hand these around instead of `String`s so nothing is copied or decoded on the hot
/// path; a span is valid only while the buffer it points into is alive.
public struct ByteSpan {
    public var base: UnsafePointer<UInt8>
    public var count: Int

    @inline(__always)
    public init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// An empty span that points at a static byte, so `base` is always dereferenceable.
    public static var empty: ByteSpan { ByteSpan(base: emptyByte, count: 0) }

    @inline(__always) public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public subscript(_ i: Int) -> UInt8 { base[i] }

    /// The bytes from `start` to the end.
    @inline(__always)
    public func dropFirst(_ n: Int) -> ByteSpan {
        let k = Swift.min(n, count)
        return ByteSpan(base: base + k, count: count - k)
    }

    /// The first `n` bytes.
    @inline(__always)
    public func prefix(_ n: Int) -> ByteSpan {
        ByteSpan(base: base, count: Swift.min(n, count))
    }

    @inline(__always)
    public func slice(_ from: Int, _ to: Int) -> ByteSpan {
        ByteSpan(base: base + from, count: to - from)
    }

    /// Index of the first `byte`, found with `memchr`.
    @inline(__always)
    public func firstIndex(of byte: UInt8) -> Int? {
        guard count > 0, let p = memchr(base, Int32(byte), count) else { return nil }
        return UnsafePointer(p.assumingMemoryBound(to: UInt8.self)) - base
    }

    /// Index of the first byte that is `a` or `b`, eight bytes at a time: a request target's
    /// path ends at `?` or `#`, looked for on every hit (a byte loop cost ~8 instructions a
    /// byte there, this ~2).
    @inline(__always)
    public func firstIndex(of a: UInt8, or b: UInt8) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let ma = ones &* UInt64(a), mb = ones &* UInt64(b)
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= count {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let xa = w ^ ma, xb = w ^ mb
            // A byte of x is 0 where w has the byte looked for; the lowest flagged byte is exact
            // (a borrow only flags bytes above a zero one).
            let found = ((xa &- ones) & ~xa | (xb &- ones) & ~xb) & highs
            if found != 0 { return i + found.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < count {
            let c = base[i]
            if c == a || c == b { return i }
            i += 1
        }
        return nil
    }

    /// Whether the span equals the ASCII text `s` byte for byte.
    public func equals(_ s: StaticString) -> Bool {
        guard s.utf8CodeUnitCount == count else { return false }
        return memcmp(base, s.utf8Start, count) == 0
    }

    public func hasPrefix(_ s: StaticString) -> Bool {
        guard s.utf8CodeUnitCount <= count else { return false }
        return memcmp(base, s.utf8Start, s.utf8CodeUnitCount) == 0
    }

    /// Whether the span starts with `s`, ignoring ASCII case (`s` must be lowercase).
    public func hasPrefixLowercased(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard n <= count else { return false }
        let p = s.utf8Start
        for i in 0..<n where asciiLower(base[i]) != p[i] { return false }
        return true
    }

    /// A `String` copy, invalid UTF-8 repaired. Only for the cold path (names kept for output).
    public var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// 64-bit FNV-1a-style hash folded 8 bytes at a time; for interning tables, not for privacy.
    @inline(__always)
    public var hashValue64: UInt64 { fastHash(base, count) }
}

private let emptyByteStorage: UnsafeMutablePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.pointee = 0
    return p
}()
let emptyByte = UnsafePointer(emptyByteStorage)

@inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 {
    (b &- 65) < 26 ? b | 0x20 : b
}

/// A fast non-cryptographic 64-bit hash (wyhash-like mixing over 8-byte words). Used to key
/// interning tables and caches; visitors use the keyed `VisitorKeyer` instead.
@inline(__always)
func fastHash(_ p: UnsafePointer<UInt8>, _ n: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> UInt64 {
    var h = seed ^ UInt64(truncatingIfNeeded: n) &* 0xFF51_AFD7_ED55_8CCD
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = mix64(h ^ w)
        i += 8
    }
    if i < n {
        var w: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            w |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = mix64(h ^ w ^ 0xA076_1D64_78BD_642F)
    }
    return mix64(h)
}

@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x &* 0xBF58_476D_1CE4_E5B9
    z ^= z >> 31
    z = z &* 0x94D0_49BB_1331_11EB
    z ^= z >> 29
    return z
}

extension Array where Element == UInt8 {
    /// Runs `body` with a span over the array's bytes.
    @inline(__always)
    func withSpan<R>(_ body: (ByteSpan) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { buf in
            try body(ByteSpan(base: buf.baseAddress ?? emptyByte, count: buf.count))
        }
    }
}

extension String {
    /// Runs `body` with a span over the string's UTF-8 bytes.
    func withSpan<R>(_ body: (ByteSpan) throws -> R) rethrows -> R {
        var s = self
        return try s.withUTF8 { buf in
            try body(ByteSpan(base: buf.baseAddress ?? emptyByte, count: buf.count))
        }
    }
}

/// Bytes that live as long as the process, for the few constants parsers splice into values
/// (`?` between a path and a query, `/` for a URL without a path, GA4's `GET`).
enum StaticBytes {
    static func make(_ s: StaticString) -> UnsafePointer<UInt8> {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: s.utf8CodeUnitCount)
        p.initialize(from: s.utf8Start, count: s.utf8CodeUnitCount)
        return UnsafePointer(p)
    }
}
