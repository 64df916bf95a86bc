/// Numbers the distinct visitors of a run 0, 1, 2, … in the order they are first seen.
///
/// Counting users exactly means remembering every distinct visitor key, once for the whole
/// run and once per table row. With a dense number per visitor, the rows keep 2-byte parts of
/// numbers or a bitmap (`VisitorSet`) instead of 8-byte keys in hash tables of their own, so
/// the memory of a long run is about the keys themselves: 8 bytes a visitor here plus a slot
/// table of 5.3 to 10.7 bytes a visitor.
///
/// The keys sit in fixed segments (never copied as they grow); the slot table holds each
/// visitor's number, and in the bits the number doesn't need yet, a fingerprint of its key, so
/// a probe rarely has to look up a key that isn't the one sought.
final class VisitorNumbers {
    private static let segmentBits = 16
    private static let segmentSize = 1 << segmentBits
    private var segments: [UnsafeMutablePointer<UInt64>] = []
    /// Distinct visitors numbered so far (the next number).
    private(set) var count = 0

    /// `number + 1` in the low `numberBits` bits (0: empty), the key's fingerprint above.
    private var slots: UnsafeMutablePointer<UInt32>
    private var capacityBits: Int
    private var numberMask: UInt32 = 0

    init() {
        capacityBits = 10
        slots = .allocate(capacity: 1 << capacityBits)
        slots.initialize(repeating: 0, count: 1 << capacityBits)
        numberMask = UInt32((1 << capacityBits) - 1)
    }

    deinit {
        slots.deallocate()
        for s in segments { s.deallocate() }
    }

    /// The key of visitor number `n`.
    func key(_ n: Int) -> UInt64 {
        segments[n >> Self.segmentBits][n & (Self.segmentSize - 1)]
    }

    /// The number of `key`, numbering it if it is new. Keys are keyed hashes already, but
    /// tests use small numbers: `mix64` spreads them over both the slot and the fingerprint bits.
    func number(_ key: UInt64) -> UInt32 {
        let h = mix64(key)
        let mask = (1 << capacityBits) - 1
        let fingerprint = fingerprintBits(h)
        var i = Int(truncatingIfNeeded: h >> UInt64(64 - capacityBits))
        while true {
            let s = slots[i]
            if s == 0 { break }
            if s & ~numberMask == fingerprint {
                let n = Int(s & numberMask) - 1
                if self.key(n) == key { return UInt32(n) }
            }
            i = (i + 1) & mask
        }
        let n = count
        if n & (Self.segmentSize - 1) == 0 {
            segments.append(.allocate(capacity: Self.segmentSize))
        }
        segments[n >> Self.segmentBits][n & (Self.segmentSize - 1)] = key
        count += 1
        slots[i] = fingerprint | UInt32(n + 1)
        // At most ¾ full: linear probing stays short, and the table is 5.3–10.7 bytes a visitor.
        if count * 4 > (mask + 1) * 3 { grow() }
        return UInt32(n)
    }

    /// The fingerprint bits of hash `h`, placed above the number bits.
    @inline(__always)
    private func fingerprintBits(_ h: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: h) & ~numberMask
    }

    private func grow() {
        precondition(capacityBits < 32, "more than two billion distinct visitors")
        slots.deallocate()
        capacityBits += 1
        let size = 1 << capacityBits
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        // Numbers are below the capacity, so they fit in `capacityBits` bits.
        numberMask = capacityBits >= 32 ? .max : UInt32((1 << capacityBits) - 1)
        let mask = size - 1
        for n in 0..<count {
            let h = mix64(key(n))
            var i = Int(truncatingIfNeeded: h >> UInt64(64 - capacityBits))
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = fingerprintBits(h) | UInt32(n + 1)
        }
    }
}
