/// A sum of `Double`s whose result does not depend on the order of its terms.
///
/// Credits are fractions (a third of a linear conversion, a time-decay weight), summed over
/// thousands of conversions. Floating-point addition is not associative: the same credits
/// added per partition and then merged, or in another visitor order, can differ in the last
/// bit, and a table rounded to 2 decimals can then differ in a cell. Each term is instead
/// rounded once to a multiple of 2⁻⁶⁴ (an error below 10⁻¹⁹, the same for every order) and the
/// multiples are added as 128-bit integers, exactly: a one-machine run and a run split into any
/// number of partitions give the same bits.
///
/// A term's magnitude is capped at 2⁵⁰ (about 10¹⁵, far past any money amount); a term that is
/// not a number adds nothing.
public struct ExactSum: Equatable, Sendable {
    /// The sum in units of 2⁻⁶⁴.
    public private(set) var units: Int128 = 0

    static let scale = 18_446_744_073_709_551_616.0   // 2^64
    static let cap = 1_125_899_906_842_624.0           // 2^50

    public init() {}
    public init(units: Int128) { self.units = units }
    public init(_ x: Double) { add(x) }

    @inline(__always)
    public mutating func add(_ x: Double) {
        guard x != 0, x.isFinite else { return }
        let c = Swift.min(Swift.max(x, -Self.cap), Self.cap)
        units &+= Int128((c * Self.scale).rounded(.toNearestOrEven))
    }

    @inline(__always)
    public mutating func add(_ other: ExactSum) { units &+= other.units }

    /// The sum, rounded once to the nearest `Double`.
    public var value: Double { Double(units) / Self.scale }

    public static func + (a: ExactSum, b: ExactSum) -> ExactSum { ExactSum(units: a.units &+ b.units) }
}
