/// One line as the reader thread parsed it, kept in its chunk until the main thread takes it.
///
/// Parsing runs on the reader thread beside decompression; the main thread (bots, channels,
/// sessions) gets lines already cut into fields. The record is the parsed `Hit` itself: its
/// spans point into the chunk (its lines, and the arena after them for rewritten values),
/// which neither moves nor is reused before the main thread recycles it. (Stored as offsets
/// and rebuilt, the hand-over cost ~150 instructions a line, the callgrind counts showed.)
public struct ParsedLine {
    public enum Kind: UInt8 {
        case hit
        /// The line does not fit the format (or the file has none); `line` is its extent.
        case malformed
        /// Longer than `LineReader.maxLineLength`; `line` covers a sample of its start.
        case oversized
        /// A header or comment the format defines (W3C `#Fields:`): neither a hit nor malformed.
        case comment
    }

    public var kind: Kind
    /// The hit's fields (a `.hit`), with `line` the line's extent (every kind).
    public var hit: Hit

    /// The line's extent (or, for `.oversized`, the sample of its start).
    public var line: ByteSpan { hit.line }

    init(kind: Kind, line: ByteSpan) {
        self.kind = kind
        hit = Hit()
        hit.line = line
    }

    /// A parsed hit of `line`.
    @inline(__always)
    init(hit h: Hit, line: ByteSpan) {
        kind = .hit
        hit = h
        hit.line = line
    }
}
