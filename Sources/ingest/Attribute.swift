import ArgumentParser
import ChannelIngest
import Foundation

extension Ingest {
    /// `ingest attribute paths.csv`: attribution again from the journeys alone, in a second.
    struct Attribute: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute attribution from a paths.csv alone (no logs): markov, shapley and the rule models on its paths.",
            discussion: """
                Writes attribution.csv's columns (channel, model, conversions, value) to standard output, or to DIR/attribution.csv \
                with --out. markov and shapley are the run's own figures for the same paths. The rule models credit a path's steps \
                (a path has no times, and one step may stand for several sessions), so they can differ from the run's, which credits \
                sessions; time-decay needs the sessions' times and is not available here.
                """)

        @Argument(help: "A paths.csv (of ingest, or any CSV with path, conversions, non_conversions and optionally value); - for standard input.")
        var paths: String

        @Option(help: "Only this model: \(PathAttribution.models.map(\.rawValue).joined(separator: ", ")) (default: all of them).")
        var model: String?

        @Option(help: "Write DIR/attribution.csv instead of standard output.")
        var out: String?

        func validate() throws {
            if let model {
                guard let m = AttributionModel(rawValue: model) else {
                    throw ValidationError("--model \(model): use \(PathAttribution.models.map(\.rawValue).joined(separator: ", "))")
                }
                guard PathAttribution.models.contains(m) else {
                    throw ValidationError("--model \(model) needs the sessions' times, which paths.csv does not have: use \(PathAttribution.models.map(\.rawValue).joined(separator: ", "))")
                }
            }
        }

        func run() throws {
            try Stage.run {
                let rows = try PathsFile.rows(path: paths)
                let table = PathAttribution.table(rows, models: model.flatMap(AttributionModel.init(rawValue:)).map { [$0] } ?? PathAttribution.models)
                if let out {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                    try AtomicFile.write(table.render(), to: URL(fileURLWithPath: out).appendingPathComponent("attribution.csv"))
                } else {
                    FileHandle.standardOutput.write(Data(table.render().utf8))
                }
            }
        }
    }
}
