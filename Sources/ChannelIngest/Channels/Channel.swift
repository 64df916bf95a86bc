/// Google Analytics 4's default channel group, plus the rows our tables need beyond it.
public enum Channel: Int, CaseIterable, Sendable, Comparable {
    case direct, organicSearch, paidSearch, organicSocial, paidSocial, email, referral, affiliates,
         display, organicVideo, paidVideo, organicShopping, paidShopping, paidOther, crossNetwork,
         audio, sms, mobilePush, unassigned,
         /// Opt-in (`--ai-channel`): sessions from an AI assistant; not in GA4's default group.
         aiAssistants

    /// The name written in every table, exactly as GA4 spells it.
    public var name: String {
        switch self {
        case .direct: return "Direct"
        case .organicSearch: return "Organic Search"
        case .paidSearch: return "Paid Search"
        case .organicSocial: return "Organic Social"
        case .paidSocial: return "Paid Social"
        case .email: return "Email"
        case .referral: return "Referral"
        case .affiliates: return "Affiliates"
        case .display: return "Display"
        case .organicVideo: return "Organic Video"
        case .paidVideo: return "Paid Video"
        case .organicShopping: return "Organic Shopping"
        case .paidShopping: return "Paid Shopping"
        case .paidOther: return "Paid Other"
        case .crossNetwork: return "Cross-network"
        case .audio: return "Audio"
        case .sms: return "SMS"
        case .mobilePush: return "Mobile Push Notifications"
        case .unassigned: return "Unassigned"
        case .aiAssistants: return "AI Assistants"
        }
    }

    public static func < (a: Channel, b: Channel) -> Bool { a.rawValue < b.rawValue }

    public init?(name: String) {
        guard let c = Channel.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = c
    }
}
