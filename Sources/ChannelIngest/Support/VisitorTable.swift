/// A hash table from 64-bit keys that are already hashes (visitor keys, text hashes) to values.
///
/// Swift's `Dictionary` runs SipHash over every key on every lookup; these keys are uniformly
/// distributed already, so a multiply-and-shift finds the slot. Open addressing with linear
/// probing and backward-shift deletion: no tombstones, so a table that sees millions of
/// insertions and removals (sessions opening and closing) stays as small as what is live.
struct VisitorTable<Value> {
    private var keys: [UInt64]
    private var values: [Value?]
    /// Key 0 marks an empty slot; a real key 0 lives here.
    private var zeroValue: Value?
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0
    /// Mixed into every key, so keys an attacker can choose (hashes of User-Agents) can't be
    /// lined up into one probe run.
    private let seed: UInt64

    init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        keys = [UInt64](repeating: 0, count: n)
        values = [Value?](repeating: nil, count: n)
        mask = n - 1
        shift = UInt64(64 - n.trailingZeroBitCount)
        var g = SystemRandomNumberGenerator()
        seed = g.next() | 1
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: ((key ^ (key >> 29)) &* 0x9E37_79B9_7F4A_7C15 &* seed) >> shift)
    }

    subscript(key: UInt64) -> Value? {
        get {
            if key == 0 { return zeroValue }
            var i = slot(key)
            while true {
                let k = keys[i]
                if k == key { return values[i] }
                if k == 0 { return nil }
                i = (i + 1) & mask
            }
        }
        set {
            if key == 0 {
                if zeroValue == nil && newValue != nil { count += 1 }
                if zeroValue != nil && newValue == nil { count -= 1 }
                zeroValue = newValue
                return
            }
            if let v = newValue { insert(key, v) } else { remove(key) }
        }
    }

    /// Calls `body` with the value of `key` in place and returns its result; nil (and `body`
    /// not called) when the key has no value. A session updated by a hit goes through here:
    /// read out and written back, it was copied twice a hit, and its goal list (an array)
    /// copied whole when a goal was added while the table still held the old one.
    @inline(__always)
    mutating func modify<R>(_ key: UInt64, _ body: (inout Value) -> R) -> R? {
        if key == 0 {
            guard zeroValue != nil else { return nil }
            return body(&zeroValue!)
        }
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return body(&values[i]!) }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Sets `key` to `value` and returns the value it had.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: UInt64) -> Value? {
        let old = self[key]
        self[key] = value
        return old
    }

    private mutating func insert(_ key: UInt64, _ value: Value) {
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { values[i] = value; return }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = value
        count += 1
        if count * 4 > keys.count * 3 { grow() }
    }

    private mutating func remove(_ key: UInt64) {
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == 0 { return }
            if k == key { break }
            i = (i + 1) & mask
        }
        count -= 1
        // Backward-shift deletion: pull later entries of the run into the hole when their home
        // slot is not between the hole and themselves.
        var hole = i
        var j = (i + 1) & mask
        while keys[j] != 0 {
            let home = slot(keys[j])
            let movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)
            if movable {
                keys[hole] = keys[j]
                values[hole] = values[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        keys[hole] = 0
        values[hole] = nil
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let n = keys.count * 2
        keys = [UInt64](repeating: 0, count: n)
        values = [Value?](repeating: nil, count: n)
        mask = n - 1
        shift = UInt64(64 - n.trailingZeroBitCount)
        let zero = zeroValue
        count = zero == nil ? 0 : 1
        for (k, v) in zip(oldKeys, oldValues) where k != 0 { insert(k, v!) }
    }

    /// Every entry, in no particular order.
    var entries: [(key: UInt64, value: Value)] {
        var out: [(UInt64, Value)] = []
        out.reserveCapacity(count)
        if let z = zeroValue { out.append((0, z)) }
        for (k, v) in zip(keys, values) where k != 0 { out.append((k, v!)) }
        return out
    }

    /// Calls `body` with every value, in no particular order, without copying the table.
    func forEachValue(_ body: (Value) -> Void) {
        if let z = zeroValue { body(z) }
        for i in keys.indices where keys[i] != 0 { body(values[i]!) }
    }

    /// Replaces every value by `transform(value)` and removes the entries it returns nil for,
    /// in place: no second table, only the list of keys removed.
    mutating func updateAll(_ transform: (Value) -> Value?) {
        if let z = zeroValue {
            zeroValue = transform(z)
            if zeroValue == nil { count -= 1 }
        }
        var gone: [UInt64] = []
        for i in keys.indices where keys[i] != 0 {
            if let v = transform(values[i]!) { values[i] = v } else { gone.append(keys[i]) }
        }
        for k in gone { remove(k) }
    }

    /// Keeps only the entries `keep` returns true for.
    mutating func removeAll(where drop: (UInt64, Value) -> Bool) {
        for (k, v) in entries where drop(k, v) { self[k] = nil }
    }
}
