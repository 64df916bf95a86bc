/// Something wrong with an input file's bytes that stopped us reading it to its end.
///
/// Damage is a warning, not an error: everything before it has been read and counted.
public struct InputDamage: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case truncated = "truncated gzip stream"
        case corrupt = "corrupt gzip data"
        case trailingGarbage = "bytes after the last gzip member that are not gzip"
        case readError = "read error"
    }
    public var kind: Kind
    /// Offset in the file's (compressed) bytes where reading stopped.
    public var offset: Int
    public var detail: String

    public var message: String {
        "\(kind.rawValue) at byte \(offset)" + (detail.isEmpty ? "" : " (\(detail))")
    }
}
