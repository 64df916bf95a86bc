import Foundation

/// `ingest explain`'s two outputs: steps for a person in a terminal, and one JSON object with
/// stable keys for scripts (README, "ingest explain").
extension HitExplanation {
    /// The steps, one block each, with the rule that matched and the ones before it.
    public var text: String {
        var out: [String] = []
        func block(_ title: String, _ lines: [String]) {
            guard let first = lines.first else { return }
            out.append(title.padding(toLength: 12, withPad: " ", startingAt: 0) + first)
            for l in lines.dropFirst() { out.append(String(repeating: " ", count: 12) + l) }
        }

        var landingLines = [landing.url]
        var where_ = "host \(landing.host ?? "unknown")"
        switch landing.isSiteHost {
        case true?: where_ += " (a site host)"
        case false?: where_ += " (not a site host)"
        case nil: break
        }
        landingLines.append("\(where_), path \(landing.path)")
        landingLines.append(landing.isPageview ? "a pageview (GET, status 200): it can land a session"
                                               : "not a pageview: \(landing.notPageview ?? "")")
        block("Landing", landingLines)

        block("User-Agent", [userAgentText])

        var campaignLines = campaign.parameters.map { p in
            "\(p.name) = \(p.value.isEmpty ? "(empty)" : p.value)" + (p.ignored.map { "  — ignored: \($0)" } ?? "")
        }
        switch campaign.decider {
        case .googleClickID?: campaignLines.append("→ a Google click id decides: google / cpc, campaign (not set); utm_* and the referrer are not read")
        case .utm?: campaignLines.append("→ the utm_* parameters decide (a missing one is (not set)); the referrer is not read")
        case .microsoftClickID?: campaignLines.append("→ msclkid decides: bing / cpc, campaign (not set); the referrer is not read")
        case nil: campaignLines.append(campaign.parameters.isEmpty ? "none: the referrer decides" : "none that count: the referrer decides")
        }
        block("Campaign", campaignLines)

        block("Referrer", referrerLines)

        block("Source", ["\(source) / \(medium), campaign \(campaignName)  (decided by \(deciderText))"])

        var ruleLines: [String] = []
        if let rule = matchedRule {
            ruleLines.append("\(channel.name) — rule \(rule.number) \(rule.channel.name): \(rule.condition)")
        } else {
            ruleLines.append("\(channel.name) — none of the 18 rules matched")
        }
        ruleLines.append(factsText)
        let misses = rules.filter { !$0.matches }
        if !misses.isEmpty {
            ruleLines.append(matchedRule == nil ? "rules that did not match:" : "rules before it that did not match:")
            for (rule, _) in misses {
                ruleLines.append("  \(String(rule.number).leftPadded(to: 2)) \(rule.channel.name): \(rule.condition)")
            }
        }
        block("Channel", ruleLines)

        if outcome != .session || !notes.isEmpty {
            block("Note", notes.isEmpty ? [outcomeText] : (outcome == .session ? notes : [outcomeText] + notes))
        }
        return out.joined(separator: "\n") + "\n"
    }

    private var userAgentText: String {
        guard userAgent.text != nil, let reason = userAgent.reason else {
            return "none given: the bot rule is skipped (as for a format without the field)"
        }
        switch reason {
        case .empty: return "bot (\(userAgent.family ?? BotFilter.emptyFamily)): the User-Agent is empty or -"
        case .exception(let pattern, let origin): return "browser: matches the not-a-bot entry `\(pattern)` (\(origin))"
        case .pattern(let pattern, let origin): return "bot (\(userAgent.family ?? "")): matches `\(pattern)` (\(origin))"
        case .structure: return "bot (\(userAgent.family ?? BotFilter.unlistedFamily)): no (platform; …) comment and no OS name, so not a browser"
        case .browser(let evidence): return "browser: no bot pattern matches, and it has \(evidence)"
        }
    }

    private var referrerLines: [String] {
        guard let text = referrer.text else { return ["none: (direct) / (none) unless campaign parameters decide"] }
        let r = referrer.reading
        var lines = [text]
        let host = r.host.map { "host \($0)" + (r.isApp ? " (an Android app)" : "") } ?? ""
        switch r.verdict {
        case .none: lines.append("not an absolute http(s) or android-app:// URL: counts as no referrer")
        case .site: lines.append("\(host): a site host — internal, never starts a session (Direct for a landing)")
        case .ignored: lines.append("\(host): ignored like an internal page — \(entryText(r.entry))")
        case .spam: lines.append("\(host): referrer spam, the hit is dropped — \(entryText(r.entry))")
        case .listed:
            let category = r.entry?.category.rawValue ?? ""
            lines.append("\(host): on the \(category) list — \(entryText(r.entry))" + (r.path.map { ", under the path \($0)" } ?? ""))
        case .referral: lines.append("\(host): on no list, a referral")
        }
        if !referrer.used && r.verdict != .none && r.verdict != .spam { lines.append("(not read for the source: campaign parameters decide)") }
        return lines
    }

    private func entryText(_ e: SourceLists.Entry?) -> String {
        guard let e else { return "" }
        return "`\(e.pattern)` (\(e.origin))" + (e.brand.map { ", source name \($0)" } ?? "")
    }

    private var deciderText: String {
        switch decidedBy {
        case .googleClickID: return "a Google click id"
        case .utm: return "utm parameters"
        case .microsoftClickID: return "msclkid"
        case .referrer: return "the referrer"
        case .direct: return "no campaign and no external referrer"
        }
    }

    private var factsText: String {
        let ruleLists: Set<SourceCategory> = [.search, .social, .video, .shopping, .ai]
        let list: String
        if let c = facts.category, ruleLists.contains(c) {
            list = "source \(source) is \(c.rawValue.uppercased())" + (sourceEntry.map { " (`\($0.pattern)`, \($0.origin))" } ?? "")
        } else {
            list = "source \(source) is on none of the search, social, video and shopping lists"
        }
        return "\(list); medium \(medium) is \(facts.paid ? "" : "not ")PAID; campaign \(campaignName) is \(facts.shoppingCampaign ? "" : "not ")SHOPCAMP"
    }

    private var outcomeText: String {
        switch outcome {
        case .session: return "a session with this channel"
        case .botHit: return "a bot hit: counted in bots.csv, never in a session"
        case .spamHit: return "referrer spam: dropped and counted (bots.csv, referrer-spam)"
        case .notPageview: return "not a pageview: it never lands a session"
        }
    }

    /// The same as one JSON object. Keys are stable (README, "ingest explain --json").
    public var json: String {
        func entry(_ e: SourceLists.Entry?) -> Any {
            guard let e else { return NSNull() }
            return ["list": e.category.rawValue, "pattern": e.pattern, "origin": e.origin, "source_name": e.brand ?? NSNull()] as [String: Any]
        }
        var ua: [String: Any] = ["given": userAgent.text != nil, "bot": userAgent.family != nil, "family": userAgent.family ?? NSNull(),
                                 "reason": "not-given", "pattern": NSNull(), "origin": NSNull(), "evidence": NSNull()]
        switch userAgent.reason {
        case .empty?: ua["reason"] = "empty"
        case .exception(let p, let o)?: ua["reason"] = "not-a-bot-entry"; ua["pattern"] = p; ua["origin"] = o
        case .pattern(let p, let o)?: ua["reason"] = "bot-list"; ua["pattern"] = p; ua["origin"] = o
        case .structure?: ua["reason"] = "structure"
        case .browser(let e)?: ua["reason"] = "browser"; ua["evidence"] = e
        case nil: break
        }
        let r = referrer.reading
        let object: [String: Any] = [
            "landing": ["url": landing.url, "host": landing.host ?? NSNull(), "path": landing.path, "target": landing.target,
                        "site_host": landing.isSiteHost ?? NSNull(), "pageview": landing.isPageview,
                        "not_pageview": landing.notPageview ?? NSNull()] as [String: Any],
            "user_agent": ua,
            "campaign": ["parameters": campaign.parameters.map { ["name": $0.name, "value": $0.value, "ignored": $0.ignored ?? NSNull()] as [String: Any] },
                         "decided_by": campaign.decider?.rawValue ?? NSNull()] as [String: Any],
            "referrer": ["url": referrer.text ?? NSNull(), "host": r.host ?? NSNull(), "android_app": r.isApp, "verdict": r.verdict.rawValue,
                         "entry": entry(r.entry), "path_entry": r.path != nil, "used": referrer.used] as [String: Any],
            "decided_by": decidedBy.rawValue,
            "source": source,
            "medium": medium,
            "campaign_name": campaignName,
            "facts": ["source_list": facts.category?.rawValue ?? NSNull(), "source_entry": entry(sourceEntry),
                      "paid": facts.paid, "shopping_campaign": facts.shoppingCampaign] as [String: Any],
            "rules": rules.map { ["number": $0.rule.number, "channel": $0.rule.channel.name, "condition": $0.rule.condition, "matches": $0.matches] as [String: Any] },
            "rule": matchedRule.map { ["number": $0.number, "channel": $0.channel.name, "condition": $0.condition] as [String: Any] } ?? NSNull(),
            "channel": channel.name,
            "outcome": outcome.rawValue,
            "notes": notes,
        ]
        return JSONValue.render(object)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
