/// A set of visitor numbers (`VisitorNumbers`): the distinct users of one table row.
///
/// The numbers are cut into blocks of 65,536 (as Roaring bitmaps do): a block with few of a
/// row's visitors keeps their low 16 bits in a sorted list (2 bytes each), a block with more
/// than 4,096 a bitmap (8 KiB, an eighth of a byte per visitor numbered). So the big rows
/// (direct, organic search) cost about a bit per visitor of the run, and the many small ones
/// (a referrer, a campaign, a day) only what they hold, however spread out in the run.
struct VisitorSet {
    /// Distinct numbers inserted.
    private(set) var count = 0
    private var blocks: [Block] = []

    fileprivate static let blockBits = 16
    /// Past this many members a block's list (2 bytes each) would outgrow its bitmap (8 KiB).
    fileprivate static let listLimit = 4096

    fileprivate struct Block {
        /// Low 16 bits of the members, ascending; unused once `bits` is.
        var list: [UInt16] = []
        /// 1,024 words once the block is dense.
        var bits: [UInt64] = []
    }

    /// Adds visitor number `n`.
    mutating func insert(_ n: UInt32) {
        let b = Int(n >> UInt32(Self.blockBits))
        if b >= blocks.count { blocks.append(contentsOf: repeatElement(Block(), count: b + 1 - blocks.count)) }
        if blocks[b].insert(UInt16(truncatingIfNeeded: n)) { count += 1 }
    }

    /// Whether visitor number `n` is in the set.
    func contains(_ n: UInt32) -> Bool {
        let b = Int(n >> UInt32(Self.blockBits))
        return b < blocks.count && blocks[b].contains(UInt16(truncatingIfNeeded: n))
    }

    /// Bytes held by the members (without the arrays' spare capacity), for tests.
    var memberBytes: Int { blocks.reduce(0) { $0 + $1.list.count * 2 + $1.bits.count * 8 } }
}

fileprivate extension VisitorSet.Block {
    /// True when `x` was not there yet.
    mutating func insert(_ x: UInt16) -> Bool {
        if !bits.isEmpty {
            let w = Int(x >> 6), m: UInt64 = 1 << UInt64(x & 63)
            if bits[w] & m != 0 { return false }
            bits[w] |= m
            return true
        }
        // New visitors get the highest numbers so far: most inserts append.
        if let last = list.last, x <= last {
            let i = lowerBound(x)
            if list[i] == x { return false }
            list.insert(x, at: i)
        } else {
            list.append(x)
        }
        if list.count > VisitorSet.listLimit {
            bits = [UInt64](repeating: 0, count: 1 << (VisitorSet.blockBits - 6))
            for y in list { bits[Int(y >> 6)] |= 1 << UInt64(y & 63) }
            list = []
        }
        return true
    }

    func contains(_ x: UInt16) -> Bool {
        if !bits.isEmpty { return bits[Int(x >> 6)] & (1 << UInt64(x & 63)) != 0 }
        let i = lowerBound(x)
        return i < list.count && list[i] == x
    }

    /// The first index whose member is not below `x`.
    private func lowerBound(_ x: UInt16) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if list[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
