import XCTest
@testable import ChannelIngest

/// The visitor table against Swift's Dictionary, on a long random mix of inserts, updates and
/// removals (including key 0 and keys that share a home slot).
final class VisitorTableTests: XCTestCase {
    func testAgreesWithDictionary() {
        var rng = SplitMix(seed: 12)
        var table = VisitorTable<Int>(capacity: 4)
        var reference: [UInt64: Int] = [:]
        for step in 0..<200_000 {
            // Few distinct keys so that removals and re-insertions hit the same runs often.
            let key = rng.next() % 3000 == 0 ? 0 : (rng.next() % 5000) &* 0x1_0000_0001
            switch rng.next() % 3 {
            case 0, 1:
                table[key] = step
                reference[key] = step
            default:
                table[key] = nil
                reference[key] = nil
            }
            if step % 997 == 0 {
                XCTAssertEqual(table.count, reference.count)
            }
        }
        XCTAssertEqual(table.count, reference.count)
        for (k, v) in reference { XCTAssertEqual(table[k], v) }
        XCTAssertEqual(Set(table.entries.map(\.key)), Set(reference.keys))
        var r2 = reference
        table.removeAll { k, _ in k % 2 == 0 }
        r2 = r2.filter { $0.key % 2 != 0 }
        XCTAssertEqual(table.count, r2.count)
        for (k, v) in r2 { XCTAssertEqual(table[k], v) }
        XCTAssertNil(table[2 &* 0x1_0000_0001])
    }

    /// `updateAll` maps every value once and drops the ones mapped to nil, key 0 included,
    /// also when the dropped keys sit in the middle of probe runs.
    func testUpdateAllMapsAndDrops() {
        var table = VisitorTable<Int>(capacity: 4)
        var reference: [UInt64: Int] = [:]
        // Keys 0..<3000 times a constant: many share runs; 0 is the special key.
        for i in 0..<3000 {
            let key = UInt64(i) &* 0x1_0000_0001
            table[key] = i
            reference[key] = i
        }
        var calls = 0
        table.updateAll { v in
            calls += 1
            return v % 3 == 0 ? nil : v * 10
        }
        XCTAssertEqual(calls, 3000)
        // 1000 of 0..<3000 are multiples of 3 (0 among them): 2000 stay.
        XCTAssertEqual(table.count, 2000)
        XCTAssertNil(table[0])
        for (k, v) in reference {
            XCTAssertEqual(table[k], v % 3 == 0 ? nil : v * 10, "key \(k)")
        }
    }

    func testUpdateValueReturnsTheOldOne() {
        var t = VisitorTable<String>()
        XCTAssertNil(t.updateValue("a", forKey: 7))
        XCTAssertEqual(t.updateValue("b", forKey: 7), "a")
        XCTAssertEqual(t[7], "b")
        XCTAssertEqual(t.count, 1)
    }
}
