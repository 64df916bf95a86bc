import ArgumentParser
import ChannelIngest
import Foundation

/// The stages of a distributed run (docs/spark.md): `map` per input, `reduce` per partition,
/// `merge` once. Each takes every option of `run`, so a working command line moves to a
/// cluster unchanged; each reads and writes streams, so they also run without Spark:
///
///     ingest map a.gz b.gz --config c.toml | LC_ALL=C sort | ingest reduce --config c.toml \
///       | ingest merge --config c.toml --out report/
extension Ingest {
    struct Map: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Distributed run, stage 1: read inputs, write their events by partition and what reading counted.",
            discussion: "Without --out-dir: one partition, event lines then the partial on standard output. With --out-dir: events-00000.tsv … (one a partition) and map.partial.")

        @Argument(help: "Log files, as for run.")
        var files: [String] = []

        @OptionGroup var settings: RunOptions

        @Option(help: "How many partitions the events are split into (by visitor; default 1).")
        var partitions = 1

        @Option(name: .customLong("out-dir"), help: "Folder for the partitions' event files and map.partial (default: standard output).")
        var outDir: String?

        @Option(help: "This input's rank among all the run's inputs (name order; the Spark driver gives it). Needs exactly one file.")
        var rank: Int?

        @Option(name: .customLong("input-name"), help: "The name the input is reported under (a task's local copy of it). Needs exactly one file.")
        var inputName: String?

        func run() throws {
            try Stage.run {
                var o = try settings.options(files: files)
                o.inputRank = rank ?? (inputName != nil ? 0 : nil)
                o.inputName = inputName
                try IngestJob(options: o).runMap(partitions: partitions, output: outDir.map { .folder($0) } ?? .standardOutput)
            }
        }
    }

    struct Reduce: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Distributed run, stage 2: sessionize, attribute and count one partition's events; write its partial.",
            discussion: "Streams are event files of one partition (gzip or plain; - or none: standard input), in map order or sorted.")

        @Argument(help: "Event streams of one partition.")
        var streams: [String] = []

        @OptionGroup var settings: RunOptions

        @Option(help: "Which partition this is (0-based), with --partitions: the merge then checks that none is missing.")
        var partition: Int?

        @Option(help: "How many partitions the run has.")
        var partitions: Int?

        @Option(help: "Write the partial here (default: standard output).")
        var output: String?

        @Option(name: .customLong("map-partial"), help: ArgumentHelp("A map task's map.partial, consulted (which CRM rows are this partition's; whether the logs have assets), not passed on. Repeatable: give every map's.", valueName: "file"))
        var mapPartials: [String] = []

        func validate() throws {
            if (partition == nil) != (partitions == nil) { throw ValidationError("--partition and --partitions go together") }
            if let p = partition, let n = partitions, !(0..<n).contains(p) { throw ValidationError("--partition \(p) is not one of 0–\(n - 1)") }
        }

        func run() throws {
            try Stage.run {
                let o = try settings.options(files: [])
                let label = partition.map { IngestJob.PartitionLabel(index: $0, count: partitions!) }
                let text = try IngestJob(options: o).runReduce(streams: streams, partition: label, mapPartials: mapPartials)
                if let output {
                    try AtomicFile.write(text, to: URL(fileURLWithPath: output))
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Distributed run, stage 3: add the map and reduce partials and write the tables, summary.json and report.html to --out.")

        @Argument(help: "Partial files (- or none: standard input).")
        var partials: [String] = []

        @OptionGroup var settings: RunOptions

        func run() throws {
            try Stage.run {
                let o = try settings.options(files: [])
                let job = IngestJob(options: o)
                try job.runMerge(partials: partials)
                let tables = try ReportWriter.write(job: job, to: o.outDir)
                if settings.json {
                    print(SummaryJSON.render(job: job), terminator: "")
                } else if !settings.quiet {
                    for w in job.stats.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
                    print(ConsoleSummary.render(verdict: Verdict(tables: tables), stats: job.stats, outDir: o.outDir,
                                                report: o.writesHTML ? ReportWriter.htmlName : nil), terminator: "")
                }
            }
        }
    }
}

/// One line on stderr and the error's exit status, as `run` does.
enum Stage {
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as IngestError {
            FileHandle.standardError.write(Data("ingest: \(e.description)\n".utf8))
            throw ExitCode(e.exitCode)
        }
    }
}
