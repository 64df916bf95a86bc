/// The GA4 default channel group rules, in SPEC.md's order: the first rule that matches a
/// session's (source, medium, campaign) names its channel.
public struct ChannelRules: Sendable {
    public let lists: SourceLists

    public init(lists: SourceLists) { self.lists = lists }

    public func channel(source: String, medium: String, campaign: String) -> Channel {
        let category = lists.category(ofSource: source)
        let search = category == .search
        let social = category == .social
        let video = category == .video
        let shopping = category == .shopping
        let paid = Self.isPaid(medium)
        let shopCampaign = Self.isShoppingCampaign(campaign)

        if source == "(direct)" && (medium == "(none)" || medium == "(not set)") { return .direct }
        if campaign.contains("cross-network") { return .crossNetwork }
        if (shopping || shopCampaign) && paid { return .paidShopping }
        if search && paid { return .paidSearch }
        if social && paid { return .paidSocial }
        if video && paid { return .paidVideo }
        if ["display", "banner", "expandable", "interstitial", "cpm"].contains(medium) { return .display }
        if paid { return .paidOther }
        if shopping || shopCampaign { return .organicShopping }
        if social || ["social", "social-network", "social-media", "sm", "social network", "social media"].contains(medium) {
            return .organicSocial
        }
        if video || medium.contains("video") { return .organicVideo }
        if search || medium == "organic" { return .organicSearch }
        if ["referral", "app", "link"].contains(medium) { return .referral }
        let emailWords = ["email", "e-mail", "e_mail", "e mail"]
        if emailWords.contains(source) || emailWords.contains(medium) { return .email }
        if medium == "affiliate" { return .affiliates }
        if medium == "audio" { return .audio }
        if source == "sms" || medium == "sms" { return .sms }
        if medium.hasSuffix("push") || medium.contains("mobile") || medium.contains("notification") || source == "firebase" {
            return .mobilePush
        }
        return .unassigned
    }

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
