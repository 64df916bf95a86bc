import XCTest
@testable import ChannelIngest

/// The numbering of visitors and the per-row user sets that count distinct users with it.
final class VisitorNumbersTests: XCTestCase {
    /// Numbers follow first sight, survive every growth of the table, and a key seen again
    /// keeps its number; key 0 and keys differing only in their high bits are visitors too.
    func testNumbersInOrderOfFirstSight() {
        let numbers = VisitorNumbers()
        let keys: [UInt64] = (0..<150_000).map { UInt64($0) << 40 } + (1..<150_000).map { UInt64($0) }
        for (i, k) in keys.enumerated() { XCTAssertEqual(numbers.number(k), UInt32(i)) }
        XCTAssertEqual(numbers.count, 299_999)
        // Again in reverse: nothing new.
        for (i, k) in keys.enumerated().reversed() where i % 7 == 0 { XCTAssertEqual(numbers.number(k), UInt32(i)) }
        XCTAssertEqual(numbers.count, 299_999)
        XCTAssertEqual(numbers.key(150_000), 1)
        XCTAssertEqual(numbers.key(3), 3 << 40)
        XCTAssertEqual(numbers.number(.max), 299_999)
        XCTAssertEqual(numbers.count, 300_000)
    }

    /// 10,000 distinct numbers, each inserted three times in a scrambled order: 10,000 users,
    /// and exactly those.
    func testSetCountsEachNumberOnce() {
        var set = VisitorSet()
        for round in 0..<3 {
            for i in 0..<10_000 { set.insert(UInt32((i * 7_919 + round) % 10_000) * 13) }
        }
        XCTAssertEqual(set.count, 10_000)
        for i in 0..<10_000 {
            XCTAssertTrue(set.contains(UInt32(i) * 13))
            XCTAssertFalse(set.contains(UInt32(i) * 13 + 1))
        }
        XCTAssertFalse(set.contains(130_000))
        XCTAssertFalse(set.contains(.max))
    }

    /// A block turns into a bitmap past 4,096 members: 4,096 cost 2 bytes each, the 4,097th
    /// makes it 8 KiB; descending inserts (each at the front) give the same set.
    func testBlockBecomesABitmapPastItsListLimit() {
        var set = VisitorSet()
        for i in stride(from: 4_095, through: 0, by: -1) { set.insert(UInt32(i * 16)) }
        XCTAssertEqual(set.count, 4_096)
        XCTAssertEqual(set.memberBytes, 8_192)
        set.insert(1)
        XCTAssertEqual(set.count, 4_097)
        XCTAssertEqual(set.memberBytes, 8_192)
        XCTAssertTrue(set.contains(1))
        XCTAssertTrue(set.contains(65_520))
        XCTAssertFalse(set.contains(2))
        set.insert(65_520)
        XCTAssertEqual(set.count, 4_097)
    }

    /// A row whose few users are spread over a long run costs 2 bytes a user, not a bitmap of
    /// the run; a row with every visitor costs a bit a visitor.
    func testSparseRowsStaySmallAndFullRowsCostABitAVisitor() {
        var sparse = VisitorSet()
        for b in 0..<100 { sparse.insert(UInt32(b) << 16 | 77) }
        XCTAssertEqual(sparse.count, 100)
        XCTAssertEqual(sparse.memberBytes, 200)
        var full = VisitorSet()
        for n in 0..<(1 << 20) { full.insert(UInt32(n)) }
        XCTAssertEqual(full.count, 1 << 20)
        XCTAssertEqual(full.memberBytes, (1 << 20) / 8)
    }
}
