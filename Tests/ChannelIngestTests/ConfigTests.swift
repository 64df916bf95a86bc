import XCTest
@testable import ChannelIngest

final class ConfigTests: XCTestCase {
    func testFullConfig() throws {
        let c = try IngestConfig.parse("""
        site = ["example.com", "shop.example.org"]
        timezone = "Europe/Berlin"
        session_timeout_minutes = 45
        excluded_paths = "/api/"

        [sources]
        search = ["search.internal-portal.net portal"]
        spam = ["spam.example"]

        [bots]
        monitor = ["acme-healthcheck/"]
        not-a-bot = ["acme-kiosk-browser"]
        """, origin: "t.toml")
        XCTAssertEqual(c.site, ["example.com", "shop.example.org"])
        XCTAssertEqual(c.timezone, "Europe/Berlin")
        XCTAssertEqual(c.sessionTimeoutMinutes, 45)
        XCTAssertEqual(c.excludedPaths, ["/api/"])
        XCTAssertEqual(c.format, "auto")
        XCTAssertEqual(c.sources[.search], ["search.internal-portal.net portal"])
        XCTAssertEqual(c.bots["monitor"], ["acme-healthcheck/"])
    }

    func testTyposAndWrongTypesNameTheLine() {
        func message(_ text: String) -> String {
            do { _ = try IngestConfig.parse(text, origin: "ingest.toml"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("site = [\"a.com\"]\n\nsesion_timeout_minutes = 5\n"),
                       "ingest.toml:3: unknown key `sesion_timeout_minutes` (did you mean `session_timeout_minutes`?); known keys: site, timezone, format, out, session_timeout_minutes, reorder_window_seconds, excluded_paths, asset_extensions, model, lookback_days, path_transform, max_path_channels, ai_channel, goal, sources, bots, lists, visitor_id_field, crm, costs, log_format, json, secret_file, state")
        XCTAssertEqual(message("site = \"a.com\"\nsession_timeout_minutes = \"30\"\n"),
                       "ingest.toml:2: `session_timeout_minutes` must be a whole number, not a string")
        XCTAssertEqual(message("[sources]\nsearch = [\"a\"]\nsocal = [\"b\"]\n"),
                       "ingest.toml:3: unknown key `sources.socal` (did you mean `social`?); known keys: search, social, video, shopping, webmail, ai, unwanted, spam")
        XCTAssertEqual(message("[sources]\nsearch = [1, 2]\n"),
                       "ingest.toml:2: `sources.search` must be a list of strings, not an integer")
        XCTAssertEqual(message("session_timeout_minutes = 0\n"), "ingest.toml:1: `session_timeout_minutes` must be greater than 0")
        XCTAssertTrue(message("site = [\"a\"\n").hasPrefix("ingest.toml:1: "), message("site = [\"a\"\n"))
    }

    func testPrintedConfigReadsBackTheSame() throws {
        var o = IngestOptions()
        o.siteHosts = ["example.com"]
        o.timezone = "+0200"
        o.excludedPathPrefixes = ["/api/", "/admin \"x\""]
        o.extraSources = [.social: ["mastodon.example.net"]]
        o.extraBots = ["seo-tool": ["acme-crawler"]]
        let c = o.asConfig
        XCTAssertEqual(try IngestConfig.parse(c.render(), origin: "printed"), c)
    }

    func testConfigListsAndBotsTakeEffect() throws {
        let config = try IngestConfig.parse("""
        site = ["example.com"]
        [sources]
        search = ["search.internal-portal.net portal"]
        [bots]
        monitor = ["acme-healthcheck/"]
        """, origin: "t.toml")
        let job = try runJob([[
            line("198.51.100.1", day0, "/", ref: "https://search.internal-portal.net/?q=x"),
            line("198.51.100.2", day0, "/", ua: "Mozilla/5.0 (X11; Linux x86_64) acme-healthcheck/1.0"),
            line("198.51.100.3", day0, "/", ref: "https://www.example.com/"),
        ]], site: [], configure: { o in
            var fromConfig = IngestOptions(config: config, origin: "t.toml")
            fromConfig.files = o.files
            fromConfig.quiet = true
            o = fromConfig
        })
        XCTAssertEqual(job.channelSessions, ["Organic Search": 1, "Direct": 1])
        XCTAssertEqual(job.aggregates.bySource.keys.map(\.source).sorted(), ["(direct)", "portal"])
        XCTAssertEqual(job.stats.botHitsByFamily, ["monitor": 1])
    }

    /// `[lists]`: paths beside the config file; a misspelt key names the two there are.
    func testListsTable() throws {
        let c = try IngestConfig.parse("""
        [lists]
        referrer_db = ["matomo/Socials.yml", "/abs/referers.yml"]
        bot_db = ["bots.yml"]
        """, origin: "/etc/ingest/site.toml")
        XCTAssertEqual(c.referrerDatabases, ["matomo/Socials.yml", "/abs/referers.yml"])
        let o = IngestOptions(config: c, origin: "/etc/ingest/site.toml")
        XCTAssertEqual(o.referrerDatabases, ["/etc/ingest/matomo/Socials.yml", "/abs/referers.yml"])
        XCTAssertEqual(o.botDatabases, ["/etc/ingest/bots.yml"])
        XCTAssertEqual(try IngestConfig.parse(o.asConfig.render(), origin: "p.toml").botDatabases, ["/etc/ingest/bots.yml"])
        XCTAssertThrowsError(try IngestConfig.parse("[lists]\nreferer_db = [\"x.yml\"]\n", origin: "t.toml")) {
            XCTAssertEqual("\($0)", "t.toml:2: unknown key `lists.referer_db` (did you mean `referrer_db`?); known keys: referrer_db, bot_db")
        }
    }

    func testEditDistance() {
        XCTAssertEqual(editDistance("sesion", "session"), 1)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(editDistance("abc", ""), 3)
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
    }

    /// Malformed TOML that TOMLKit's parser would abort the process on is refused first, with
    /// its line; every shape of valid TOML still reads.
    func testMalformedTOMLIsRefusedBeforeTOMLKit() {
        func problem(_ t: String) -> String? { TOMLSyntaxCheck.firstProblem(t).map { "\($0.line): \($0.message)" } }
        XCTAssertEqual(problem("site = []\n\n[@costs]\n"), "3: a key can't start with \"@\" (use letters, digits, _ or -, or quote the key)")
        XCTAssertEqual(problem("a = 1\n[[\nname = 2\n"), "2: a key can't start with the end of the line (use letters, digits, _ or -, or quote the key)")
        XCTAssertEqual(problem("site = [# c\n}x\n"), "2: \"}\" where a value should be")
        XCTAssertEqual(problem("x = { ok = 1, !no = 2 }"), "1: a key can't start with \"!\" (use letters, digits, _ or -, or quote the key)")
        XCTAssertEqual(problem("s = \"a\\qb\""), "1: \\q is no escape (use \\\\ for a backslash)")
        // A line-ending backslash belongs to multi-line strings: in a one-line one, `\ ` and
        // `\<tab>` are no escape either.
        XCTAssertEqual(problem("s = \"a\\ b\""), "1: \\  is no escape (use \\\\ for a backslash)")
        XCTAssertEqual(problem("s = \"a\\\tb\""), "1: \\\t is no escape (use \\\\ for a backslash)")
        XCTAssertEqual(problem("s = \"open\nt = 1"), "1: a string is not closed on its line (use \"\"\" for several lines)")
        for good in ["[costs]\n\"Organic Social\" = { hours = 12, hourly_rate = 40.0 }\n",
                     "[[goal]]\nname = \"a = [b]\" # c = @\nx = [\n  \"@\", # one\n  1,\n]\n",
                     "s = \"\"\"\n@not a key \\\n   still\"\"\"\"\n'lit' = 'x\\y'\n[a.\"b.c\".d]\n_e-f = -1_000.5e+3\n",
                     "t = 1979-05-27 07:32:00Z\nb = true\nh = 0xDEAD\ne = {}\nu = \"\\u00e9\\U0001F600\"\r\n"] {
            XCTAssertNil(problem(good), good)
        }
        XCTAssertThrowsError(try IngestConfig.parse("[@costs]\n", origin: "i.toml")) { e in
            XCTAssertEqual("\(e)", "i.toml:1: a key can't start with \"@\" (use letters, digits, _ or -, or quote the key)")
        }
    }
}
