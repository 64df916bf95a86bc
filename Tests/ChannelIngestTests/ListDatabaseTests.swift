import Foundation
import XCTest
@testable import ChannelIngest

/// Lists a user brings (`--referrer-db`, `--bot-db`): every YAML of the corpus loads, its own
/// entries decide hosts the built-in lists leave alone, and none of them changes a host the
/// built-in lists (Google's sheet) place. The hosts, line numbers and counts below were read
/// off the files (the counts with PyYAML), not from this code.
final class ListDatabaseTests: XCTestCase {
    private func corpus(_ name: String) throws -> String {
        let url = CorpusTests.corpus.appendingPathComponent(name)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "../shared/corpus is not here")
        return url.path
    }

    private func lists(with files: [String], ai: Bool = false) throws -> SourceLists {
        let lists = try SourceLists.builtIn(aiAssistants: ai)
        for f in files { try lists.add(database: ReferrerDatabase.load(path: f)) }
        return lists
    }

    private func check(_ lists: SourceLists, _ host: String, path: String = "", _ category: SourceCategory?, _ origin: String?,
                       file: StaticString = #filePath, line: UInt = #line) {
        let e = path.isEmpty ? lists.lookup(host: host) : (lists.pathRules(forHost: host).first { path.hasPrefix($0.path) }?.entry ?? lists.lookup(host: host))
        XCTAssertEqual(e?.category, category, host, file: file, line: line)
        if let origin { XCTAssertEqual(e?.origin, origin, host, file: file, line: line) }
    }

    func testMatomoSearchEngines() throws {
        let path = try corpus("referrers/matomo-SearchEngines.yml")
        let db = try ReferrerDatabase.load(path: path)
        XCTAssertEqual(db.kind, .matomoSearchEngines)
        XCTAssertEqual(db.entries.count, 664)
        let l = try lists(with: [path])
        let f = "matomo-SearchEngines.yml"
        check(l, "1.cz", .search, "\(f):4, 1.cz")
        check(l, "foretag.118700.se", .search, "\(f):15, 118 700")
        check(l, "118700.se", .search, nil)                      // www.118700.se, looked up without www.
        check(l, "123people.fr", .search, "\(f):24, 123people")  // '123people.{}': any TLD
        check(l, "de.altavista.com", .search, nil)               // '{}.altavista.com': any subdomain
        check(l, "altavista.de", .search, "\(f):161, AltaVista")
        check(l, "mojeek.com", .search, "\(f):1654, Mojeek")     // dropped from ours (docs/channels.md), the file brings it back
        check(l, "swisscows.com", .search, "\(f):2247, Swisscows")
        check(l, "presearch.com", .search, "\(f):1872, Presearch")
        check(l, "apollo.lv", path: "/portal/search/?q=x", .search, "\(f):211, Apollo lv")
        check(l, "apollo.lv", path: "/news", nil, nil)            // the entry needs its path
        // Hosts the built-in lists place keep their entry (and source name).
        check(l, "google.de", .search, nil)
        XCTAssertEqual(l.lookup(host: "google.de")?.brand, "google")
        XCTAssertTrue(l.lookup(host: "google.de")!.origin.hasPrefix("search.txt:"))
        check(l, "ecosia.org", .search, nil)
        XCTAssertTrue(l.lookup(host: "ecosia.org")!.origin.hasPrefix("search.txt:"))
    }

    func testMatomoSocialsAndAIAssistants() throws {
        let socials = try corpus("referrers/matomo-Socials.yml"), ai = try corpus("referrers/matomo-AIAssistants.yml")
        XCTAssertEqual(try ReferrerDatabase.load(path: socials).entries.count, 218)
        XCTAssertEqual(try ReferrerDatabase.load(path: ai).entries.count, 25)
        let l = try lists(with: [socials, ai])
        let s = "matomo-Socials.yml"
        check(l, "douyin.com", .social, "\(s):32, Douyin")
        check(l, "discord.com", .social, "\(s):27, Discord")
        check(l, "github.com", .social, "\(s):44, GitHub")
        check(l, "gaiaonline.com", .social, nil)
        check(l, "dribbble.com", .social, "\(s):55, Dribbble")
        check(l, "geni.com", .social, nil)
        check(l, "mastodon.cloud", .social, "\(s):136, Mastodon")
        check(l, "chaos.social", .social, "\(s):154, Mastodon")
        check(l, "bilibili.com", .video, nil)                    // the file calls it social; ours (video) stays
        check(l, "facebook.com", .social, nil)
        XCTAssertEqual(l.lookup(host: "facebook.com")?.brand, "facebook")
        // AIAssistants.yml without --ai-channel: its hosts are AI (a referral), ours unchanged.
        check(l, "chatgpt.com", .ai, "matomo-AIAssistants.yml:10, ChatGPT")
        check(l, "perplexity.ai", .ai, nil)
        check(l, "you.com", .search, nil)                        // on our search list
        check(l, "x.com", path: "/i/grok", .social, nil)         // x.com is ours (social): the file's path entry does not apply
        // With --ai-channel the built-in ai.txt answers first.
        let withAI = try lists(with: [ai], ai: true)
        XCTAssertTrue(withAI.lookup(host: "chatgpt.com")!.origin.hasPrefix("ai.txt:"))
    }

    func testSnowplowReferers() throws {
        let path = try corpus("referrers/snowplow-referers.yml")
        let db = try ReferrerDatabase.load(path: path)
        XCTAssertEqual(db.kind, .snowplow)
        XCTAssertEqual(db.entries.count, 119 + 154 + 2108 + 11)  // email, social, search, chatbot
        XCTAssertEqual(db.skipped, 30 + 84)                       // unknown, paid
        let l = try lists(with: [path])
        let f = "snowplow-referers.yml"
        check(l, "deref-1und1-02.de", .webmail, nil)
        check(l, "post.ru", .webmail, "\(f):97, Beeline")
        check(l, "webmail.2degreesbroadband.co.nz", .webmail, "\(f):84, 2degrees")
        check(l, "webmail.adam.com.au", .webmail, "\(f):88, Adam Internet")
        check(l, "mail.126.com", .webmail, nil)                 // also on our webmail list: ours answers
        XCTAssertTrue(l.lookup(host: "mail.126.com")!.origin.hasPrefix("webmail.txt:"))
        check(l, "search.1and1.com", .search, "\(f):785, 1&1")
        check(l, "2gis.ru", .search, nil)
        check(l, "abacho.de", .search, "\(f):811, Abacho")
        check(l, "alexa.com", .search, "\(f):839, Alexa")
        check(l, "character.ai", .ai, "\(f):4335, Character.AI")
        check(l, "poe.com", .ai, "\(f):4369, Poe")
        check(l, "maps.google.com", nil, nil)                    // `unknown`: no list
        check(l, "amazon.com", .shopping, nil)                   // Snowplow: search; Google's sheet: shopping
        XCTAssertEqual(l.category(ofSource: "amazon.com"), .shopping)
        XCTAssertEqual(l.category(ofSource: "abacho.de"), .search) // a loaded host as utm_source too
    }

    /// Every host of Google's sheet keeps the sheet's category with every corpus YAML loaded.
    func testNoLoadedFileOverridesGooglesSheet() throws {
        let files = try ["matomo-SearchEngines.yml", "matomo-Socials.yml", "matomo-AIAssistants.yml", "snowplow-referers.yml"]
            .map { try corpus("referrers/" + $0) }
        let plain = try SourceLists.builtIn(), loaded = try lists(with: files)
        let text = try String(contentsOfFile: try corpus("referrers/ga4-source-categories.csv"), encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n").dropFirst() {
            let source = String(line.split(separator: ",")[0]).lowercased()
            checked += 1
            XCTAssertEqual(loaded.category(ofSource: source), plain.category(ofSource: source), source)
            XCTAssertEqual(loaded.lookup(host: source), plain.lookup(host: source), source)
        }
        XCTAssertEqual(checked, 819)
    }

    func testARunCountsALoadedHostAndExplainNamesTheFile() throws {
        let socials = try corpus("referrers/matomo-Socials.yml")
        let t0 = day0 + 86400
        let lines = [line("198.51.100.1", t0, "/", ref: "https://discord.com/channels/1"),
                     line("198.51.100.2", t0 + 60, "/", ref: "https://github.com/someone")]
        let without = try runJob([lines]).aggregates.byChannel
        XCTAssertEqual(without[.referral]?.sessions, 2)
        let with = try runJob([lines]) { $0.referrerDatabases = [socials] }.aggregates.byChannel
        XCTAssertEqual(with[.organicSocial]?.sessions, 2)
        XCTAssertNil(with[.referral])

        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.referrerDatabases = [socials]
        let e = try HitExplanation.make(landing: "/", referrer: "https://discord.com/x", userAgent: nil, options: o)
        XCTAssertEqual(e.channel, .organicSocial)
        XCTAssertTrue(e.text.contains("(matomo-Socials.yml:27, Discord)"), e.text)
    }

    func testFilesThatAreNotSuchListsAreOneClearLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refdb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func error(_ name: String, _ text: String) -> String {
            let p = dir.appendingPathComponent(name).path
            try! text.write(toFile: p, atomically: true, encoding: .utf8)
            do { _ = try ReferrerDatabase.load(path: p); return "loaded" } catch { return "\(error)".replacingOccurrences(of: dir.path + "/", with: "") }
        }
        let prefix = "not Matomo's SearchEngines.yml, Socials.yml or AIAssistants.yml nor Snowplow's referers.yml"
        XCTAssertEqual(error("a.yml", "- user_agent: x\n"), "--referrer-db a.yml: \(prefix): it is not a mapping of names to hosts")
        XCTAssertEqual(error("b.yml", "search: [unclosed\n"), "--referrer-db b.yml: not YAML (line 2: did not find expected ',' or ']')")
        XCTAssertEqual(error("c.yml", "search:\n  A:\n    domains: [a.example]\nvideo:\n  B:\n    domains: [b.example]\n"),
                       "--referrer-db c.yml:4: \(prefix): the entry `video` is not a medium of Snowplow's referers.yml (search, social, email, chatbot, unknown, paid)")
        XCTAssertEqual(error("d.yml", "One:\n  - urls: [one.example]\nTwo:\n  - params: [q]\n"),
                       "--referrer-db d.yml:3: \(prefix): the entry `Two` has an entry without `urls`")
        XCTAssertEqual(error("Socials-e.yml", "Fine:\n  - fine.example\nBad:\n  - 'not a host!'\n"),
                       "--referrer-db Socials-e.yml:3: \(prefix): the entry `Bad` lists `not a host!`, which is not a host")
        XCTAssertEqual(error("f.yml", "Fine:\n  - fine.example\n"),
                       "--referrer-db f.yml: a list of names and hosts, as Matomo's Socials.yml and AIAssistants.yml are; keep \"Socials\" or \"AIAssistants\" in the file's name so ingest knows which")
        XCTAssertEqual(error("Socials-ok.yml", "Fine:\n  - 'fine.{}'\n"), "loaded")
        XCTAssertThrowsError(try ReferrerDatabase.load(path: dir.appendingPathComponent("none.yml").path)) {
            XCTAssertTrue("\($0)".hasPrefix("--referrer-db \(dir.path)/none.yml: cannot read it"), "\($0)")
        }
    }

    // MARK: bots

    /// A bots.yml in device-detector's form, written here: three entries.
    static let botsYAML = """
        - regex: 'Zorblax(?:Pro|Lite)/[0-9]'
          name: 'Zorblax'
          category: 'Search bot'
        - regex: 'pingwatch'
          name: 'PingWatch'
          category: 'Site Monitor'
        - regex: '(?<!HTC)[ _]Butterfly/'
          name: 'Butterfly Robot'
          category: 'Crawler'
        """

    func testBotDatabaseDecidesWhatTheBuiltInListLeaves() throws {
        let db = try BotDatabase(text: Self.botsYAML, path: "/x/bots.yml")
        XCTAssertEqual(db.entries.count, 3)
        let bots = try BotFilter.builtIn()
        bots.add(database: db)
        let browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
        XCTAssertEqual(bots.family(of: "Mozilla/5.0 (compatible; ZorblaxPro/2.1)"), "search-crawler")
        XCTAssertEqual(bots.family(of: "Mozilla/5.0 (compatible; zorblaxlite/1)"), "search-crawler")    // case-insensitive
        XCTAssertNil(bots.family(of: "Mozilla/5.0 (compatible; XZorblaxPro/2.1)"))                     // only where a token starts
        XCTAssertEqual(bots.family(of: "Mozilla/5.0 (Windows NT 10.0) PingWatch 3"), "monitor")
        XCTAssertEqual(bots.family(of: "Mozilla/5.0 (Linux; U; Butterfly/1.0)"), "other-bot")
        XCTAssertNil(bots.family(of: "Mozilla/5.0 (Linux; Android 4.1; HTC_Butterfly/1.0)"))           // the lookbehind holds
        XCTAssertNil(bots.family(of: browser))
        XCTAssertEqual(bots.family(of: "Googlebot/2.1 (+http://www.google.com/bot.html)"), "search-crawler")  // built-in first
        let why = bots.explain("Mozilla/5.0 (compatible; ZorblaxPro/2.1)")
        XCTAssertEqual(why.reason, .pattern(pattern: "Zorblax(?:Pro|Lite)/[0-9]", origin: "bots.yml:1, Zorblax"))
    }

    func testBotFilesThatAreNotBotsYAML() throws {
        func error(_ text: String) -> String {
            do { _ = try BotDatabase(text: text, path: "bots.yml"); return "loaded" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("a: b\n"), "--bot-db bots.yml:1: not device-detector's bots.yml: it is not a list of {regex, name, category}")
        XCTAssertEqual(error("- regex: 'ok'\n  name: OK\n- name: 'No Regex'\n"), "--bot-db bots.yml:3: not device-detector's bots.yml: entry 2 (No Regex) has no `regex`")
        XCTAssertEqual(error("- regex: 'broken('\n  name: B\n"), "--bot-db bots.yml:1: not device-detector's bots.yml: entry 1's regex `broken(` does not compile")
        // Two regexes that are each broken but valid side by side (the class `[-)|(?:b]`): each is
        // checked on its own (a fuzzer find).
        XCTAssertEqual(error("- regex: 'ok'\n  name: OK\n- regex: 'a][-'\n  name: A\n- regex: 'b]'\n  name: B\n"),
                       "--bot-db bots.yml:3: not device-detector's bots.yml: entry 2's regex `a][-` does not compile")
        // The corpus's bot fixtures are User-Agents, not regexes: one clear line.
        let fixtures = try String(contentsOfFile: try corpus("bots/device-detector-bots-fixtures.yml"), encoding: .utf8)
        XCTAssertEqual(error(fixtures), "--bot-db bots.yml:3: not device-detector's bots.yml: entry 1 has no `regex`")
    }
}

/// The literal prefilter of `--bot-db`: what each regex cannot match without.
final class RegexLiteralsTests: XCTestCase {
    func testRequiredLiterals() {
        XCTAssertEqual(RegexLiterals.required("Googlebot(-Mobile|-Image|-Video|-News)?"), ["googlebot"])
        XCTAssertEqual(RegexLiterals.required("baiduspider(-image)?|baidu Transcoder|baidu.*spider"), ["baiduspider", "baidu transcoder", "spider"])
        XCTAssertEqual(RegexLiterals.required("(?<!HTC)[ _]Butterfly/"), ["butterfly/"])
        XCTAssertEqual(RegexLiterals.required("Daum(oa)?[ /][0-9]"), ["daum"])
        XCTAssertEqual(RegexLiterals.required("DuckDuck(?:Go-Favicons-)?Bot"), ["duckduck"])
        XCTAssertEqual(RegexLiterals.required("Amazon[ -]Route ?53[ -]Health[ -]Check[ -]Service"), ["service"])
        XCTAssertEqual(RegexLiterals.required("(Meta)?Feedly(Bot|App)?"), ["feedly"])
        XCTAssertEqual(RegexLiterals.required("AddThis\\.com"), ["addthis.com"])
        XCTAssertEqual(RegexLiterals.required("ia_archiver|alexabot|verifybot"), ["ia_archiver", "alexabot", "verifybot"])
        XCTAssertEqual(RegexLiterals.required("Fever/[0-9]"), ["fever/"])
        XCTAssertEqual(RegexLiterals.required("abcd?ef"), ["abc"])        // d? is optional
        XCTAssertEqual(RegexLiterals.required("xy+zzz"), ["zzz"])         // y+ keeps one y: "xy", then "zzz"
        XCTAssertEqual(RegexLiterals.required("ab{0,2}cdef"), ["cdef"])
        XCTAssertEqual(RegexLiterals.required("Spider\\d+Bot"), ["spider"])
        XCTAssertNil(RegexLiterals.required("[a-z]+bot|Ab"))               // "Ab" is too short: always tried
        XCTAssertNil(RegexLiterals.required("(Googlebot|Bingbot)"))        // only inside a group
        XCTAssertNil(RegexLiterals.required("Cốc"))                        // not ASCII: no safe lowercase literal
    }

    /// The prefilter never changes an answer: on every User-Agent of device-detector's fixtures
    /// (bots and browsers), the first matching entry is the one a regex search of every entry,
    /// in order, finds.
    func testThePrefilterAgreesWithTryingEveryRegex() throws {
        var yaml = ""
        let regexes = ["Googlebot(-Mobile|-Image|-Video|-News)?|AdsBot-Google(-Mobile)?", "bingbot|BingPreview", "(?<!HTC)[ _]Butterfly/",
                       "Daum(oa)?[ /][0-9]", "DuckDuck(?:Go-Favicons-)?Bot", "[a-z]+spider", "Yandex(?:Bot|Images|Metrika)", "ia_archiver|alexabot",
                       "facebookexternalhit|facebookplatform", "curl|wget", "python-requests|aiohttp", "Chrome/1[0-9]{2}\\.0\\.0\\.0 Safari", "^Mozilla/5\\.0$",
                       "Applebot", "ahrefs(Bot|SiteAudit)", "crawler", "Go-http-client", "HeadlessChrome", "bot", "spider",
                       "[0-9]+x;", "Ab|Bingo"]
        for (i, r) in regexes.enumerated() { yaml += "- regex: '\(r)'\n  name: 'E\(i)'\n  category: 'Crawler'\n" }
        let db = try BotDatabase(text: yaml, path: "bots.yml")
        XCTAssertEqual(db.filteredCount, regexes.count - 2)   // the last two have no literal of 3: tried on every agent
        var agents: [String] = []
        for f in ["bots/device-detector-bots-fixtures.yml", "bots/device-detector-desktop-browsers.yml", "bots/device-detector-smartphone-browsers.yml"] {
            let url = CorpusTests.corpus.appendingPathComponent(f)
            try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "../shared/corpus is not here")
            for l in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                let t = l.trimmingCharacters(in: .whitespaces)
                for key in ["- user_agent:", "user_agent:"] where t.hasPrefix(key) {
                    agents.append(t.dropFirst(key.count).trimmingCharacters(in: CharacterSet(charactersIn: " '\"")))
                    break
                }
            }
        }
        XCTAssertEqual(agents.count, 1342 + 569 + 501)
        var matched = 0
        for ua in agents {
            let range = NSRange(location: 0, length: (ua as NSString).length)
            let brute = db.entries.indices.first { db.regex($0).firstMatch(in: ua, options: [], range: range) != nil }
            XCTAssertEqual(db.firstMatch(ua), brute, ua)
            if brute != nil { matched += 1 }
        }
        XCTAssertGreaterThan(matched, 300)
    }
}
