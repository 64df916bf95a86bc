/// A pageview (or, later, a goal hit) reduced to what sessionizing needs: a few integers.
public struct VisitEvent {
    public var time: Int64
    /// Arrival order: breaks ties between equal timestamps the way a stable sort would.
    public var seq: Int64
    public var visitor: UInt64
    /// The traffic source its campaign tags or referrer name (≥ 0), or
    /// `ReferrerClassifier.none` / `.internalHost` when it names none.
    public var origin: Int32
    /// Interned path, for landing pages.
    public var page: Int32
    public var isPageview: Bool

    public init(time: Int64, seq: Int64, visitor: UInt64, origin: Int32, page: Int32, isPageview: Bool = true) {
        self.time = time
        self.seq = seq
        self.visitor = visitor
        self.origin = origin
        self.page = page
        self.isPageview = isPageview
    }

    @inline(__always)
    static func before(_ a: VisitEvent, _ b: VisitEvent) -> Bool {
        a.time < b.time || (a.time == b.time && a.seq < b.seq)
    }
}

/// A finished session, handed to the reports.
public struct Session: Equatable {
    public var visitor: UInt64
    public var start: Int64
    public var end: Int64
    /// Traffic source id of the landing (`TrafficSources`).
    public var source: Int32
    public var landingPage: Int32
    public var pageviews: Int
    public var goalHits: Int

    public var duration: Int64 { end - start }
    /// One pageview and no goal hit.
    public var isBounce: Bool { pageviews == 1 && goalHits == 0 }
    /// Lasted 10 s or more, or 2+ pageviews, or a goal hit.
    public var isEngaged: Bool { duration >= 10 || pageviews >= 2 || goalHits >= 1 }
}
