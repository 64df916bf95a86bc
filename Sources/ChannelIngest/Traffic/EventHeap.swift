/// The reorder buffer that turns slightly out-of-order log lines into (time, arrival) order.
///
/// Most lines of a file come in time order: those wait in a plain queue, in and out in O(1)
/// without moving anything. Only an event earlier than the last one queued (a slow request
/// logged late, a line of another server's file) goes to a binary min-heap. The earliest event
/// is the earlier of the two heads, so events leave in exactly the order one heap would give.
struct EventHeap {
    /// In order; `queue[head...]` is waiting.
    private var queue: [VisitEvent] = []
    private var head = 0
    private var heap: [VisitEvent] = []

    var count: Int { queue.count - head + heap.count }
    var isEmpty: Bool { count == 0 }

    var min: VisitEvent? {
        let q: VisitEvent? = head < queue.count ? queue[head] : nil
        guard let h = heap.first else { return q }
        guard let q else { return h }
        return VisitEvent.before(h, q) ? h : q
    }

    mutating func push(_ e: VisitEvent) {
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        if let last = queue.last, VisitEvent.before(e, last) {
            heapPush(e)
        } else {
            queue.append(e)
        }
    }

    mutating func pop() -> VisitEvent? {
        let fromQueue = head < queue.count
        if let h = heap.first, !fromQueue || VisitEvent.before(h, queue[head]) { return heapPop() }
        guard fromQueue else { return nil }
        let e = queue[head]
        head += 1
        // Give the front's room back now and then (the queue empties often, which resets it).
        if head >= 4096 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return e
    }

    private mutating func heapPush(_ e: VisitEvent) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            guard VisitEvent.before(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func heapPop() -> VisitEvent {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var c = l
                if l + 1 < n && VisitEvent.before(heap[l + 1], heap[l]) { c = l + 1 }
                guard VisitEvent.before(heap[c], heap[i]) else { break }
                heap.swapAt(i, c)
                i = c
            }
        }
        return top
    }
}
