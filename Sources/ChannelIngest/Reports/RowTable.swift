/// The rows of one table in the order they were first seen, each found by a 64-bit code the
/// caller makes from interned integers: a multiply-and-shift probe instead of hashing a key's
/// strings with SipHash for every session.
struct RowTable<Key: Hashable> {
    private(set) var keys: [Key] = []
    var counts: [TrafficAggregates.Counts] = []
    private var index = VisitorTable<Int32>(capacity: 64)

    /// The row of `code` (whose key is `key`, only evaluated for a new row), empty when new.
    subscript(code: UInt64, key: @autoclosure () -> Key) -> TrafficAggregates.Counts {
        get {
            if let i = index[code] { return counts[Int(i)] }
            return TrafficAggregates.Counts()
        }
        set {
            counts[row(code, key())] = newValue
        }
        _modify {
            let i = row(code, key())
            yield &counts[i]
        }
    }

    private mutating func row(_ code: UInt64, _ key: @autoclosure () -> Key) -> Int {
        if let i = index[code] { return Int(i) }
        keys.append(key())
        counts.append(TrafficAggregates.Counts())
        index[code] = Int32(keys.count - 1)
        return keys.count - 1
    }

    var dictionary: [Key: TrafficAggregates.Counts] { Dictionary(uniqueKeysWithValues: zip(keys, counts)) }
}
