import XCTest
@testable import ChannelIngest

/// The opt-in AI Assistants channel (SPEC.md): with `--ai-channel` a session whose referrer's
/// host or `utm_source` is an AI assistant is "AI Assistants", tried right after Direct and
/// Cross-network; without it nothing changes (GA4's grouping: Referral or Unassigned).
final class AIChannelTests: XCTestCase {
    let t0 = day0 + 4 * 86400

    /// One visitor per line, an hour apart: each line is one session.
    func sessions(_ visits: [(target: String, ref: String)], ai: Bool) throws -> [Channel: Int] {
        let lines = visits.enumerated().map { i, v in line("198.51.100.\(i + 1)", t0 + Int64(i) * 3600, v.target, ref: v.ref) }
        let job = try runJob([lines]) { $0.aiChannel = ai }
        return job.aggregates.byChannel.compactMapValues { $0.sessions > 0 ? $0.sessions : nil }
    }

    func testEachKindOfAISourceWithAndWithoutTheFlag() throws {
        let visits: [(target: String, ref: String)] = [
            ("/", "https://chatgpt.com/"),                                   // referrer host
            ("/", "https://www.perplexity.ai/search?q=x"),                   // referrer host with www.
            ("/?utm_source=chatgpt.com", "-"),                               // ChatGPT's own tagging
            ("/?utm_source=claude.ai&utm_medium=referral", "-"),             // utm_source and a medium
            ("/", "android-app://com.openai.chatgpt"),                       // the Android app
            ("/", "https://x.com/i/grok?conversation=1"),                    // a host-and-path entry
            ("/?utm_source=chatgpt.com&utm_medium=cpc", "-"),                // before Paid Other
            ("/?utm_source=chatgpt.com&utm_campaign=cross-network", "-"),    // Cross-network comes first
            ("/", "https://x.com/someone"),                                  // the rest of x.com: social
        ]
        let on = try sessions(visits, ai: true)
        XCTAssertEqual(on[.aiAssistants], 7)
        XCTAssertEqual(on[.crossNetwork], 1)
        XCTAssertEqual(on[.organicSocial], 1)
        XCTAssertEqual(on.values.reduce(0, +), 9)

        // Without the flag: referrers are referrals (the app and x.com/i/grok too: the app is
        // on no list, x.com is social), tags are what GA4 makes of them.
        let off = try sessions(visits, ai: false)
        XCTAssertNil(off[.aiAssistants])
        XCTAssertEqual(off[.referral], 4)        // chatgpt.com, perplexity.ai, the app, claude.ai / referral
        XCTAssertEqual(off[.unassigned], 1)      // utm_source=chatgpt.com alone
        XCTAssertEqual(off[.paidOther], 1)
        XCTAssertEqual(off[.crossNetwork], 1)
        XCTAssertEqual(off[.organicSocial], 2)   // both x.com referrers
        XCTAssertEqual(off.values.reduce(0, +), 9)
    }

    /// An app or a path inside another site is named for the assistant's own site, so the
    /// sources table adds up per assistant whatever the referrer's form.
    func testSourceNames() throws {
        let lines = [("https://chatgpt.com/", 0), ("android-app://com.openai.chatgpt", 1),
                     ("https://x.com/i/grok?c=1", 2), ("https://perplexity.ai/", 3)].map { ref, i in
            line("198.51.100.\(i + 1)", t0 + Int64(i) * 3600, "/", ref: ref)
        }
        let job = try runJob([lines]) { $0.aiChannel = true }
        let sources = job.aggregates.bySource.filter { $0.value.sessions > 0 }
            .map { "\($0.key.channel.name)|\($0.key.source)|\($0.key.medium)=\($0.value.sessions)" }.sorted()
        XCTAssertEqual(sources, ["AI Assistants|chatgpt.com|referral=2", "AI Assistants|grok.com|referral=1",
                                 "AI Assistants|perplexity.ai|referral=1"])
    }

    func testExplainShowsTheAIRuleAsItsOwn() throws {
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.aiChannel = true
        let e = try HitExplanation.make(landing: "/?utm_source=chatgpt.com&utm_medium=cpc", referrer: nil, userAgent: nil, options: o)
        XCTAssertEqual(e.channel, .aiAssistants)
        XCTAssertEqual(e.matchedRule?.number, 19)
        XCTAssertEqual(e.rules.map(\.rule.number), [1, 2, 19])
        XCTAssertTrue(e.text.contains("rule 19 AI Assistants"), e.text)

        o.aiChannel = false
        let off = try HitExplanation.make(landing: "/?utm_source=chatgpt.com&utm_medium=cpc", referrer: nil, userAgent: nil, options: o)
        XCTAssertEqual(off.channel, .paidOther)
        XCTAssertEqual(off.matchedRule?.number, 8)
        XCTAssertFalse(off.rules.contains { $0.rule.number == 19 })
    }

    /// The rule table: GA4's 18 unchanged, the AI rule third only with the flag.
    func testTheRuleOrder() throws {
        let lists = try SourceLists.builtIn(aiAssistants: true)
        XCTAssertEqual(ChannelRules(lists: lists).rules.map(\.number), Array(1...18))
        XCTAssertEqual(ChannelRules(lists: lists, aiAssistants: true).rules.map(\.number), [1, 2, 19] + Array(3...18))
        XCTAssertNil(try SourceLists.builtIn().lookup(host: "chatgpt.com"))
        XCTAssertEqual(lists.lookup(host: "chatgpt.com")?.category, .ai)
        XCTAssertEqual(lists.lookup(host: "you.com")?.category, .ai)     // also on our search list: AI wins the tie
        XCTAssertEqual(try SourceLists.builtIn().lookup(host: "you.com")?.category, .search)
    }
}
