/// One line as the reader thread parsed it: field positions as offsets into its chunk, so the
/// record holds no pointer and the main thread rebuilds the `Hit` spans for free.
///
/// Parsing runs on the reader thread beside decompression; the main thread (bots, channels,
/// sessions) gets lines already cut into fields.
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

    /// A field: offset from the chunk's start and length.
    ///
    /// A chunk and its arena are `2 * LineReader.chunkSize` bytes (the precondition in
    /// `LineChunk.init` holds them under 2 GiB), so offsets and lengths fit 32 bits and are stored without the
    /// overflow checks a plain `Int32(_:)` makes six times a field, ten fields a line.
    public struct Field {
        public var offset: Int32
        public var count: Int32

        @inline(__always)
        init(_ span: ByteSpan, in base: UnsafePointer<UInt8>) {
            if span.count == 0 {
                offset = 0
                count = 0
            } else {
                offset = Int32(truncatingIfNeeded: span.base - base)
                count = Int32(truncatingIfNeeded: span.count)
            }
        }

        @inline(__always)
        func span(in base: UnsafePointer<UInt8>) -> ByteSpan {
            ByteSpan(base: base + Int(offset), count: Int(count))
        }
    }

    public var kind: Kind
    public var line: Field
    public var time: Int64 = 0
    public var status: Int32 = 0
    public var hasUserAgentField = true
    public var client = Field(.empty, in: emptyByte)
    public var method = Field(.empty, in: emptyByte)
    public var target = Field(.empty, in: emptyByte)
    public var referrer = Field(.empty, in: emptyByte)
    public var userAgent = Field(.empty, in: emptyByte)
    public var host = Field(.empty, in: emptyByte)
    public var visitorID = Field(.empty, in: emptyByte)
    public var event = Field(.empty, in: emptyByte)
    public var sessionID = Field(.empty, in: emptyByte)
    public var eventValue = Field(.empty, in: emptyByte)

    init(kind: Kind, line: ByteSpan, base: UnsafePointer<UInt8>) {
        self.kind = kind
        self.line = Field(line, in: base)
    }

    /// A parsed hit's fields, relative to `base`.
    @inline(__always)
    init(hit h: Hit, line: ByteSpan, base: UnsafePointer<UInt8>) {
        kind = .hit
        self.line = Field(line, in: base)
        time = h.time
        status = Int32(h.status)
        hasUserAgentField = h.hasUserAgentField
        client = Field(h.client, in: base)
        method = Field(h.method, in: base)
        target = Field(h.target, in: base)
        referrer = Field(h.referrer, in: base)
        userAgent = Field(h.userAgent, in: base)
        host = Field(h.host, in: base)
        visitorID = Field(h.visitorID, in: base)
        event = Field(h.event, in: base)
        sessionID = Field(h.sessionID, in: base)
        eventValue = Field(h.eventValue, in: base)
    }

    /// The `Hit` again, with spans into the chunk at `base`.
    @inline(__always)
    func hit(in base: UnsafePointer<UInt8>, into h: inout Hit) {
        h.time = time
        h.status = Int(status)
        h.hasUserAgentField = hasUserAgentField
        h.client = client.span(in: base)
        h.method = method.span(in: base)
        h.target = target.span(in: base)
        h.referrer = referrer.span(in: base)
        h.userAgent = userAgent.span(in: base)
        h.host = host.span(in: base)
        h.line = line.span(in: base)
        h.visitorID = visitorID.span(in: base)
        h.event = event.span(in: base)
        h.sessionID = sessionID.span(in: base)
        h.eventValue = eventValue.span(in: base)
    }
}
