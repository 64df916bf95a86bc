import XCTest
@testable import ChannelIngest

/// Reading CRM exports and cost files: the forms they come in, and every way they go wrong.
final class CRMInputTests: XCTestCase {
    func read(_ text: String, name: String = "crm.csv", configure: (inout CRMSettings) -> Void = { _ in }) throws -> CRMImport {
        let dir = TempDir()
        var s = CRMSettings()
        s.files = [dir.write(name, text)]
        configure(&s)
        return try CRMExport.read(s, zone: .utc)
    }

    func testAMissingMappedColumnIsAnErrorThatNamesIt() {
        XCTAssertThrowsError(try read("date,ip\n2026-03-02,192.0.2.1\n") { $0.columns.named[.time] = "created_at" }) { e in
            XCTAssertTrue("\(e)".contains("no column \"created_at\" (set as [crm] time in the config); its columns are: date, ip"), "\(e)")
        }
        // No join column at all: nothing could ever join, so say so before the run.
        XCTAssertThrowsError(try read("created,status\n2026-03-02,new\n")) { e in
            XCTAssertTrue("\(e)".contains("no column to join on"), "\(e)")
        }
        XCTAssertThrowsError(try read("when,ip\nx,192.0.2.1\n")) { e in
            XCTAssertTrue("\(e)".contains("no time column"), "\(e)")
        }
    }

    func testBadTimesAndValuesAreCountedAndTheRowsKept() throws {
        let r = try read("""
        Record ID,Create Date,Amount,IP Address
        1,yesterday,10,192.0.2.1
        2,2026-03-02 10:00,1,234,192.0.2.2
        3,2026-03-02T10:00:00Z,"1,234",192.0.2.3
        4,,5,192.0.2.4
        """)
        XCTAssertEqual(r.rows.count, 4)
        XCTAssertEqual(r.badTimes, 2)        // "yesterday" and the empty one
        XCTAssertEqual(r.badValues, 1)       // "1,234": refused, not guessed
        XCTAssertNil(r.rows[0].time)
        XCTAssertEqual(r.rows[0].value, 10)
        XCTAssertEqual(r.rows[1].value, 1)   // an unquoted comma is a column break
        XCTAssertNil(r.rows[2].value)
        XCTAssertEqual(r.samples.first, "\(r.rows[0].file):2: time \"yesterday\" is not a date")
        XCTAssertTrue(r.warnings.contains { $0.hasPrefix("2 CRM rows have a time that is not a date") }, "\(r.warnings)")
    }

    func testARowWithABadTimeStillJoinsByItsLeadID() throws {
        let dir = TempDir()
        let path = dir.write("crm.csv", "id,created,status\nQ1,soon,customer\n")
        let job = try runJob([[line("192.0.2.5", day0, "/", ref: "https://t.co/x"), line("192.0.2.5", day0 + 9, "/thank-you?lead=Q1")]], configure: {
            $0.goals = [Goal(name: "purchase", path: "/thank-you")]
            $0.crm.files = [path]
        })
        XCTAssertEqual(job.crmOutcome?.joined, [.leadParameter: 1])
        XCTAssertEqual(job.aggregates.leads(.organicSocial).customers, 1)
    }

    func testAnEmptyFileIsAWarningAndTheRunGoesOn() throws {
        let dir = TempDir()
        let empty = dir.write("empty.csv", "")
        let headerOnly = dir.write("header.csv", "id,created,ip\n")
        let job = try runJob([[line("192.0.2.5", day0, "/")]], configure: { $0.crm.files = [empty, headerOnly] })
        XCTAssertEqual(job.stats.sessions, 1)
        XCTAssertEqual(job.crmOutcome?.rows, 0)
        XCTAssertTrue(job.stats.warnings.contains("\(empty): empty CRM export, no conversions read from it"), "\(job.stats.warnings)")
        XCTAssertTrue(job.stats.warnings.contains("\(headerOnly): CRM export has a header but no rows"))
    }

    func testADuplicatedLeadIDKeepsItsLastRow() throws {
        let r = try read("""
        id,created,status,amount,ip
        D1,2026-03-02 10:00,New,,192.0.2.1
        D2,2026-03-02 11:00,New,,192.0.2.2
        D1,2026-03-02 10:00,Closed Won,900,192.0.2.1
        """)
        XCTAssertEqual(r.rowsRead, 3)
        XCTAssertEqual(r.duplicateLeadIDs, 1)
        XCTAssertEqual(r.rows.map(\.leadID), ["D2", "D1"])
        XCTAssertEqual(r.rows[1].status, .customer)
        XCTAssertEqual(r.rows[1].value, 900)
        XCTAssertEqual(r.warnings.first, "1 CRM rows repeat a lead id already seen (e.g. D1); each lead counts once, with its last row")
    }

    func testCSVForms() throws {
        // A byte-order mark, semicolons (a spreadsheet in a comma-decimal locale), CRLF,
        // a quoted field with a line break and a doubled quote.
        let r = try read("\u{FEFF}Lead ID;Created Date;Lead Status;IP\r\n7;2026-03-02;\"Open\r\n\"\"x\"\"\";192.0.2.9\r\n")
        XCTAssertEqual(r.rows.count, 1)
        XCTAssertEqual(r.rows[0].leadID, "7")
        XCTAssertEqual(r.rows[0].ip, "192.0.2.9")
        XCTAssertEqual(r.unknownStatuses, ["open\r\n\"x\"": 1])
        XCTAssertEqual(r.rows[0].time, day0)
    }

    /// Column names as HubSpot, Salesforce and Pipedrive export them.
    func testCommonExportHeaders() throws {
        let hub = try read("Record ID,First Name,Create Date,Lifecycle Stage,Lead Status,IP Address\n7,Ann,2026-03-02 10:15,customer,Open Deal,192.0.2.1\n")
        XCTAssertEqual(hub.rows.first?.leadID, "7")
        XCTAssertEqual(hub.rows.first?.status, .new)           // "Lead Status" before "Lifecycle Stage"; "Open Deal" unmapped
        XCTAssertEqual(hub.unknownStatuses, ["open deal": 1])
        let pipe = try read("Deal - ID,Deal - Title,Deal - Value,Deal - Status,Deal - Deal created,Person - IP\n9,X,450,won,2026-03-02 10:15:00,\n") {
            $0.columns.named[.ip] = "Person - IP"
        }
        XCTAssertEqual(pipe.rows.first?.leadID, "9")
        XCTAssertEqual(pipe.rows.first?.value, 450)
        XCTAssertEqual(pipe.rows.first?.status, .customer)
        XCTAssertEqual(pipe.rows.first?.time, day0 + 10 * 3600 + 15 * 60)
        let sf = try read("Lead ID,Created Date,Lead Status\n00Q1,3/2/2026,Working - Contacted\n") { $0.timeFormat = CRMTimeFormat("%m/%d/%Y") }
        XCTAssertEqual(sf.rows.first?.time, day0)
        XCTAssertEqual(sf.rows.first?.status, .new)
    }

    func testAJSONLineThatIsNotAnObjectIsCountedAndTheRestRead() throws {
        let r = try read("{\"ip\": \"192.0.2.1\", \"time\": 1}\n[1, 2]\n{\"ip\": \"192.0.2.2\", \"time\": 2, \"status\": \"won\"}\n", name: "c.jsonl")
        XCTAssertEqual(r.rows.map(\.ip), ["192.0.2.1", "192.0.2.2"])
        XCTAssertEqual(r.rows.map(\.status), [.new, .customer])   // a key first seen on line 3 is a column too
        XCTAssertEqual(r.malformedLines, 1)
        XCTAssertEqual(r.samples, ["\(r.rows[0].file):2: not a JSON object"])
    }

    func testTimeForms() {
        var utc = ReportTimeZone.utc
        let t: Int64 = day0 + 10 * 3600 + 15 * 60   // 2026-03-02 10:15 UTC
        for text in ["2026-03-02T10:15:00Z", "2026-03-02 10:15", "2026-03-02T10:15:00.123Z", "2026-03-02T12:15:00+02:00",
                     "2026-03-02T05:15:00-0500", "2026/03/02 10:15:00", "\(t)", "\(t)000"] {
            XCTAssertEqual(CRMTime.parse(text, zone: &utc), t, text)
        }
        XCTAssertEqual(CRMTime.parse("2026-03-02", zone: &utc), day0)
        // Without a zone, the report's: Berlin is UTC+1 in March before the switch, +2 in July.
        var berlin = try! ReportTimeZone("Europe/Berlin")
        XCTAssertEqual(CRMTime.parse("2026-03-02 11:15", zone: &berlin), t)
        XCTAssertEqual(CRMTime.parse("2026-07-01 02:00", zone: &berlin), LogTime.daysFromCivil(year: 2026, month: 7, day: 1) * 86400)
        XCTAssertNil(CRMTime.parse(String(repeating: "9", count: 40), zone: &utc))   // a number, not a time
        for bad in ["yesterday", "2026-13-01", "2026-02-30", "02/03/2026", "2026-03-02T25:00", "2026-03-02T10:15Zjunk", ""] {
            XCTAssertNil(CRMTime.parse(bad, zone: &utc), bad)
        }
    }

    /// `[crm] time_format` for the layouts ISO 8601 doesn't cover; month or day first is the
    /// config's call, never a guess.
    func testTimeFormatsOfTheConfig() throws {
        var utc = ReportTimeZone.utc
        let t: Int64 = day0 + 10 * 3600 + 15 * 60   // 2026-03-02 10:15 UTC
        let us = try XCTUnwrap(CRMTimeFormat("%m/%d/%Y %I:%M %p"))
        XCTAssertEqual(us.parse("3/2/2026 10:15 AM", zone: &utc), t)
        XCTAssertEqual(us.parse("03/02/2026 10:15 pm", zone: &utc), t + 12 * 3600)
        XCTAssertEqual(us.parse("3/2/2026 12:05 AM", zone: &utc), day0 + 5 * 60)
        XCTAssertEqual(us.parse("3/2/2026", zone: &utc), day0)          // a date alone is midnight
        XCTAssertNil(us.parse("13/2/2026 10:15 AM", zone: &utc))
        XCTAssertNil(us.parse("3/2/2026 13:15 AM", zone: &utc))
        let de = try XCTUnwrap(CRMTimeFormat("%d.%m.%Y %H:%M"))
        XCTAssertEqual(de.parse("02.03.2026 10:15", zone: &utc), t)
        var berlin = try ReportTimeZone("Europe/Berlin")
        XCTAssertEqual(de.parse("02.03.2026 11:15", zone: &berlin), t)
        XCTAssertEqual(CRMTimeFormat("%d %b %Y %H:%M:%S %z")?.parse("2 March 2026 12:15:00 +0200", zone: &utc), t)
        XCTAssertNil(CRMTimeFormat("%H:%M"))          // no date
        XCTAssertNil(CRMTimeFormat("%Y-%m-%d %q"))    // no such directive
        let r = try read("id,created,ip\n1,3/2/2026 10:15 AM,192.0.2.1\n") { $0.timeFormat = us }
        XCTAssertEqual(r.rows.first?.time, t)
        XCTAssertThrowsError(try IngestConfig.parse("[crm]\ntime_format = \"%H:%M\"\n", origin: "ingest.toml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("ingest.toml:2: `crm.time_format` \"%H:%M\" needs %Y"), "\(e)")
        }
        let bad = try read("id,created,ip\n1,3/2/2026 10:15 AM,192.0.2.1\n")
        XCTAssertTrue(bad.warnings.contains { $0.contains("set [crm] time_format") }, "\(bad.warnings)")
    }

    func testStatusWords() {
        let m = LeadStatusMapping()
        XCTAssertEqual(m.status(of: "Closed - Won"), .customer)
        XCTAssertEqual(m.status(of: "MQL"), .qualified)
        XCTAssertEqual(m.status(of: "JUNK"), .spam)
        XCTAssertEqual(m.status(of: ""), .new)
        XCTAssertNil(m.status(of: "maybe later"))
        var words = LeadStatusMapping.defaults
        words[.customer] = ["signed"]
        let custom = LeadStatusMapping(words: words)
        XCTAssertEqual(custom.status(of: "Signed"), .customer)
        XCTAssertNil(custom.status(of: "won"))
        XCTAssertTrue(LeadStatus.customer.isQualified)
        XCTAssertFalse(LeadStatus.spam.isQualified)
    }

    func testCostFiles() throws {
        func parse(_ text: String) throws -> ChannelCosts { try ChannelCosts.parse(Array(text.utf8), origin: "costs.csv") }
        let mixed = try parse("channel,cost,hours,hourly_rate\nOrganic Social,,20,35\npaid_search,400,,\nOrganic Social,15.5,,\n")
        XCTAssertEqual(mixed[.organicSocial], 715.5)   // hours × rate, plus a second row
        XCTAssertEqual(mixed[.paidSearch], 400)
        XCTAssertNil(mixed[.email])
        XCTAssertEqual(try parse("Email,50\nDisplay,0\n").costs, [.email: 50, .display: 0])
        XCTAssertEqual(try parse("Organic Social,10,40\n")[.organicSocial], 400)
        XCTAssertThrowsError(try parse("Organic Socail,10\n")) { e in
            XCTAssertEqual("\(e)", "costs.csv:1: \"Organic Socail\" is no channel (did you mean \"Organic Social\"?); channels are: Direct, Organic Search, Paid Search, Organic Social, Paid Social, Email, Referral, Affiliates, Display, Organic Video, Paid Video, Organic Shopping, Paid Shopping, Paid Other, Cross-network, Audio, SMS, Mobile Push Notifications, Unassigned, AI Assistants")
        }
        XCTAssertThrowsError(try parse("channel,cost\nEmail,\"1,200\"\n")) { e in
            XCTAssertTrue("\(e)".hasPrefix("costs.csv:2: cost \"1,200\" is not a number ≥ 0"), "\(e)")
        }
        XCTAssertThrowsError(try parse("channel,cost\nEmail,-5\n"))
        XCTAssertThrowsError(try parse("channel,hours,hourly_rate\nEmail,3,\n")) { e in
            XCTAssertTrue("\(e)".contains("hours and hourly_rate go together"), "\(e)")
        }
        XCTAssertThrowsError(try parse("")) { e in XCTAssertTrue("\(e)".contains("empty costs file"), "\(e)") }
    }

    /// ROI: value − cost over cost; −1 with cost and no value; empty with no cost or a cost of
    /// 0; cost per lead and customer empty without leads or customers.
    func testROITable() throws {
        let dir = TempDir()
        let costs = dir.write("costs.csv", "channel,cost,hours,hourly_rate\norganic_search,4.5,2,10\nOrganic Social,10,,\nEmail,0,,\n")
        let crm = dir.write("crm.csv", "id,created,status,amount,ip\n1,\(LogTime.isoTimestamp(day0 + 60)),won,0,192.0.2.1\n2,\(LogTime.isoTimestamp(day0 + 60)),new,0,192.0.2.4\n")
        let job = try runJob([[
            line("192.0.2.1", day0, "/", ref: "https://www.google.com/"), line("192.0.2.1", day0 + 30, "/thank-you"),
            line("192.0.2.2", day0, "/", ref: "https://t.co/x"),
            line("192.0.2.3", day0, "/"), line("192.0.2.3", day0 + 30, "/thank-you"),
            line("192.0.2.4", day0, "/?utm_source=news&utm_medium=email"),
        ]], configure: {
            $0.goals = [Goal(name: "purchase", path: "/thank-you", value: 49)]
            $0.costsFile = costs
            $0.crm.files = [crm]
        })
        let roi = TrafficTables(aggregates: job.aggregates, paths: job.stage.paths, stats: job.stats, costs: job.costs, hasLeads: true).roi.render()
        XCTAssertEqual(roi, """
        channel,cost,value,roi,cost_per_lead,cost_per_customer\r
        Direct,,49.00,,,\r
        Email,0.00,0.00,,0.00,\r
        Organic Search,24.50,49.00,1.0000,24.50,24.50\r
        Organic Social,10.00,0.00,-1.0000,,\r

        """)
    }

    func testVisitorIDField() {
        XCTAssertNil(VisitorIDField("extra:0"))
        XCTAssertNil(VisitorIDField(""))
        XCTAssertEqual(VisitorIDField("$cookie_uid")?.name, "$cookie_uid")
        XCTAssertNil(VisitorIDField("$cookie_uid")?.extraIndex)
        let second = VisitorIDField("extra:2")!
        XCTAssertEqual(second.description, "extra:2")
        func id(_ field: VisitorIDField, _ text: String) -> String? {
            var hit = Hit()
            return text.withSpan { span in
                XCTAssertTrue(NCSAParser(.combined).parse(span, into: &hit))
                hit.line = span
                return field.value(in: hit)?.string
            }
        }
        let base = line("192.0.2.1", day0, "/")
        XCTAssertEqual(id(VisitorIDField("extra:1")!, base + " \"u-42\""), "u-42")
        XCTAssertEqual(id(second, base + " 10.0.0.1 u-43"), "u-43")
        XCTAssertNil(id(VisitorIDField("extra:1")!, base + " \"-\""))
        XCTAssertNil(id(second, base + " \"u-44\""))
        XCTAssertNil(id(VisitorIDField("extra:1")!, base))
    }

    func testCRMConfigAndItsTypos() throws {
        let text = """
        visitor_id_field = "extra:2"

        [crm]
        files = ["exports/crm.csv"]
        time = "Create Date"
        lead_parameter = "order"
        join_window_minutes = 10
        time_format = "%m/%d/%Y %I:%M %p"

        [crm.statuses]
        customer = ["signed", "won"]

        [costs]
        "Organic Social" = { hours = 12, hourly_rate = 40 }
        paid_search = 250
        """
        let c = try IngestConfig.parse(text, origin: "ingest.toml")
        XCTAssertEqual(c.crm.files, ["exports/crm.csv"])
        XCTAssertEqual(c.visitorIDField, "extra:2")
        XCTAssertEqual(c.crm.columns.named, [.time: "Create Date"])
        XCTAssertEqual(c.crm.leadParameter, "order")
        XCTAssertEqual(c.crm.joinWindow, 600)
        XCTAssertEqual(c.crm.timeFormat?.pattern, "%m/%d/%Y %I:%M %p")
        XCTAssertEqual(c.crm.statuses.status(of: "Signed"), .customer)
        XCTAssertEqual(c.costs?.costs, [.organicSocial: 480, .paidSearch: 250])
        // Files in a config are found beside it.
        XCTAssertEqual(IngestOptions(config: c, origin: "/etc/ingest/ingest.toml").crm.files, ["/etc/ingest/exports/crm.csv"])
        // The printed config reads back the same.
        XCTAssertEqual(try IngestConfig.parse(c.render(), origin: "printed"), c)

        XCTAssertThrowsError(try IngestConfig.parse("site = []\n[crm]\ntme = \"created\"\n", origin: "ingest.toml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("ingest.toml:3: unknown key `crm.tme` (did you mean `time`?)"), "\(e)")
        }
        XCTAssertThrowsError(try IngestConfig.parse("[crm.statuses]\nwon = [\"x\"]\n", origin: "ingest.toml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("ingest.toml:2: unknown key `crm.statuses.won`"), "\(e)")
        }
        XCTAssertThrowsError(try IngestConfig.parse("[costs]\nFacebook = 10\n", origin: "ingest.toml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("ingest.toml:2: \"Facebook\" is no channel"), "\(e)")
        }
        XCTAssertThrowsError(try IngestConfig.parse("visitor_id_field = \"extra:0\"\n", origin: "ingest.toml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("ingest.toml:1: `visitor_id_field` must be \"extra:N\""), "\(e)")
        }
    }
}
