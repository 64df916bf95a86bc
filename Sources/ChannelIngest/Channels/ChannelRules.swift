/// The GA4 default channel group rules, in SPEC.md's order: the first rule that matches a
/// session's (source, medium, campaign) names its channel.
///
/// The rules are a table (`ChannelRules.table`), not a chain of `if`s, so that `ingest explain`
/// can show which rule matched and which ones before it did not, by running the very tests the
/// pipeline runs. The channel of a source is worked out once per distinct (source, medium,
/// campaign) and interned, so the table costs nothing per line.
public struct ChannelRules: Sendable {
    public let lists: SourceLists
    /// The rules in the order they are tried: GA4's 18, and with `--ai-channel` the AI
    /// Assistants rule right after Direct and Cross-network.
    public let rules: [Rule]

    public init(lists: SourceLists, aiAssistants: Bool = false) {
        self.lists = lists
        rules = aiAssistants ? Array(Self.table[..<2]) + [Self.aiRule] + Array(Self.table[2...]) : Self.table
    }

    /// The opt-in rule (SPEC.md "AI Assistants"): numbered after GA4's 18, tried third.
    public static let aiRule = Rule(number: 19, channel: .aiAssistants,
                                    condition: "AI source (the referrer's host or utm_source is on the AI assistants list)") { $0.ai }

    /// What the rules test, worked out once for a (source, medium, campaign).
    public struct Facts: Sendable, Equatable {
        public var source: String
        public var medium: String
        public var campaign: String
        /// The list the source is on (SEARCH, SOCIAL, VIDEO, SHOPPING …), if any.
        public var category: SourceCategory?
        /// PAID: the medium matches `^(.*cp.*|ppc|retargeting|paid.*)$`.
        public var paid: Bool
        /// SHOPCAMP: the campaign matches `^(.*(([^a-df-z]|^)shop|shopping).*)$`.
        public var shoppingCampaign: Bool

        var search: Bool { category == .search }
        var social: Bool { category == .social }
        var video: Bool { category == .video }
        var shopping: Bool { category == .shopping }
        var ai: Bool { category == .ai }
    }

    /// One rule of the channel group: its number in SPEC.md, the channel it names and its test.
    public struct Rule: Sendable {
        public let number: Int
        public let channel: Channel
        /// The rule as SPEC.md words it.
        public let condition: String
        let test: @Sendable (Facts) -> Bool
    }

    public func facts(source: String, medium: String, campaign: String) -> Facts {
        Facts(source: source, medium: medium, campaign: campaign, category: lists.category(ofSource: source),
              paid: Self.isPaid(medium), shoppingCampaign: Self.isShoppingCampaign(campaign))
    }

    public func channel(source: String, medium: String, campaign: String) -> Channel {
        let f = facts(source: source, medium: medium, campaign: campaign)
        return rules.first { $0.test(f) }?.channel ?? .unassigned
    }

    /// Every rule with whether it matches, in order; the first match names the channel (none:
    /// Unassigned).
    public func evaluate(source: String, medium: String, campaign: String) -> (facts: Facts, results: [(rule: Rule, matches: Bool)]) {
        let f = facts(source: source, medium: medium, campaign: campaign)
        return (f, rules.map { ($0, $0.test(f)) })
    }

    static let displayMedia: Set<String> = ["display", "banner", "expandable", "interstitial", "cpm"]
    static let socialMedia: Set<String> = ["social", "social-network", "social-media", "sm", "social network", "social media"]
    static let emailWords: Set<String> = ["email", "e-mail", "e_mail", "e mail"]

    /// SPEC.md's 18 rules, in order.
    public static let table: [Rule] = [
        Rule(number: 1, channel: .direct, condition: "source is (direct) and medium is (none) or (not set)") {
            $0.source == "(direct)" && ($0.medium == "(none)" || $0.medium == "(not set)")
        },
        Rule(number: 2, channel: .crossNetwork, condition: "campaign contains cross-network") { $0.campaign.contains("cross-network") },
        Rule(number: 3, channel: .paidShopping, condition: "(SHOPPING source or SHOPCAMP campaign) and PAID medium") {
            ($0.shopping || $0.shoppingCampaign) && $0.paid
        },
        Rule(number: 4, channel: .paidSearch, condition: "SEARCH source and PAID medium") { $0.search && $0.paid },
        Rule(number: 5, channel: .paidSocial, condition: "SOCIAL source and PAID medium") { $0.social && $0.paid },
        Rule(number: 6, channel: .paidVideo, condition: "VIDEO source and PAID medium") { $0.video && $0.paid },
        Rule(number: 7, channel: .display, condition: "medium is display, banner, expandable, interstitial or cpm") {
            displayMedia.contains($0.medium)
        },
        Rule(number: 8, channel: .paidOther, condition: "PAID medium") { $0.paid },
        Rule(number: 9, channel: .organicShopping, condition: "SHOPPING source or SHOPCAMP campaign") { $0.shopping || $0.shoppingCampaign },
        Rule(number: 10, channel: .organicSocial, condition: "SOCIAL source, or medium is social, social-network, social-media, sm, social network or social media") {
            $0.social || socialMedia.contains($0.medium)
        },
        Rule(number: 11, channel: .organicVideo, condition: "VIDEO source, or medium contains video") { $0.video || $0.medium.contains("video") },
        Rule(number: 12, channel: .organicSearch, condition: "SEARCH source, or medium is organic") { $0.search || $0.medium == "organic" },
        Rule(number: 13, channel: .referral, condition: "medium is referral, app or link") { ["referral", "app", "link"].contains($0.medium) },
        Rule(number: 14, channel: .email, condition: "source or medium is email, e-mail, e_mail or e mail") {
            emailWords.contains($0.source) || emailWords.contains($0.medium)
        },
        Rule(number: 15, channel: .affiliates, condition: "medium is affiliate") { $0.medium == "affiliate" },
        Rule(number: 16, channel: .audio, condition: "medium is audio") { $0.medium == "audio" },
        Rule(number: 17, channel: .sms, condition: "source or medium is sms") { $0.source == "sms" || $0.medium == "sms" },
        Rule(number: 18, channel: .mobilePush, condition: "medium ends with push or contains mobile or notification, or source is firebase") {
            $0.medium.hasSuffix("push") || $0.medium.contains("mobile") || $0.medium.contains("notification") || $0.source == "firebase"
        },
    ]

    /// `^(.*cp.*|ppc|retargeting|paid.*)$`
    static func isPaid(_ medium: String) -> Bool {
        medium.contains("cp") || medium == "ppc" || medium == "retargeting" || medium.hasPrefix("paid")
    }

    /// `^(.*(([^a-df-z]|^)shop|shopping).*)$`: "shopping" anywhere, or "shop" at the start or
    /// after a character other than a–d, f–z (so "eshop" and "e-shop" match, "workshop" doesn't).
    static func isShoppingCampaign(_ campaign: String) -> Bool {
        let b = Array(campaign.utf8)
        if campaign.contains("shopping") { return true }
        var i = 0
        while i + 4 <= b.count {
            if b[i] == 0x73, b[i + 1] == 0x68, b[i + 2] == 0x6F, b[i + 3] == 0x70 {
                if i == 0 { return true }
                let p = b[i - 1]
                let excluded = (p >= 0x61 && p <= 0x64) || (p >= 0x66 && p <= 0x7A)
                if !excluded { return true }
            }
            i += 1
        }
        return false
    }
}
