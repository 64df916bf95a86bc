import Foundation

/// The lines of one stream of a distributed run's stage (a map's event file, a partial; a file
/// or standard input, gzip or plain), read through a buffer of its own.
final class LineSource {
    let name: String
    private let input: DecompressedInput
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 20
    private var start = 0, end = 0
    private var inputDone = false
    /// The number of the line `next()` returned last.
    private(set) var lineNumber = 0

    init(path: String) throws {
        name = path == "-" ? "standard input" : path
        input = try DecompressedInput(path: path)
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Damage of a gzip stream, once read to its end.
    var damage: InputDamage? { input.damage }

    /// The next line without taking it: `next()` returns it again.
    func peek() -> ByteSpan? {
        let n = lineNumber
        let line = next()
        if line != nil {
            // `next` only moves `start` past the line (a refill moves the bytes to the front).
            start = line!.base - UnsafePointer(buffer)
            lineNumber = n
        }
        return line
    }

    /// The next line without its newline (valid until the next call); nil at the end.
    func next() -> ByteSpan? {
        while true {
            if let nl = memchr(buffer + start, 0x0A, end - start) {
                let at = nl.assumingMemoryBound(to: UInt8.self) - buffer
                let line = ByteSpan(base: buffer + start, count: at - start)
                start = at + 1
                lineNumber += 1
                return line
            }
            if inputDone {
                guard start < end else { return nil }
                // A last line without a newline.
                let line = ByteSpan(base: buffer + start, count: end - start)
                start = end
                lineNumber += 1
                return line
            }
            fill()
        }
    }

    private func fill() {
        if start > 0 {
            memmove(buffer, buffer + start, end - start)
            end -= start
            start = 0
        }
        if end == capacity {
            // A line longer than the buffer: make room (event lines are short; this is for
            // partial records with long texts).
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            memcpy(bigger, buffer, end)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        let n = input.read(into: buffer + end, capacity: capacity - end)
        if n == 0 { inputDone = true } else { end += n }
    }
}
