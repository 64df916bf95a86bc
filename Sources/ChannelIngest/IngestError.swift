/// Errors that stop a run. Each message is one line that says what to fix.
public enum IngestError: Error, CustomStringConvertible, Sendable {
    /// A file that can't be opened, a directory, an unreadable config.
    case unusableInput(String)
    /// A flag value that makes no sense.
    case badArgument(String)
    /// No known format fits the file's first lines.
    case unknownFormat(String)
    /// More malformed lines than `--max-malformed` allows.
    case tooManyMalformed(String)
    /// Writing a report failed.
    case output(String)
    /// Another run holds the state file (`--state`).
    case stateBusy(String)
    /// The state file could not be read or written.
    case state(String)

    public var description: String {
        switch self {
        case .unusableInput(let m), .badArgument(let m), .unknownFormat(let m),
             .tooManyMalformed(let m), .output(let m), .stateBusy(let m), .state(let m):
            return m
        }
    }
}

extension IngestError {
    /// Exit status: 2 for what the user should change in the command, 3 for the input itself,
    /// 4 for output problems, 5 when another run holds the state, 6 when the state file fails.
    public var exitCode: Int32 {
        switch self {
        case .badArgument: return 2
        case .unusableInput, .unknownFormat, .tooManyMalformed: return 3
        case .output: return 4
        case .stateBusy: return 5
        case .state: return 6
        }
    }
}
