import XCTest
@testable import ChannelIngest

/// The cache hash against wyhash's published vectors, and the User-Agent cache that uses it.
final class QuickHashTests: XCTestCase {
    /// wyhash final 4's own test vectors (default secret): one per length path (empty, under
    /// 4 bytes, 4–16, 17–48, over 48 with its three lanes).
    func testWyhashVectors() {
        let vectors: [(String, UInt64, UInt64)] = [
            ("", 0, 0x9322_8A4D_E0EE_C5A2),
            ("a", 1, 0xC5BA_C3DB_1787_13C4),
            ("abc", 2, 0xA97F_2F7B_1D9B_3314),
            ("message digest", 3, 0x786D_1F1D_F380_1DF4),
            ("abcdefghijklmnopqrstuvwxyz", 4, 0xDCA5_A813_8AD3_7C87),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 5, 0xB9E7_34F1_17CF_AF70),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", 6, 0x6CC5_EAB4_9A92_D617),
        ]
        for (text, seed, want) in vectors {
            let got = Array(text.utf8).withSpan { quickHash($0.base, $0.count, seed: seed) }
            XCTAssertEqual(got, want, text)
        }
    }

    /// The verdict cache answers as the filter does, the first time and from the cache, and
    /// hands back the User-Agent hash that visitor keys are made from — unchanged, since nightly
    /// states hold keys made with it.
    func testAgentCacheKeepsVerdictAndVisitorHash() throws {
        let verdicts = BotVerdicts(try BotFilter.builtIn())
        let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
        let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        for _ in 0..<2 {
            let a = browser.withSpan { verdicts.agent($0) }
            XCTAssertNil(a.family)
            XCTAssertEqual(a.hash, browser.withSpan { $0.hashValue64 })
            let b = bot.withSpan { verdicts.agent($0) }
            XCTAssertEqual(b.family.map { verdicts.bots.families[Int($0)] }, "search-crawler")
            XCTAssertTrue(bot.withSpan { verdicts.isBot($0) })
        }
        // The persisted hash itself, pinned (worked out by a Python transcription of `fastHash`):
        // a change here would split the visitors of every nightly state written before it.
        XCTAssertEqual("Mozilla/5.0".withSpan { $0.hashValue64 }, 817_514_613_524_684_347)
    }
}
