import XCTest
@testable import ChannelIngest

/// The reorder buffer gives events back in (time, arrival) order, however they come: in order
/// (the queue), out of order (the heap), or mixed, with pops in between.
final class EventHeapTests: XCTestCase {
    func testEventsLeaveInTimeThenArrivalOrder() {
        var rng = SplitMix(seed: 99)
        var buffer = EventHeap()
        var out: [VisitEvent] = []
        var pushed: [VisitEvent] = []
        var t: Int64 = 1000
        for seq in 0..<50_000 {
            // Mostly forward in time, one in eight up to a minute back, bursts of one second.
            t += Int64(rng.next() % 3)
            let time = rng.next() % 8 == 0 ? t - Int64(rng.next() % 60) : t
            let e = VisitEvent(time: time, seq: Int64(seq), visitor: rng.next() % 100, origin: -1, page: 0)
            buffer.push(e)
            pushed.append(e)
            // Drain what is older than the last minute now and then, as the watermark does.
            if rng.next() % 500 == 0 {
                while let m = buffer.min, m.time < t - 60 { out.append(buffer.pop()!) }
            }
        }
        XCTAssertEqual(buffer.count, pushed.count - out.count)
        while let e = buffer.pop() { out.append(e) }
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertNil(buffer.min)
        let expected = pushed.sorted { VisitEvent.before($0, $1) }
        XCTAssertEqual(out.map(\.seq), expected.map(\.seq))
    }
}
