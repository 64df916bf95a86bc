/// Where a lead stands, as SPEC.md names it. CRMs spell it many ways ("Closed Won",
/// "lifecyclestage=customer", "Junk"); `LeadStatusMapping` maps their words onto these four.
public enum LeadStatus: String, CaseIterable, Sendable {
    case new, qualified, customer, spam

    /// A customer was qualified first, so it counts as qualified too (a funnel, not a partition).
    public var isQualified: Bool { self == .qualified || self == .customer }
}

/// The CRM's status words for each `LeadStatus`, compared without case, spaces or punctuation
/// ("Closed - Won" = "closedwon"). A word not listed counts as `new` and is reported.
public struct LeadStatusMapping: Equatable, Sendable {
    public var words: [LeadStatus: [String]]

    /// Common words of HubSpot, Salesforce, Pipedrive and hand-kept sheets.
    public static let defaults: [LeadStatus: [String]] = [
        .new: ["new", "open", "lead", "subscriber", "contacted", "attempted to contact", "in progress",
               "working", "working - contacted", "open - not contacted", "nurture", "unqualified",
               "closed - not converted", "lost", "closed lost"],
        .qualified: ["qualified", "mql", "sql", "marketing qualified lead", "sales qualified lead",
                     "opportunity", "closed - converted", "proposal", "negotiation"],
        .customer: ["customer", "won", "closed won", "paid", "evangelist"],
        .spam: ["spam", "junk", "fake", "invalid", "bot"],
    ]

    public init(words: [LeadStatus: [String]] = LeadStatusMapping.defaults) {
        self.words = words
        // In a fixed order, so a word listed under two statuses always lands on the later one.
        for status in LeadStatus.allCases { for w in words[status] ?? [] { table[Self.normalize(w)] = status } }
    }

    private var table: [String: LeadStatus] = [:]

    /// The status for a CRM word; nil when the word is not mapped. An empty word is `new`.
    public func status(of word: String) -> LeadStatus? {
        let n = Self.normalize(word)
        if n.isEmpty { return .new }
        return table[n]
    }

    /// Lowercase letters and digits only.
    static func normalize(_ s: String) -> String {
        String(String.UnicodeScalarView(s.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }))
    }

    public static func == (a: LeadStatusMapping, b: LeadStatusMapping) -> Bool { a.table == b.table }
}

import Foundation
