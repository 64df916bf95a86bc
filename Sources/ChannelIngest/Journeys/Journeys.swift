/// Every journey of a run, in a form that adds up (it travels in partials, `Partial.Visits`):
/// the converting journeys with what the tables need to credit them, the non-converting ones as
/// counts per path, and the visitors whose journey a distributed run's merge decides.
///
/// A converting journey is one conversion and the channels of the converting visitor's sessions
/// in the lookback window before it (the sessions the rule models share its credit among). A
/// non-converting journey is a visitor with no conversion in the period and the channels of
/// their sessions in the lookback window before the period's end (the last hit of the run), as
/// Google's fractribution builds them.
public struct Journeys: Sendable {
    /// Converting journeys alike in everything the tables credit: the path, the goal, the day
    /// of the conversion and the sessions (source and landing page) that may get its credit.
    public struct Converting: Hashable, Sendable {
        public var path: JourneyPath
        public var goal: String
        public var day: Int64
        /// The sessions of the window, oldest first.
        public var touches: [Touch]
    }

    /// A session of a window: its source and landing page, as indices into `sources` and
    /// `pages` (a page of -1: none). Two integers, so a run's tens of thousands of journeys
    /// hash and compare without a string.
    public struct Touch: Hashable, Sendable {
        public var source: Int32
        public var page: Int32
    }

    public struct Tally: Equatable, Sendable {
        public var conversions = 0
        public var value = ExactSum()
        mutating func add(_ o: Tally) {
            conversions += o.conversions
            value.add(o.value)
        }
    }

    /// What the touches' indices name.
    public private(set) var sources: [TrafficSources.Source] = []
    public private(set) var pages: [String] = []
    private var sourceIndex: [TrafficSources.Source: Int32] = [:]
    private var pageIndex: [String: Int32] = [:]

    public var converting: [Converting: Tally] = [:]
    /// Non-converting journeys per path.
    public var nonConverting: [JourneyPath: Int] = [:]
    /// Visitors a CRM row may still turn into converters (a distributed run joins the rows in
    /// its merge): their non-converting path, counted by the merge unless a row joins them.
    public var pending: [UInt64: JourneyPath] = [:]

    public init() {}

    /// Journeys whose touches index `sources` and `pages` (a run's own tables of them).
    init(sources: [TrafficSources.Source], pages: [String]) {
        self.sources = sources
        self.pages = pages
    }

    public func source(of t: Touch) -> TrafficSources.Source { sources[Int(t.source)] }
    public func page(of t: Touch) -> String { t.page >= 0 && Int(t.page) < pages.count ? pages[Int(t.page)] : "" }

    /// The touch of a session of `source` landing on `page`.
    mutating func touch(source: TrafficSources.Source, page: String) -> Touch {
        if sourceIndex.count != sources.count {
            sourceIndex = Dictionary(sources.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        }
        if pageIndex.count != pages.count {
            pageIndex = Dictionary(pages.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        }
        let s = sourceIndex[source] ?? {
            sources.append(source)
            sourceIndex[source] = Int32(sources.count - 1)
            return Int32(sources.count - 1)
        }()
        let p = pageIndex[page] ?? {
            pages.append(page)
            pageIndex[page] = Int32(pages.count - 1)
            return Int32(pages.count - 1)
        }()
        return Touch(source: s, page: p)
    }

    mutating func add(converting k: Converting, _ t: Tally) { converting[k, default: Tally()].add(t) }

    mutating func add(_ o: Journeys) {
        if converting.isEmpty && sources.isEmpty && pages.isEmpty {
            sources = o.sources
            pages = o.pages
            converting = o.converting
        } else if !o.converting.isEmpty {
            let s = o.sources.map { _ in Int32(-1) }
            var sourceMap = s, pageMap = [Int32](repeating: -1, count: o.pages.count)
            for (k, t) in o.converting {
                var k2 = k
                for (i, x) in k.touches.enumerated() {
                    if sourceMap[Int(x.source)] < 0 || (x.page >= 0 && pageMap[Int(x.page)] < 0) {
                        let mapped = touch(source: o.source(of: x), page: o.page(of: x))
                        sourceMap[Int(x.source)] = mapped.source
                        if x.page >= 0 { pageMap[Int(x.page)] = mapped.page }
                    }
                    k2.touches[i] = Touch(source: sourceMap[Int(x.source)], page: x.page >= 0 ? pageMap[Int(x.page)] : -1)
                }
                converting[k2, default: Tally()].add(t)
            }
        }
        for (k, n) in o.nonConverting { nonConverting[k, default: 0] += n }
        pending.merge(o.pending) { a, _ in a }
    }

    /// Counts the pending visitors' paths as non-converting, except those of `converted`.
    mutating func settlePending(converted: Set<UInt64>) {
        for (v, path) in pending where !converted.contains(v) { nonConverting[path, default: 0] += 1 }
        pending = [:]
    }

    /// The rows of `paths.csv`: one per path, by journeys (most first), then path.
    public var rows: [PathRow] {
        var byPath: [JourneyPath: PathRow] = [:]
        for (k, t) in converting {
            byPath[k.path, default: PathRow(path: k.path)].conversions += t.conversions
            byPath[k.path]!.value.add(t.value)
        }
        for (p, n) in nonConverting { byPath[p, default: PathRow(path: p)].nonConversions += n }
        return byPath.values.sorted { $0.journeys != $1.journeys ? $0.journeys > $1.journeys : $0.path < $1.path }
    }

    public var isEmpty: Bool { converting.isEmpty && nonConverting.isEmpty && pending.isEmpty }
}

/// One row of `paths.csv`: the journeys of one path, and what the data-driven models read.
public struct PathRow: Equatable, Sendable {
    public var path: JourneyPath
    public var conversions = 0
    public var nonConversions = 0
    public var value = ExactSum()

    public init(path: JourneyPath, conversions: Int = 0, nonConversions: Int = 0, value: Double = 0) {
        self.path = path
        self.conversions = conversions
        self.nonConversions = nonConversions
        self.value = ExactSum(value)
    }

    public var journeys: Int { conversions + nonConversions }
}
