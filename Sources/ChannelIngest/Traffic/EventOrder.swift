/// The order of events with equal timestamps: by input, then by line.
///
/// Sessions depend on the order of a visitor's hits within one second (a pageview with a new
/// campaign, a goal hit: which came first decides the split and the credit). "Sorted by time"
/// leaves those ties open, and the order hits arrive in depends on how inputs and chunks
/// interleave — in a distributed run, on which task read what. So every event gets an order
/// number from its input's rank and its place in that input: the inputs, as named on the
/// command line (after directories and globs are expanded), sorted by name; a second input of
/// the same name after the first. A one-process run and a run split over any number of map
/// tasks number every event the same.
public enum EventOrder {
    /// Events of one input: up to 2⁴⁰ (a trillion).
    static let perInput: Int64 = 1 << 40

    /// The rank of each path (its place in name order), in the order given.
    public static func ranks(of paths: [String]) -> [Int] {
        // UTF-8 byte order (code point order: what Python's sort gives the Spark driver).
        let order = paths.indices.sorted { a, b in
            if paths[a].utf8.elementsEqual(paths[b].utf8) { return a < b }
            return paths[a].utf8.lexicographicallyPrecedes(paths[b].utf8)
        }
        var ranks = [Int](repeating: 0, count: paths.count)
        for (rank, i) in order.enumerated() { ranks[i] = rank }
        return ranks
    }

    /// The order number before an input's first event (`TrafficStage` adds one per event).
    public static func firstSeq(rank: Int) -> Int64 { Int64(rank) * perInput }
}
