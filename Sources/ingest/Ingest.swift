import ArgumentParser
import ChannelIngest
import Foundation

/// Parses the command line and runs it. Errors are one line on stderr (`ingest: …`), without
/// the usage text ArgumentParser would add, and a documented exit status.
@main
enum Main {
    static func main() {
        do {
            var command = try ManyInputs.parse(Array(CommandLine.arguments.dropFirst()))
            try command.run()
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = Ingest.exitCode(for: error)
            if code == .success {
                Ingest.exit(withError: error)  // --help, --version
            }
            let message = Ingest.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("ingest: \(message.replacingOccurrences(of: "Error: ", with: ""))\n".utf8))
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Which channel brings your visitors, leads and customers: per-channel tables and a report from web-server access logs.",
        discussion: """
        Reads access logs (gzip or plain, chosen by their bytes; - is standard input), groups each visitor's hits into sessions, gives each session its GA4 default channel, joins conversions (goals in the log, rows of a CRM export) and writes CSV tables, summary.json and report.html to --out.

        Examples:
        ingest --site example.com logs/access.log*
        ingest --config ingest.toml logs/*.gz --conversions crm.csv --costs costs.csv
        ingest --state state.db /var/log/nginx/access.log*
        ingest report --state state.db --from 2026-11-01 --to 2026-11-30
        ingest explain 'https://example.com/?utm_source=x' --referrer https://t.co/

        With --state, a nightly run reads each line once and carries sessions and leads over to the next night.
        """,
        subcommands: [Run.self, Report.self, Explain.self, Formats.self, Map.self, Reduce.self, Merge.self, Attribute.self],
        defaultSubcommand: Run.self
    )
}

extension Ingest {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Read logs and write the tables (the default).")

        @Argument(help: "Log files: gzip or plain text, in any order; - reads standard input.")
        var files: [String] = []

        @OptionGroup var settings: RunOptions

        func validate() throws {
            if files.isEmpty && !settings.printConfig { throw ValidationError("no input files: pass log files (e.g. ingest logs/*.gz) or - for standard input") }
        }

        func run() throws {
            do {
                let o = try settings.options(files: files)
                if settings.printConfig {
                    print(o.asConfig.render(), terminator: "")
                    return
                }
                let job = IngestJob(options: o)
                if let path = o.statePath {
                    let store = try StateStore(path: path)
                    try job.run(state: store)
                } else {
                    try job.run()
                }
                let tables = try ReportWriter.write(job: job, to: o.outDir)
                let quiet = settings.quiet, json = settings.json
                if !quiet {
                    for w in job.stats.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
                    if job.stats.malformed > 0 {
                        FileHandle.standardError.write(Data("\(job.stats.malformed) malformed lines (samples in \(o.outDir)/summary.json)\n".utf8))
                    }
                }
                if json {
                    print(SummaryJSON.render(job: job), terminator: "")
                } else if !quiet {
                    print(ConsoleSummary.render(verdict: Verdict(tables: tables), stats: job.report?.stats ?? job.stats, outDir: o.outDir,
                                                report: o.writesHTML ? ReportWriter.htmlName : nil), terminator: "")
                }
                // (A nightly run checks this before it commits, so nothing of it is kept.)
                if o.statePath == nil, let limit = settings.maxMalformed, job.stats.lines > 0 {
                    let ratio = Double(job.stats.malformed) / Double(job.stats.lines)
                    if ratio > limit {
                        throw IngestError.tooManyMalformed(String(format: "%.4f of lines were malformed, more than --max-malformed %.4f allows (samples in %@/summary.json)", ratio, limit, o.outDir))
                    }
                }
            } catch let e as IngestError {
                FileHandle.standardError.write(Data("ingest: \(e.description)\n".utf8))
                throw ExitCode(e.exitCode)
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the tables for a range of days from a nightly state alone (no logs).",
            discussion: "Dates are days in the state's zone, inclusive. The tables are those of a one-off run over every input the state has read, limited to sessions that started and conversions that happened in the range.")

        @Option(help: "The SQLite state the nightly runs keep (--state).")
        var state: String

        @Option(help: "First day, YYYY-MM-DD (default: the state's first).")
        var from: String?

        @Option(help: "Last day, YYYY-MM-DD (default: the state's last).")
        var to: String?

        @Option(help: "Folder for the tables (default: ingest-report).")
        var out = "ingest-report"

        @Option(help: "Attribution model of the main tables (default: the nightly runs').")
        var model: String?

        @Option(help: "Costs per channel for roi.csv: a CSV of channel,cost or channel,hours,hourly_rate.")
        var costs: String?

        @Flag(help: "No table on stdout.")
        var quiet = false

        @Flag(help: "Print summary.json on stdout instead of the table.")
        var json = false

        @Flag(name: .customLong("no-html"), help: "Write the CSV tables and summary.json only, no report.html.")
        var noHTML = false

        static func day(_ text: String?, flag: String) throws -> Int64? {
            guard let text else { return nil }
            let parts = text.split(separator: "-").map { Int($0) }
            guard parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2], (1...12).contains(m), (1...31).contains(d),
                  text.count == 10 else {
                throw IngestError.badArgument("\(flag) \(text): write the day as YYYY-MM-DD, e.g. 2026-11-01")
            }
            return LogTime.daysFromCivil(year: y, month: m, day: d)
        }

        func run() throws {
            do {
                if let model, AttributionModel(rawValue: model) == nil {
                    throw IngestError.badArgument("--model \(model): use \(AttributionModel.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let from = try Self.day(from, flag: "--from"), to = try Self.day(to, flag: "--to")
                if let from, let to, from > to { throw IngestError.badArgument("--from \(self.from!) is after --to \(self.to!)") }
                guard FileManager.default.fileExists(atPath: state) else {
                    throw IngestError.badArgument("--state \(state): no such file (nightly runs make it: ingest --state \(state) LOGS…)")
                }
                let costs = try self.costs.map { try ChannelCosts.read(path: $0) }
                let store = try StateStore(path: state)
                let result = try StateReport.make(store: store, model: model.flatMap(AttributionModel.init(rawValue:)), from: from, to: to)
                let summary = SummaryJSON.render(report: result, statePath: state, from: self.from, to: self.to)
                let range = [self.from.map { "from \($0)" }, self.to.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
                let html = noHTML ? nil : HTMLReport.Context(source: "the nightly state \(state)" + (range.isEmpty ? "" : ", \(range)"))
                let tables = try ReportWriter.write(report: result, costs: costs, summary: summary, to: out, html: html)
                if json {
                    print(summary, terminator: "")
                } else if !quiet {
                    print(ConsoleSummary.render(verdict: Verdict(tables: tables), stats: result.stats, outDir: out,
                                                report: noHTML ? nil : ReportWriter.htmlName), terminator: "")
                }
            } catch let e as IngestError {
                FileHandle.standardError.write(Data("ingest: \(e.description)\n".utf8))
                throw ExitCode(e.exitCode)
            }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show why a visit gets its channel: bot verdict, campaign parameters, referrer, source and the channel rule.",
            discussion: """
            Decides with the same lists and rules as a run with the same --config and --site. A bare landing path (/pricing?utm_source=x) is taken on the first --site host.

            Example: ingest explain 'https://www.example.com/?utm_source=newsletter&utm_medium=email' --referrer https://mail.google.com/ --site example.com
            """)

        @Argument(help: "The landing URL (or a path on --site), as the visitor's first request asked for it.")
        var landing: String

        @Option(help: "The Referer header of that request.")
        var referrer: String?

        @Option(name: .customLong("user-agent"), help: "The User-Agent of that request (without it, the bot rule is skipped).")
        var userAgent: String?

        @Option(help: "Settings file (TOML): its sites, [sources] and [bots] are used.")
        var config: String?

        @Option(name: .customLong("site"), help: "Your site's host (covers www. and other subdomains). Repeatable.")
        var sites: [String] = []

        @Flag(help: "Print the explanation as one JSON object (keys in the README).")
        var json = false

        @OptionGroup var lists: ListFiles

        @Flag(name: .customLong("ai-channel"), help: "Decide with the opt-in AI Assistants channel, as a run with --ai-channel would.")
        var aiChannel = false

        func run() throws {
            do {
                var o = IngestOptions()
                if let config { o = IngestOptions(config: try IngestConfig.load(path: config), origin: config) }
                if !sites.isEmpty { o.siteHosts = sites }
                if aiChannel { o.aiChannel = true }
                lists.apply(to: &o)
                let e = try HitExplanation.make(landing: landing, referrer: referrer, userAgent: userAgent, options: o)
                print(json ? e.json : e.text, terminator: "")
            } catch let e as IngestError {
                FileHandle.standardError.write(Data("ingest: \(e.description)\n".utf8))
                throw ExitCode(e.exitCode)
            }
        }
    }

    struct Formats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the log formats with an example line each.")
        func run() {
            for f in LogFormat.allCases {
                print("\(f.rawValue)\n  \(f.example)\n")
            }
            print("auto (the default) tries every format but json and log_format on each file's first lines.")
        }
    }
}

/// The lists a user brings, for `run` and `explain` alike.
struct ListFiles: ParsableArguments {
    @Option(name: .customLong("referrer-db"), help: ArgumentHelp("Load a referrer list: Matomo's SearchEngines.yml, Socials.yml or AIAssistants.yml, or Snowplow's referers.yml. Repeatable; never overrides the built-in lists.", valueName: "file"))
    var referrerDBs: [String] = []

    @Option(name: .customLong("bot-db"), help: ArgumentHelp("Load device-detector's bots.yml (regexes) after the built-in bot patterns. Repeatable.", valueName: "file"))
    var botDBs: [String] = []

    /// Given on the command line, they replace the config's (`[lists]`).
    func apply(to o: inout IngestOptions) {
        if !referrerDBs.isEmpty { o.referrerDatabases = referrerDBs }
        if !botDBs.isEmpty { o.botDatabases = botDBs }
    }
}

/// The options of a run, shared by `run` and the stages of a distributed run (`map`, `reduce`,
/// `merge`), so a command line moves to the cluster unchanged.
struct RunOptions: ParsableArguments {
    @Option(help: "Settings file (TOML); flags given here win over it. See --print-config.")
    var config: String?

    @Option(name: .customLong("site"), help: "Your site's host (covers www. and other subdomains). Repeatable.")
    var sites: [String] = []

    @Option(help: "auto (default), combined, common, vhost_combined, w3c (CloudFront, IIS), alb, caddy, cloudflare, json (with [json] in the config). See `ingest formats`.")
    var format: String?

    @Option(name: .customLong("log-format"), help: "An nginx log_format or Apache LogFormat string, pasted from the server's config.")
    var logFormat: String?

    @Option(help: "Zone for days: an IANA name (Europe/Berlin) or an offset (+0200). Default: UTC.")
    var timezone: String?

    @Option(help: "Folder for the tables (default: ingest-report).")
    var out: String?

    @Option(name: .customLong("session-timeout"), help: "Minutes of inactivity that end a session (default: 30).")
    var sessionTimeout: Int?

    @Option(help: "Attribution model of the main tables: last-non-direct (default), last, first, linear, position, time-decay, markov, shapley.")
    var model: String?

    @Option(name: .customLong("secret-file"), help: "The secret that keys visitors (made on first use, 0600). Default: ~/.config/ingest/secret, or $INGEST_SECRET_FILE.")
    var secretFile: String?

    @Option(name: .customLong("lookback-days"), help: "Days before a conversion whose sessions may share its credit (default: 90).")
    var lookbackDays: Int?

    @Option(name: .customLong("path-transform"), help: "How paths.csv writes a journey's repeated channels: exposure (default: consecutive repeats collapse), unique, first, frequency.")
    var pathTransform: String?

    @Option(name: .customLong("max-path-channels"), help: "Longer journeys keep their last channels (default: 10; at most 16).")
    var maxPathChannels: Int?

    @Option(help: "A CRM export of leads or sales (CSV or JSON lines, gzip or not); columns as in the config's [crm]. Repeatable.")
    var conversions: [String] = []

    @Option(help: "Costs per channel for roi.csv: a CSV of channel,cost or channel,hours,hourly_rate.")
    var costs: String?

    @Option(name: .customLong("exclude-path"), help: "A path prefix whose hits are never pageviews (e.g. /api/). Repeatable.")
    var excludePaths: [String] = []

    @Option(name: .customLong("max-malformed"), help: "Fail when more than this fraction (0–1) of lines is malformed.")
    var maxMalformed: Double?

    @Option(help: "SQLite state of nightly runs: inputs are read once, sessions and leads carry over, tables cover every day the state holds.")
    var state: String?

    @Flag(help: "No progress and no table on stdout.")
    var quiet = false

    @Flag(help: "Print summary.json on stdout instead of the table.")
    var json = false

    @Flag(name: .customLong("print-config"), help: "Print the effective settings as a config file and exit.")
    var printConfig = false

    @Flag(name: .customLong("no-html"), help: "Write the CSV tables and summary.json only, no report.html.")
    var noHTML = false

    @Option(name: .customLong("inflate"), help: ArgumentHelp("The gzip library: isal (Intel ISA-L, the default, ~5× zlib's speed) or zlib (the reference).", valueName: "library"))
    var inflate: String?

    @OptionGroup var lists: ListFiles

    @Flag(name: .customLong("ai-channel"), help: "Add an AI Assistants channel (ChatGPT, Perplexity, Claude, Gemini, … by referrer or utm_source), tried right after Direct and Cross-network. Off: GA4's grouping.")
    var aiChannel = false

    func validate() throws {
        if let inflate, InflateLibrary(rawValue: inflate) == nil {
            throw ValidationError("--inflate \(inflate): use \(InflateLibrary.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        if let format, format != "auto" && LogFormat(name: format) == nil {
            throw ValidationError("--format \(format): use auto, \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let model, AttributionModel(rawValue: model) == nil {
            throw ValidationError("--model \(model): use \(AttributionModel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let t = sessionTimeout, t <= 0 { throw ValidationError("--session-timeout must be a positive number of minutes") }
        if let d = lookbackDays, d <= 0 { throw ValidationError("--lookback-days must be a positive number of days") }
        if let t = pathTransform, PathTransform(rawValue: t) == nil {
            throw ValidationError("--path-transform \(t): use \(PathTransform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let n = maxPathChannels, !(1...16).contains(n) { throw ValidationError("--max-path-channels must be 1 to 16") }
        if let m = maxMalformed, !(0...1).contains(m) { throw ValidationError("--max-malformed is a fraction between 0 and 1, e.g. 0.05") }
    }

    /// The config file's settings with this command line's flags laid over them.
    func options(files: [String]) throws -> IngestOptions {
        var o = IngestOptions()
        if let config { o = IngestOptions(config: try IngestConfig.load(path: config), origin: config) }
        o.files = files
        if !sites.isEmpty { o.siteHosts = sites }
        if let format { o.format = LogFormat(name: format) }
        if let logFormat {
            o.formatSetup.formatString = try FormatString(logFormat, visitorID: o.visitorIDField?.name)
            if format == nil || format == "auto" { o.format = .logFormat }
        }
        if o.format == .logFormat && o.formatSetup.formatString == nil {
            throw IngestError.badArgument("--format log_format needs the format string: --log-format '…' (or log_format in the config)")
        }
        if o.format == .json && o.formatSetup.jsonMap == nil {
            throw IngestError.badArgument("--format json needs a [json] table in the config naming the fields' key paths")
        }
        if let timezone { o.timezone = timezone }
        if let out { o.outDir = out }
        if let sessionTimeout { o.sessionTimeout = Int64(sessionTimeout) * 60 }
        if !excludePaths.isEmpty { o.excludedPathPrefixes = excludePaths }
        if let model { o.model = AttributionModel(rawValue: model)! }
        if let lookbackDays { o.lookbackDays = lookbackDays }
        if let pathTransform { o.pathTransform = PathTransform(rawValue: pathTransform)! }
        if let maxPathChannels { o.maxPathChannels = maxPathChannels }
        o.secretFile = secretFile ?? o.secretFile ?? VisitorKeyer.defaultSecretFile
        if !conversions.isEmpty { o.crm.files = conversions }
        if let costs { o.costsFile = costs }
        o.maxMalformed = maxMalformed
        if let state { o.statePath = state }
        o.quiet = quiet
        o.json = json
        if noHTML { o.writesHTML = false }
        if aiChannel { o.aiChannel = true }
        lists.apply(to: &o)
        if let inflate { o.inflate = InflateLibrary(rawValue: inflate)! }
        return o
    }

}
