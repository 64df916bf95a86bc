/// A binary min-heap of events ordered by (time, arrival): the reorder buffer that turns
/// slightly out-of-order log lines into time order.
struct EventHeap {
    private(set) var items: [VisitEvent] = []

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var min: VisitEvent? { items.first }

    mutating func push(_ e: VisitEvent) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            guard VisitEvent.before(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> VisitEvent? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            let n = items.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var c = l
                if l + 1 < n && VisitEvent.before(items[l + 1], items[l]) { c = l + 1 }
                guard VisitEvent.before(items[c], items[i]) else { break }
                items.swapAt(i, c)
                i = c
            }
        }
        return top
    }
}
