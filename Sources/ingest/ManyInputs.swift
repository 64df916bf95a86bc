import ArgumentParser
import Foundation

/// Parses a command line that names thousands of log files (a CDN's day: `ingest parts/*.gz`)
/// in the time ArgumentParser takes for a few.
///
/// ArgumentParser 1.8 stores each value of an array argument by copying the array so far and
/// the set of places its values came from, so n files cost n² copies: 2,000 files took 0.12 s
/// of parsing before the first byte was read (callgrind: 1.3 G instructions), a third of what
/// reading them cost beyond one file of the same lines. So runs of file names are folded into
/// one stand-in each before parsing and unfolded after.
///
/// What is folded is only what must be a file whatever the options are: every option of ours
/// takes at most one value, written right after it, so in a run of arguments that do not
/// start with `-`, only the first can be an option's value (or the subcommand's name) and the
/// rest are positional; after `--`, everything is. Each run's rest becomes one stand-in,
/// which is itself positional, in the place of what it stands for, so the files come out in
/// their order. Command lines with fewer than `threshold` such files are parsed as they are;
/// a command other than `run`, or any error, is parsed again from the original arguments, so
/// messages and help are ArgumentParser's own.
enum ManyInputs {
    static let threshold = 64

    static func parse(_ arguments: [String]) throws -> ParsableCommand {
        let folded = fold(arguments)
        guard folded.count >= threshold,
              let command = try? Ingest.parseAsRoot(folded.arguments), var run = command as? Ingest.Run else {
            return try Ingest.parseAsRoot(arguments)
        }
        run.files = run.files.flatMap { folded.runs[$0] ?? [$0] }
        return run
    }

    /// The arguments with each foldable run replaced by a stand-in, the runs by stand-in, and
    /// how many arguments were folded.
    static func fold(_ arguments: [String]) -> (arguments: [String], runs: [String: [String]], count: Int) {
        // A stand-in no command line holds: a control character and this process's nonce.
        let tag = "\u{1}ingest-files-\(UInt64.random(in: 0...UInt64.max))-"
        var out: [String] = []
        var runs: [String: [String]] = [:]
        var count = 0
        var pending: [String] = []
        var afterTerminator = false
        var previousIsValue = false
        func flush() {
            guard !pending.isEmpty else { return }
            let key = tag + String(runs.count)
            runs[key] = pending
            out.append(key)
            count += pending.count
            pending.removeAll()
        }
        for a in arguments {
            if afterTerminator || (previousIsValue && !a.hasPrefix("-")) {
                pending.append(a)
                continue
            }
            flush()
            out.append(a)
            if a == "--" { afterTerminator = true }
            previousIsValue = !a.hasPrefix("-")
        }
        flush()
        return (out, runs, count)
    }
}
