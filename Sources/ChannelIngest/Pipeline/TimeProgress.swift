/// How far in time one input has got, robust to stray timestamps.
///
/// The merge applies events older than every input's progress minus the reorder window, so
/// progress must never run ahead of the lines still to come. A time counts only once the next
/// line confirms it (is not more than the window earlier): one line dated 2100 in a 2026 log is
/// never confirmed, so it can't make every later line "late". A real quiet gap (hours without
/// traffic) is confirmed by the line after it.
struct TimeProgress {
    private(set) var value: Int64
    private var previous: Int64?
    let window: Int64

    init(start: Int64, window: Int64) {
        value = start
        self.window = window
    }

    @inline(__always)
    mutating func observe(_ t: Int64) {
        if let p = previous {
            let confirmed = t >= p &- window ? p : t
            if confirmed > value { value = confirmed }
        }
        previous = t
    }
}
