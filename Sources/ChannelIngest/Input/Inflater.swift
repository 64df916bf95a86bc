import CISAL
import CZlib

/// Which library inflates gzip input (`--inflate`). ISA-L (Intel's igzip) inflates the same
/// stream about 5× faster than zlib, so it is the default; zlib stays as the reference the
/// ISA-L reader is checked against (the tests read every input with both and compare bytes).
public enum InflateLibrary: String, CaseIterable, Sendable {
    case isal, zlib

    /// What a run uses unless told otherwise.
    public static let standard: InflateLibrary = .isal
}

/// One step of inflating a gzip member.
enum InflateStep: Equatable {
    /// Input was consumed or output produced (or neither, when more input is needed).
    case progress
    /// The member ended, its CRC-32 and ISIZE checked.
    case memberEnd
    /// The data is not valid gzip; the text says why.
    case failed(String)
}

/// A gzip member decoder: header, deflate data and trailer (CRC-32 and ISIZE checked). One
/// instance reads one member after another, `startMember` between them.
protocol Inflater: AnyObject {
    func startMember() throws
    /// Inflates from `input` into `output`; returns what it consumed and produced.
    func inflate(_ input: UnsafeMutablePointer<UInt8>, _ availIn: Int,
                 _ output: UnsafeMutablePointer<UInt8>, _ availOut: Int) -> (consumed: Int, produced: Int, step: InflateStep)
}

func makeInflater(_ library: InflateLibrary) -> Inflater {
    switch library {
    case .isal: return ISALInflater()
    case .zlib: return ZlibInflater()
    }
}

/// zlib's `inflate` with the gzip wrapper (window bits 15 + 16).
final class ZlibInflater: Inflater {
    private var stream = z_stream()
    private var open = false

    deinit { if open { inflateEnd(&stream) } }

    func startMember() throws {
        if open { inflateReset(&stream); return }
        stream = z_stream()
        let rc = czlib_inflate_init_gzip(&stream)
        guard rc == Z_OK else { throw IngestError.unusableInput("zlib could not start (\(rc))") }
        open = true
    }

    func inflate(_ input: UnsafeMutablePointer<UInt8>, _ availIn: Int,
                 _ output: UnsafeMutablePointer<UInt8>, _ availOut: Int) -> (consumed: Int, produced: Int, step: InflateStep) {
        stream.next_in = input
        stream.avail_in = UInt32(availIn)
        stream.next_out = output
        stream.avail_out = UInt32(availOut)
        let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
        let consumed = availIn - Int(stream.avail_in), produced = availOut - Int(stream.avail_out)
        switch rc {
        case Z_OK, Z_BUF_ERROR: return (consumed, produced, .progress)
        case Z_STREAM_END: return (consumed, produced, .memberEnd)
        default: return (consumed, produced, .failed(stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"))
        }
    }
}

/// ISA-L's `isal_inflate` with `ISAL_GZIP`: it parses the header, inflates, and checks the
/// trailer's CRC-32 and ISIZE itself.
final class ISALInflater: Inflater {
    /// The state is ~40 KB of tables: on the heap, once per input.
    private let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)

    /// How many of the member's first four header bytes (magic, method, flags) were looked at.
    private var headerSeen = 4
    private var method: UInt8 = 8

    init() { isal_inflate_init(state) }
    deinit { state.deallocate() }

    func startMember() throws {
        isal_inflate_reset(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        headerSeen = 0
    }

    func inflate(_ input: UnsafeMutablePointer<UInt8>, _ availIn: Int,
                 _ output: UnsafeMutablePointer<UInt8>, _ availOut: Int) -> (consumed: Int, produced: Int, step: InflateStep) {
        // RFC 1952 says a reader must refuse a header with a reserved flag bit set, and zlib
        // does; ISA-L reads on. Checked here, so both libraries find the same damage.
        if headerSeen < 4 {
            for k in headerSeen..<min(4, headerSeen + availIn) {
                let b = input[k - headerSeen]
                if k == 2 { method = b }
                // zlib reads method and flags together and then judges them, method first:
                // so do we, for the same words and the same damage offset.
                if k == 3 && (method != 8 || b & 0xE0 != 0) {
                    return (k - headerSeen + 1, 0, .failed(method != 8 ? "unknown compression method" : "unknown header flags set"))
                }
            }
        }
        state.pointee.next_in = input
        state.pointee.avail_in = UInt32(availIn)
        state.pointee.next_out = output
        state.pointee.avail_out = UInt32(availOut)
        let rc = isal_inflate(state)
        let consumed = availIn - Int(state.pointee.avail_in), produced = availOut - Int(state.pointee.avail_out)
        if headerSeen < 4 { headerSeen = min(4, headerSeen + consumed) }
        guard rc >= 0 else { return (consumed, produced, .failed(Self.message(rc))) }
        // ISA-L reads ahead into its bit buffer; what a finished member did not use is handed
        // back (the next member, or what follows it) by rewinding `next_in` over those bytes.
        if state.pointee.block_state == ISAL_BLOCK_FINISH {
            let unusedBits = Int(state.pointee.read_in_length)
            let back = max(0, unusedBits / 8)
            return (max(0, consumed - back), produced, .memberEnd)
        }
        return (consumed, produced, .progress)
    }

    /// zlib's words for the same faults, so a damaged file reads the same with either library.
    static func message(_ rc: Int32) -> String {
        switch rc {
        case ISAL_INVALID_BLOCK: return "invalid block type"
        case ISAL_INVALID_SYMBOL: return "invalid code"
        case ISAL_INVALID_LOOKBACK: return "invalid distance too far back"
        case ISAL_INVALID_WRAPPER: return "incorrect header check"
        case ISAL_UNSUPPORTED_METHOD: return "unknown compression method"
        case ISAL_INCORRECT_CHECKSUM: return "incorrect data check"
        case ISAL_NEED_DICT: return "need dictionary"
        default: return "ISA-L error \(rc)"
        }
    }
}
