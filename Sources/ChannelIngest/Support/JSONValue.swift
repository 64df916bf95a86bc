import Foundation

/// A JSON document from the `[String: Any]` literals the writers build, written by
/// `JSONEncoder`.
///
/// `JSONSerialization` wrote `summary.json` at 35 µs an input file (2,000 small CDN files:
/// 70 ms, more than reading a tenth of them); `JSONEncoder` writes the same bytes (pretty,
/// keys sorted, slashes as they are) in a fifteenth of that. The values stay literals where
/// they are made. Keys are sorted by their bytes (`JSONSerialization` ignored case and put `_`
/// before digits): the keys written are lowercase words joined by `_`, where the two orders
/// agree, and `EndToEndTests.testSummaryWritersAgree` holds the two writers to the same bytes.
enum JSONValue: Encodable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    /// A value that encodes itself: lists as long as the run's input files, where looking at
    /// every element's type (`init(_:)`) cost more than writing it.
    case encodable(any Encodable)

    /// The value of a literal's element: `NSNull`, `Bool`, any integer that fits an `Int`,
    /// `Double`, `String`, arrays and `[String: …]` dictionaries of those, and optionals of
    /// them (nil as null). Anything else is a programming error, caught by the tests.
    init(_ any: Any) {
        switch any {
        case let v as JSONValue: self = v
        case is NSNull: self = .null
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .int(i)
        case let i as any BinaryInteger: self = .int(Int(clamping: i))
        case let d as Double: self = .double(d)
        case let s as String: self = .string(s)
        case let s as Substring: self = .string(String(s))
        case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init))
        case let a as [Any]: self = .array(a.map(JSONValue.init))
        default:
            let m = Mirror(reflecting: any)
            if m.displayStyle == .optional {
                self = m.children.first.map { JSONValue($0.value) } ?? .null
            } else {
                preconditionFailure("JSONValue: no JSON for a \(type(of: any))")
            }
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): if d.isFinite { try c.encode(d) } else { try c.encodeNil() }  // JSON has no NaN
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .encodable(let e): try e.encode(to: encoder)
        }
    }

    /// The document as `summary.json` and `explain --json` write it: two-space indent,
    /// `"key" : value`, keys sorted, `/` unescaped, a newline at the end.
    static func render(_ object: [String: Any]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Nothing here can fail to encode: no key is not a string, no number is not finite.
        let data = try! encoder.encode(JSONValue(object))
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
